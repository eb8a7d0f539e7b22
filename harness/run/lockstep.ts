import type { InboundCommand, Simulation } from '../../sim/simulation.ts';

/**
 * Completes one step of the barrier: resolves once the platform side has received and applied
 * every message the sim published in the step (docs/mqtt.md, lockstep).
 */
export interface StepBarrier {
  /** Resolves with the commands the platform sent in reply (docs/mqtt.md, lockstep step 4). */
  complete(step: number, t_ms: number, expected: number, wills?: ReadonlyArray<readonly [string, number]>): Promise<readonly InboundCommand[]>;
}

export interface LockstepOptions {
  readonly step_ms: number;
  readonly on_hour?: (sim_ms: number) => void;
  /** Called at step boundaries before a step runs, e.g. to stop or start a broker (outages). */
  readonly before_step?: (step_start_ms: number) => Promise<void>;
  /** Runs after the platform has applied a step (the simulated NOC looks at its console here). */
  readonly after_step?: (step_end_ms: number) => Promise<void> | void;
  /** Brackets the sim's part of each step (the MQTT transports batch their writes in between). */
  readonly around_step?: { before(): void; after(): void };
}

/** Messages and wills the sim has sent so far: what the platform must receive. */
export function sentCount(sim: Simulation): number {
  let n = sim.stats.wills;
  for (const v of Object.values(sim.stats.published)) n += v;
  return n;
}

/**
 * Runs the simulation to its end in steps of `step_ms` on a fixed grid from the start, jumping
 * over stretches with no events, and waiting at the end of every step that sent something until
 * the platform side has it all and applied it. The in-memory and the MQTT run take exactly the
 * same steps, so both produce the same step records.
 */
export async function runLockstep(sim: Simulation, barrier: StepBarrier, options: LockstepOptions): Promise<number> {
  const start = sim.config.start_ms;
  const end = sim.end_ms;
  const step_ms = options.step_ms;
  let step = 0;
  let t = start;
  let next_hour = start + 3_600_000;
  let reported = start;
  for (;;) {
    const next = sim.nextEventAt();
    if (next === undefined || next >= end) break;
    const step_start = Math.max(t, start + Math.floor((next - start) / step_ms) * step_ms);
    const step_end = Math.min(end, step_start + step_ms);
    await options.before_step?.(step_start);
    const before = sentCount(sim);
    options.around_step?.before();
    try {
      sim.runUntil(step_end - 1);
    } finally {
      options.around_step?.after();
    }
    const sent = sentCount(sim) - before;
    // Every step that ran closes with a barrier, even one that sent nothing: the platform's timers
    // (heartbeat deadlines, `for` durations) must run at each step's end, not at the next message.
    const commands = await barrier.complete(step++, step_end, sent, sim.drainWillTimes());
    if (commands.length > 0) sim.deliverCommands(commands);
    await options.after_step?.(step_end);
    t = step_end;
    while (t >= next_hour) {
      reported = Math.min(end, next_hour);
      options.on_hour?.(reported);
      next_hour += 3_600_000;
    }
  }
  // The end is reported too when it is not on the hour, or when the run's last stretch had no event.
  if (reported < end) options.on_hour?.(end);
  return step;
}
