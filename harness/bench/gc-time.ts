import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

/**
 * Time the garbage collector spent while a measured run went on (issue 19 asks for GC below 5 %
 * of a run's CPU). V8 reports every collection as a `gc` performance entry with its duration;
 * the ones the bench forces itself (`gc()` before a heap reading) carry the forced flag and are
 * left out, so heap readings taken during the run do not count as the run's garbage.
 */
export interface GcTimer {
  /** Stops observing; the collections' total duration in ms since `startGcTimer`. */
  stop(): Promise<number>;
}

function forced(entry: PerformanceEntry): boolean {
  const flags = ((entry as { detail?: unknown }).detail as { flags?: number } | null | undefined)?.flags ?? 0;
  return (flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) !== 0;
}

export function startGcTimer(): GcTimer {
  let total_ms = 0;
  const add = (entries: readonly PerformanceEntry[]): void => {
    // wall-clock: a benchmark's own measurement of the collector, never seen by the simulation.
    for (const e of entries) if (!forced(e)) total_ms += e.duration;
  };
  const observer = new PerformanceObserver((list) => add(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  return {
    async stop(): Promise<number> {
      // Node makes a collection's entry on a later turn of the event loop, which a run that
      // only awaits promises never gives it: let the loop turn, then take what is still buffered.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      add(observer.takeRecords());
      observer.disconnect();
      return total_ms;
    },
  };
}
