import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../platform/contract/canonical-json.ts';
import { VirtualClock } from '../../sim/kernel/clock.ts';
import { EventQueue } from '../../sim/kernel/event-queue.ts';
import { BoundedBuffer, LoopBound } from '../../sim/kernel/bounds.ts';
import { Rng, RngTree } from '../../sim/kernel/rng.ts';
import { TraceJournal } from '../../sim/kernel/trace.ts';

describe('event queue', () => {
  it('pops events in the total order (at_ms, priority, seq) for any schedule order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 3 })), { maxLength: 300 }), (items) => {
        const q = new EventQueue();
        items.forEach(([at, prio], i) => q.schedule(at, prio, `e${i}`, () => {}));
        const popped: Array<{ at_ms: number; priority: number; seq: number }> = [];
        for (let e = q.pop(); e; e = q.pop()) popped.push(e);
        expect(popped).toHaveLength(items.length);
        for (let i = 1; i < popped.length; i++) {
          const a = popped[i - 1]!;
          const b = popped[i]!;
          const ordered = a.at_ms < b.at_ms || (a.at_ms === b.at_ms && (a.priority < b.priority || (a.priority === b.priority && a.seq < b.seq)));
          expect(ordered).toBe(true);
        }
      }),
    );
  });

  it('breaks ties by priority, then by schedule order', () => {
    const q = new EventQueue();
    q.schedule(5, 20, 'a', () => {});
    q.schedule(5, 10, 'b', () => {});
    q.schedule(5, 20, 'c', () => {});
    q.schedule(5, 0, 'd', () => {});
    q.schedule(4, 90, 'e', () => {});
    q.schedule(6, 0, 'f', () => {});
    const labels: string[] = [];
    for (let e = q.pop(); e; e = q.pop()) labels.push(e.label);
    expect(labels).toEqual(['e', 'd', 'b', 'a', 'c', 'f']);
    expect(q.size).toBe(0);
    expect(q.pop()).toBeUndefined();
  });

  it('keeps its order over thousands of pending events, with events scheduled between pops', () => {
    const q = new EventQueue();
    // 3,000 events scheduled latest first, two to each millisecond (the later one at priority 0).
    for (let t = 1_499; t >= 0; t--) {
      q.schedule(1_000 + t, 10, `w${t}`, () => {});
      q.schedule(1_000 + t, 0, `f${t}`, () => {});
    }
    expect(q.size).toBe(3_000);
    expect(q.pop()!.label).toBe('f0');
    expect(q.pop()!.label).toBe('w0');
    // An event scheduled now, between pops, lands at its own time.
    q.schedule(1_001, 0, 'late', () => {});
    const labels: string[] = [];
    for (let e = q.pop(); e; e = q.pop()) labels.push(e.label);
    expect(labels.slice(0, 5)).toEqual(['f1', 'late', 'w1', 'f2', 'w2']);
    expect(labels.at(-1)).toBe('w1499');
    expect(labels).toHaveLength(2_999);
  });

  it('orders a rescheduled event exactly as a newly scheduled one, for any mix of recurring and one-off events', () => {
    // Each recurring event fires, then comes back `gap` later; one-off events are scheduled
    // between. The same script run with `schedule` and with `reschedule` must fire the same
    // labels at the same times in the same order, and the epoch guard must still hold.
    const script = fc.record({
      starts: fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 30 })), { minLength: 1, maxLength: 12 }),
      one_offs: fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 3 })), { maxLength: 40 }),
      crash_at: fc.integer({ min: 0, max: 200 }),
    });
    fc.assert(
      fc.property(script, ({ starts, one_offs, crash_at }) => {
        const run = (reuse: boolean): string[] => {
          const q = new EventQueue();
          const fired: string[] = [];
          const owner = { epoch: 0 };
          starts.forEach(([at, prio, gap], i) => {
            const fire = (_guard: { epoch: number }, event: { at_ms: number; label: string }): void => {
              fired.push(`${event.label}@${event.at_ms}`);
              const next = event.at_ms + gap;
              if (next > 200) return;
              if (reuse) q.reschedule(event as never, next);
              else q.schedule(next, prio, `r${i}`, fire, owner);
            };
            q.schedule(at, prio, `r${i}`, fire, owner);
          });
          one_offs.forEach(([at, prio], i) => q.schedule(at, prio, `o${i}`, (_g, event) => fired.push(`${event.label}@${event.at_ms}`)));
          q.schedule(crash_at, 2, 'crash', () => owner.epoch++);
          for (let e = q.pop(); e; e = q.pop()) if (e.guard === null || e.guard.epoch === e.epoch) (e.fire as (g: unknown, ev: unknown) => void)(e.guard, e);
          return fired;
        };
        expect(run(true)).toEqual(run(false));
      }),
    );
  });

  it('pops in the order a plain scan of every pending event gives, for any interleaving', () => {
    // Schedules over spans from the same millisecond to days, into the past and the future,
    // between pops, with the event just popped rescheduled: a reference that scans every pending
    // event for the least (at_ms, priority, seq) must pop the same events in the same order.
    const op = fc.oneof(
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('schedule' as const), span: fc.constantFrom(0, 1, 2, 5, 70, 65_535, 65_536, 200_000, 9_000_000), offset: fc.integer({ min: -70_000, max: 70_000 }), count: fc.integer({ min: 1, max: 90 }), priority: fc.constantFrom(0, 10, 20, 30, 40, 90, 127, 128, 255) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('pop' as const), count: fc.integer({ min: 1, max: 120 }), reschedule_after: fc.option(fc.integer({ min: 0, max: 700_000 })) }) },
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 25 }), fc.integer({ min: 0, max: 2 ** 20 }), (ops, seed) => {
        const q = new EventQueue();
        const reference: Array<{ at_ms: number; priority: number; seq: number; label: string }> = [];
        let next_seq = 0;
        let now = 1_800_000_000_000;
        let salt = seed;
        const jitter = (span: number): number => {
          salt = (salt * 1_103_515_245 + 12_345) % 2 ** 31;
          return span === 0 ? 0 : salt % span;
        };
        const refPop = (): { at_ms: number; priority: number; seq: number; label: string } | undefined => {
          let best = -1;
          reference.forEach((e, i) => {
            const b = reference[best];
            if (b === undefined || e.at_ms < b.at_ms || (e.at_ms === b.at_ms && (e.priority < b.priority || (e.priority === b.priority && e.seq < b.seq)))) best = i;
          });
          return best < 0 ? undefined : reference.splice(best, 1)[0];
        };
        let n = 0;
        for (const o of ops) {
          if (o.kind === 'schedule') {
            for (let i = 0; i < o.count; i++) {
              const at = Math.max(0, now + o.offset + jitter(o.span));
              const label = `e${n++}`;
              q.schedule(at, o.priority, label, () => {});
              reference.push({ at_ms: at, priority: o.priority, seq: next_seq++, label });
            }
          } else {
            for (let i = 0; i < o.count; i++) {
              const want = refPop();
              const got = q.pop();
              expect(got?.label).toBe(want?.label);
              if (got === undefined || want === undefined) break;
              now = Math.max(now, got.at_ms);
              if (o.reschedule_after !== null && i === 0) {
                const at = got.at_ms + o.reschedule_after;
                q.reschedule(got, at);
                reference.push({ at_ms: at, priority: got.priority, seq: next_seq++, label: got.label });
              }
            }
          }
          expect(q.size).toBe(reference.length);
        }
        for (let want = refPop(); want !== undefined; want = refPop()) expect(q.pop()?.label).toBe(want.label);
        expect(q.pop()).toBeUndefined();
        expect(q.size).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('orders by time before priority, whatever the priority', () => {
    // A priority never outweighs a millisecond, however large it is.
    const q = new EventQueue();
    for (let t = 0; t < 100; t++) {
      q.schedule(1_000 + 2 * t, 200, `late-priority${t}`, () => {});
      q.schedule(1_000 + 2 * t + 1, 0, `next-ms${t}`, () => {});
    }
    const labels: string[] = [];
    for (let e = q.pop(); e; e = q.pop()) labels.push(e.label);
    expect(labels.slice(0, 4)).toEqual(['late-priority0', 'next-ms0', 'late-priority1', 'next-ms1']);
    expect(labels).toHaveLength(200);
  });

  it('reschedules only the event that was just popped, never one still queued', () => {
    const q = new EventQueue();
    const queued = q.schedule(5, 0, 'queued', () => {});
    q.schedule(1, 0, 'first', () => {});
    expect(() => q.reschedule(queued, 9)).toThrow(/SIM_INVALID_ARGUMENT/);
    const first = q.pop()!;
    expect(first.label).toBe('first');
    expect(() => q.reschedule(first, 2.5)).toThrow(/SIM_INVALID_ARGUMENT/);
    q.reschedule(first, 7);
    // Once back in the queue it is no longer the popped one: a second reschedule would queue it twice.
    expect(() => q.reschedule(first, 8)).toThrow(/SIM_INVALID_ARGUMENT/);
    expect([q.pop()!.label, q.pop()!.label, q.pop()]).toEqual(['queued', 'first', undefined]);
    expect(first.at_ms).toBe(7);
  });

  it('refuses to grow past its bound, and refuses non-integer times', () => {
    const q = new EventQueue(2);
    q.schedule(1, 0, 'a', () => {});
    q.schedule(2, 0, 'b', () => {});
    expect(() => q.schedule(3, 0, 'c', () => {})).toThrow(/SIM_BOUND_EXCEEDED/);
    expect(() => new EventQueue().schedule(1.5, 0, 'x', () => {})).toThrow(/SIM_INVALID_ARGUMENT/);
  });
});

