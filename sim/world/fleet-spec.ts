import type { DeviceKind } from '../../platform/contract/messages.ts';
import type { BuildingType } from './occupancy.ts';
import type { Climate } from './weather.ts';

/**
 * The compact description of a fleet that a scenario file carries: counts and mixes that the
 * generator expands into a full topology, or explicit floor/zone/device lists where a scenario
 * needs exact placement. The scenario schema (harness/scenario/schema.ts) validates files into
 * this shape.
 */
export type KindCounts = Partial<Record<DeviceKind, number>>;

export interface FleetSpec {
  sites: SiteSpec[];
  /** Radio devices one gateway serves before the generator adds another on the floor. */
  devices_per_gateway?: number;
}

export interface SiteSpec {
  id: string;
  name?: string;
  metro: string;
  timezone: string;
  climate?: Partial<Climate>;
  buildings: BuildingSpec[];
}

export interface BuildingSpec {
  id: string;
  name?: string;
  type: BuildingType;
  /** Stamp out this many identical buildings with ids `<id>-1` … `<id>-n`. */
  count?: number;
  floors?: number;
  /**
   * Common zones per floor (offices, corridors, shop floors). Default 1, or 0 when the floor has
   * units: an apartment floor is its units.
   */
  zones_per_floor?: number;
  zone_area_m2?: number;
  per_zone?: KindCounts;
  per_floor?: KindCounts;
  /**
   * Residential units (apartments) per floor, each a place of its own with an id
   * `<building>-<level>-<nn>` (`lakeview-3-02`) that selectors, reports and the viewer name. A unit
   * is one thermal zone of `zone_area_m2`; its devices come from `per_unit`.
   */
  units_per_floor?: number;
  per_unit?: KindCounts;
  /** Explicit floors instead of floors × zones_per_floor. */
  layout?: FloorSpec[];
  /** Model per kind, overriding the catalog default. */
  models?: Partial<Record<DeviceKind, string>>;
  /** Firmware mix per model: version → weight; each device picks by a stable hash of its id. */
  firmware?: Partial<Record<string, Record<string, number>>>;
  /** Kinds whose devices count as critical for building-down SLA rules. */
  critical_kinds?: DeviceKind[];
  tags?: string[];
  devices_per_gateway?: number;
}

export interface FloorSpec {
  level: number;
  zones: ZoneSpec[];
}

export interface ZoneSpec {
  id?: string;
  name?: string;
  area_m2?: number;
  devices: DeviceEntry[];
}

export interface DeviceEntry {
  kind: DeviceKind;
  id?: string;
  model?: string;
  firmware?: string;
  critical?: boolean;
  tags?: string[];
  count?: number;
}
