import { describe, expect, it } from 'vitest';
import { ScenarioFileSchema } from '../../harness/scenario/schema.ts';

// harness/scenario/schema.ts: the checks the scenario schema runs in code (a building's unit
// rules, the timezone's suggestion, the start's reality), issue by issue with exact paths,
// written to kill the mutants StrykerJS left alive (docs/testing.md, "Mutation testing").

const file = (building: Record<string, unknown>, timezone = 'America/New_York', start = '2026-03-02 08:00') => ({
  name: 't',
  start,
  duration: '1h',
  fleet: { sites: [{ id: 's', metro: 'm', timezone, buildings: [{ id: 'b', type: 'multifamily', ...building }] }] },
});
const issues = (input: unknown): string[] => {
  const r = ScenarioFileSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};
const B = 'fleet.sites.0.buildings.0';

describe('a building\'s unit rules', () => {
  it('per_unit needs units_per_floor; with units, per_zone needs zones_per_floor', () => {
    expect(issues(file({ floors: 1, per_unit: { lock: 1 } }))).toEqual([`${B}.per_unit: per_unit needs units_per_floor (how many units each floor has)`]);
    expect(issues(file({ floors: 1, units_per_floor: 2, per_zone: { env: 1 } }))).toEqual([
      `${B}.per_zone: with units_per_floor, per_zone furnishes the common zones: say how many with zones_per_floor (or use per_unit)`,
    ]);
    expect(issues(file({ floors: 1, units_per_floor: 2, per_unit: { lock: 1 } }))).toEqual([]);
    expect(issues(file({ floors: 1, per_zone: { env: 1 } }))).toEqual([]);
    expect(issues(file({ floors: 1, units_per_floor: 2, zones_per_floor: 1, per_zone: { env: 1 } }))).toEqual([]);
  });

  it('an explicit layout refuses units_per_floor and per_unit, each at its key', () => {
    const layout = [{ level: 1, zones: [{ devices: [{ kind: 'lock' }] }] }];
    expect(issues(file({ layout, units_per_floor: 2, per_unit: { lock: 1 } }))).toEqual([
      `${B}.units_per_floor: units_per_floor does not apply with layout (the layout lists every floor and zone; generate units with floors and units_per_floor)`,
      `${B}.per_unit: per_unit does not apply with layout (the layout lists every floor and zone; generate units with floors and units_per_floor)`,
    ]);
    expect(issues(file({ layout }))).toEqual([]);
  });
});

describe('timezone and start', () => {
  it('an unknown zone gets a suggestion when one is close, and none otherwise', () => {
    expect(issues(file({ floors: 1 }, 'America/New_Yrok'))).toEqual(['fleet.sites.0.timezone: an IANA timezone such as "America/New_York" (did you mean "America/New_York"?)']);
    expect(issues(file({ floors: 1 }, 'qqqqqqqqqq'))).toEqual(['fleet.sites.0.timezone: an IANA timezone such as "America/New_York"']);
  });

  it('the start is a real local date-time', () => {
    expect(issues(file({ floors: 1 }, 'UTC', '2026-02-30 08:00'))).toEqual(['start: a real local date-time like "2026-03-02 08:00"']);
  });
});
