/**
 * `platform.incident_policy` in a scenario file (docs/monitoring.md "Which alerts open incidents"):
 * a portfolio threshold, and overrides per site, per building, or per contract client (its sites
 * and buildings), resolved into the platform's MonitoringConfig.incident_policy; names that are
 * not in the fleet or the contract are file:line errors with a did-you-mean.
 */
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../harness/scenario/errors.ts';
import { parseScenario } from '../../harness/scenario/scenario.ts';
import { defaultMonitoringConfig, mergeMonitoringConfig, opensIncident } from '../../platform/monitoring/rules.ts';

const file = (policy: string): string => `name: t
seed: 1
start: "2026-01-19 18:00"
duration: 6h
fleet:
  sites:
    - id: msp
      metro: Minneapolis
      timezone: America/Chicago
      buildings:
        - { id: riverside, type: multifamily, count: 2, floors: 1, units_per_floor: 2, per_unit: { lock: 1 } }
    - id: stp
      metro: Minneapolis
      timezone: America/Chicago
      buildings:
        - { id: loft, type: multifamily, floors: 1, units_per_floor: 2, per_unit: { lock: 1 } }
platform:
  contract:
    clients:
      - { id: northside-homes, buildings: [riverside-2] }
      - { id: stp-lofts, sites: [stp] }
  incident_policy:
${policy}`;

function scenarioError(text: string): ScenarioError {
  try {
    parseScenario(text, 'x.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return err as ScenarioError;
  }
  throw new Error('expected a ScenarioError');
}

describe('platform.incident_policy', () => {
  it('resolves clients to their sites and buildings; a building named directly refines its client', () => {
    const s = parseScenario(
      file(`    min_severity: major
    clients:
      northside-homes: { rules: { door_held_open: false } }
      stp-lofts: { min_severity: warning }
    buildings:
      riverside-2: { min_severity: minor }
`),
      'x.yaml',
    );
    const policy = s.platform.monitoring!.incident_policy!;
    expect(policy).toEqual({
      min_severity: 'major',
      scopes: [
        { building: 'riverside-2', rules: { door_held_open: false }, min_severity: 'minor' },
        { site: 'stp', min_severity: 'warning' },
      ],
    });
    const config = mergeMonitoringConfig(defaultMonitoringConfig(), s.platform.monitoring!);
    const places: Record<string, { site: string; building: string }> = {
      a: { site: 'msp', building: 'riverside-1' },
      b: { site: 'msp', building: 'riverside-2' },
      c: { site: 'stp', building: 'loft' },
    };
    const opens = opensIncident(config, (id) => places[id]);
    // riverside-1: the portfolio's major; riverside-2: minor, but never a propped door; stp: even warnings.
    expect([opens('hvac_off_setpoint', 'minor', 'a'), opens('hvac_off_setpoint', 'minor', 'b'), opens('battery_low', 'warning', 'c')]).toEqual([false, true, true]);
    expect(opens('door_held_open', 'critical', 'b')).toBe(false);
    // A device the platform cannot place follows the portfolio.
    expect([opens('leak', 'critical', 'zz'), opens('door_held_open', 'minor', 'zz')]).toEqual([true, false]);
  });

  it('an unknown site, building or client, or a misspelt rule, is refused at its line with a did-you-mean', () => {
    expect(scenarioError(file('    buildings:\n      riverside-3: { min_severity: major }\n')).message).toMatch(/^x\.yaml:2\d:\d+: .*no building "riverside-3" in the fleet \(did you mean "riverside-1"\?\)/);
    expect(scenarioError(file('    sites:\n      stpp: { min_severity: major }\n')).message).toMatch(/no site "stpp" in the fleet \(did you mean "stp"\?\)/);
    expect(scenarioError(file('    clients:\n      northside: { min_severity: major }\n')).message).toMatch(/no client "northside" in platform.contract.clients \(did you mean "northside-homes"\?\)/);
    expect(scenarioError(file('    sites:\n      stp: { rules: { door_held_opn: false } }\n')).message).toMatch(/door_held_opn.*did you mean "door_held_open"/);
  });
});
