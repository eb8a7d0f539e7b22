import type { Simulation } from '../../sim/simulation.ts';
import { MspError } from '../../common/errors.ts';

export interface RealtimeOptions {
  /** Simulated milliseconds per wall millisecond: 1 = real time, 60 = a minute per second. */
  readonly speed: number;
  /** Wall milliseconds between advances (default 50). */
  readonly tick_ms?: number;
  /** Publishes the sim's clock for the platform to follow (about once per wall second). */
  readonly publish_clock?: (t_ms: number, speed: number) => void;
  readonly on_hour?: (sim_ms: number) => void;
  /** After every advance: the platform's timers and queued operator actions, the NOC's look at its console. */
  readonly on_tick?: (sim_ms: number) => void;
  readonly wall_ms: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

export interface RealtimeResult {
  /** Largest lag of simulated time behind the wall-clock schedule, in simulated ms. */
  readonly max_lag_ms: number;
  readonly ticks: number;
}

/**
 * Real-time mode for demos and load: no barrier; virtual time is paced against the wall clock at
 * `speed`, and the sim's clock is published so the platform can follow it. What devices publish
 * is still decided by the seed alone, but when the platform sees it depends on the machine, so
 * this mode is for watching and loading, not for reproducing (use lockstep for that).
 */
export async function runRealtime(sim: Simulation, options: RealtimeOptions): Promise<RealtimeResult> {
  if (!(options.speed > 0)) throw new MspError('REALTIME_SPEED', `speed must be > 0, got ${options.speed}`);
  const start = sim.config.start_ms;
  const end = sim.end_ms;
  const tick_ms = options.tick_ms ?? 50;
  const wall0 = options.wall_ms();
  let last_clock_wall = Number.NEGATIVE_INFINITY;
  let next_hour = start + 3_600_000;
  let max_lag_ms = 0;
  let ticks = 0;
  for (;;) {
    const scheduled = Math.min(end, start + Math.floor((options.wall_ms() - wall0) * options.speed));
    sim.runUntil(scheduled);
    options.on_tick?.(scheduled);
    ticks++;
    // How far the sim fell behind while it worked: if it keeps growing, the machine is too slow for this speed.
    const now_scheduled = Math.min(end, start + Math.floor((options.wall_ms() - wall0) * options.speed));
    max_lag_ms = Math.max(max_lag_ms, now_scheduled - scheduled);
    const wall = options.wall_ms();
    if (wall - last_clock_wall >= 1000 || scheduled >= end) {
      options.publish_clock?.(scheduled, options.speed);
      last_clock_wall = wall;
    }
    while (scheduled >= next_hour) {
      options.on_hour?.(Math.min(end, next_hour));
      next_hour += 3_600_000;
    }
    if (scheduled >= end) {
      // The end is reported too when it is not on the hour.
      if (next_hour - 3_600_000 < end) options.on_hour?.(end);
      break;
    }
    await options.sleep(tick_ms);
  }
  return { max_lag_ms, ticks };
}
