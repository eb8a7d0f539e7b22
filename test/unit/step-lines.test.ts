import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../platform/contract/canonical-json.ts';
import { mergeLines, StepLines, type StepLineBatch } from '../../sim/kernel/step-lines.ts';
import { publishLine, publishLineMessage, traceLine } from '../../sim/kernel/trace.ts';

/** A step's lines as (time, site, text); text names the line so the expected order is written out by hand. */
const LINES: Array<[number, string, string]> = [
  [100, 'chi', 'chi-1'],
  [100, 'nyc', 'nyc-1'],
  [100, 'chi', 'chi-2'],
  [100, '', 'noc-1'],
  [160, 'aus', 'aus-1'],
  [130, 'nyc', 'nyc-2'],
  [160, 'aus', 'aus-2'],
];
/** Time first, then site ('' before any), then each site's own order. */
const EXPECTED = ['noc-1', 'chi-1', 'chi-2', 'nyc-1', 'nyc-2', 'aus-1', 'aus-2'];

function batch(lines: ReadonlyArray<[number, string, string]>): StepLineBatch {
  const b = new StepLines();
  for (const [t, site, text] of lines) b.push(t, site, 'x', text);
  return b.take();
}

describe('step lines: the trace order of a step', () => {
  it('orders one simulator\'s lines by time, then site, then the site\'s own order', () => {
    expect(batch(LINES).line).toEqual(EXPECTED);
  });

  it('merging shards gives the same order however the sites are split', () => {
    const splits: Array<Record<string, number>> = [
      { '': 0, chi: 0, nyc: 1, aus: 1 },
      { '': 0, chi: 1, nyc: 0, aus: 2 },
      { '': 0, chi: 2, nyc: 1, aus: 0 },
    ];
    for (const split of splits) {
      const parts = [0, 1, 2].map((i) => batch(LINES.filter(([, site]) => split[site] === i)));
      expect(mergeLines(parts).line).toEqual(EXPECTED);
    }
  });

  it('take() empties the buffer', () => {
    const b = new StepLines();
    b.push(1, 'a', 'x', 'one');
    b.take();
    expect(b.size).toBe(0);
    expect(b.take().line).toEqual([]);
  });

  it('drainTo writes what take() returns, in the same order, and empties the buffer, for any step', () => {
    // Mostly small steps near order, and some long ones far from it (the fallback sort).
    const step = fc.oneof(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.constantFrom('', 'a', 'b', 'c'), fc.constantFrom('pub', 'fault')), { maxLength: 80 }),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.constantFrom('d', 'c', 'b', 'a', ''), fc.constantFrom('pub', 'fault')), { minLength: 100, maxLength: 400 }),
    );
    const b = new StepLines();
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 3 }), (steps) => {
        // One buffer over several steps: its sort scratch is reused and must not leak between them.
        for (const lines of steps) {
          lines.forEach(([t, site, kind], i) => b.push(t, site, kind, `line-${i}`));
          const written: string[] = [];
          b.drainTo((kind, line) => written.push(`${kind} ${line}`));
          const again = new StepLines();
          lines.forEach(([t, site, kind], i) => again.push(t, site, kind, `line-${i}`));
          const taken = again.take();
          expect(written).toEqual(taken.line.map((l, i) => `${taken.kind[i]} ${l}`));
          expect(b.size).toBe(0);
        }
      }),
    );
  });

  it('takeIndexed says where each pushed line went, for any step (null when nothing moved)', () => {
    const step = fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.constantFrom('', 'a', 'b', 'c')), { maxLength: 60 });
    fc.assert(
      fc.property(step, (lines) => {
        const b = new StepLines();
        lines.forEach(([t, site], i) => b.push(t, site, 'x', `line-${i}`));
        const { batch: sorted, position } = b.takeIndexed();
        const again = new StepLines();
        lines.forEach(([t, site], i) => again.push(t, site, 'x', `line-${i}`));
        expect(sorted.line).toEqual(again.take().line);
        lines.forEach((_, i) => expect(sorted.line[position === null ? i : position[i]!]).toBe(`line-${i}`));
        if (position === null) expect(sorted.line).toEqual(lines.map((_, i) => `line-${i}`));
      }),
    );
  });
});

describe('a pub line read back (a shard sends the line, not its message again)', () => {
  it('gives the topic and payload it was made from, for any client id, topic and payload', () => {
    const payload = fc.dictionary(fc.string(), fc.jsonValue()).map((o) => canonicalJson(o));
    fc.assert(
      fc.property(fc.string(), fc.string(), payload, fc.constantFrom(0 as const, 1 as const), fc.boolean(), fc.integer({ min: 0, max: 2 ** 45 }), (client, topic, json, qos, retain, t) => {
        expect(publishLineMessage(publishLine(t, client, topic, json, qos, retain))).toEqual({ topic, payload: json });
      }),
    );
  });

  it('refuses a line that is not a pub line', () => {
    expect(() => publishLineMessage(traceLine(5, 'power', { d: 'x', s: 'online' }))).toThrow(/SIM_INVALID_ARGUMENT/);
    expect(() => publishLineMessage('{"c":"unterminated')).toThrow(/SIM_INVALID_ARGUMENT/);
  });
});
