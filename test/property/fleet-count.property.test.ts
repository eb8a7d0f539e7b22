/**
 * The scenario bound counts devices from the fleet spec without generating it; this holds that
 * count to what generatePortfolio actually makes, over random layouts and gateway ratios.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countFleetDevices } from '../../sim/world/fleet-count.ts';
import type { BuildingSpec, FleetSpec } from '../../sim/world/fleet-spec.ts';
import { generatePortfolio } from '../../sim/world/generate.ts';

const kindCounts = fc.record({ env: fc.integer({ min: 0, max: 5 }), occupancy: fc.integer({ min: 0, max: 5 }), lock: fc.integer({ min: 0, max: 2 }) }, { requiredKeys: [] });

const building = (i: number): fc.Arbitrary<BuildingSpec> =>
  fc.oneof(
    fc.record({
      count: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      floors: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      zones_per_floor: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
      per_zone: fc.option(kindCounts, { nil: undefined }),
      per_floor: fc.option(kindCounts, { nil: undefined }),
      units_per_floor: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
      per_unit: fc.option(kindCounts, { nil: undefined }),
      devices_per_gateway: fc.option(fc.integer({ min: 1, max: 7 }), { nil: undefined }),
    }),
    fc.record({
      layout: fc.array(
        fc.record({ zones: fc.array(fc.record({ devices: fc.array(fc.record({ kind: fc.constantFrom('env' as const, 'leak' as const), count: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }) }), { maxLength: 3 }) }), { minLength: 1, maxLength: 3 }) }),
        { minLength: 1, maxLength: 3 },
      ).map((floors) => floors.map((f, level) => ({ level: level + 1, ...f }))),
    }),
  ).map((b) => {
    const spec: Record<string, unknown> = { id: `b${i}`, type: 'office' };
    for (const [k, v] of Object.entries(b)) if (v !== undefined) spec[k] = v;
    return spec as unknown as BuildingSpec;
  });

const fleet: fc.Arbitrary<FleetSpec> = fc
  .tuple(fc.option(fc.integer({ min: 1, max: 9 }), { nil: undefined }), fc.array(fc.constant(0), { minLength: 1, maxLength: 3 }))
  .chain(([dpg, bs]) => fc.tuple(...bs.map((_, i) => building(i))).map((buildings) => ({ ...(dpg !== undefined ? { devices_per_gateway: dpg } : {}), sites: [{ id: 's1', metro: 'X', timezone: 'UTC', buildings }] })));

describe('residential units', () => {
  it('a device is in a unit exactly when its zone is a unit, unit ids are unique, and a fleet without units mentions none', () => {
    fc.assert(
      fc.property(fleet, (f) => {
        const p = generatePortfolio('p', f);
        const unit_zones = new Set<string>();
        for (const s of p.sites) for (const b of s.buildings) for (const fl of b.floors) for (const z of fl.zones) if (z.unit === true) {
          expect(unit_zones.has(z.id)).toBe(false);
          unit_zones.add(z.id);
        }
        for (const d of p.devices) expect(d.unit_id).toBe(d.zone_id !== null && unit_zones.has(d.zone_id) ? d.zone_id : undefined);
        const with_units = f.sites.some((s) => s.buildings.some((b) => (b.units_per_floor ?? 0) > 0));
        if (!with_units) expect(JSON.stringify(p)).not.toMatch(/"unit/);
      }),
      { numRuns: 200 },
    );
  });
});

describe('countFleetDevices', () => {
  it('equals the number of devices generatePortfolio makes', () => {
    fc.assert(
      fc.property(fleet, (f) => {
        expect(countFleetDevices(f)).toBe(generatePortfolio('p', f).devices.length);
      }),
      { numRuns: 200 },
    );
  });
});
