import { DEFAULT_DEVICES_PER_GATEWAY } from './generate.ts';
import type { BuildingSpec, FleetSpec } from './fleet-spec.ts';

/**
 * How many devices `generatePortfolio` will make from a fleet spec, computed from the counts
 * alone (no device is built), so a 10,000,000-device typo is refused in microseconds instead of
 * after minutes of allocation. Mirrors generate.ts: every floor with devices gets
 * ceil(devices / devices_per_gateway) gateways. A property test holds the two to the same number.
 */
export function countBuildingDevices(spec: BuildingSpec, fleet: FleetSpec): number {
  const per_gateway = spec.devices_per_gateway ?? fleet.devices_per_gateway ?? DEFAULT_DEVICES_PER_GATEWAY;
  const withGateways = (n: number): number => (n > 0 ? n + Math.ceil(n / per_gateway) : 0);
  let per_copy = 0;
  if (spec.layout) {
    for (const floor of spec.layout) {
      let n = 0;
      for (const zone of floor.zones) for (const entry of zone.devices) n += entry.count ?? 1;
      per_copy += withGateways(n);
    }
  } else {
    const sum = (counts: BuildingSpec['per_zone']): number => {
      let n = 0;
      for (const [kind, c] of Object.entries(counts ?? {})) if (kind !== 'gateway') n += c ?? 0;
      return n;
    };
    const units = spec.units_per_floor ?? 0;
    const zones = spec.zones_per_floor ?? (units > 0 ? 0 : 1);
    const per_floor = sum(spec.per_unit) * units + sum(spec.per_zone) * zones + sum(spec.per_floor);
    per_copy = withGateways(per_floor) * (spec.floors ?? 1);
  }
  return per_copy * (spec.count ?? 1);
}

export function countFleetDevices(fleet: FleetSpec): number {
  let total = 0;
  for (const site of fleet.sites) for (const b of site.buildings) total += countBuildingDevices(b, fleet);
  return total;
}
