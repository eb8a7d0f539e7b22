/**
 * Residential units as places of their own (docs/world.md "Units"): `units_per_floor` and
 * `per_unit` stamp out apartments with ids `<building>-<level>-<nn>`, every device in one carries
 * its `unit_id`, a `{ unit: … }` selector picks them, and a fleet without units is generated
 * exactly as before (no unit fields anywhere, so its trace hash stays).
 */
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../harness/scenario/errors.ts';
import { parseScenario } from '../../harness/scenario/scenario.ts';
import { LEDGER_CSV_COLUMNS, renderCostsCsv, renderLedgerCsv, unitsByDevice } from '../../harness/report/report-files.ts';
import { topologyDocument } from '../../harness/view/topology-doc.ts';
import type { SlaReport } from '../../platform/sla/ledger.ts';
import type { CostLedger } from '../../sim/actors/operations.ts';
import { selectDevices } from '../../sim/faults/selector.ts';
import type { BuildingSpec } from '../../sim/world/fleet-spec.ts';
import { generatePortfolio } from '../../sim/world/generate.ts';

const fleet = (b: Partial<BuildingSpec>) => ({ sites: [{ id: 's', metro: 'Minneapolis', timezone: 'America/Chicago', buildings: [{ id: 'lakeview', type: 'multifamily' as const, ...b }] }] });

describe('units_per_floor', () => {
  it('makes one zone per unit, named by floor and number, and tags its devices with the unit id', () => {
    const p = generatePortfolio('t', fleet({ floors: 3, units_per_floor: 4, per_unit: { lock: 1, hvac: 1 }, per_floor: { env: 1 } }));
    const floor3 = p.sites[0]!.buildings[0]!.floors[2]!;
    expect(floor3.zones.map((z) => z.id)).toEqual(['lakeview-3-01', 'lakeview-3-02', 'lakeview-3-03', 'lakeview-3-04']);
    expect(floor3.zones.map((z) => z.name)).toEqual(['Unit 301', 'Unit 302', 'Unit 303', 'Unit 304']);
    expect(floor3.zones.every((z) => z.unit === true)).toBe(true);
    // A unit's devices number as the floor's (the second unit holds lock 002), and know their unit.
    const lock = p.devices.find((d) => d.id === 'lakeview-f03-lock-002')!;
    expect(lock).toMatchObject({ zone_id: 'lakeview-3-02', unit_id: 'lakeview-3-02', floor_id: 'lakeview-f03' });
    // 3 floors × (4 units × 2 + 1 env) + a gateway each.
    expect(p.devices).toHaveLength(3 * (4 * 2 + 1 + 1));
    // Every non-gateway device is in a unit (the floor's env sits in its first unit) …
    expect(p.devices.filter((d) => d.kind !== 'gateway').every((d) => d.unit_id === d.zone_id)).toBe(true);
    expect(p.devices.find((d) => d.id === 'lakeview-f01-env-001')!.unit_id).toBe('lakeview-1-01');
    // … and gateways, which serve the whole floor, are in none.
    expect(p.devices.filter((d) => d.kind === 'gateway').every((d) => d.unit_id === undefined)).toBe(true);
  });

  it('keeps common zones beside units: floor devices go to the first common zone, which is in no unit', () => {
    const p = generatePortfolio('t', fleet({ floors: 1, units_per_floor: 2, per_unit: { lock: 1 }, zones_per_floor: 1, per_zone: { occupancy: 1 }, per_floor: { env: 1 } }));
    const zones = p.sites[0]!.buildings[0]!.floors[0]!.zones;
    expect(zones.map((z) => [z.id, z.unit ?? false])).toEqual([
      ['lakeview-1-01', true],
      ['lakeview-1-02', true],
      ['lakeview-f01-z01', false],
    ]);
    const env = p.devices.find((d) => d.kind === 'env')!;
    expect(env.zone_id).toBe('lakeview-f01-z01');
    expect('unit_id' in env).toBe(false);
  });

  it('leaves a fleet without units exactly as the zone-only generator made it', () => {
    const p = generatePortfolio('t', fleet({ floors: 2, zones_per_floor: 3, per_zone: { lock: 1, hvac: 1 }, per_floor: { env: 1 } }));
    const json = JSON.stringify(p);
    expect(json).not.toContain('unit');
    expect(p.sites[0]!.buildings[0]!.floors[1]!.zones.map((z) => [z.id, z.name])).toEqual([
      ['lakeview-f02-z01', 'Zone 2.1'],
      ['lakeview-f02-z02', 'Zone 2.2'],
      ['lakeview-f02-z03', 'Zone 2.3'],
    ]);
  });

  it('a { unit } selector picks the apartment\'s devices, alone or with a kind', () => {
    const p = generatePortfolio('t', fleet({ floors: 2, units_per_floor: 3, per_unit: { lock: 1, hvac: 1, leak: 1 } }));
    expect(selectDevices(p, { unit: ['lakeview-2-03'] }, 's').map((d) => d.id)).toEqual(['lakeview-f02-hvac-003', 'lakeview-f02-leak-003', 'lakeview-f02-lock-003']);
    expect(selectDevices(p, { unit: ['lakeview-1-01', 'lakeview-2-01'], kind: ['lock'] }, 's').map((d) => d.id)).toEqual(['lakeview-f01-lock-001', 'lakeview-f02-lock-001']);
    expect(selectDevices(p, { unit: ['lakeview-3-01'] }, 's')).toEqual([]);
  });
});

