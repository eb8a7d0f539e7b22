import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../harness/scenario/errors.ts';
import { checkFirmwareEntries, checkRollouts, platformReleases, scenarioFirmware, simFirmware, withInstalledFleet, type ScenarioFirmware } from '../../harness/scenario/firmware-catalog.ts';
import { parseScenario } from '../../harness/scenario/scenario.ts';
import type { ScenarioFile } from '../../harness/scenario/schema.ts';

// harness/scenario/firmware-catalog.ts: the scenario's firmware entries as the platform and the
// simulator see them, and the load-time checks of rollouts against them, written to kill the
// mutants StrykerJS left alive (docs/testing.md, "Mutation testing"). Times by hand: New York is
// UTC−5 on 2 March 2026, so 08:00 local is 13:00 UTC.

const START = Date.UTC(2026, 2, 2, 13);
const HOUR = 3_600_000;
const raw = (s: Partial<ScenarioFile>): ScenarioFile => s as ScenarioFile;

describe('scenarioFirmware', () => {
  it('maps each behaviour field to the simulator\'s name; corrupt defaults to false, the signature to valid', () => {
    const [full, bare] = scenarioFirmware(
      raw({
        firmware: [
          {
            model: 'HVAC-ZC-400',
            version: '2.4.0',
            released: '2026-03-02 08:00',
            corrupt: true,
            signature_valid: false,
            behaviour: { boot_failure: 0.07, reboot_mean: 84 * HOUR, reboot_loop_after: 36 * HOUR, reboot_loop_mean: 40 * 60_000, drain_factor: 1.4, sensor_bug: 'drift', drift_per_day: 0.5, new_fields: { diag: 0 } },
          },
          { model: 'ENV-TH-110', version: '9.9.9' },
        ],
      } as never),
      'America/New_York',
    );
    expect(full).toMatchObject({
      model: 'HVAC-ZC-400',
      version: '2.4.0',
      released_ms: START,
      corrupt: true,
      signature_valid: false,
      behaviour: { boot_failure_ratio: 0.07, reboot_mean_ms: 84 * HOUR, reboot_loop_after_ms: 36 * HOUR, reboot_loop_mean_ms: 40 * 60_000, drain_factor: 1.4, sensor_bug: 'drift', drift_per_day: 0.5, extra_values: { diag: 0 } },
    });
    expect(Object.keys(full!.behaviour).sort()).toEqual(['boot_failure_ratio', 'drain_factor', 'drift_per_day', 'extra_values', 'reboot_loop_after_ms', 'reboot_loop_mean_ms', 'reboot_mean_ms', 'sensor_bug']);
    expect(bare).toMatchObject({ model: 'ENV-TH-110', version: '9.9.9', released_ms: null, approved_ms: 0, corrupt: false, signature_valid: true, behaviour: {} });
    expect(Object.keys(bare!.behaviour)).toEqual([]);
    expect(scenarioFirmware(raw({}), 'UTC')).toEqual([]);
  });

  it('an explicit corrupt: false and signature_valid: true are kept as given', () => {
    const [e] = scenarioFirmware(raw({ firmware: [{ model: 'HVAC-ZC-400', version: '2.4.0', corrupt: false, signature_valid: true, behaviour: { boot_failure: 0 } }] } as never), 'UTC');
    expect(e).toMatchObject({ corrupt: false, signature_valid: true, behaviour: { boot_failure_ratio: 0 } });
  });
});

describe('withInstalledFleet, platformReleases, simFirmware', () => {
  const listed = (): ScenarioFirmware[] => scenarioFirmware(raw({ firmware: [{ model: 'HVAC-ZC-400', version: '2.4.0', corrupt: true, min_battery: 40 }] } as never), 'UTC');

  it('adds one default entry per installed model@version not listed, keeping the listed ones first', () => {
    const got = withInstalledFleet(listed(), [
      { model: 'HVAC-ZC-400', firmware: '2.4.0' },
      { model: 'ENV-TH-110', firmware: '1.0.0' },
      { model: 'ENV-TH-110', firmware: '1.0.0' },
    ]);
    expect(got.map((e) => `${e.model}@${e.version}`)).toEqual(['HVAC-ZC-400@2.4.0', 'ENV-TH-110@1.0.0']);
    expect(got[0]!.corrupt).toBe(true);
    expect(got[1]).toMatchObject({ corrupt: false, signature_valid: true, behaviour: {}, approved_ms: 0, released_ms: null, min_battery_pct: 25, compatible_from: [] });
  });

  it('the platform sees the release without the simulator\'s three facts', () => {
    const [r] = platformReleases(listed());
    expect(Object.keys(r!).sort()).toEqual(['approved_ms', 'compatible_from', 'min_battery_pct', 'model', 'released_ms', 'sha256', 'size_bytes', 'version']);
  });

  it('the simulator\'s image: a mains-powered model needs no battery, a battery model keeps its minimum', () => {
    const entries = withInstalledFleet(listed(), [{ model: 'ENV-TH-110', firmware: '1.0.0' }]);
    const [hvac, env] = simFirmware(entries);
    expect(hvac).toEqual({
      image: { model: 'HVAC-ZC-400', version: '2.4.0', size_bytes: entries[0]!.size_bytes, sha256: entries[0]!.sha256, corrupt: true, signature_valid: true, min_battery_pct: 0, compatible_from: [] },
      behaviour: {},
    });
    expect(env!.image).toMatchObject({ model: 'ENV-TH-110', version: '1.0.0', corrupt: false, signature_valid: true, min_battery_pct: 25 });
  });
});

