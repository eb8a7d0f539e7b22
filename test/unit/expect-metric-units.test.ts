import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as Module from '../../harness/expect/metrics.ts';
import { METRICS as LISTED } from '../../harness/expect/metrics.ts';

/**
 * A metric's unit decides how a scenario writes its threshold and how a report prints its value.
 * docs/scenarios.md promises the user one rule: "values as 99.5% for ratios, durations for times,
 * plain numbers for counts", and words for a rollout's fields. This test works out from each
 * metric's *name* which of those it must be (the rules below, written independently of
 * metrics.ts) and checks the unit metrics.ts gives it behaves that way, both ways: the threshold
 * text parses, and a value prints in the same form. `count`, `score` and `money` are one class here
 * on purpose: the user cannot tell them apart (all are plain numbers).
 */

// Each test loads the module afresh (vi.resetModules, then import), so the metric catalog is built
// inside the test: mutation testing credits a test only with code that runs inside it, and a
// catalog built at import would be scored by no test (docs/testing.md, "hybrid" static mutants).
// The statically imported list only names the cases; every check reads the fresh copy.
let formatValue: typeof Module.formatValue;
let parseValue: typeof Module.parseValue;
let METRICS: typeof Module.METRICS;
beforeEach(async () => {
  vi.resetModules();
  ({ formatValue, parseValue, METRICS } = await import('../../harness/expect/metrics.ts'));
});

type Written = 'ratio' | 'duration' | 'number' | 'words';

function expectedForm(pattern: string): Written {
  if (pattern.startsWith('rollout.')) return 'words';
  if (/(^|\.)(availability|response_compliance|resolution_compliance|patch_coverage|error_budget_remaining|credit_pct|peak_share)(\.|$)/.test(pattern)) return 'ratio';
  if (/(^|\.)(mtta|mttr|detection_p50|detection_p95|detection_max|reconnect_all)(\.|$)/.test(pattern)) return 'duration';
  return 'number';
}

const behaves: Record<Written, (unit: Parameters<typeof parseValue>[0]) => void> = {
  ratio: (unit) => {
    expect(parseValue(unit, '99.5%')).toBe(0.995);
    expect(parseValue(unit, '0.25')).toBe(0.25);
    expect(parseValue(unit, '2m')).toHaveProperty('error');
    expect(formatValue(unit, 0.995)).toBe('99.5%');
  },
  duration: (unit) => {
    expect(parseValue(unit, '2m')).toBe(120_000);
    expect(parseValue(unit, '50%')).toHaveProperty('error');
    expect(formatValue(unit, 90_000)).toBe('1m 30s');
  },
  number: (unit) => {
    expect(parseValue(unit, '7')).toBe(7);
    expect(parseValue(unit, '2.5')).toBe(2.5);
    expect(parseValue(unit, '2m')).toHaveProperty('error');
    expect(parseValue(unit, '50%')).toHaveProperty('error');
    expect(formatValue(unit, 0.125)).toBe('0.125');
    expect(formatValue(unit, 12)).toBe('12');
  },
  words: (unit) => {
    expect(parseValue(unit, 'halted')).toBe('halted');
    expect(parseValue(unit, '3')).toBe(3);
    expect(formatValue(unit, 'halted')).toBe('halted');
  },
};

describe('each metric is written the way docs/scenarios.md says', () => {
  LISTED.forEach((listed, i) => {
    const form = expectedForm(listed.pattern);
    it(`${listed.pattern}: ${form}`, () => {
      const def = METRICS[i];
      expect(def?.pattern).toBe(listed.pattern);
      behaves[form](def!.unit);
    });
  });

  it('every form is used, so no rule above is idle', () => {
    const used = new Map<Written, number>();
    for (const def of METRICS) used.set(expectedForm(def.pattern), (used.get(expectedForm(def.pattern)) ?? 0) + 1);
    expect([...used.keys()].sort()).toEqual(['duration', 'number', 'ratio', 'words']);
    // Enough metrics that the per-metric cases above are the list, not a sample.
    expect(METRICS.length).toBeGreaterThan(60);
  });
});
