/**
 * Measured (not structural) memory bounds for long fuzz runs: a full garbage collection, then
 * `heapUsed`. Works without `node --expose-gc` on the command line: V8's flag can be switched on
 * at run time, and `gc` then appears in every context created afterwards (a fresh vm context).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Gc = () => void;

function obtainGc(): Gc {
  const existing = (globalThis as { gc?: Gc }).gc;
  if (typeof existing === 'function') return existing;
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as unknown;
  if (typeof gc !== 'function') throw new Error('could not obtain a gc() function from V8');
  return gc as Gc;
}

let cachedGc: Gc | undefined;

/** Heap in use after forcing full collections (twice: weak callbacks and finalizers free more on the second). */
export function settledHeapBytes(): number {
  cachedGc ??= obtainGc();
  cachedGc();
  cachedGc();
  return process.memoryUsage().heapUsed;
}

export const MiB = 1024 * 1024;