const file = (building: string, timeline = ''): string => `name: t
seed: 1
start: "2026-01-19 18:00"
duration: 6h
fleet:
  sites:
    - id: s
      metro: Minneapolis
      timezone: America/Chicago
      buildings:
        - ${building}
${timeline}`;

function scenarioError(text: string): ScenarioError {
  try {
    parseScenario(text, 'x.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return err as ScenarioError;
  }
  throw new Error('expected a ScenarioError');
}

describe('units in scenario files', () => {
  const building = '{ id: lakeview, type: multifamily, floors: 3, units_per_floor: 2, per_unit: { lock: 1, leak: 1 } }';

  it('a misspelt per_unit gets a did-you-mean at its line', () => {
    const err = scenarioError(file('{ id: lakeview, type: multifamily, floors: 3, units_per_floor: 2, per_units: { lock: 1 } }'));
    expect(err.message).toMatch(/^x\.yaml:11:\d+: unknown key "per_units" in .*\(did you mean "per_unit"\?\)/);
  });

  it('per_unit without units_per_floor, and units with an explicit layout, are refused with the reason', () => {
    expect(scenarioError(file('{ id: lakeview, type: multifamily, floors: 3, per_unit: { lock: 1 } }')).message).toMatch(/x\.yaml:11:\d+: .*per_unit needs units_per_floor/);
    const layout = scenarioError(file('{ id: lakeview, type: multifamily, units_per_floor: 2, layout: [{ level: 1, zones: [{ devices: [{ kind: lock }] }] }] }'));
    expect(layout.message).toMatch(/units_per_floor does not apply with layout/);
    // per_zone beside units needs its common zones counted, or it would furnish nothing.
    expect(scenarioError(file('{ id: lakeview, type: multifamily, floors: 3, units_per_floor: 2, per_unit: { lock: 1 }, per_zone: { env: 1 } }')).message).toMatch(/per_zone furnishes the common zones: say how many with zones_per_floor/);
    expect(parseScenario(file('{ id: lakeview, type: multifamily, floors: 3, units_per_floor: 2, per_unit: { lock: 1 }, zones_per_floor: 1, per_zone: { env: 1 } }'), 'x.yaml').fleet.sites[0]!.buildings[0]!.per_zone).toEqual({ env: 1 });
  });

  it('a timeline step targets a unit, and a unit that is not in the fleet gets the nearest id', () => {
    const ok = parseScenario(file(building, `timeline:\n  - { id: burst, at: 1h, action: fault.inject, fault: leak, target: { unit: lakeview-2-01, kind: leak } }\n`), 'x.yaml');
    const step = ok.timeline.steps.find((s) => s.id === 'burst')!;
    if (step.action !== 'fault.inject') throw new Error('expected the fault.inject step');
    expect(step.target).toEqual({ unit: ['lakeview-2-01'], kind: ['leak'] });
    expect(selectDevices(generatePortfolio('t', ok.fleet), step.target, 'burst').map((d) => d.id)).toEqual(['lakeview-f02-leak-001']);
    const err = scenarioError(file(building, `timeline:\n  - { id: burst, at: 1h, action: fault.inject, fault: leak, target: { unit: lakeview-2-1 } }\n`));
    expect(err.message).toMatch(/no unit "lakeview-2-1" in the fleet \(did you mean "lakeview-2-01"\?\)/);
  });
});

describe('units in reports and the viewer\'s topology', () => {
  const text = file('{ id: lakeview, type: multifamily, floors: 2, units_per_floor: 2, per_unit: { lock: 1 } }');
  const scenario = parseScenario(text, 'x.yaml');
  const portfolio = generatePortfolio(scenario.name, scenario.fleet);
  const units = unitsByDevice(portfolio);

  it('maps every device in a unit, and nothing else', () => {
    expect([...units]).toEqual([
      ['lakeview-f01-lock-001', 'lakeview-1-01'],
      ['lakeview-f01-lock-002', 'lakeview-1-02'],
      ['lakeview-f02-lock-001', 'lakeview-2-01'],
      ['lakeview-f02-lock-002', 'lakeview-2-02'],
    ]);
  });

  it('ledger.csv and costs.csv gain a unit column only for a fleet with units', () => {
    const row = (id: string) => ({ id, site: 's', building: 'lakeview', kind: 'lock', model: 'LOCK-BLE-5', fw: '1', agreed_ms: 10, downtime_ms: 0, excluded_ms: 0, availability: 1, outage_count: 0, longest_outage_ms: 0, compliant: true, unreachable_ms: 0 });
    const report = { devices: [row('lakeview-f01-gw-001'), row('lakeview-f02-lock-002')] } as unknown as SlaReport;
    const csv = renderLedgerCsv(report, units).trimEnd().split('\r\n');
    expect(csv[0]).toBe([...LEDGER_CSV_COLUMNS, 'unit'].join(','));
    expect(csv[1]!.endsWith(',0,')).toBe(true);
    expect(csv[2]!.endsWith(',0,lakeview-2-02')).toBe(true);
    expect(renderLedgerCsv(report).split('\r\n')[0]).toBe(LEDGER_CSV_COLUMNS.join(','));

    const costs = { currency: 'USD', visits: [{ site: 's', technician: 't', dispatched_ms: 1, done_ms: 2, labour_ms: 1, devices: ['lakeview-f02-lock-002', 'lakeview-f01-gw-001', 'lakeview-f01-lock-001'], causes: ['x'], batteries: 0, replaced_devices: 0, cost: 1 }] } as unknown as CostLedger;
    const lines = renderCostsCsv(costs, units).trimEnd().split('\n');
    expect(lines[0]!.endsWith(',currency,units')).toBe(true);
    expect(lines[1]!.endsWith(',USD,lakeview-1-01 lakeview-2-02')).toBe(true);
  });

  it('the viewer\'s topology document marks units and names them', () => {
    const doc = topologyDocument(portfolio, scenario);
    const zones = doc.sites[0]!.buildings[0]!.floors[1]!.zones;
    expect(zones).toEqual([
      { id: 'lakeview-2-01', name: 'Unit 201', area_m2: 120, unit: true },
      { id: 'lakeview-2-02', name: 'Unit 202', area_m2: 120, unit: true },
    ]);
  });
});
