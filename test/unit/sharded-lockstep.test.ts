import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commandTopic } from '../../platform/contract/topics.ts';
import { TraceJournal } from '../../sim/kernel/trace.ts';
import type { InboundCommand } from '../../sim/simulation.ts';
import type { StepReceiver } from '../../harness/run/step-receiver.ts';
import type { ShardLink } from '../../harness/run/shards/pool.ts';
import type { ShardAdvance, ShardCell, ShardCommand } from '../../harness/run/shards/shard-sim.ts';
import { mergeCells, nextWindowSteps, runShardedLockstep, windowStepsAfterBirths, type ShardedLockstepOptions } from '../../harness/run/shards/sharded-lockstep.ts';

/**
 * The coordinator's windows (harness/run/shards/sharded-lockstep.ts): while the platform cannot
 * send commands a request covers many steps, yet the platform must see the steps, their order and
 * their contents of one request a step. Fake shards here hold scripted events on the step grid,
 * so the coordinator's own logic is what is tested; test/integration/shards.test.ts runs real
 * simulators through it.
 */
const START = 1_000_000;
const STEP = 1_000;

/** A shard whose events are at fixed times; each makes one line and one message in its step. */
function fakeShard(index: number, times: readonly number[], calls: Array<{ shard: number; window_end: number; commands: number }>): ShardLink {
  const queue = [...times].sort((a, b) => a - b);
  let events = 0;
  let last_end = START;
  return {
    init: async () => ({ next_at: queue[0] ?? null, devices: 1 }),
    advance: async (window_end: number, commands: readonly ShardCommand[]): Promise<ShardAdvance> => {
      // A repair for a time this shard has already run past could never happen where it should.
      for (const c of commands) if ('repair' in c && c.repair.at_ms < last_end) throw new Error(`shard ${index}: repair at ${c.repair.at_ms}, already at ${last_end}`);
      calls.push({ shard: index, window_end, commands: commands.length });
      last_end = window_end;
      // A command is an event of its own at its time (as Simulation.scheduleCommand makes it).
      for (const c of commands) queue.push('repair' in c ? c.repair.at_ms : c.command.ts);
      queue.sort((a, b) => a - b);
      const cells: ShardCell[] = [];
      while (queue.length > 0 && queue[0]! < window_end) {
        const step_end = START + (Math.floor((queue[0]! - START) / STEP) + 1) * STEP;
        const t: number[] = [];
        const line: string[] = [];
        const messages: Array<[string, string, boolean]> = [];
        while (queue.length > 0 && queue[0]! < step_end) {
          const at = queue.shift()!;
          events++;
          t.push(at);
          line.push(`${at} s${index}`);
          messages.push([`d/s${index}`, String(at), false]);
        }
        cells.push({ step_end, lines: { t, site: t.map(() => `s${index}`), kind: t.map(() => 'pub'), line }, messages, wills: [], sent: messages.length });
      }
      return { cells, next_at: queue[0] ?? null, events };
    },
    finish: async () => {
      throw new Error('not used');
    },
    close: async () => {},
  };
}

interface Seen {
  readonly steps: Array<{ step: number; t_ms: number; expected: number }>;
  readonly lines: string[];
  readonly messages: string[];
  readonly calls: Array<{ shard: number; window_end: number; commands: number }>;
  readonly requests: number;
}

async function drive(times: ReadonlyArray<readonly number[]>, o: { window_steps?: number; window_items?: number; devices?: number; quiet?: (t: number) => boolean; commands_at?: (step_end: number) => InboundCommand[]; end_ms?: number; noc?: ShardedLockstepOptions['noc'] }): Promise<Seen> {
  const calls: Seen['calls'] = [];
  const shards = times.map((ts, i) => fakeShard(i, ts, calls));
  const firsts = await Promise.all(shards.map((s) => s.init({} as never)));
  const lines: string[] = [];
  const messages: string[] = [];
  const steps: Seen['steps'] = [];
  const options: ShardedLockstepOptions = {
    start_ms: START,
    end_ms: o.end_ms ?? START + 600 * STEP,
    step_ms: STEP,
    trace: new TraceJournal((l) => lines.push(l)),
    receiver: { onMessage: (topic: string, payload: string) => messages.push(`${topic} ${payload}`) } as unknown as StepReceiver,
    complete: async (step, t_ms, expected) => {
      steps.push({ step, t_ms, expected });
      return o.commands_at?.(t_ms) ?? [];
    },
    shard_of: (id) => Number(id.slice(1)),
    first_at: firsts.map((f) => f.next_at),
    quiet: o.quiet,
    window_steps: o.window_steps,
    window_items: o.window_items,
    ...(o.devices !== undefined ? { devices: o.devices } : {}),
    ...(o.noc ? { noc: o.noc } : {}),
  };
  const r = await runShardedLockstep(shards, options);
  expect(r.steps).toBe(steps.length);
  return { steps, lines, messages, calls, requests: r.requests };
}

