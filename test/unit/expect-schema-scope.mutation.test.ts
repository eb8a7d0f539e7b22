import { describe, expect, it } from 'vitest';
import { zExpectation } from '../../harness/expect/schema.ts';

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
