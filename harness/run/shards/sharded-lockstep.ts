import type { StepLineBatch } from '../../../sim/kernel/step-lines.ts';
import { mergeLines } from '../../../sim/kernel/step-lines.ts';
import type { TraceJournal } from '../../../sim/kernel/trace.ts';
import { routeCommands, unrecognisedCommand, type DeviceVitals, type InboundCommand } from '../../../sim/simulation.ts';
import type { StepReceiver } from '../step-receiver.ts';
import { shardMessage, type ShardAdvance, type ShardCell, type ShardCommand, type ShardRepair } from './shard-sim.ts';
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
  /**
   * Before a step's lines are written, with the step's start: where one simulator's lockstep
   * calls its `before_step` (a broker outage's edge tells the platform its link went or came back).
   */
  readonly before_step?: (step_start_ms: number) => void;
  readonly after_step?: (step_end_ms: number) => void;
  /**
   * True when applying any step ending at or before `step_end_ms` cannot make the platform send
   * commands (no rollout exists and none is queued to start by then): the shards may then run
   * those steps in one window, and the next window while the platform applies this one, since
   * nothing can reach them in between.
   */
  readonly quiet?: (step_end_ms: number) => boolean;
  /** Steps a request may cover while quiet (DEFAULT_WINDOW_STEPS); 1 is one request a step. */
  readonly window_steps?: number;
  /** Lines and messages a window should carry at most, over all shards (DEFAULT_WINDOW_ITEMS). */
  readonly window_items?: number;
  /** Devices over all shards: sizes the window after the births (windowStepsAfterBirths); without it, that window is sized from the births' rate. */
  readonly devices?: number;
  readonly on_hour?: (sim_ms: number, sent: number) => void;
  /** Events of every shard so far (a shard's world ticks counted in each), for progress. */
  readonly on_events?: (events: number) => void;
  /**
   * The simulated NOC, run here (docs/scale-out.md, "The NOC in a sharded run"): `vitals` gets
   * each step's device reports before the step completes; `boundary` runs after the platform
   * applied the step and its commands were routed (where one simulator runs it) and returns the
   * repairs it booked, which go to the shards holding the devices with their next window. Every
   * repair must be due at or after the end of the furthest window already requested, so no
   * window spans more than `span_steps` of the grid from its start, empty steps included
   * (nocWindowSteps).
   */
  readonly noc?: {
    readonly span_steps: number;
    vitals(vitals: readonly DeviceVitals[]): void;
    boundary(step_end_ms: number): readonly ShardRepair[];
  };
}

/**
 * The most steps of the grid a shard runs per request when no command can reach it in between
 * (an hour at the default 1-minute step). One step a request left the shards waiting on the
 * platform and the platform on the slowest shard at every step; a window evens that out: on the
 * flagship (4,500 devices, 2 shards) a day took 0.82 of the wall time with windows of 60 steps.
 */
export const DEFAULT_WINDOW_STEPS = 60;

/**
 * A window's contents are held in memory twice over (by the shard until it answers, by the
 * coordinator until the platform has applied it, with the next window in flight), so windows are
 * also bounded by what they carry: about this many trace lines and messages over all shards,
 * judged from the last window's rate. On the flagship that is the whole 60 steps; on the
 * 100,000-device chain a few steps, where an hour's window held ~4 KB a device in the coordinator.
 */
export const DEFAULT_WINDOW_ITEMS = 40_000;

/**
 * Trace lines and messages a device makes in a step, assumed for the window after the first: the
 * first window is the births step, whose rate (every device born at once) would size the next
 * window at a step or two and leave the shards idle while the platform applies the births. Later
 * windows are sized from the last one's measured rate. 1.5 times the busiest measured at the
 * 1-minute step (flagship 0.114, smart-home 0.128, multifamily 0.145, retail-chain 0.165).
 */
export const FIRST_WINDOW_ITEMS_PER_DEVICE_STEP = 0.25;

/** The window after the births: sized from the fleet's size, within `budget` items at the assumed rate. */
export function windowStepsAfterBirths(devices: number, budget: number, max_steps: number): number {
  if (devices <= 0) return max_steps;
  return Math.max(1, Math.min(max_steps, Math.floor(budget / (devices * FIRST_WINDOW_ITEMS_PER_DEVICE_STEP))));
}

/** A window the shards are running: every step of the grid up to `end` (exclusive). */
interface Window {
  readonly end: number;
  readonly results: Promise<ShardAdvance[]>;
  /** More than one step: granted because no step up to `end` could make the platform send a command. */
  readonly judged_quiet: boolean;
}

