/**
 * The real scenario schema (harness/scenario/schema.ts) refuses unknown top-level keys. The loader
 * tests use a miniature schema, so only this file would notice the real one turning lenient — and
 * a lenient root silently drops a whole section when its key is misspelt.
 */
import { describe, expect, it } from 'vitest';
import { didYouMean } from '../../harness/scenario/did-you-mean.ts';
import { ScenarioError } from '../../harness/scenario/errors.ts';
import { parseScenario } from '../../harness/scenario/scenario.ts';

const BASE = `name: t
seed: 3
start: "2026-03-03 06:00"
duration: 12h
fleet:
  sites:
    - id: nyc
      metro: New York
      timezone: America/New_York
      buildings:
        - { id: hq, type: office, floors: 1, zones_per_floor: 1, per_zone: { occupancy: 1, env: 1 }, per_floor: { leak: 1 } }
`;

function scenarioError(text: string): ScenarioError {
  try {
    parseScenario(text, 'x.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return err as ScenarioError;
  }
  throw new Error('expected a ScenarioError');
}

describe('scenario schema: unknown top-level keys', () => {
  it('scenario schema rejects `expectations:` (a typo for `expect:`) at its line with did-you-mean', () => {
    const text = `${BASE}expectations:\n  - that: lost_qos1 = 0\n`;
    const err = scenarioError(text);
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({ code: 'SCENARIO_UNKNOWN_KEY', line: 12, column: 1 });
    expect(err.message).toBe('x.yaml:12:1: unknown key "expectations" in (root) (did you mean "expect"?)');
    // Spelt right, the same section loads.
    expect(parseScenario(`${BASE}expect:\n  - that: lost_qos1 = 0\n`, 'x.yaml').expectations).toHaveLength(1);
  });

  it('scenario schema rejects other misspelt sections with a suggestion, and a key nothing resembles without one', () => {
    expect(scenarioError(`${BASE}timelines: []\n`).message).toBe('x.yaml:12:1: unknown key "timelines" in (root) (did you mean "timeline"?)');
    expect(scenarioError(`${BASE}fault_process: []\n`).message).toBe('x.yaml:12:1: unknown key "fault_process" in (root) (did you mean "fault_processes"?)');
    expect(scenarioError(`${BASE}colour: blue\n`).message).toBe('x.yaml:12:1: unknown key "colour" in (root)');
  });
});

describe('didYouMean: prefixes', () => {
  it('suggests a candidate sharing a long prefix when no candidate is a few edits away', () => {
    expect(didYouMean('expectations', ['expect', 'timeline'])).toBe('expect');
    expect(didYouMean('fleetspec', ['fleet', 'faults'])).toBe('fleet');
    // Too short a shared part, or less than half of the longer word: no suggestion.
    expect(didYouMean('exp', ['expect'])).toBeUndefined();
    expect(didYouMean('firmware_images_list', ['firmware'])).toBeUndefined();
    // Edit distance still wins over a prefix, and ties break alphabetically.
    expect(didYouMean('faults', ['fault_processes', 'fault'])).toBe('fault');
    expect(didYouMean('sitesxx', ['sitesa', 'sitesb'])).toBe('sitesa');
  });
});
