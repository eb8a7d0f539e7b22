import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../harness/scenario/errors.ts';
import { parseScenario } from '../../harness/scenario/scenario.ts';
import { creditTier } from '../../platform/sla/contract.ts';

// platform.contract in a scenario file: the client's SLA in a contract's words, and the errors a
// misspelt term gets (file:line:col and a did-you-mean).

function scenario(contract: string): string {
  return [
    'name: t',
    'start: "2026-03-02 06:00"',
    'duration: 6h',
    'fleet:',
    '  sites:',
    '    - id: nyc',
    '      metro: New York',
    '      timezone: America/New_York',
    '      buildings:',
    '        - { id: hq, type: office, floors: 1, zones_per_floor: 1, per_zone: { env: 1 } }',
    'platform:',
    '  contract:',
    ...contract.split('\n').map((l) => `    ${l}`),
    '',
  ].join('\n');
}

function error(contract: string): string {
  try {
    parseScenario(scenario(contract), 'c.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as ScenarioError).issues.map((i) => `${i.file}:${i.line}:${i.column}: ${i.message}`).join('\n');
  }
  throw new Error('expected a ScenarioError');
}

describe('platform.contract in a scenario', () => {
  it("reads the issue's example contract into the platform's terms", () => {
    const s = parseScenario(
      scenario(
        [
          'availability_target: 99.8%',
          'maintenance_windows: [ { days: [sun, Saturday], start: "02:00", for: 4h, sites: [nyc] } ]',
          'service_hours: { days: [mon, tue, wed, thu, fri], start: "07:00", end: "19:00" }',
          'exclude_causes: [power_or_network, uplink]',
          'unreachable_counts_as: unknown',
          'credits: [ { below: 99.9%, credit: 10% }, { below: 99%, credit: 25% } ]',
          'monthly_fee: 12000 USD',
          'building_down_fraction: 60%',
          'critical_kinds: [hvac]',
          'critical_devices: [hq-f01-env-001]',
          'response_targets: { P1: 10m }',
        ].join('\n'),
      ),
    );
    expect(s.platform.contract).toEqual({
      availability_target: 0.998,
      maintenance_windows: [{ days: [0, 6], start_min: 120, duration_ms: 4 * 3_600_000, sites: ['nyc'] }],
      service_hours: { kind: 'business', days: [1, 2, 3, 4, 5], start_min: 420, end_min: 1140 },
      exclude_causes: ['power_or_network', 'uplink'],
      unreachable_counts_as: 'unknown',
      credits: [
        { below: 0.999, credit: 0.1 },
        { below: 0.99, credit: 0.25 },
      ],
      monthly_fee: { amount: 12000, currency: 'USD' },
      building_down_fraction: 0.6,
      critical_kinds: ['hvac'],
      critical_devices: ['hq-f01-env-001'],
      response_targets_ms: { P1: 600_000, P2: 3_600_000, P3: 4 * 3_600_000, P4: 86_400_000 },
    });
    expect(parseScenario(scenario('service_hours: 24x7\navailability_target: 0.995')).platform.contract).toEqual({ service_hours: { kind: '24x7' }, availability_target: 0.995 });
  });

  it('clients: each its sites or buildings, target, tiers and fee; a client listed twice is an error at its id', () => {
    const s = parseScenario(scenario('clients:\n  - { id: acme, sites: [nyc], availability_target: 99.5%, credits: [ { below: 99%, credit: 20% } ], monthly_fee: 800.50 EUR }\n  - { id: hq-only, buildings: [hq] }'));
    expect(s.platform.contract?.clients).toEqual([
      { id: 'acme', sites: ['nyc'], availability_target: 0.995, credits: [{ below: 0.99, credit: 0.2 }], monthly_fee: { amount: 800.5, currency: 'EUR' } },
      { id: 'hq-only', buildings: ['hq'] },
    ]);
    expect(error('clients:\n  - { id: acme }\n  - { id: acme, bildings: [hq] }')).toMatch(/^c\.yaml:15:\d+: unknown key "bildings" in platform\.contract\.clients\[1\] \(did you mean "buildings"\?\)$/);
    expect(error('clients:\n  - { id: acme }\n  - { id: acme }')).toBe('c.yaml:15:15: platform.contract.clients[1].id: client "acme" is listed twice');
  });

  it('a misspelt key, day, cause or choice gets file:line:col and a did-you-mean', () => {
    expect(error('maintenance_window: []')).toBe('c.yaml:13:5: unknown key "maintenance_window" in platform.contract (did you mean "maintenance_windows"?)');
    expect(error('maintenance_windows: [ { days: [sun, mnday], start: "02:00", for: 4h } ]')).toBe(
      'c.yaml:13:42: platform.contract.maintenance_windows[0].days[1]: expected a weekday: sun, mon, tue, wed, thu, fri or sat, got "mnday" (did you mean "mon"?)',
    );
    expect(error('exclude_causes: [power_or_netwrk]')).toMatch(/^c\.yaml:13:22: platform\.contract\.exclude_causes\[0\]: expected one of .*got "power_or_netwrk" \(did you mean "power_or_network"\?\)$/);
    expect(error('unreachable_counts_as: unknwn')).toBe('c.yaml:13:28: platform.contract.unreachable_counts_as: expected one of down, unknown, got "unknwn" (did you mean "unknown"?)');
  });

  it('bad times, percentages, money and hours are refused at their position', () => {
    expect(error('maintenance_windows: [ { days: [sun], start: "2:00", for: 4h } ]')).toBe('c.yaml:13:50: platform.contract.maintenance_windows[0].start: expected a local time like "07:00" (HH:MM, 24-hour), got "2:00"');
    expect(error('service_hours: { days: [mon], start: "07:00", end: "25:00" }')).toMatch(/^c\.yaml:13:\d+: platform\.contract\.service_hours/);
    expect(error('service_hours: { days: [mon], start: "19:00", end: "07:00" }')).toBe('c.yaml:13:56: platform.contract.service_hours.end: the end must be after the start (hours that cross midnight: split them over two days)');
    expect(error('availability_target: 998%')).toBe('c.yaml:13:26: platform.contract.availability_target: expected a percentage like "99.8%" (or a fraction like 0.998) at least 50% and at most 99.999%, got "998%"');
    expect(error('availability_target: 99.8')).toMatch(/availability_target: expected a percentage like "99\.8%"/);
    expect(error('credits: [ { below: 99.9%, credit: ten } ]')).toMatch(/^c\.yaml:13:\d+: platform\.contract\.credits\[0\]\.credit: expected a percentage/);
    expect(error('monthly_fee: 12000')).toBe('c.yaml:13:18: platform.contract.monthly_fee: expected an amount and an ISO currency like "12000 USD", got 12000');
    expect(error('maintenance_windows: [ { days: [sun], start: "02:00", for: 8d } ]')).toMatch(/for: a weekly window lasts more than 0 and at most 7d/);
  });
});

describe('credit tiers', () => {
  const tiers = [
    { below: 0.999, credit: 0.1 },
    { below: 0.99, credit: 0.25 },
    { below: 0.95, credit: 0.5 },
  ];
  it('the lowest threshold the availability is strictly below applies; meeting a threshold is not below it', () => {
    expect(creditTier(0.9995, tiers)).toBeNull();
    expect(creditTier(0.999, tiers)).toBeNull();
    expect(creditTier(0.9989, tiers)).toEqual({ below: 0.999, credit: 0.1 });
    expect(creditTier(0.99, tiers)).toEqual({ below: 0.999, credit: 0.1 });
    expect(creditTier(0.985, tiers)).toEqual({ below: 0.99, credit: 0.25 });
    expect(creditTier(0.5, [...tiers].reverse())).toEqual({ below: 0.95, credit: 0.5 });
    expect(creditTier(0.5, [])).toBeNull();
  });
});
