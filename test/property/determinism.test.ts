import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FleetSpec } from '../../sim/world/fleet-spec.ts';
import { linesOf, runFleet } from '../helpers/small-fleet.ts';

const HOURS = 3_600_000;

const kindCount = fc.integer({ min: 0, max: 2 });
const fleetArb = fc.record({
  type: fc.constantFrom('office' as const, 'clinic' as const, 'retail' as const, 'multifamily' as const),
  floors: fc.integer({ min: 1, max: 2 }),
  zones: fc.integer({ min: 1, max: 3 }),
  per_zone: fc.record({ occupancy: kindCount, env: kindCount, hvac: fc.integer({ min: 0, max: 1 }), lighting: kindCount }),
  per_floor: fc.record({ lock: fc.integer({ min: 0, max: 1 }), leak: fc.integer({ min: 0, max: 1 }) }),
  timezone: fc.constantFrom('America/New_York', 'Europe/Berlin', 'Asia/Tokyo', 'Australia/Sydney'),
});

type FleetParams = typeof fleetArb extends fc.Arbitrary<infer T> ? T : never;

function fleetOf(f: FleetParams): FleetSpec {
  return {
    // Large enough that one more device never adds a gateway (which would re-home devices).
    devices_per_gateway: 500,
    sites: [{ id: 's1', metro: 'M', timezone: f.timezone, buildings: [{ id: 'b1', type: f.type, floors: f.floors, zones_per_floor: f.zones, per_zone: f.per_zone, per_floor: f.per_floor }] }],
  };
}

describe('determinism (property)', () => {
  it('the same fleet and seed give the same trace hash; another seed gives another', () => {
    fc.assert(
      fc.property(fleetArb, fc.string({ minLength: 1, maxLength: 8 }), (f, seed) => {
        const fleet = fleetOf(f);
        const a = runFleet(fleet, seed, 6 * HOURS);
        const b = runFleet(fleet, seed, 6 * HOURS);
        expect(b.hash).toBe(a.hash);
        expect(b.lines).toEqual(a.lines);
        const c = runFleet(fleet, `${seed}x`, 6 * HOURS);
        expect(c.hash).not.toBe(a.hash);
      }),
      { numRuns: 12 },
    );
  });

  it('adding one device leaves every other device\'s message sequence unchanged', () => {
    fc.assert(
      fc.property(fleetArb, fc.string({ minLength: 1, maxLength: 8 }), fc.constantFrom('occupancy' as const, 'env' as const, 'leak' as const, 'lock' as const, 'lighting' as const), (f, seed, kind) => {
        // One floor, so one more floor-level device is exactly one more device. Floor-level
        // devices are numbered after the zones' ones, so the newcomer takes the next free id.
        const base = fleetOf({ ...f, floors: 1 });
        const withNew: FleetSpec = structuredClone(base);
        const b1 = withNew.sites[0]!.buildings[0]!;
        b1.per_floor = { ...b1.per_floor, [kind]: (b1.per_floor?.[kind] ?? 0) + 1 };

        const a = runFleet(base, seed, 8 * HOURS);
        const b = runFleet(withNew, seed, 8 * HOURS);
        const old_ids = new Set(a.portfolio.devices.map((d) => d.id));
        // A floor that had no devices gets its first gateway along with the newcomer; that
        // gateway is the newcomer's parent, not a second newcomer.
        const added = b.portfolio.devices.filter((d) => !old_ids.has(d.id) && d.kind !== 'gateway');
        expect(added).toHaveLength(1);
        const newcomer = added[0]!;
        let compared = 0;
        for (const d of a.portfolio.devices) {
          // The newcomer's own gateway legitimately sees one more child; no other device may
          // notice the newcomer at all.
          if (d.id === newcomer.gateway_id) continue;
          expect(linesOf(b.lines, d.id), d.id).toEqual(linesOf(a.lines, d.id));
          compared++;
        }
        const parent_existed = a.portfolio.devices.some((d) => d.id === newcomer.gateway_id);
        expect(compared).toBe(a.portfolio.devices.length - (parent_existed ? 1 : 0));
        expect(linesOf(b.lines, newcomer.id).length).toBeGreaterThan(0);
      }),
      // The empty floor (where the newcomer brings its gateway) is always among the examples.
      { numRuns: 10, examples: [[{ type: 'office', floors: 1, zones: 1, per_zone: { occupancy: 0, env: 0, hvac: 0, lighting: 0 }, per_floor: { lock: 0, leak: 0 }, timezone: 'America/New_York' }, ' ', 'occupancy']] },
    );
  });

  it('adding a device to the same floor and zone leaves its neighbours unchanged', () => {
    const fleet = (extra: boolean): FleetSpec => ({
      devices_per_gateway: 500,
      sites: [{
        id: 's1', metro: 'M', timezone: 'America/New_York',
        buildings: [{
          id: 'b1', type: 'office',
          layout: [{ level: 1, zones: [{ devices: [{ kind: 'occupancy' }, { kind: 'env' }, { kind: 'hvac' }, { kind: 'lighting', count: 2 }, { kind: 'lock' }, ...(extra ? [{ kind: 'env' as const, id: 'extra-env' }] : [])] }] }],
        }],
      }],
    });
    const a = runFleet(fleet(false), 'neighbours', 24 * HOURS);
    const b = runFleet(fleet(true), 'neighbours', 24 * HOURS);
    for (const d of a.portfolio.devices) {
      if (d.kind === 'gateway') continue; // its child count changed
      expect(linesOf(b.lines, d.id), d.id).toEqual(linesOf(a.lines, d.id));
    }
  });
});
