import { constants, PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { startGcTimer } from '../../harness/bench/gc-time.ts';

// A gc() of our own without --expose-gc: the flag set at run time reaches new contexts.
setFlagsFromString('--expose-gc');
const forceGc = runInNewContext('gc') as () => void;

/** Garbage: many short-lived arrays, enough for several young-generation collections. */
function churn(): number {
  let kept = 0;
  for (let i = 0; i < 400_000; i++) kept += new Array(32).fill(i).length;
  return kept;
}

async function delivered(): Promise<void> {
  // PerformanceObserver delivers on a later turn; stop() also takes what is still buffered.
  await new Promise((resolve) => setImmediate(resolve));
}

describe('bench: garbage-collection time of a run', () => {
  it('counts the collections that garbage causes, also when the run never let the event loop turn', async () => {
    const timer = startGcTimer();
    expect(churn()).toBe(400_000 * 32);
    expect(await timer.stop()).toBeGreaterThan(0);
  });

  it('leaves out the collections the bench forces for its heap readings', async () => {
    // Every collection, as V8 reports it, beside the timer: the timer must count exactly the
    // unforced ones (a natural collection may still happen meanwhile).
    const all: Array<{ forced: boolean; ms: number }> = [];
    const raw = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) all.push({ forced: (((e as { detail?: { flags?: number } }).detail?.flags ?? 0) & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) !== 0, ms: e.duration });
    });
    raw.observe({ entryTypes: ['gc'] });
    const timer = startGcTimer();
    for (let i = 0; i < 5; i++) forceGc();
    const counted = await timer.stop();
    raw.disconnect();
    const forced_ms = all.filter((e) => e.forced).reduce((n, e) => n + e.ms, 0);
    const natural_ms = all.filter((e) => !e.forced).reduce((n, e) => n + e.ms, 0);
    expect(all.filter((e) => e.forced)).toHaveLength(5);
    expect(forced_ms).toBeGreaterThan(0);
    expect(counted).toBeCloseTo(natural_ms, 6);
  });

  it('stops counting when stopped', async () => {
    const timer = startGcTimer();
    const total = await timer.stop();
    churn();
    await delivered();
    expect(await timer.stop()).toBe(total);
  });
});