const eventTimes = fc.array(fc.integer({ min: START, max: START + 600 * STEP - 1 }), { maxLength: 40 });

describe('sharded lockstep windows', () => {
  it('any window size gives the steps, lines and messages of one request a step', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(eventTimes, { minLength: 1, maxLength: 3 }), fc.integer({ min: 2, max: 120 }), fc.integer({ min: 1, max: 200 }), fc.option(fc.integer({ min: 0, max: 5_000 })), async (times, window_steps, window_items, devices) => {
        const one = await drive(times, { window_steps: 1, quiet: () => true });
        // With a fleet size, the window after the births is sized from it instead of the births' rate.
        const many = await drive(times, { window_steps, window_items, quiet: () => true, ...(devices !== null ? { devices } : {}) });
        expect(many.steps).toEqual(one.steps);
        expect(many.lines).toEqual(one.lines);
        expect(many.messages).toEqual(one.messages);
        // Every step the grid has events in, once: the steps are the distinct cells of all events.
        const cells = [...new Set(times.flat().map((t) => START + (Math.floor((t - START) / STEP) + 1) * STEP))].sort((a, b) => a - b);
        expect(one.steps.map((s) => s.t_ms)).toEqual(cells);
        expect(many.requests).toBeLessThanOrEqual(one.requests);
      }),
      { numRuns: 60 },
    );
  });

  it('with the NOC, no window spans more than its lead allows, and a repair booked that far ahead reaches its shard in time', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(eventTimes, { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 2, max: 120 }), async (times, span_steps, window_steps) => {
        // The shortest lead nocWindowSteps allows for this span: (2·span − 1) steps and a millisecond.
        const lead_ms = (2 * span_steps - 1) * STEP + 1;
        const booked: number[] = [];
        const end_ms = START + 600 * STEP;
        const seen = await drive(times, {
          window_steps,
          quiet: () => true,
          noc: {
            span_steps,
            vitals: () => {},
            // Every third boundary books a visit to a device of each shard, as early as the lead allows.
            boundary: (step_end) => {
              if (Math.floor((step_end - START) / STEP) % 3 !== 0) return [];
              booked.push(step_end - 1 + lead_ms);
              return [{ repair: { at_ms: step_end - 1 + lead_ms, devices: times.map((_, i) => [`s${i}`, null] as const), by: 'tech' } }];
            },
          },
        });
        const starts = [START, ...seen.calls.filter((c) => c.shard === 0).map((c) => c.window_end)];
        for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeLessThanOrEqual(span_steps * STEP);
        // Each repair due before the run's end reached shard 0 (one command each), none twice.
        const delivered = seen.calls.filter((c) => c.shard === 0).reduce((n, c) => n + c.commands, 0);
        expect(delivered).toBeGreaterThanOrEqual(booked.filter((t) => t < end_ms).length);
        expect(delivered).toBeLessThanOrEqual(booked.length);
      }),
      { numRuns: 40 },
    );
    // A millisecond less lead than the span needs: with full windows in flight, the coordinator refuses it.
    const dense = [Array.from({ length: 200 }, (_, i) => START + i * STEP + 5)];
    const early = drive(dense, {
      quiet: () => true,
      noc: { span_steps: 5, vitals: () => {}, boundary: (step_end) => [{ repair: { at_ms: step_end - 1 + 9 * STEP, devices: [['s0', null]], by: 'tech' } }] },
    });
    await expect(early).rejects.toMatchObject({ code: 'RUN_SHARD_PROTOCOL', message: expect.stringContaining('the NOC booked a repair at') });
  });

  it('while quiet, one request covers a window of steps; otherwise each step is its own request', async () => {
    // An event every second for ten minutes: 600 steps.
    const times = [Array.from({ length: 600 }, (_, i) => START + i * STEP + 17)];
    const quiet = await drive(times, { quiet: () => true });
    expect(quiet.steps).toHaveLength(600);
    // The first step alone (its rate sizes the windows), then windows of 60.
    expect(quiet.requests).toBe(1 + 10);
    expect(quiet.calls.slice(0, 3).map((c) => (c.window_end - START) / STEP)).toEqual([1, 61, 121]);
    const loud = await drive(times, { quiet: () => false });
    expect(loud.steps).toEqual(quiet.steps);
    expect(loud.requests).toBe(600);
    // Quiet only up to a point (a rollout queued at 5 minutes): windows before it, single steps after.
    const until = START + 300 * STEP;
    const mixed = await drive(times, { quiet: (t) => t < until });
    expect(mixed.steps).toEqual(quiet.steps);
    const windowed = mixed.calls.filter((c, i, all) => i > 0 && all[i - 1]!.window_end + STEP < c.window_end);
    expect(windowed.length).toBeGreaterThan(0);
    for (const c of windowed) expect(c.window_end).toBeLessThan(until);
    // A window is granted only when its last step is quiet: the first step, four minute-windows
    // (to 4:01), then single steps from 4:02, since a window from there would reach 5:00.
    expect(mixed.requests).toBe(1 + 4 + 359);
  });

  it('windows carry about the item budget: fewer steps when the last window was busy', async () => {
    // Two items a step (a line and a message) and a budget of 10: five steps a window.
    const times = [Array.from({ length: 100 }, (_, i) => START + i * STEP + 3)];
    const seen = await drive(times, { quiet: () => true, window_items: 10 });
    expect(seen.steps).toHaveLength(100);
    expect(seen.calls.slice(0, 4).map((c) => (c.window_end - START) / STEP)).toEqual([1, 6, 11, 16]);
    expect(seen.requests).toBe(1 + Math.ceil(99 / 5));
  });

  it('commands go to their shard with the next request and make a step at their time', async () => {
    const times = [[START + 10], [START + 5_500]];
    const command = (ts: number): InboundCommand => ({ topic: commandTopic('site', 's1', 'ota'), payload: JSON.stringify({ v: 1, ts, action: 'install', job: 'j', fw: '2.0.0' }) });
    const seen = await drive(times, { quiet: () => false, commands_at: (t) => (t === START + STEP ? [command(START + 3_200)] : []) });
    expect(seen.steps.map((s) => s.t_ms)).toEqual([START + STEP, START + 4 * STEP, START + 6 * STEP]);
    const carrying = seen.calls.filter((c) => c.commands > 0);
    expect(carrying).toEqual([{ shard: 1, window_end: START + 4 * STEP, commands: 1 }]);
  });

  it('a command from a step judged quiet is a protocol error, not a silently shifted trace', async () => {
    const times = [[START + 10, START + 1_010]];
    const command: InboundCommand = { topic: commandTopic('site', 's0', 'ota'), payload: JSON.stringify({ v: 1, ts: START + 2_000, action: 'install', job: 'j', fw: '2.0.0' }) };
    await expect(drive(times, { quiet: () => true, commands_at: () => [command] })).rejects.toMatchObject({ code: 'RUN_SHARD_PROTOCOL' });
  });

  it('a command from inside a window judged quiet when asked for is a protocol error, even if the platform is no longer quiet by its end', async () => {
    // Quiet while the second window (steps 2–61) is asked for, then not (a rollout created
    // through the API meanwhile): a command out of step 5 cannot reach shards that ran on to 61.
    const times = [Array.from({ length: 100 }, (_, i) => START + i * STEP + 3)];
    let asked = 0;
    const command: InboundCommand = { topic: commandTopic('site', 's0', 'ota'), payload: JSON.stringify({ v: 1, ts: START + 6_000, action: 'install', job: 'j', fw: '2.0.0' }) };
    const run = drive(times, { quiet: () => asked++ < 2, commands_at: (t) => (t === START + 5 * STEP ? [command] : []) });
    await expect(run).rejects.toMatchObject({ code: 'RUN_SHARD_PROTOCOL', message: expect.stringContaining('judged quiet') });
  });

  it('refuses a window that is not a whole number of steps from 1', async () => {
    for (const window_steps of [0, 2.5, Number.NaN]) await expect(drive([[START]], { window_steps })).rejects.toMatchObject({ code: 'RUN_SHARD_PROTOCOL' });
  });
});