describe('checkFirmwareEntries', () => {
  it('a model@version listed twice is reported at each later entry, naming the first', () => {
    const entries = [
      { model: 'A', version: '1' },
      { model: 'A', version: '2' },
      { model: 'B', version: '1' },
      { model: 'A', version: '1' },
      { model: 'A', version: '1' },
    ];
    expect(checkFirmwareEntries(raw({ firmware: entries } as never))).toEqual([
      { path: ['firmware', 3, 'version'], message: 'firmware A@1 is listed twice (also firmware[0])' },
      { path: ['firmware', 4, 'version'], message: 'firmware A@1 is listed twice (also firmware[0])' },
    ]);
    expect(checkFirmwareEntries(raw({}))).toEqual([]);
  });
});

describe('checkRollouts', () => {
  const firmware = [{ model: 'HVAC-ZC-400', version: '2.4.0', approved: '2026-03-02 10:00' }];
  const plan = (extra: Record<string, unknown> = {}) => ({ id: 'r1', firmware: { model: 'HVAC-ZC-400', version: '2.4.0' }, ...extra });

  it('no rollouts: nothing checked', () => {
    expect(checkRollouts(raw({ firmware: [{ model: 'HVAC-ZC-400', version: '2.4.0', approved: false }] } as never), 'UTC', START)).toEqual([]);
  });

  it('a rollout is checked at its own start: approval at 10:00 local is too late for a rollout at 1h, in time for one at 2h', () => {
    expect(checkRollouts(raw({ firmware, rollouts: [plan({ at: 2 * HOUR })] } as never), 'America/New_York', START)).toEqual([]);
    expect(checkRollouts(raw({ firmware, rollouts: [plan({ at: HOUR })] } as never), 'America/New_York', START)).toEqual([
      { path: ['rollouts', 0, 'firmware', 'version'], message: 'firmware HVAC-ZC-400@2.4.0 is not approved for deployment yet (PATCH_NOT_APPROVED)' },
    ]);
    // Without `at`, the rollout is checked at the run's start.
    expect(checkRollouts(raw({ firmware, rollouts: [plan()] } as never), 'America/New_York', START)).toHaveLength(1);
    expect(checkRollouts(raw({ firmware, rollouts: [plan()] } as never), 'America/New_York', START + 2 * HOUR)).toEqual([]);
  });

  it('an id used twice is reported at the second; each plan is still checked', () => {
    const got = checkRollouts(raw({ firmware, rollouts: [plan({ at: 2 * HOUR }), plan({ at: 2 * HOUR }), plan({ id: 'r2', at: 2 * HOUR, firmware: { model: 'HVAC-ZC-400', version: '0.0.1' } })] } as never), 'America/New_York', START);
    expect(got).toEqual([
      { path: ['rollouts', 1, 'id'], message: 'rollout id "r1" is used twice' },
      { path: ['rollouts', 2, 'firmware', 'version'], message: expect.stringMatching(/^firmware HVAC-ZC-400@0\.0\.1 is not in the catalog \(known: .*2\.4\.0.*\) \(PATCH_UNKNOWN_FIRMWARE\)$/) },
    ]);
  });

  it('each plan error lands on the key it is about; one without a key on the rollout itself', () => {
    const one = (extra: Record<string, unknown>) => checkRollouts(raw({ firmware: [{ model: 'HVAC-ZC-400', version: '2.4.0' }], rollouts: [plan(extra)] } as never), 'UTC', START)[0]?.path;
    expect(one({ targets: { models: ['LGT-DALI-60'] } })).toEqual(['rollouts', 0, 'targets', 'models']);
    expect(one({ windows: { install: { days: ['tue'], start: '22:00' } } })).toEqual(['rollouts', 0, 'windows']);
    expect(one({ success_gate: { then: 'soak' } })).toEqual(['rollouts', 0]);
  });

  it('a model@version listed twice: the rollouts are left unchecked, and the loader reports the entry at its line', () => {
    const dup = [{ model: 'HVAC-ZC-400', version: '2.4.0' }, { model: 'HVAC-ZC-400', version: '2.4.0' }];
    expect(checkRollouts(raw({ firmware: dup, rollouts: [plan(), plan()] } as never), 'UTC', START)).toEqual([]);
    const text = `name: t
start: "2026-03-02 08:00"
duration: 1d
fleet:
  sites:
    - { id: s1, metro: Boston, timezone: America/New_York, buildings: [{ id: b1, type: office, per_zone: { hvac: 1 } }] }
firmware:
  - { model: HVAC-ZC-400, version: 2.4.0 }
  - { model: HVAC-ZC-400, version: 2.4.0 }
rollouts:
  - { id: r1, at: 1h, firmware: { model: HVAC-ZC-400, version: 2.4.0 } }
`;
    let err: unknown;
    try {
      parseScenario(text, 'x.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScenarioError);
    expect((err as ScenarioError).issues.map((i) => `${i.line}:${i.column} ${i.message}`)).toEqual(['9:36 firmware[1].version: firmware HVAC-ZC-400@2.4.0 is listed twice (also firmware[0])']);
  });
});
