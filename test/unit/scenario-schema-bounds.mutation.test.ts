import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ScenarioFileSchema as Schema } from '../../harness/scenario/schema.ts';

// harness/scenario/schema.ts: every bound and enum the scenario schema declares, at the bound,
// just past it and well inside it. Written for the static mutants a run with MUTATE_STATIC=1
// left alive (docs/testing.md, "Mutation testing"): a `.max(10_000)` turned into `.min(10_000)`
// or an enum emptied is built once at import, so only a test that parses such a value sees it.
// The bounds are the documented ones (docs/scenarios.md), written here by hand.
//
// Each test builds the schema itself (a fresh import after `vi.resetModules()`), rather than
// importing it once at the top: StrykerJS credits a test only with the code that runs inside it,
// and turns a mutant on only once the test file has loaded. A schema built at import is then
// "static" to it, left out of `npm run mutate` (ignoreStatic) or, where another test happens to
// load the module, run against that test alone with the mutant switched on too late to matter
// (docs/testing.md, "hybrid" static mutants). Built inside the test, every bound below is this
// test's code, and a mutated bound is what it parses against.
let ScenarioFileSchema: typeof Schema;
beforeEach(async () => {
  vi.resetModules();
});
async function load(): Promise<void> {
  ({ ScenarioFileSchema } = await import('../../harness/scenario/schema.ts'));
}