describe('virtual clock', () => {
  it('never moves backward', () => {
    const c = new VirtualClock(1000);
    c.advanceTo(2000);
    expect(c.now_ms).toBe(2000);
    expect(() => c.advanceTo(1999)).toThrow(/SIM_TIME_TRAVEL/);
  });
});

describe('rng streams', () => {
  it('a stream depends only on the root seed and its own name', () => {
    const a = new RngTree(42);
    const b = new RngTree(42);
    // Draw heavily from another stream in one tree only: device/x must not notice.
    for (let i = 0; i < 1000; i++) a.get('device/other').next();
    const xs = Array.from({ length: 20 }, () => a.get('device/x').uint32());
    const ys = Array.from({ length: 20 }, () => b.get('device/x').uint32());
    expect(xs).toEqual(ys);
    expect(new RngTree(43).get('device/x').uint32()).not.toBe(new RngTree(42).get('device/x').uint32());
  });

  it('int stays in range and chance() honours its integer ratio', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 5000 }), fc.string(), (lo, span, seed) => {
        const r = new Rng(seed, 'test');
        for (let i = 0; i < 20; i++) {
          const x = r.int(lo, lo + span);
          expect(x).toBeGreaterThanOrEqual(lo);
          expect(x).toBeLessThanOrEqual(lo + span);
        }
      }),
    );
    const r = new Rng('s', 'chance');
    expect(Array.from({ length: 100 }, () => r.chance(0, 7)).some(Boolean)).toBe(false);
    expect(Array.from({ length: 100 }, () => r.chance(7, 7)).every(Boolean)).toBe(true);
    let hits = 0;
    for (let i = 0; i < 100_000; i++) if (r.chance(7, 100)) hits++;
    expect(hits / 100_000).toBeGreaterThan(0.065);
    expect(hits / 100_000).toBeLessThan(0.075);
  });
});