/**
 * runLockstep (harness/run/lockstep.ts) over N shards: the same step grid and skipping of empty
 * stretches (from the earliest event of any shard, commands in transit included), every shard runs
 * the step, and the coordinator writes their lines merged into the trace's order, hands their
 * messages to the platform's receiver and closes the step's barrier. The platform's commands go
 * to the shards holding their devices with the next step's request, in canonical order, so each
 * shard schedules them exactly as one simulator would.
 *
 * While the platform cannot send commands (`quiet`), a request covers a window of up to
 * `window_steps` steps, and the next window is requested before the platform applies this one:
 * the shards' steps and the platform's work overlap, and the round trips are one per window.
 * Each shard returns the steps it had events in; the coordinator merges them by step end, so the
 * steps, their order and their contents are those of one step per request.
 */
export async function runShardedLockstep(shards: readonly ShardLink[], o: ShardedLockstepOptions): Promise<{ steps: number; sent: number; overlapped: number; requests: number }> {
  const max_window_steps = o.window_steps ?? DEFAULT_WINDOW_STEPS;
  if (!Number.isSafeInteger(max_window_steps) || max_window_steps < 1) throw new MspError('RUN_SHARD_PROTOCOL', `a shard window must be a whole number of steps from 1, got ${max_window_steps}`);
  const window_items = o.window_items ?? DEFAULT_WINDOW_ITEMS;
  if (!(window_items >= 1)) throw new MspError('RUN_SHARD_PROTOCOL', `a shard window's item budget must be at least 1, got ${window_items}`);
  // Starts small: the first windows hold the births, the busiest minutes of a run.
  let window_steps = 1;
  const next_at = [...o.first_at];
  let pending: ShardCommand[][] = shards.map(() => []);
  let pending_at: number | null = null;
  let step = 0;
  let t = o.start_ms;
  let sent_total = 0;
  let overlapped = 0;
  let requests = 0;
  /** Until the first window's results are taken: that window is the births step. */
  let births_window = true;
  let next_hour = o.start_ms + 3_600_000;
  let reported = o.start_ms;
  /** The end of the furthest window asked for: the shards may have run every step before it. */
  let requested_end = o.start_ms;
  /** The step after `t`: its end, or null when the run is over (the same rule as runLockstep). */
  const nextStepEnd = (): number | null => {
    let next: number | null = pending_at;
    for (const a of next_at) if (a !== null && (next === null || a < next)) next = a;
    if (next === null || next >= o.end_ms) return null;
    const step_start = Math.max(t, o.start_ms + Math.floor((next - o.start_ms) / o.step_ms) * o.step_ms);
    return Math.min(o.end_ms, step_start + o.step_ms);
  };
  /**
   * Sends every shard its commands and the next window: the next step alone, or `window_steps`
   * of the grid when no step before the window's end can make the platform send a command.
   */
  const request = (): Window | undefined => {
    const first = nextStepEnd();
    if (first === null) return undefined;
    const far = Math.min(o.end_ms, first + (window_steps - 1) * o.step_ms);
    let end = far > first && o.quiet?.(far) === true ? far : first;
    // With the NOC, a window may not reach further than a repair booked in the window before it
    // could be due, even across empty steps (the shards only move their clocks over those).
    if (o.noc) end = Math.min(end, t + o.noc.span_steps * o.step_ms);
    const commands = pending;
    pending = shards.map(() => []);
    pending_at = null;
    requests++;
    requested_end = Math.max(requested_end, end);
    const results = Promise.all(shards.map((s, i) => s.advance(end, commands[i]!)));
    // Awaited in turn; if an earlier window fails first, this rejection must not go unhandled.
    results.catch(() => {});
    return { end, results, judged_quiet: end > first };
  };
  let current = request();
  while (current !== undefined) {
    const results = await current.results;
    results.forEach((r, i) => (next_at[i] = r.next_at));
    window_steps = births_window && o.devices !== undefined ? windowStepsAfterBirths(o.devices, window_items, max_window_steps) : nextWindowSteps(results, (current.end - t) / o.step_ms, window_items, max_window_steps);
    births_window = false;
    t = current.end;
    o.on_events?.(results.reduce((n, r) => n + r.events, 0));
    // Quiet: no command can come out of this window, so the next one can start now, in parallel
    // with the platform's work on this one; its steps are taken after, in order.
    const quiet = o.quiet?.(current.end) === true;
    const ahead = quiet ? request() : undefined;
    if (ahead !== undefined) overlapped++;
    for (const cell of mergeCells(results)) {
      const step_end = cell.step_end;
      // The start of the grid cell ending here (the run's last one may end early, at the run's end).
      o.before_step?.(o.start_ms + Math.floor((step_end - 1 - o.start_ms) / o.step_ms) * o.step_ms);
      writeLines(o.trace, mergeLines(cell.parts.map((p) => p.lines)));
      if (o.noc) for (const part of cell.parts) if (part.vitals) o.noc.vitals(part.vitals);
      let sent = 0;
      const wills: Array<readonly [string, number]> = [];
      for (const part of cell.parts) {
        sent += part.sent;
        for (const w of part.wills) wills.push(w);
        for (const m of part.messages) {
          const [topic, payload, retained] = shardMessage(part.lines, m);
          o.receiver.onMessage(topic, payload, retained);
        }
      }
      sent_total += sent;
      const commands = await o.complete(step++, step_end, sent, wills);
      // Judged when the window was asked for, or when the next one was: either way the shards have
      // run on without these commands (an operator's rollout through the API in between, say).
      if ((quiet || current.judged_quiet) && commands.length > 0) throw new MspError('RUN_SHARD_PROTOCOL', `step ${step - 1}: the platform sent ${commands.length} commands in a step judged quiet; the shards had already moved on`);
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
      for (const r of o.noc?.boundary(step_end) ?? []) {
        const { at_ms, devices, by } = r.repair;
        if (at_ms < requested_end) throw new MspError('RUN_SHARD_PROTOCOL', `step ${step - 1}: the NOC booked a repair at ${at_ms}, before the end of a window the shards may have run (${requested_end})`);
        const by_shard = new Map<number, Array<readonly [string, string | null]>>();
        for (const d of devices) {
          const s = o.shard_of(d[0]);
          if (s === undefined) throw new MspError('RUN_SHARD_PROTOCOL', `the NOC booked a repair of ${d[0]}, which no shard holds`);
          let list = by_shard.get(s);
          if (list === undefined) by_shard.set(s, (list = []));
          list.push(d);
        }
        for (const [s, list] of [...by_shard].sort((a, b) => a[0] - b[0])) pending[s]!.push({ repair: { at_ms, devices: list, by } });
        if (pending_at === null || at_ms < pending_at) pending_at = at_ms;
      }
      o.after_step?.(step_end);
      while (step_end >= next_hour) {
        reported = Math.min(o.end_ms, next_hour);
        o.on_hour?.(reported, sent_total);
        next_hour += 3_600_000;
      }
    }
    current = ahead ?? request();
  }
  // The end is reported too when it is not on the hour, or when the run's last stretch had no event.
  if (reported < o.end_ms) o.on_hour?.(o.end_ms, sent_total);
  return { steps: step, sent: sent_total, overlapped, requests };
}