type Json = Record<string, unknown>;
const base = (over: { site?: Json; building?: Json; fleet?: Json; top?: Json } = {}): Json => ({
  name: 't',
  start: '2026-03-02 08:00',
  duration: '1h',
  fleet: {
    sites: [{ id: 's', metro: 'm', timezone: 'America/New_York', buildings: [{ id: 'b', type: 'office', floors: 1, ...over.building }], ...over.site }],
    ...over.fleet,
  },
  ...over.top,
});
const ok = (input: Json): boolean => ScenarioFileSchema.safeParse(input).success;
const messages = (input: Json): string[] => {
  const r = ScenarioFileSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => i.message);
};
/** Where each issue points (the loader turns the path into the file's line) and its code. */
const where = (input: Json): string[] => {
  const r = ScenarioFileSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.code} ${i.path.join('.')}`);
};

/** [what, accepted values, refused values, how a value goes into a scenario] */
type Case = [string, readonly unknown[], readonly unknown[], (v: unknown) => Json];
const layout = (zones: unknown): Json => base({ building: { floors: undefined, layout: [{ level: 1, zones }] } });
const zone = (z: Json): Json => layout([{ devices: [{ kind: 'env' }], ...z }]);
const entry = (e: Json): Json => layout([{ devices: [{ kind: 'env', ...e }] }]);
const behaviour = (b: Json): Json => base({ top: { firmware: [{ model: 'OCC-MMW-310', version: '2.2.0', behaviour: b }] } });

const CASES: Case[] = [
  ['a device entry count (1–10,000)', [1, 2, 10_000], [0, 10_001, 1.5], (v) => entry({ count: v })],
  ['a zone area (positive, ≤ 100,000 m²)', [0.5, 50, 100_000], [0, -1, 100_001], (v) => zone({ area_m2: v })],
  ['a floor\'s zones (at least one)', [[{ devices: [] }], [{ devices: [] }, { devices: [] }]], [[]], (v) => layout(v)],
  ['a building count (1–10,000)', [1, 2, 10_000], [0, 10_001], (v) => base({ building: { count: v } })],
  ['a building zone area (positive, ≤ 100,000 m²)', [50, 100_000], [0, 100_001], (v) => base({ building: { zone_area_m2: v } })],
  ['a layout (at least one floor)', [[{ level: 1, zones: [{ devices: [] }] }, { level: 2, zones: [{ devices: [] }] }]], [[]], (v) => base({ building: { floors: undefined, layout: v } })],
  ['a building devices_per_gateway (1–10,000)', [1, 2, 10_000], [0, 10_001], (v) => base({ building: { devices_per_gateway: v } })],
  ['a site\'s buildings (at least one)', [[{ id: 'b1', type: 'office', floors: 1 }, { id: 'b2', type: 'home', floors: 1 }]], [[]], (v) => base({ site: { buildings: v } })],
  ['the fleet devices_per_gateway (1–10,000)', [1, 2, 10_000], [0, 10_001], (v) => base({ fleet: { devices_per_gateway: v } })],
  ['climate mean_c (−40–40 °C)', [-40, 0, 40], [-41, 41], (v) => base({ site: { climate: { mean_c: v } } })],
  ['climate seasonal_amplitude_c (0–40)', [0, 10, 40], [-1, 41], (v) => base({ site: { climate: { seasonal_amplitude_c: v } } })],
  ['climate diurnal_amplitude_c (0–25)', [0, 10, 25], [-1, 26], (v) => base({ site: { climate: { diurnal_amplitude_c: v } } })],
  ['climate humidity_mean_pct (0–100)', [0, 50, 100], [-1, 101], (v) => base({ site: { climate: { humidity_mean_pct: v } } })],
  ['climate latitude_deg (−90–90)', [-90, 0, 40.7, 90], [-91, 91], (v) => base({ site: { climate: { latitude_deg: v } } })],
  ['a scripted fault\'s kind', ['device_down', 'gateway_down', 'leak'], ['', 'flood'], (v) => base({ top: { faults: [{ kind: v, device: 'x', at: '1m' }] } })],
  ['a rule override\'s severity', ['critical', 'major', 'minor', 'warning'], ['', 'info'], (v) => base({ top: { platform: { rules: { device_offline: { severity: v } } } } })],
  ['a firmware drain_factor (0.1–20)', [0.1, 1, 20], [0.09, 21], (v) => behaviour({ drain_factor: v })],
  ['a firmware sensor_bug', ['stuck', 'drift'], ['', 'noisy'], (v) => behaviour({ sensor_bug: v })],
  ['a firmware drift_per_day (−100–100)', [-100, 0, 100], [-101, 101], (v) => behaviour({ drift_per_day: v })],
  ['a new telemetry field\'s name (a-z, then a-z 0-9 _, ≤ 64)', ['a', 'ab', 'a_1', `a${'b'.repeat(63)}`], ['1a', '_a', 'A', 'a-b', 'ab!', `a${'b'.repeat(64)}`], (v) => behaviour({ new_fields: { [v as string]: 1 } })],
  ['a new telemetry field\'s value (number, boolean, string ≤ 64)', [1, true, 'x', 'y'.repeat(64)], ['y'.repeat(65), null, [1]], (v) => behaviour({ new_fields: { f: v } })],
  ['a building\'s floors (1–200)', [1, 2, 200], [0, 201, 1.5], (v) => base({ building: { floors: v } })],
  ['a building\'s zones_per_floor (1–500)', [1, 2, 500], [0, 501], (v) => base({ building: { zones_per_floor: v } })],
  ['a building\'s units_per_floor (1–500)', [1, 2, 500], [0, 501], (v) => base({ building: { type: 'multifamily', units_per_floor: v } })],
  ['a per-zone device count (0–100,000)', [0, 1, 100_000], [-1, 100_001, 0.5], (v) => base({ building: { per_zone: { env: v } } })],
  ['a per-floor device count (0–100,000)', [0, 100_000], [-1, 100_001], (v) => base({ building: { per_floor: { lock: v } } })],
  ['a site\'s metro (non-empty)', ['m', 'chicago'], [''], (v) => base({ site: { metro: v } })],
  ['a site\'s timezone (an IANA zone)', ['America/New_York', 'Europe/Berlin', 'UTC'], ['', 'America/Gotham', 'EST5EDT7'], (v) => base({ site: { timezone: v } })],
  ['the fleet\'s sites (at least one; two are fine)', [[{ id: 's1', metro: 'm', timezone: 'UTC', buildings: [{ id: 'b', type: 'office', floors: 1 }] }, { id: 's2', metro: 'n', timezone: 'UTC', buildings: [{ id: 'c', type: 'home', floors: 1 }] }]], [[]], (v) => base({ fleet: { sites: v } })],
  ['a rule override\'s raise_after (1–100)', [1, 2, 100], [0, 101], (v) => base({ top: { platform: { rules: { device_offline: { raise_after: v } } } } })],
  ['a rule override\'s clear_after (1–100)', [1, 2, 100], [0, 101], (v) => base({ top: { platform: { rules: { device_offline: { clear_after: v } } } } })],
  ['a firmware boot_failure (a probability, 0–1)', [0, 0.5, 1], [-0.1, 1.1], (v) => behaviour({ boot_failure: v })],
  ['the seed (a non-negative integer, or non-empty text)', [0, 7, 'abc', 'x'], [-1, 1.5, ''], (v) => base({ top: { seed: v } })],
  ['the start (a real local date-time)', ['2026-03-02 08:00', '2026-03-02T08:00'], ['2026-02-30 08:00', 'tomorrow'], (v) => base({ top: { start: v } })],
  ['per_unit (only with units_per_floor)', [{ env: 1 }], [], (v) => base({ building: { type: 'multifamily', units_per_floor: 2, per_unit: v } })],
  ['per_unit without units_per_floor', [], [{ env: 1 }], (v) => base({ building: { type: 'multifamily', per_unit: v } })],
  ['per_zone with units_per_floor (needs zones_per_floor)', [], [{ env: 1 }], (v) => base({ building: { type: 'multifamily', units_per_floor: 2, per_zone: v } })],
  ['per_zone with units_per_floor and zones_per_floor', [{ env: 1 }], [], (v) => base({ building: { type: 'multifamily', units_per_floor: 2, zones_per_floor: 1, per_zone: v } })],
  ['per_zone without units (as ever)', [{ env: 1 }], [], (v) => base({ building: { per_zone: v } })],
  ['units_per_floor with a layout (does not apply)', [], [2], (v) => base({ building: { floors: undefined, units_per_floor: v, layout: [{ level: 1, zones: [{ devices: [] }] }] } })],
  ['per_unit with a layout (does not apply)', [], [{ env: 1 }], (v) => base({ building: { floors: undefined, per_unit: v, layout: [{ level: 1, zones: [{ devices: [] }] }] } })],
  ['the scenario name (non-empty)', ['t', 'a longer name'], [''], (v) => base({ top: { name: v } })],
  ['an id (a-z 0-9 first, then a-z 0-9 . _ -, ≤ 64)', ['b', 'b-1.x_y', `b${'c'.repeat(63)}`], ['B', '-b', 'b!', '!b', 'b c', `b${'c'.repeat(64)}`], (v) => base({ building: { id: v } })],
];

describe('the scenario schema\'s bounds and enums, value by value', () => {
  for (const [what, accepted, refused, put] of CASES) {
    it(what, async () => {
      await load();
      for (const v of accepted) expect({ v, ok: ok(put(v)) }).toEqual({ v, ok: true });
      for (const v of refused) expect({ v, ok: ok(put(v)) }).toEqual({ v, ok: false });
    });
  }

  it('climate takes exactly its five keys', async () => {
    await load();
    expect(ok(base({ site: { climate: { mean_c: 12, seasonal_amplitude_c: 9, diurnal_amplitude_c: 5, humidity_mean_pct: 60, latitude_deg: 41 } } }))).toBe(true);
    expect(ok(base({ site: { climate: { mean_temp: 12 } } }))).toBe(false);
  });

  it('a bad id says what an id may hold', async () => {
    await load();
    expect(messages(base({ building: { id: 'B' } }))).toEqual(['an id of lowercase letters, digits, ".", "_" or "-" (at most 64)']);
  });

  it('the other refusals say what is wanted', async () => {
    await load();
    expect(messages(base({ site: { timezone: 'America/New_Yrok' } }))).toEqual(['an IANA timezone such as "America/New_York" (did you mean "America/New_York"?)']);
    expect(messages(base({ top: { start: 'tomorrow' } }))).toEqual(['a real local date-time like "2026-03-02 08:00"']);
    expect(messages(base({ building: { type: 'multifamily', per_unit: { env: 1 } } }))).toEqual(['per_unit needs units_per_floor (how many units each floor has)']);
    expect(messages(base({ building: { type: 'multifamily', units_per_floor: 2, per_zone: { env: 1 } } }))).toEqual(['with units_per_floor, per_zone furnishes the common zones: say how many with zones_per_floor (or use per_unit)']);
    expect(messages(base({ building: { floors: undefined, units_per_floor: 2, layout: [{ level: 1, zones: [{ devices: [] }] }] } }))).toEqual(['units_per_floor does not apply with layout (the layout lists every floor and zone; generate units with floors and units_per_floor)']);
    expect(messages(base({ site: { timezone: 'Nowhere/Zzzzzz' } }))).toEqual(['an IANA timezone such as "America/New_York"']);
  });

  it('each refusal points at its key', async () => {
    await load();
    const building = 'fleet.sites.0.buildings.0';
    expect(where(base({ building: { type: 'multifamily', per_unit: { env: 1 } } }))).toEqual([`custom ${building}.per_unit`]);
    expect(where(base({ building: { type: 'multifamily', units_per_floor: 2, per_zone: { env: 1 } } }))).toEqual([`custom ${building}.per_zone`]);
    expect(where(base({ building: { floors: undefined, per_unit: { env: 1 }, units_per_floor: 2, layout: [{ level: 1, zones: [{ devices: [] }] }] } }))).toEqual([`custom ${building}.units_per_floor`, `custom ${building}.per_unit`]);
    expect(where(base({ site: { timezone: 'America/Gotham' } }))).toEqual(['custom fleet.sites.0.timezone']);
  });
});
