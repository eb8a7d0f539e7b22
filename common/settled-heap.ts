/**
 * The heap after full collections, for memory figures that mean something (the bench's, a shard's
 * at the end of a run, the tests' bounds). Works without `node --expose-gc` on the command line:
 * V8's flag can be switched on at run time, and `gc` then appears in every context created
 * afterwards (a fresh vm context).
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