/**
 * The next window's length in steps: what carries about `budget` lines and messages at the rate
 * of the window just run (over its whole span, empty steps included), within 1…`max_steps`. Any
 * length gives the same trace; this only trades memory for fewer, smoother exchanges.
 */
export function nextWindowSteps(results: readonly ShardAdvance[], span_steps: number, budget: number, max_steps: number): number {
  let items = 0;
  for (const r of results) for (const c of r.cells) items += c.lines.line.length + c.messages.length;
  if (items === 0) return max_steps;
  return Math.max(1, Math.min(max_steps, Math.floor((budget * Math.max(1, span_steps)) / items)));
}

/** One step of the grid: the parts of the shards that had events in it, in shard order. */
interface MergedCell {
  readonly step_end: number;
  readonly parts: readonly ShardCell[];
}

/**
 * The shards' steps of one window as the run's steps: every step end any shard ran, in time
 * order, each with the parts of the shards that ran it in shard order (the order one request a
 * step gave their lines, messages and wills).
 */
export function mergeCells(results: readonly ShardAdvance[]): MergedCell[] {
  const at = results.map(() => 0);
  const out: MergedCell[] = [];
  for (;;) {
    let end = Infinity;
    results.forEach((r, i) => {
      const c = r.cells[at[i]!];
      if (c !== undefined && c.step_end < end) end = c.step_end;
    });
    if (end === Infinity) return out;
    const parts: ShardCell[] = [];
    results.forEach((r, i) => {
      const c = r.cells[at[i]!];
      if (c !== undefined && c.step_end === end) {
        parts.push(c);
        at[i]!++;
      }
    });
    out.push({ step_end: end, parts });
  }
}

function writeLines(trace: TraceJournal, batch: StepLineBatch): void {
  for (let i = 0; i < batch.line.length; i++) trace.appendLine(batch.kind[i]!, batch.line[i]!);
}
