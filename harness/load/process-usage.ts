import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * CPU, memory and event-loop lag of the current process over a window (the hold phase). Every
 * process of a load run (generator workers, broker nodes, the platform's) runs one and reports
 * its snapshot, so a report can say which process was saturated.
 */
export interface ProcessUsage {
  readonly role: string;
  readonly pid: number;
  /** CPU time over wall time in the window: 1 = one core fully busy. */
  readonly cpu_ratio: number;
  readonly rss_bytes: number;
  readonly rss_peak_bytes: number;
  /** How late timers ran (Node's own HDR histogram of event-loop delay). */
  readonly loop_lag_p99_ms: number;
  readonly loop_lag_max_ms: number;
}

/** Node's histogram records the whole interval between its timer's firings, resolution included. */
const LAG_RESOLUTION_MS = 10;

export class UsageMeter {
  readonly #role: string;
  readonly #lag: IntervalHistogram;
  readonly #sampler: NodeJS.Timeout;
  #cpu0 = process.cpuUsage();
  #wall0 = performance.now(); // wall-clock: CPU ratio over a real window
  #rss_peak = 0;

  constructor(role: string) {
    this.#role = role;
    this.#lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
    this.#lag.enable();
    // wall-clock: peak memory is sampled, twice a second is enough to catch a ramp
    this.#sampler = setInterval(() => this.#sampleRss(), 500);
    this.#sampler.unref();
    this.#sampleRss();
  }

  #sampleRss(): void {
    this.#rss_peak = Math.max(this.#rss_peak, process.memoryUsage.rss());
  }

  /** Starts a new window (CPU, lag; the memory peak is kept, it is a high-water mark). */
  reset(): void {
    this.#cpu0 = process.cpuUsage();
    this.#wall0 = performance.now(); // wall-clock: window start
    this.#lag.reset();
  }

  snapshot(): ProcessUsage {
    this.#sampleRss();
    const cpu = process.cpuUsage(this.#cpu0);
    const wall_ms = Math.max(1, performance.now() - this.#wall0); // wall-clock: window length
    const lag_ms = (ns: number): number => (Number.isFinite(ns) ? Math.max(0, Math.round(ns / 1e4) / 100 - LAG_RESOLUTION_MS) : 0);
    return {
      role: this.#role,
      pid: process.pid,
      cpu_ratio: Math.round(((cpu.user + cpu.system) / 1000 / wall_ms) * 1000) / 1000,
      rss_bytes: process.memoryUsage.rss(),
      rss_peak_bytes: this.#rss_peak,
      loop_lag_p99_ms: this.#lag.count > 0 ? lag_ms(this.#lag.percentile(99)) : 0,
      loop_lag_max_ms: this.#lag.count > 0 ? lag_ms(this.#lag.max) : 0,
    };
  }

  stop(): void {
    clearInterval(this.#sampler);
    this.#lag.disable();
  }
}
