import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../harness/scenario/errors.ts';
import { parseScenario } from '../../harness/scenario/scenario.ts';

const BASE = `name: t
start: "2026-03-02 08:00"
duration: 1d
fleet:
  sites:
    - id: s1
      metro: Boston
      timezone: America/New_York
      buildings:
        - id: b1
          type: office
          per_zone: { hvac: 1 }
firmware:
  - model: HVAC-ZC-400
    version: 2.4.0
    behaviour: { boot_failure: 0.07 }
rollouts:
  - id: r1
    at: 1h
`;

function issueOf(text: string): { line: number; message: string; code: string } {
  try {
    parseScenario(text, 'x.yaml');
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    const i = err.issues[0]!;
    return { line: i.line, message: i.message, code: i.code };
  }
  throw new Error('expected a ScenarioError');
}

describe('scenario rollouts and firmware catalog', () => {
  it('loads a valid rollout with durations and windows', () => {
    const s = parseScenario(`${BASE}    firmware: { model: HVAC-ZC-400, version: 2.4.0 }\n    windows: { install: { days: [tue], start: "22:00", duration: 4h } }\n`, 'x.yaml');
    expect(s.rollouts).toHaveLength(1);
    expect(s.rollouts[0]!.at_ms).toBe(3_600_000);
    expect(s.firmware[0]).toMatchObject({ model: 'HVAC-ZC-400', version: '2.4.0', approved_ms: 0, behaviour: { boot_failure_ratio: 0.07 } });
  });

  it('an unknown firmware version is a file:line error at the rollout, naming the known versions', () => {
    const i = issueOf(`${BASE}    firmware: { model: HVAC-ZC-400, version: 9.0.0 }\n`);
    expect(i.code).toBe('SCENARIO_VALUE');
    expect(i.line).toBe(20); // the firmware line of the rollout
    expect(i.message).toMatch(/9\.0\.0.*known: 2\.3\.0, 2\.4\.0.*PATCH_UNKNOWN_FIRMWARE/);
  });

  it('a window with no duration, and a model the image is not built for, are refused at their lines', () => {
    const w = issueOf(`${BASE}    firmware: { model: HVAC-ZC-400, version: 2.4.0 }\n    windows:\n      install: { days: [tue], start: "22:00" }\n`);
    expect(w.message).toMatch(/the install window has no duration.*PATCH_BAD_WINDOW/);
    expect(w.line).toBe(22);
    const m = issueOf(`${BASE}    firmware: { model: HVAC-ZC-400, version: 2.4.0 }\n    targets: { models: [LGT-DALI-60] }\n`);
    expect(m.message).toMatch(/PATCH_INCOMPATIBLE_MODEL/);
  });

  it('a typo in a plan key gets a did-you-mean', () => {
    const i = issueOf(`${BASE}    firmware: { model: HVAC-ZC-400, version: 2.4.0 }\n    canery: { count: 3 }\n`);
    expect(i.code).toBe('SCENARIO_UNKNOWN_KEY');
    expect(i.line).toBe(21);
    expect(i.message).toMatch(/canary/);
  });
});