describe('nextWindowSteps', () => {
  const advance = (items_per_cell: readonly number[]): ShardAdvance => ({
    cells: items_per_cell.map((n, i) => ({ step_end: i + 1, lines: { t: [], site: [], kind: [], line: Array.from({ length: n }, () => 'l') }, messages: Array.from({ length: n }, () => ['t', 'p', false] as const), wills: [], sent: n })),
    next_at: null,
    events: 0,
  });

  it('sizes the next window to the budget at the last window\'s rate over its whole span, within 1 and the most', () => {
    // 2 shards, 10 steps spanned, 40 + 60 items: 10 a step; a budget of 55 is 5 steps.
    expect(nextWindowSteps([advance([20]), advance([10, 20])], 10, 55, 60)).toBe(5);
    // Empty steps count in the span: the same items over 20 steps is half the rate.
    expect(nextWindowSteps([advance([20]), advance([10, 20])], 20, 55, 60)).toBe(11);
    expect(nextWindowSteps([advance([500])], 1, 10, 60)).toBe(1);
    expect(nextWindowSteps([advance([1])], 1, 1_000, 60)).toBe(60);
    // Nothing happened: the longest window.
    expect(nextWindowSteps([advance([]), advance([])], 3, 10, 42)).toBe(42);
  });
});

