import { createHash } from 'node:crypto';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { BoundedBuffer, LoopBound } from '../../sim/kernel/bounds.ts';
import { VirtualClock } from '../../sim/kernel/clock.ts';
import { SimError } from '../../sim/kernel/errors.ts';
import { EventQueue, Priority } from '../../sim/kernel/event-queue.ts';
import { Rng, RngTree } from '../../sim/kernel/rng.ts';
import { HASH_CHUNK_CHARS, TraceJournal, traceTextDigest } from '../../sim/kernel/trace.ts';

/**
 * The kernel's edges, written to kill the mutants kernel.test.ts let survive (docs/testing.md,
 * "Mutation testing"). Expected random values come from seedrandom's Alea directly (the stream
 * `<root>/<name>` the kernel documents), with the sampling formulas written out here, never from
 * an Rng call.
 */

/** The raw generator behind Rng(root, name), independent of the Rng class. */
const alea = (root: string, name: string): seedrandom.PRNG => seedrandom.alea(`${root}/${name}`);

describe('event queue edges', () => {
  it('priorities run physics before sensing before reporting, and the default bound is 5 million', () => {
    expect(Priority).toEqual({ fault: 0, world: 10, device: 20, command: 30, field: 35, report: 40, housekeeping: 90 });
    expect(new EventQueue().max_pending).toBe(5_000_000);
  });

  it('peek shows the earliest without removing it; size counts; an empty queue pops undefined', () => {
    const q = new EventQueue();
    expect(q.peek()).toBeUndefined();
    expect(q.pop()).toBeUndefined();
    q.schedule(30, Priority.report, 'late', () => {});
    q.schedule(10, Priority.report, 'early', () => {});
    q.schedule(10, Priority.world, 'earliest', () => {});
    expect(q.size).toBe(3);
    expect(q.peek()?.label).toBe('earliest');
    expect(q.size).toBe(3);
    expect([q.pop()?.label, q.pop()?.label, q.pop()?.label]).toEqual(['earliest', 'early', 'late']);
    expect(q.size).toBe(0);
    expect(q.pop()).toBeUndefined();
    expect(q.size).toBe(0);
  });

  it('a popped last event leaves the queue empty (it is not put back)', () => {
    const q = new EventQueue();
    q.schedule(1, 0, 'only', () => {});
    expect(q.pop()?.label).toBe('only');
    expect(q.size).toBe(0);
    expect(q.peek()).toBeUndefined();
  });

  it('same time and priority: first scheduled, first out (seq counts up from 0)', () => {
    const q = new EventQueue();
    const labels = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const events = labels.map((l) => q.schedule(100, 5, l, () => {}));
    expect(events.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const out: string[] = [];
    for (let e = q.pop(); e; e = q.pop()) out.push(e.label);
    expect(out).toEqual(labels);
  });

  it('a schedule in reverse order still pops sorted (sift-up and sift-down with both children)', () => {
    const q = new EventQueue();
    for (let t = 20; t >= 1; t--) q.schedule(t, 0, `t${t}`, () => {});
    const out: number[] = [];
    for (let e = q.pop(); e; e = q.pop()) out.push(e.at_ms);
    expect(out).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('a full queue names the event and the limit; a bad time names the event and the value', () => {
    const q = new EventQueue(1);
    q.schedule(1, 0, 'first', () => {});
    expect(() => q.schedule(2, 0, 'second', () => {})).toThrow('event queue holds 1 events (limit 1) while scheduling "second" (SIM_BOUND_EXCEEDED)');
    const open = new EventQueue();
    expect(() => open.schedule(Number.NaN, 0, 'nan', () => {})).toThrow('event "nan" time must be an integer ms, got NaN (SIM_INVALID_ARGUMENT)');
    expect(() => open.schedule(2 ** 53, 0, 'huge', () => {})).toThrow(/SIM_INVALID_ARGUMENT/);
    expect(open.size).toBe(0);
  });
});

describe('virtual clock edges', () => {
  it('starts where told, may stay put, refuses fractional times and says why', () => {
    expect(() => new VirtualClock(0.5)).toThrow('clock start must be an integer ms, got 0.5 (SIM_INVALID_ARGUMENT)');
    const c = new VirtualClock(1000);
    expect(c.now_ms).toBe(1000);
    c.advanceTo(1000);
    expect(c.now_ms).toBe(1000);
    expect(() => c.advanceTo(999)).toThrow('clock cannot move back from 1000 to 999 (SIM_TIME_TRAVEL)');
    expect(() => c.advanceTo(1000.5)).toThrow('clock time must be an integer ms, got 1000.5 (SIM_INVALID_ARGUMENT)');
    expect(c.now_ms).toBe(1000);
  });

  it('a kernel error is a SimError with its code', () => {
    const e = new SimError('SIM_TIME_TRAVEL', 'x');
    expect(e.name).toBe('SimError');
    expect(e.code).toBe('SIM_TIME_TRAVEL');
  });
});

describe('rng against the raw Alea stream', () => {
  it('next and uint32 are the stream <root>/<name>', () => {
    const r = new Rng('seed', 'dev/1');
    const raw = alea('seed', 'dev/1');
    expect(r.name).toBe('dev/1');
    expect([r.next(), r.next()]).toEqual([raw.double(), raw.double()]);
    expect([r.uint32(), r.uint32()]).toEqual([raw.int32() >>> 0, raw.int32() >>> 0]);
  });

  it('the built-in Alea is seedrandom bit for bit: many seeds, long streams, mixed draws', () => {
    // Rng carries its own copy of Alea (compact state); every trace hash depends on it drawing
    // exactly what seedrandom.alea draws, including the seeding (Mash) of odd and long names.
    const names = ['device/occ-0001', 'x', '', 'zone/ä€😀', 'a'.repeat(300), 'fault/17/flap'];
    for (const root of ['7', 'seed', '0', '-1', 'commercial-portfolio']) {
      for (const name of names) {
        const r = new Rng(root, name);
        const raw = alea(root, name);
        for (let i = 0; i < 2_000; i++) {
          if (i % 3 === 0) expect(r.uint32()).toBe(raw.int32() >>> 0);
          else expect(r.next()).toBe(raw.double());
        }
      }
    }
  });

  it('int rejects the biased top of the 32-bit range (span 2^31 + 1 rejects about half the draws)', () => {
    const span = 2 ** 31 + 1;
    const limit = 2 ** 32 - (2 ** 32 % span); // = 2^31 + 1: everything at or above is redrawn
    const r = new Rng('bias', 'x');
    const raw = alea('bias', 'x');
    let rejected = 0;
    for (let i = 0; i < 200; i++) {
      let x = raw.int32() >>> 0;
      while (x >= limit) {
        rejected++;
        x = raw.int32() >>> 0;
      }
      expect(r.int(7, 7 + span - 1)).toBe(7 + (x % span));
    }
    expect(rejected).toBeGreaterThan(50); // the rejection path really ran
  });

  it('a draw exactly at the rejection limit is redrawn, and exactly 2^32 values still use the integer path', () => {
    // With span = x0 > 2^31 (the stream's first draw), the limit is 2^32 - (2^32 mod x0) = x0 itself.
    let name = '';
    for (let i = 0; name === ''; i++) if (alea('edge', `n${i}`).int32() >>> 0 > 2 ** 31) name = `n${i}`;
    const raw = alea('edge', name);
    const x0 = raw.int32() >>> 0;
    let x = raw.int32() >>> 0;
    while (x >= x0) x = raw.int32() >>> 0;
    expect(new Rng('edge', name).int(0, x0 - 1)).toBe(x % x0);
    // 2^32 values: every 32-bit draw is accepted as it is.
    const full = alea('full', 'x');
    const r = new Rng('full', 'x');
    for (let i = 0; i < 5; i++) expect(r.int(10, 10 + 2 ** 32 - 1)).toBe(10 + (full.int32() >>> 0));
  });

  it('int over more than 2^32 values scales a double; a one-value range returns it', () => {
    const r = new Rng('wide', 'x');
    const raw = alea('wide', 'x');
    const span = 2 ** 40;
    for (let i = 0; i < 20; i++) expect(r.int(-5, -5 + span - 1)).toBe(-5 + Math.floor(raw.double() * span));
    expect(new Rng('one', 'x').int(4, 4)).toBe(4);
  });

  it('int and chance name their bad arguments', () => {
    const r = new Rng('s', 'named');
    expect(() => r.int(1.5, 3)).toThrow('rng named: int(1.5, 3) needs integers lo <= hi (SIM_INVALID_ARGUMENT)');
    expect(() => r.int(0, 2.5)).toThrow(/SIM_INVALID_ARGUMENT/);
    expect(() => r.int(5, 4)).toThrow(/SIM_INVALID_ARGUMENT/);
    expect(() => r.chance(1, 0)).toThrow('rng named: chance(1, 0) needs integers with denominator > 0 (SIM_INVALID_ARGUMENT)');
    expect(() => r.chance(0, 0)).toThrow(/SIM_INVALID_ARGUMENT/);
    expect(() => r.chance(-1, 5)).toThrow(/SIM_INVALID_ARGUMENT/);
    expect(() => r.chance(0.5, 5)).toThrow(/SIM_INVALID_ARGUMENT/);
    expect(() => r.chance(1, 2.5)).toThrow(/SIM_INVALID_ARGUMENT/);
    expect(() => r.pick([])).toThrow('rng named: pick from an empty list (SIM_INVALID_ARGUMENT)');
  });

  it('certain and impossible chances consume no draw; others consume exactly one int', () => {
    const r = new Rng('c', 'x');
    const raw = alea('c', 'x');
    expect(r.chance(7, 7)).toBe(true);
    expect(r.chance(9, 7)).toBe(true);
    expect(r.chance(0, 7)).toBe(false);
    expect(r.uint32()).toBe(raw.int32() >>> 0); // still at the start of the stream
    // 3 in 10: the draw is an int in [0, 9] (span 10, limit 2^32 - 6), true when below 3.
    for (let i = 0; i < 50; i++) {
      let x = raw.int32() >>> 0;
      while (x >= 2 ** 32 - (2 ** 32 % 10)) x = raw.int32() >>> 0;
      expect(r.chance(3, 10)).toBe(x % 10 < 3);
    }
  });

  it('uniform, normal and exponential follow their formulas on the raw draws', () => {
    const r = new Rng('f', 'x');
    const raw = alea('f', 'x');
    for (let i = 0; i < 10; i++) expect(r.uniform(10, 20)).toBe(10 + 10 * raw.double());
    for (let i = 0; i < 10; i++) {
      const u1 = 1 - raw.double();
      const u2 = raw.double();
      expect(r.normal(100, 15)).toBeCloseTo(100 + 15 * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2), 9);
    }
    for (let i = 0; i < 10; i++) expect(r.exponential(60)).toBeCloseTo(-60 * Math.log(1 - raw.double()), 9);
  });

  it('uniform stays in [lo, hi), exponential is positive with its mean, normal has its mean and spread', () => {
    const r = new Rng('dist', 'x');
    const u = Array.from({ length: 2000 }, () => r.uniform(-3, 5));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-3);
    expect(Math.max(...u)).toBeLessThan(5);
    expect(Math.min(...u)).toBeLessThan(-2.9);
    expect(Math.max(...u)).toBeGreaterThan(4.9);
    const e = Array.from({ length: 5000 }, () => r.exponential(10));
    expect(Math.min(...e)).toBeGreaterThanOrEqual(0);
    expect(e.reduce((a, b) => a + b, 0) / e.length).toBeGreaterThan(9.3);
    expect(e.reduce((a, b) => a + b, 0) / e.length).toBeLessThan(10.7);
    const n = Array.from({ length: 5000 }, () => r.normal(50, 4));
    const mean = n.reduce((a, b) => a + b, 0) / n.length;
    const sd = Math.sqrt(n.reduce((a, b) => a + (b - mean) ** 2, 0) / n.length);
    expect(mean).toBeGreaterThan(49.7);
    expect(mean).toBeLessThan(50.3);
    expect(sd).toBeGreaterThan(3.8);
    expect(sd).toBeLessThan(4.2);
  });

  it('poisson: 0 for a mean <= 0 without a draw, Knuth up to 30, a rounded normal above', () => {
    const r = new Rng('p', 'x');
    const raw = alea('p', 'x');
    expect(r.poisson(0)).toBe(0);
    expect(r.poisson(-2)).toBe(0);
    expect(r.next()).toBe(raw.double()); // no draw was taken
    const knuth = (mean: number): number => {
      const limit = Math.exp(-mean);
      let k = 0;
      let p = raw.double();
      while (p > limit) {
        k++;
        p *= raw.double();
      }
      return k;
    };
    for (const mean of [0.5, 3, 30]) for (let i = 0; i < 5; i++) expect(r.poisson(mean)).toBe(knuth(mean));
    for (let i = 0; i < 5; i++) {
      const u1 = 1 - raw.double();
      const u2 = raw.double();
      const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      expect(r.poisson(31)).toBe(Math.max(0, Math.round(31 + Math.sqrt(31) * z)));
    }
    const big = Array.from({ length: 2000 }, () => r.poisson(400));
    expect(Math.min(...big)).toBeGreaterThan(300);
    expect(big.reduce((a, b) => a + b, 0) / big.length).toBeGreaterThan(395);
    expect(big.reduce((a, b) => a + b, 0) / big.length).toBeLessThan(405);
  });

  it('pick reaches every item and only items', () => {
    const r = new Rng('pick', 'x');
    const items = ['a', 'b', 'c'];
    const seen = new Set(Array.from({ length: 300 }, () => r.pick(items)));
    expect([...seen].sort()).toEqual(items);
  });

  it('a tree hands out one continuing stream per name', () => {
    const tree = new RngTree(7);
    expect(tree.root_seed).toBe('7');
    const raw = alea('7', 'device/a');
    expect(tree.get('device/a').next()).toBe(raw.double());
    expect(tree.get('device/a').next()).toBe(raw.double()); // the same stream, not a fresh one
    expect(tree.get('device/a')).toBe(tree.get('device/a'));
  });
});

describe('trace journal edges', () => {
  it('refuses fields named k or t, and names the line', () => {
    const j = new TraceJournal();
    expect(() => j.append(1, 'fact', { k: 1 })).toThrow('trace line fact: fields may not be named "k" or "t" (SIM_INVALID_ARGUMENT)');
    expect(() => j.append(1, 'fact', { t: 1 })).toThrow(/SIM_INVALID_ARGUMENT/);
    expect(j.lines).toBe(0);
  });

  it('a journal without a sink still hashes and counts', () => {
    const j = new TraceJournal();
    j.append(1, 'fact', { a: 1 });
    expect(j.lines).toBe(1);
    expect(j.digestHex()).toBe(createHash('sha256').update('{"a":1,"k":"fact","t":1}\n').digest('hex'));
  });

  it('the digest is SHA-256 of every line and its newline, however the lines fell into chunks, and the journal stays open after it', () => {
    const j = new TraceJournal();
    const text: string[] = [];
    const add = (i: number, pad: number): void => {
      j.append(i, 'fact', { i, pad: 'x'.repeat(pad) });
      text.push(`{"i":${i},"k":"fact","pad":"${'x'.repeat(pad)}","t":${i}}\n`);
    };
    const sha = (): string => createHash('sha256').update(text.join('')).digest('hex');
    add(0, 3);
    expect(j.digestHex()).toBe(sha());
    // After a digest, later lines go on from where it stopped (nothing left over, nothing lost).
    add(1, 5);
    expect(j.digestHex()).toBe(sha());
    // Lines that cross the hashing chunk (64 KB) several times, then a digest mid-chunk.
    for (let i = 2; i < 300; i++) add(i, 1_000);
    expect(j.digestHex()).toBe(sha());
    add(300, 0);
    expect(j.digestHex()).toBe(sha());
    expect(j.lines).toBe(301);
  });

  it('lines wait in a backlog of under one chunk: kept between flushes, folded in when it reaches 64 KB exactly', () => {
    expect(HASH_CHUNK_CHARS).toBe(65_536);
    const j = new TraceJournal();
    j.appendLine('fact', 'abc');
    // Batched, not hashed line by line (the reason for the chunk).
    expect(j.pending_chars).toBe(4);
    // Fill the backlog to one character short of the chunk, then to the chunk exactly.
    j.appendLine('fact', 'x'.repeat(HASH_CHUNK_CHARS - 4 - 2));
    expect(j.pending_chars).toBe(HASH_CHUNK_CHARS - 1);
    j.appendLine('fact', '');
    expect(j.pending_chars).toBe(0);
    // A long run never holds more than a chunk and a line of text unhashed.
    let most = 0;
    for (let i = 0; i < 1_000; i++) {
      j.appendLine('fact', 'y'.repeat(199));
      most = Math.max(most, j.pending_chars);
    }
    expect(most).toBeLessThan(HASH_CHUNK_CHARS);
    expect(most).toBeGreaterThan(HASH_CHUNK_CHARS - 200);
    j.digestHex();
    expect(j.pending_chars).toBe(0);
  });

  it('hands the sink each line with its own kind, so the oracle need not read the line to skip it', () => {
    const seen: Array<[string, string]> = [];
    const j = new TraceJournal((line, kind) => seen.push([line, kind]));
    j.append(5, 'fault', { id: 'f1' });
    j.appendPublish(6, 'd1', 'msp/v1/s/d1/telemetry', '{"v":1}', 1, false);
    j.appendLine('p.live', '{"k":"p.live","t":7}');
    expect(seen.map(([, kind]) => kind)).toEqual(['fault', 'pub', 'p.live']);
    for (const [line, kind] of seen) expect((JSON.parse(line) as { k: string }).k).toBe(kind);
  });

  it('kinds sort by code unit, not by locale or length (a prefix first, capitals before lower case)', () => {
    const j = new TraceJournal();
    for (const kind of ['ab', 'a', 'B', 'a', 'b']) j.appendLine(kind, '{}');
    expect(j.counts()).toEqual([
      ['B', 1],
      ['a', 2],
      ['ab', 1],
      ['b', 1],
    ]);
  });

  it('counts lines, bytes (each line plus its newline) and kinds in sorted order', () => {
    const lines: string[] = [];
    const j = new TraceJournal((l) => lines.push(l));
    j.append(1, 'zeta', {});
    j.append(2, 'alpha', { x: 1 });
    j.appendPublish(3, 'd', 'top', '{}', 0, true);
    j.append(4, 'mid', {});
    j.append(5, 'alpha', {});
    expect(lines[0]).toBe('{"k":"zeta","t":1}');
    expect(lines[2]).toBe('{"c":"d","k":"pub","p":{},"q":0,"r":true,"t":3,"topic":"top"}');
    expect(j.lines).toBe(5);
    expect(j.bytes).toBe(lines.reduce((n, l) => n + l.length + 1, 0));
    expect(j.counts()).toEqual([
      ['alpha', 2],
      ['mid', 1],
      ['pub', 1],
      ['zeta', 1],
    ]);
    expect(traceTextDigest(lines)).toBe(j.digestHex());
    expect(traceTextDigest(lines)).toBe(createHash('sha256').update(lines.map((l) => `${l}\n`).join('')).digest('hex'));
    expect(traceTextDigest([])).toBe(createHash('sha256').digest('hex'));
  });
});

describe('bounds edges', () => {
  it('a loop bound counts its ticks and names its loop', () => {
    const b = new LoopBound('spin', 2);
    expect(b.count).toBe(0);
    b.tick();
    b.tick();
    expect(b.count).toBe(2);
    expect(() => b.tick()).toThrow('loop "spin" exceeded 2 iterations (SIM_BOUND_EXCEEDED)');
  });

  it('a bounded buffer holds up to its capacity without dropping, and drain empties it', () => {
    const buf = new BoundedBuffer<number>(3);
    expect(buf.capacity).toBe(3);
    [1, 2, 3].forEach((x) => buf.push(x));
    expect(buf.length).toBe(3);
    expect(buf.dropped).toBe(0);
    buf.push(4);
    expect(buf.length).toBe(3);
    expect(buf.dropped).toBe(1);
    expect(buf.drain()).toEqual([2, 3, 4]);
    expect(buf.length).toBe(0);
    expect(buf.drain()).toEqual([]);
  });
});
