/**
 * Cases for the mutants of sim/kernel/step-lines.ts the order test left alive (docs/testing.md,
 * "Mutation testing"): every column travels with its line (site and kind, not only the text), a
 * reused buffer starts empty, the fast path hands an ordered batch back as it is, and a long batch
 * (V8 sorts more than a few dozen elements by merging runs, calling the comparator both ways round)
 * keeps each site's own order. Expected orders are written by hand or built by bucketing in the test.
 */
import { describe, expect, it } from 'vitest';
import { mergeLines, orderLines, StepLines, type StepLineBatch } from '../../sim/kernel/step-lines.ts';

function make(rows: ReadonlyArray<[number, string, string, string]>): StepLineBatch {
  return { t: rows.map((r) => r[0]), site: rows.map((r) => r[1]), kind: rows.map((r) => r[2]), line: rows.map((r) => r[3]) };
}

describe('step lines: columns, reuse and the ordered fast path', () => {
  it('take() keeps time, site, kind and text of each line together', () => {
    const b = new StepLines();
    b.push(20, 'nyc', 'pub', 'n1');
    b.push(10, 'chi', 'fact', 'c1');
    b.push(10, '', 'noc', 'x1');
    expect(b.size).toBe(3);
    expect(b.take()).toEqual({ t: [10, 10, 20], site: ['', 'chi', 'nyc'], kind: ['noc', 'fact', 'pub'], line: ['x1', 'c1', 'n1'] });
  });

  it('a buffer reused after take() holds only the new lines, every column aligned', () => {
    const b = new StepLines();
    b.push(5, 'aus', 'will', 'a1');
    b.push(3, 'bos', 'drop', 'b1');
    b.take();
    b.push(7, 'chi', 'pub', 'c1');
    b.push(6, 'den', 'fact', 'd1');
    expect(b.size).toBe(2);
    expect(b.take()).toEqual({ t: [6, 7], site: ['den', 'chi'], kind: ['fact', 'pub'], line: ['d1', 'c1'] });
  });

  it('an ordered batch (rising times, equal times with rising sites, a site repeated) comes back as the same object', () => {
    const rising = make([[1, 'b', 'k', 'l1'], [2, 'a', 'k', 'l2'], [3, 'a', 'k', 'l3']]);
    expect(orderLines(rising)).toBe(rising);
    const ties = make([[4, '', 'k', 'l1'], [4, 'a', 'k', 'l2'], [4, 'b', 'k', 'l3'], [4, 'b', 'k', 'l4'], [4, 'c', 'k', 'l5']]);
    expect(orderLines(ties)).toBe(ties);
    const one = make([[9, 'z', 'k', 'only']]);
    expect(orderLines(one)).toBe(one);
  });

  it('equal times with falling sites are not taken for ordered', () => {
    const b = make([[4, 'a', 'k', 'a1'], [4, 'c', 'k', 'c1'], [4, 'b', 'k', 'b1']]);
    expect(orderLines(b).line).toEqual(['a1', 'b1', 'c1']);
    const c = make([[1, 'z', 'k', 'z1'], [2, 'b', 'k', 'b1'], [2, 'a', 'k', 'a1']]);
    expect(orderLines(c).line).toEqual(['z1', 'a1', 'b1']);
  });

  it('a falling time is not taken for ordered', () => {
    const b = make([[1, 'a', 'k', 'a1'], [3, 'a', 'k', 'a3'], [2, 'a', 'k', 'a2']]);
    expect(orderLines(b).line).toEqual(['a1', 'a2', 'a3']);
  });

  it('merging one shard\'s batch hands it back as it is', () => {
    const only = make([[2, 'b', 'k', 'b1'], [1, 'a', 'k', 'a1']]);
    expect(mergeLines([only])).toBe(only);
  });

  it('a long batch keeps each site\'s own order at every millisecond', () => {
    // 240 lines over 6 milliseconds and 4 sites, pushed in a scrambled order; the line text
    // numbers each (time, site) pair's lines in push order.
    const sites = ['d', 'b', '', 'c', 'a'];
    const rows: Array<[number, string, string, string]> = [];
    const seen = new Map<string, number>();
    for (let i = 0; i < 240; i++) {
      const t = (i * 7) % 6;
      const site = sites[(i * 3 + (i >> 2)) % sites.length]!;
      const key = `${t}|${site}`;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      rows.push([t, site, `k${i % 3}`, `${key}#${n}`]);
    }
    // Expected: bucket by time, then by site in code-unit order, each bucket in push order.
    const expected: string[] = [];
    for (let t = 0; t < 6; t++) {
      for (const site of ['', 'a', 'b', 'c', 'd']) {
        for (const r of rows) if (r[0] === t && r[1] === site) expected.push(r[3]);
      }
    }
    const b = new StepLines();
    for (const [t, site, kind, line] of rows) b.push(t, site, kind, line);
    const out = b.take();
    expect(out.line).toEqual(expected);
    expect(out.line.length).toBe(240);
    // The kind column followed its line.
    const kindOf = new Map(rows.map((r) => [r[3], r[2]]));
    expect(out.kind).toEqual(out.line.map((l) => kindOf.get(l)));
    // Merged from two shards split by site, the order is the same.
    const left = rows.filter((r) => r[1] === '' || r[1] === 'c');
    const right = rows.filter((r) => r[1] !== '' && r[1] !== 'c');
    const part = (rs: typeof rows) => {
      const s = new StepLines();
      for (const [t, site, kind, line] of rs) s.push(t, site, kind, line);
      return s.take();
    };
    expect(mergeLines([part(left), part(right)]).line).toEqual(expected);
  });
});
