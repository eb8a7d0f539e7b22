import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeviceMessage, Liveness } from '../../platform/core/model.ts';
import { Registry } from '../../platform/registry/registry.ts';

const HB = 60_000;
const IDS = ['a', 'b', 'c'] as const;

// One step of a random interleaving. Time only moves forward on the platform side (dt), but a
// message's sender ts may lag (reordering, store and forward), and sessions may go back (late wills).
type Op =
  | { op: 'birth'; dev: number; dt: number; session_delta: number }
  | { op: 'telemetry' | 'event'; dev: number; dt: number; lag: number; seq_skip: number; dup: boolean }
  | { op: 'will'; dev: number; dt: number; session_back: number }
  | { op: 'offline'; dev: number; dt: number }
  | { op: 'tick'; dt: number };

const dev = fc.integer({ min: 0, max: IDS.length - 1 });
const dt = fc.integer({ min: 0, max: 2 * HB });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant('birth' as const), dev, dt, session_delta: fc.integer({ min: -1, max: 2 }) }) },
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constantFrom('telemetry' as const, 'event' as const),
      dev,
      dt,
      lag: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 4 * HB })),
      seq_skip: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 300 })),
      dup: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('will' as const), dev, dt, session_back: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('offline' as const), dev, dt }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('tick' as const), dt: fc.integer({ min: 0, max: 5 * HB }) }) },
);

interface Run {
  journal: Array<[number, string, Record<string, unknown>]>;
  violations: string[];
  /** Device-steps checked while the current session had ended with a will (the invariant's case). */
  after_will: number;
}

/** Drives a registry with `ops`, checking the will invariant after every step. */
function run(ops: readonly Op[]): Run {
  const journal: Run['journal'] = [];
  const reg = new Registry({ journal: (at, kind, fields) => journal.push([at, kind, fields]) });
  const violations: string[] = [];
  let after_will = 0;
  // Independent model of the invariant: per device, the current session (highest seen in a
  // birth or state) and whether that session's latest accepted word was a will.
  const session = new Map<string, number>();
  const ended = new Map<string, boolean>();
  const seq = new Map<string, number>();
  let last: DeviceMessage | undefined;
  let now = 0;

  const nextSeq = (id: string, skip = 0): number => {
    const s = ((seq.get(id) ?? 0) + 1 + skip) % 256;
    seq.set(id, s);
    return s;
  };

  for (const o of ops) {
    now += o.dt;
    let msg: DeviceMessage | undefined;
    if (o.op === 'tick') {
      reg.tick(now);
    } else {
      const id = IDS[o.dev]!;
      const cur = session.get(id);
      if (o.op === 'birth') {
        const s = Math.max(0, (cur ?? 0) + o.session_delta);
        msg = {
          type: 'birth',
          device_id: id,
          site_id: 's',
          received_ms: now,
          payload: { v: 1, id, kind: 'env', model: 'm', serial: 'x', fw: '1', site: 's', building: 'b', floor: 'f', zone: null, gateway: null, power: 'mains', caps: [], heartbeat_ms: HB, session: s, seq: nextSeq(id), ts: now },
        };
        if (cur === undefined || s > cur) {
          session.set(id, s);
          ended.set(id, false);
        }
      } else if (o.op === 'will') {
        const s = Math.max(0, (cur ?? 0) - o.session_back);
        msg = { type: 'state', device_id: id, site_id: 's', received_ms: now, payload: { v: 1, id, state: 'offline', session: s, reason: 'will' } };
        if (cur !== undefined && s === cur) ended.set(id, true);
      } else if (o.op === 'offline') {
        // A clean shutdown of the current session (never born: unknown device).
        msg = { type: 'state', device_id: id, site_id: 's', received_ms: now, payload: { v: 1, id, state: 'offline', session: cur ?? 0, reason: 'shutdown', seq: nextSeq(id), ts: now } };
      } else if (o.dup && last !== undefined && last.device_id === id && last.type !== 'state') {
        msg = { ...last, received_ms: now };
      } else {
        const ts = Math.max(0, now - o.lag);
        msg =
          o.op === 'telemetry'
            ? { type: 'telemetry', device_id: id, site_id: 's', received_ms: now, payload: { v: 1, id, seq: nextSeq(id, o.seq_skip), ts, values: { t: 1 } } }
            : { type: 'event', device_id: id, site_id: 's', received_ms: now, payload: { v: 1, id, seq: nextSeq(id, o.seq_skip), ts, type: 'reboot' } };
      }
      reg.apply(msg);
      last = msg;
    }
    for (const id of IDS) {
      const l: Liveness = reg.liveness(id);
      if (ended.get(id) === true) after_will++;
      if (ended.get(id) === true && l === 'ONLINE') violations.push(`${id} ONLINE after the will of session ${session.get(id)} (step ${ops.indexOf(o)})`);
    }
  }
  return { journal, violations, after_will };
}

describe('Registry (property)', () => {
  it('never ONLINE after the will of the current session until a newer birth; journal ordered per device and consistent', () => {
    let after_will = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 120 }), (ops) => {
        const { journal, violations, after_will: n } = run(ops);
        after_will += n;
        expect(violations).toEqual([]);
        const last_at = new Map<string, number>();
        const last_to = new Map<string, unknown>();
        for (const [at, kind, f] of journal) {
          expect(kind).toBe('p.live');
          const d = f.d as string;
          expect(at).toBeGreaterThanOrEqual(last_at.get(d) ?? Number.NEGATIVE_INFINITY);
          // Each change starts where the previous one for the device ended.
          expect(f.from).toBe(last_to.get(d) ?? 'UNKNOWN');
          expect(f.to).not.toBe(f.from);
          last_at.set(d, at);
          last_to.set(d, f.to);
        }
      }),
      { numRuns: 400 },
    );
    // Not vacuous: the "never ONLINE after the will" check ran on devices whose session had ended.
    expect(after_will).toBeGreaterThan(0);
  });

  it('the same input sequence gives the same journal', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 120 }), (ops) => {
        expect(run(ops).journal).toEqual(run(ops).journal);
      }),
      { numRuns: 200 },
    );
  });
});
