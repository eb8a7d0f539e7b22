import type { StepLineBatch } from '../../../sim/kernel/step-lines.ts';
import { mergeLines } from '../../../sim/kernel/step-lines.ts';
import type { TraceJournal } from '../../../sim/kernel/trace.ts';
import { routeCommands, unrecognisedCommand, type InboundCommand } from '../../../sim/simulation.ts';
import type { StepReceiver } from '../step-receiver.ts';
import type { ShardCommand, ShardStepResult } from './shard-sim.ts';
import { MspError } from '../../../common/errors.ts';
import type { ShardLink } from './pool.ts';

export interface ShardedLockstepOptions {
  readonly start_ms: number;
  readonly end_ms: number;
  readonly step_ms: number;
  readonly trace: TraceJournal;
  readonly receiver: StepReceiver;
  /** The step's barrier on the coordinator's side: the platform applies the step; resolves with its commands. */
  readonly complete: (step: number, t_ms: number, expected: number, wills: ReadonlyArray<readonly [string, number]>) => Promise<readonly InboundCommand[]>;
  /** The shard holding a device, or undefined when no shard does. */
  readonly shard_of: (device_id: string) => number | undefined;
  /** Each shard's first event time after init. */
  readonly first_at: ReadonlyArray<number | null>;
  readonly after_step?: (step_end_ms: number) => void;
  /**
   * True when applying the step ending at `step_end_ms` cannot make the platform send commands
   * (no rollout exists and none is queued to start by then): the shards may then run the next
   * step while the platform applies this one, since nothing can reach them in between.
   */
  readonly quiet?: (step_end_ms: number) => boolean;
  readonly on_hour?: (sim_ms: number, sent: number) => void;
  /** Events of every shard so far (a shard's world ticks counted in each), for progress. */
  readonly on_events?: (events: number) => void;
}

/**
 * runLockstep (harness/run/lockstep.ts) over N shards: the same step grid and skipping of empty
 * stretches (from the earliest event of any shard, commands in transit included), every shard runs
 * the step, and the coordinator writes their lines merged into the trace's order, hands their
 * messages to the platform's receiver and closes the step's barrier. The platform's commands go
 * to the shards holding their devices with the next step's request, in canonical order, so each
 * shard schedules them exactly as one simulator would.
 */
export async function runShardedLockstep(shards: readonly ShardLink[], o: ShardedLockstepOptions): Promise<{ steps: number; sent: number; overlapped: number }> {
  const next_at = [...o.first_at];
  let pending: ShardCommand[][] = shards.map(() => []);
  let pending_at: number | null = null;
  let step = 0;
  let t = o.start_ms;
  let sent_total = 0;
  let overlapped = 0;
  let next_hour = o.start_ms + 3_600_000;
  let reported = o.start_ms;
  /** The step after `t`: its end, or null when the run is over (the same rule as runLockstep). */
  const nextStepEnd = (): number | null => {
    let next: number | null = pending_at;
    for (const a of next_at) if (a !== null && (next === null || a < next)) next = a;
    if (next === null || next >= o.end_ms) return null;
    const step_start = Math.max(t, o.start_ms + Math.floor((next - o.start_ms) / o.step_ms) * o.step_ms);
    return Math.min(o.end_ms, step_start + o.step_ms);
  };
  // A step the shards are already running (requested before the platform applied the previous one).
  let ahead: { step_end: number; results: Promise<ShardStepResult[]> } | undefined;
  for (;;) {
    const step_end = ahead?.step_end ?? nextStepEnd();
    if (step_end === null) break;
    const results = await (ahead?.results ?? Promise.all(shards.map((s, i) => s.step(step_end - 1, pending[i]!))));
    ahead = undefined;
    pending = shards.map(() => []);
    pending_at = null;
    writeLines(o.trace, mergeLines(results.map((r) => r.lines)));
    let sent = 0;
    const wills: Array<readonly [string, number]> = [];
    results.forEach((r, i) => {
      next_at[i] = r.next_at;
      sent += r.sent;
      for (const w of r.wills) wills.push(w);
      for (const [topic, payload, retained] of r.messages) o.receiver.onMessage(topic, payload, retained);
    });
    sent_total += sent;
    o.on_events?.(results.reduce((n, r) => n + r.events, 0));
    // Quiet: no command can come out of this step, so the next one can start now, in parallel
    // with the platform's work on this one; its lines and messages are taken after, in order.
    const quiet = o.quiet?.(step_end) === true;
    if (quiet) {
      t = step_end;
      const next_end = nextStepEnd();
      if (next_end !== null) {
        const results_ahead = Promise.all(shards.map((s) => s.step(next_end - 1, [])));
        // Awaited next round; if this step fails first, its rejection must not go unhandled.
        results_ahead.catch(() => {});
        ahead = { step_end: next_end, results: results_ahead };
        overlapped++;
      }
    }
    const commands = await o.complete(step++, step_end, sent, wills);
    if (quiet && commands.length > 0) throw new MspError('RUN_SHARD_PROTOCOL', `step ${step - 1}: the platform sent ${commands.length} commands in a step judged quiet; the shards had already moved on`);
    for (const c of routeCommands(commands, (id) => o.shard_of(id) !== undefined)) {
      if (!c.ok) {
        // Where one simulator writes it: between steps, at its clock (the step's last millisecond).
        o.trace.append(step_end - 1, 'cmd', unrecognisedCommand(c.topic));
        continue;
      }
      pending[o.shard_of(c.device_id)!]!.push({ device_id: c.device_id, command: c.command });
      const at = Math.max(step_end, c.command.ts);
      if (pending_at === null || at < pending_at) pending_at = at;
    }
    o.after_step?.(step_end);
    t = step_end;
    while (t >= next_hour) {
      reported = Math.min(o.end_ms, next_hour);
      o.on_hour?.(reported, sent_total);
      next_hour += 3_600_000;
    }
  }
  // The end is reported too when it is not on the hour, or when the run's last stretch had no event.
  if (reported < o.end_ms) o.on_hour?.(o.end_ms, sent_total);
  return { steps: step, sent: sent_total, overlapped };
}

function writeLines(trace: TraceJournal, batch: StepLineBatch): void {
  for (let i = 0; i < batch.line.length; i++) trace.appendLine(batch.kind[i]!, batch.line[i]!);
}
