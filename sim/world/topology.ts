import type { DeviceKind } from '../../platform/contract/messages.ts';
import type { BuildingType } from './occupancy.ts';
import type { Climate } from './weather.ts';

/**
 * The resolved world: portfolio → site → building → floor → zone → device, plus the gateways
 * each device sits behind. Produced once from a scenario's fleet spec, then read-only; every list
 * is sorted by id so iteration order is canonical.
 */
export interface Site {
  readonly id: string;
  readonly name: string;
  readonly metro: string;
  readonly timezone: string;
  readonly climate: Climate;
  readonly buildings: readonly Building[];
}

export interface Building {
  readonly id: string;
  readonly site_id: string;
  readonly name: string;
  readonly type: BuildingType;
  readonly floors: readonly Floor[];
}

export interface Floor {
  readonly id: string;
  readonly building_id: string;
  readonly level: number;
  readonly zones: readonly Zone[];
}

export interface Zone {
  readonly id: string;
  readonly floor_id: string;
  readonly building_id: string;
  readonly site_id: string;
  readonly name: string;
  readonly area_m2: number;
  readonly capacity_people: number;
  /** Set on a residential unit (the zone is the apartment; its id is the unit id). */
  readonly unit?: true;
}

export interface DeviceSpec {
  readonly id: string;
  readonly kind: DeviceKind;
  readonly model: string;
  readonly serial: string;
  readonly firmware: string;
  readonly site_id: string;
  readonly building_id: string;
  readonly floor_id: string;
  /** Gateways belong to a floor, not a zone. */
  readonly zone_id: string | null;
  /** The residential unit the device is in (its zone's id); absent outside units. */
  readonly unit_id?: string;
  /** The gateway the device's traffic goes through; null for gateways themselves. */
  readonly gateway_id: string | null;
  /** Critical devices (a clinic's HVAC) count toward building-down rules on their own. */
  readonly critical: boolean;
  readonly tags: readonly string[];
}

export interface Portfolio {
  readonly name: string;
  readonly sites: readonly Site[];
  /** Every device, sorted by id. */
  readonly devices: readonly DeviceSpec[];
}

export function countByKind(devices: readonly DeviceSpec[]): Map<DeviceKind, number> {
  const counts = new Map<DeviceKind, number>();
  for (const d of devices) counts.set(d.kind, (counts.get(d.kind) ?? 0) + 1);
  return counts;
}