describe('windowStepsAfterBirths', () => {
  it('gives the window after the births the budget at the assumed rate for the fleet, within 1 and the most', () => {
    // 4,500 devices at 0.25 items a device-step: 1,125 a step; 40,000 items are 35 steps.
    expect(windowStepsAfterBirths(4_500, 40_000, 60)).toBe(35);
    expect(windowStepsAfterBirths(100_000, 40_000, 60)).toBe(1);
    expect(windowStepsAfterBirths(10, 40_000, 60)).toBe(60);
    expect(windowStepsAfterBirths(0, 40_000, 60)).toBe(60);
  });

  it('is not sized from the births: a first window far over budget still leaves a long second window', async () => {
    // One shard whose first step holds 300 events (the births) and then one event every step.
    const births = Array.from({ length: 300 }, () => START);
    const later = Array.from({ length: 100 }, (_, i) => START + (i + 1) * STEP);
    const by_rate = await drive([[...births, ...later]], { window_steps: 60, window_items: 100, quiet: () => true });
    const by_fleet = await drive([[...births, ...later]], { window_steps: 60, window_items: 100, devices: 10, quiet: () => true });
    const second = (seen: Seen): number => (seen.calls[1]!.window_end - seen.calls[0]!.window_end) / STEP;
    expect(second(by_rate)).toBe(1);
    // 100 items / (10 devices × 0.25) = 40 steps.
    expect(second(by_fleet)).toBe(40);
    expect(by_fleet.lines).toEqual(by_rate.lines);
    expect(by_fleet.messages).toEqual(by_rate.messages);
  });
});

describe('mergeCells', () => {
  it('lists every step end once, in order, with the parts of the shards that ran it in shard order', () => {
    const cell = (step_end: number, tag: string): ShardCell => ({ step_end, lines: { t: [], site: [], kind: [], line: [tag] }, messages: [], wills: [], sent: 0 });
    fc.assert(
      fc.property(fc.array(fc.uniqueArray(fc.integer({ min: 1, max: 50 }), { maxLength: 20 }), { maxLength: 4 }), (ends) => {
        const results: ShardAdvance[] = ends.map((e, i) => ({ cells: [...e].sort((a, b) => a - b).map((x) => cell(x, `${i}@${x}`)), next_at: null, events: 0 }));
        const merged = mergeCells(results);
        expect(merged.map((m) => m.step_end)).toEqual([...new Set(ends.flat())].sort((a, b) => a - b));
        for (const m of merged) {
          const expected = ends.flatMap((e, i) => (e.includes(m.step_end) ? [`${i}@${m.step_end}`] : []));
          expect(m.parts.map((p) => p.lines.line[0])).toEqual(expected);
        }
      }),
    );
  });
});
