import { describe, expect, it } from 'vitest';
import { ScenarioFileSchema } from '../../harness/scenario/schema.ts';

// harness/scenario/schema.ts: every bound and enum the scenario schema declares, at the bound,
// just past it and well inside it. Written for the static mutants a run with MUTATE_STATIC=1
// left alive (docs/testing.md, "Mutation testing"): a `.max(10_000)` turned into `.min(10_000)`
// or an enum emptied is built once at import, so only a test that parses such a value sees it.
// The bounds are the documented ones (docs/scenarios.md), written here by hand.

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
  ['the scenario name (non-empty)', ['t', 'a longer name'], [''], (v) => base({ top: { name: v } })],
  ['an id (a-z 0-9 first, then a-z 0-9 . _ -, ≤ 64)', ['b', 'b-1.x_y', `b${'c'.repeat(63)}`], ['B', '-b', 'b!', '!b', 'b c', `b${'c'.repeat(64)}`], (v) => base({ building: { id: v } })],
];

describe('the scenario schema\'s bounds and enums, value by value', () => {
  for (const [what, accepted, refused, put] of CASES) {
    it(what, () => {
      for (const v of accepted) expect({ v, ok: ok(put(v)) }).toEqual({ v, ok: true });
      for (const v of refused) expect({ v, ok: ok(put(v)) }).toEqual({ v, ok: false });
    });
  }

  it('climate takes exactly its five keys', () => {
    expect(ok(base({ site: { climate: { mean_c: 12, seasonal_amplitude_c: 9, diurnal_amplitude_c: 5, humidity_mean_pct: 60, latitude_deg: 41 } } }))).toBe(true);
    expect(ok(base({ site: { climate: { mean_temp: 12 } } }))).toBe(false);
  });

  it('a bad id says what an id may hold', () => {
    expect(messages(base({ building: { id: 'B' } }))).toEqual(['an id of lowercase letters, digits, ".", "_" or "-" (at most 64)']);
  });
});