describe('canonical JSON and the trace journal', () => {
  it('encodes equal values to equal bytes whatever the key order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.boolean(), fc.string())), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(obj));
        expect(JSON.parse(canonicalJson(obj))).toEqual(obj);
      }),
    );
    expect(() => canonicalJson({ x: Number.NaN })).toThrow();
  });

  it('the running hash is the SHA-256 of the lines it wrote, and appendPublish is canonical', () => {
    const lines: string[] = [];
    const j = new TraceJournal((l) => lines.push(l));
    j.append(5, 'fact', { b: 2, a: 1 });
    j.appendPublish(6, 'dev-1', 'msp/v1/s/dev-1/telemetry', canonicalJson({ z: 1, a: [1, 2] }), 1, false);
    const expected = createHash('sha256').update(lines.map((l) => `${l}\n`).join('')).digest('hex');
    expect(j.digestHex()).toBe(expected);
    expect(j.digestHex()).toMatch(/^[0-9a-f]{64}$/);
    // A publish record is byte-identical to the canonical encoding of the same record.
    const rec = JSON.parse(lines[1]!) as Record<string, unknown>;
    expect(lines[1]).toBe(canonicalJson(rec));
    expect(lines[0]).toBe('{"a":1,"b":2,"k":"fact","t":5}');
  });
});

describe('bounds', () => {
  it('a loop bound throws past its limit and a bounded buffer counts what it drops', () => {
    const b = new LoopBound('spin', 3);
    b.tick();
    b.tick();
    b.tick();
    expect(() => b.tick()).toThrow(/loop "spin" exceeded 3/);
    const buf = new BoundedBuffer<number>(2);
    [1, 2, 3, 4].forEach((x) => buf.push(x));
    expect(buf.drain()).toEqual([3, 4]);
    expect(buf.dropped).toBe(2);
  });
});
