/**
 * Open-loop pacing: message k of a stream at `rate_per_s` is due at k / rate seconds after the
 * start, whatever happened to the messages before it. A generator that falls behind therefore
 * shows it (achieved < target, a growing send delay) instead of quietly slowing down with the
 * system under test, the coordinated-omission trap of closed-loop load generators.
 */

/** How many messages of the stream are due `elapsed_ms` after its start (message 0 is due at 0). */
export function dueCount(rate_per_s: number, elapsed_ms: number): number {
  if (!(rate_per_s > 0) || elapsed_ms < 0) return 0;
  return Math.floor((elapsed_ms * rate_per_s) / 1000) + 1;
}

/**
 * The wall-time bound of a whole run: every phase at its nominal length, doubled, plus a fixed
 * allowance for starting processes and calibrating. Hitting it aborts the run (exit 3) rather
 * than letting a wedged broker hang a CI job.
 */
export function runDeadlineMs(plan: { connections: number; connect_rate_per_s: number; duration_ms: number }): number {
  const ramp_ms = (plan.connections * 1000) / plan.connect_rate_per_s;
  return 2 * (2 * ramp_ms + plan.duration_ms) + 120_000;
}
