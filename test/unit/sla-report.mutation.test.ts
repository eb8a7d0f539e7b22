import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ErrorBudget, IncidentsSla, PatchSla } from '../../platform/sla/report.ts';

// Each test loads the module afresh (vi.resetModules, then import), so its module-level values are
// built inside the test: mutation testing credits a test only with code that runs inside it, and
// a constant built at import would otherwise be scored by no test (docs/testing.md, "hybrid"
// static mutants).
let HEALTH_FORMULA: string;
let healthOf: typeof import('../../platform/sla/report-math.ts').healthOf;
beforeEach(async () => {
  vi.resetModules();
  ({ HEALTH_FORMULA } = await import('../../platform/sla/report.ts'));
  ({ healthOf } = await import('../../platform/sla/report-math.ts'));
});

/**
 * Pins platform/sla/report.ts, which holds the report's types and one value: the health score's
 * formula as every report prints it (docs/sla.md, "Fleet health score"). The text is written out
 * here by hand, so a changed formula string is a failing test, not a silently different report.
 * Small on purpose: the formula is a module-level constant, and StrykerJS reruns every test that
 * loads the module for each of its (static) mutants.
 */
const FORMULA_BY_HAND =
  'score = 100 × (0.5·availability_score + 0.2·response_compliance + 0.2·patch_coverage + 0.1·(1 − open_p1p2_share)), rounded to 0.1; ' +
  'availability_score = clamp(error budget remaining fraction, 0, 1)';

describe('report.ts', () => {
  it('HEALTH_FORMULA states the weights of docs/sla.md, both clauses, in one line', () => {
    expect(HEALTH_FORMULA).toBe(FORMULA_BY_HAND);
    expect(HEALTH_FORMULA.startsWith('score = 100 × (0.5·availability_score')).toBe(true);
    expect(HEALTH_FORMULA.endsWith('availability_score = clamp(error budget remaining fraction, 0, 1)')).toBe(true);
  });

  it('a report\'s health section carries that formula beside the score it explains', () => {
    const budget = { remaining_fraction: 1 } as ErrorBudget;
    const incidents = { count: 0, list: [], response: { met: 0, breached: 0, pending: 0, compliance: 1 } } as unknown as IncidentsSla;
    const patch = { coverage: 1 } as PatchSla;
    // Everything perfect: 100 × (0.5 + 0.2 + 0.2 + 0.1) = 100.
    const h = healthOf(budget, incidents, patch);
    expect(h.score).toBe(100);
    expect(h.formula).toBe(FORMULA_BY_HAND);
  });
});
