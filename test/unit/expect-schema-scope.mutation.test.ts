import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as Module from '../../harness/expect/schema.ts';

// Each test loads the module afresh (vi.resetModules, then import), so its zod schemas are built
// inside the test: mutation testing credits a test only with code that runs inside it, and a
// schema built at import would otherwise be scored by no test (docs/testing.md, "hybrid" static
// mutants).
let zExpectation: typeof Module.zExpectation;
beforeEach(async () => {
  vi.resetModules();
  ({ zExpectation } = await import('../../harness/expect/schema.ts'));
});

// harness/expect/schema.ts: an incident expectation's scope, value by value (docs/scenarios.md,
// "incident:"). Written for the four static mutants a MUTATE_STATIC=1 run left alive, each an
// enum value emptied at import, which a test parsing only `scope: device` never sees.
describe('an incident expectation\'s scope', () => {
  const parse = (scope: unknown): boolean => zExpectation.safeParse({ incident: { priority: 'P2', scope }, for_fault: 'f1', within: '10m' }).success;
  it('takes each of the five areas and nothing else', () => {
    for (const scope of ['device', 'gateway', 'floor', 'building', 'site']) expect({ scope, ok: parse(scope) }).toEqual({ scope, ok: true });
    for (const scope of ['', 'zone', 'portfolio', 'Device']) expect({ scope, ok: parse(scope) }).toEqual({ scope, ok: false });
  });
});
