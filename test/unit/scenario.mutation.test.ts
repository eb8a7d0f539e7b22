import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../harness/scenario/errors.ts';
import { DEFAULT_SEED, loadScenario, parseScenario } from '../../harness/scenario/scenario.ts';

// harness/scenario/scenario.ts: how a parsed file becomes a Scenario (start, seed, faults,
// platform overrides, rollouts, timeline, expectations) and which firmware versions the
// operations check knows, written to kill the mutants StrykerJS left alive (docs/testing.md,
// "Mutation testing"). Times by hand: New York is UTC−5 and Berlin UTC+1 on 2 March 2026.

const MIN = 60_000;
const HOUR = 60 * MIN;

const fleet = `fleet:
  sites:
    - id: nyc
      metro: New York
      timezone: America/New_York
      buildings:
        - { id: hq, type: office, floors: 1, zones_per_floor: 1, per_zone: { env: 1, hvac: 1 }, per_floor: { leak: 1 } }
`;
const head = (extra = ''): string => `name: t\nstart: "2026-03-02 08:00"\nduration: 6h\n${extra}${fleet}`;

function issues(text: string): string[] {
  try {
    parseScenario(text, 'x.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as ScenarioError).issues.map((i) => i.message);
  }
  return [];
}

describe('resolve', () => {
  it('defaults: no description, seed 1, the first site\'s timezone, no faults, rollouts or expectations', () => {
    const s = parseScenario(head(), 'a.yaml');
    expect(DEFAULT_SEED).toBe('1');
    expect(s).toMatchObject({ file: 'a.yaml', name: 't', description: '', seed: '1', start_local: '2026-03-02 08:00', start_timezone: 'America/New_York', start_ms: Date.UTC(2026, 2, 2, 13), duration_ms: 6 * HOUR });
    expect(s.faults).toEqual([]);
    expect(s.rollouts).toEqual([]);
    expect(s.firmware).toEqual([]);
    expect(s.expectations).toEqual([]);
    expect(s.timeline).toEqual({ steps: [], processes: [] });
    expect(s.platform).toEqual({});
    expect(parseScenario(head()).file).toBe('<inline>');
  });

  it('a description, a numeric seed as text, and start_timezone instead of the first site\'s', () => {
    const s = parseScenario(head('description: two words\nseed: 42\nstart_timezone: Europe/Berlin\n'));
    expect(s).toMatchObject({ description: 'two words', seed: '42', start_timezone: 'Europe/Berlin', start_ms: Date.UTC(2026, 2, 2, 7) });
    expect(parseScenario(head('seed: abc\n')).seed).toBe('abc');
    expect(parseScenario(head('seed: 0\n')).seed).toBe('0');
  });

  it('faults keep their duration only when given, and become the first timeline steps', () => {
    const s = parseScenario(`${head()}faults:
  - { kind: leak, device: hq-f01-leak-001, at: 1h, duration: 30m }
  - { kind: device_down, device: hq-f01-env-001, at: 2h }
timeline:
  - { id: later, at: 3h, action: fault.inject, fault: leak, target: { device: hq-f01-leak-001 } }
`);
    expect(s.faults).toEqual([
      { kind: 'leak', device: 'hq-f01-leak-001', at_ms: HOUR, duration_ms: 30 * MIN },
      { kind: 'device_down', device: 'hq-f01-env-001', at_ms: 2 * HOUR },
    ]);
    expect(Object.hasOwn(s.faults[1]!, 'duration_ms')).toBe(false);
    expect(s.timeline.steps.map((x) => [x.id, x.action, x.at_ms, ('for_ms' in x ? x.for_ms : undefined)])).toEqual([
      ['fault-1', 'fault.inject', HOUR, 30 * MIN],
      ['fault-2', 'fault.inject', 2 * HOUR, undefined],
      ['later', 'fault.inject', 3 * HOUR, undefined],
    ]);
    expect(Object.hasOwn(s.timeline.steps[1]!, 'for_ms')).toBe(false);
    // Faults alone need no fleet generation: their steps are the whole timeline.
    const alone = parseScenario(`${head()}faults:\n  - { kind: leak, device: hq-f01-leak-001, at: 1h }\n`);
    expect(alone.timeline.steps.map((x) => x.id)).toEqual(['fault-1']);
    expect(alone.timeline.processes).toEqual([]);
  });

  it('fault processes without a timeline are kept (the timeline is resolved for them alone)', () => {
    const s = parseScenario(`${head()}fault_processes:\n  - { id: p1, fault: leak, target: { kind: leak }, mtbf: 1d, mttr: 1h }\n`);
    expect(s.timeline.steps).toEqual([]);
    expect(s.timeline.processes.map((p) => p.id)).toEqual(['p1']);
  });

  it('rollouts: at in ms, or null for one a timeline step starts; the rest is the plan', () => {
    const s = parseScenario(`${head()}rollouts:
  - { id: r1, at: 1h, firmware: { model: HVAC-ZC-400, version: 2.3.0 } }
  - { id: r2, firmware: { model: HVAC-ZC-400, version: 2.3.0 } }
`);
    expect(s.rollouts).toEqual([
      { at_ms: HOUR, plan: { id: 'r1', firmware: { model: 'HVAC-ZC-400', version: '2.3.0' } } },
      { at_ms: null, plan: { id: 'r2', firmware: { model: 'HVAC-ZC-400', version: '2.3.0' } } },
    ]);
  });

  it('expectations carry their source line when parsed from text and when loaded from a file', () => {
    const text = `${head()}expect:\n  - that: lost_qos1 = 0\n  - that: wills = 0\n`;
    expect(parseScenario(text).expectations.map((e) => e.line)).toEqual([12, 13]);
    const dir = mkdtempSync(join(tmpdir(), 'msp-twin-scenario-'));
    try {
      const path = join(dir, 's.yaml');
      writeFileSync(path, text);
      const s = loadScenario(path);
      expect(s.file).toBe(path);
      expect(s.expectations.map((e) => e.line)).toEqual([12, 13]);
      writeFileSync(path, head());
      expect(loadScenario(path).expectations).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('platform overrides', () => {
  it('each rule field maps to the monitoring config\'s name; a rule given empty is an empty override', () => {
    const s = parseScenario(`${head()}platform:
  rules:
    leak: { enabled: false, severity: major, for: 2m, raise_after: 3, clear_after: 4, opens_incident: false }
    battery_low: {}
`);
    // Strict: a field the file leaves out is no key at all, not a key holding undefined.
    expect(s.platform).toStrictEqual({
      monitoring: {
        leak: { enabled: false, severity: 'major', for_ms: 2 * MIN, raise_after: 3, clear_after: 4, opens_incident: false },
        battery_low: {},
      },
    });
  });

  it('an incident policy alone is a monitoring override too; a contract alone is not', () => {
    expect(parseScenario(`${head()}platform:\n  incident_policy: { min_severity: major }\n`).platform).toStrictEqual({ monitoring: { incident_policy: { scopes: [], min_severity: 'major' } } });
    expect(parseScenario(`${head()}platform:\n  contract: { availability_target: 99% }\n`).platform).toStrictEqual({ contract: { availability_target: 0.99 } });
    expect(parseScenario(`${head()}platform: {}\n`).platform).toEqual({});
  });

  it('an incident policy names the contract\'s clients', () => {
    const s = parseScenario(`${head()}platform:
  contract: { clients: [ { id: acme, sites: [nyc] } ] }
  incident_policy: { clients: { acme: { min_severity: warning } } }
`);
    expect(s.platform.monitoring).toEqual({ incident_policy: { scopes: [{ site: 'nyc', min_severity: 'warning' }] } });
    expect(issues(`${head()}platform:\n  incident_policy: { clients: { acme: { min_severity: warning } } }\n`)).toEqual(['platform.incident_policy.clients.acme: no client "acme": platform.contract lists no clients']);
  });
});

describe('semantic checks', () => {
  it('a contract problem is placed under platform.contract', () => {
    expect(issues(`${head()}platform:\n  contract: { min_outage: 2d }\n`)).toEqual(['platform.contract.min_outage: at most 1d (a longer "short outage" would excuse real outages)']);
  });

  it('bounds come first and alone: a step after the end hides the other problems', () => {
    const got = issues(`${head()}platform:\n  contract: { min_outage: 2d }\ntimeline:\n  - { at: 7h, action: fault.inject, fault: leak, target: { device: nope } }\n`);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatch(/^timeline\[0\]\.at: .*after the run's end/);
  });

  it('every other check reports: contract, rollouts, references, operations and the incident policy together', () => {
    const got = issues(`${head()}platform:
  contract: { min_outage: 2d }
  incident_policy: { sites: { nycc: {} } }
rollouts:
  - { id: r1, at: 1h, firmware: { model: HVAC-ZC-400, version: 9.9.9 } }
timeline:
  - { at: 1h, action: fault.inject, fault: leak, target: { device: nope } }
operations:
  field_service: { sites: { nycc: { travel: 1h } } }
`);
    expect(got).toEqual([
      'platform.contract.min_outage: at most 1d (a longer "short outage" would excuse real outages)',
      'platform.incident_policy.sites.nycc: no site "nycc" in the fleet (did you mean "nyc"?)',
      expect.stringMatching(/^rollouts\[0\]\.firmware\.version: firmware HVAC-ZC-400@9\.9\.9 is not in the catalog/),
      'timeline[0].target.device: no device "nope" in the fleet',
      'operations.field_service.sites.nycc: no site "nycc" in the fleet (did you mean "nyc"?)',
    ]);
  });
});

describe('known firmware for operations.field_service.replacement_firmware', () => {
  const replace = (model: string, version: string, extra = '', building = '{ id: hq, type: office, floors: 1, zones_per_floor: 1, per_zone: { env: 1, hvac: 1 } }') =>
    issues(`name: t\nstart: "2026-03-02 08:00"\nduration: 6h\nfleet:\n  sites:\n    - id: nyc\n      metro: New York\n      timezone: America/New_York\n      buildings:\n        - ${building}\n${extra}operations:\n  field_service: { replacement_firmware: { ${model}: ${version} } }\n`);

  it('a model\'s default version is known; others are not, and the known list is sorted', () => {
    expect(replace('HVAC-ZC-400', '2.3.0')).toEqual([]);
    expect(replace('HVAC-ZC-400', '0.0.1')).toEqual([
      'operations.field_service.replacement_firmware.HVAC-ZC-400: HVAC-ZC-400 has no firmware "0.0.1" (known: 2.3.0; add it to the scenario\'s firmware: catalog)',
    ]);
    expect(replace('HVAC-ZC-40', '2.3.0')).toEqual(['operations.field_service.replacement_firmware.HVAC-ZC-40: no model "HVAC-ZC-40" (did you mean "HVAC-ZC-400"?)']);
  });

  it('versions from a building\'s mix, from an explicit device (its model, the building\'s, or the kind\'s default) and from the catalog', () => {
    expect(replace('HVAC-ZC-400', '2.2.7', '', '{ id: hq, type: office, floors: 1, zones_per_floor: 1, per_zone: { hvac: 1 }, firmware: { HVAC-ZC-400: { "2.3.0": 80, "2.2.7": 20 } } }')).toEqual([]);
    const layout = (device: string, models = '') => `{ id: hq, type: office, ${models}layout: [ { level: 1, zones: [ { devices: [ ${device} ] } ] } ] }`;
    expect(replace('HVAC-ZC-500', '5.0.0', '', layout('{ kind: hvac, model: HVAC-ZC-500, firmware: 5.0.0 }'))).toEqual([]);
    expect(replace('HVAC-ZC-500', '5.0.0', '', layout('{ kind: hvac, firmware: 5.0.0 }', 'models: { hvac: HVAC-ZC-500 }, '))).toEqual([]);
    expect(replace('HVAC-ZC-400', '5.0.0', '', layout('{ kind: hvac, firmware: 5.0.0 }'))).toEqual([]);
    // A device without a firmware adds nothing.
    expect(replace('HVAC-ZC-400', '5.0.0', '', layout('{ kind: hvac }'))).toEqual([
      'operations.field_service.replacement_firmware.HVAC-ZC-400: HVAC-ZC-400 has no firmware "5.0.0" (known: 2.3.0; add it to the scenario\'s firmware: catalog)',
    ]);
    // The known list is sorted, not in the order the versions were found (the default 2.3.0 first).
    expect(replace('HVAC-ZC-400', '0.1.0', 'firmware:\n  - { model: HVAC-ZC-400, version: 2.0.0 }\n')).toEqual([
      'operations.field_service.replacement_firmware.HVAC-ZC-400: HVAC-ZC-400 has no firmware "0.1.0" (known: 2.0.0, 2.3.0; add it to the scenario\'s firmware: catalog)',
    ]);
    expect(replace('HVAC-ZC-400', '2.9.0', 'firmware:\n  - { model: HVAC-ZC-400, version: 2.9.0 }\n')).toEqual([]);
    expect(replace('HVAC-ZC-400', '0.1.0', 'firmware:\n  - { model: HVAC-ZC-400, version: 2.9.0 }\n')).toEqual([
      'operations.field_service.replacement_firmware.HVAC-ZC-400: HVAC-ZC-400 has no firmware "0.1.0" (known: 2.3.0, 2.9.0; add it to the scenario\'s firmware: catalog)',
    ]);
  });
});
