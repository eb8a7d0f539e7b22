import type { DeviceKind } from '../../platform/contract/messages.ts';
import { modelById } from '../devices/models.ts';
import { stringHash32 } from '../world/hash-noise.ts';
import type { DeviceSpec, Portfolio } from '../world/topology.ts';

/**
 * Which devices a timeline step or a fault process is about. Every given field must match (AND);
 * a list matches any of its values (OR). `percent` then keeps a share of the matches chosen by a
 * stable hash of the device id and the step's salt, so the same devices are chosen on every run
 * and adding a device never changes which others are picked (docs/architecture.md, invariant 3).
 */
export interface Selector {
  readonly site?: readonly string[];
  readonly building?: readonly string[];
  readonly floor?: readonly string[];
  readonly zone?: readonly string[];
  /** Residential units (`lakeview-3-02`): the devices in the apartment. */
  readonly unit?: readonly string[];
  readonly kind?: readonly DeviceKind[];
  readonly model?: readonly string[];
  /** Firmware at the start of the run (as the fleet spec assigned it). */
  readonly firmware?: readonly string[];
  readonly tag?: readonly string[];
  readonly device?: readonly string[];
  /** Devices whose traffic goes through one of these gateways. */
  readonly behind?: readonly string[];
  /** 0–100 (hundredths count): the share of matching devices to keep. */
  readonly percent?: number;
}

export const SELECTOR_KEYS = ['site', 'building', 'floor', 'zone', 'unit', 'kind', 'model', 'firmware', 'tag', 'device', 'behind'] as const;
export type SelectorKey = (typeof SELECTOR_KEYS)[number];

/** The values a device offers to each selector key. */
export function selectorValues(d: DeviceSpec, key: SelectorKey): readonly string[] {
  switch (key) {
    case 'site':
      return [d.site_id];
    case 'building':
      return [d.building_id];
    case 'floor':
      return [d.floor_id];
    case 'zone':
      return d.zone_id === null ? [] : [d.zone_id];
    case 'unit':
      return d.unit_id === undefined ? [] : [d.unit_id];
    case 'kind':
      return [d.kind];
    case 'model':
      return [d.model];
    case 'firmware':
      return [d.firmware];
    case 'tag':
      return d.tags;
    case 'device':
      return [d.id];
    case 'behind':
      return d.gateway_id === null ? [] : [d.gateway_id];
  }
}

/** True when the device is kept by a `percent` share for this salt. */
export function inPercent(device_id: string, percent: number, salt: string): boolean {
  if (percent >= 100) return true;
  // Hundredths of a percent out of 10,000 buckets: "2.5" keeps exactly the buckets below 250.
  return stringHash32(`${salt}/${device_id}`) % 10_000 < Math.round(percent * 100);
}

/** Matching devices in portfolio order (sorted by id). */
export function selectDevices(portfolio: Portfolio, selector: Selector, salt: string): DeviceSpec[] {
  const out: DeviceSpec[] = [];
  for (const d of portfolio.devices) {
    let ok = true;
    for (const key of SELECTOR_KEYS) {
      const wanted = selector[key];
      if (wanted === undefined) continue;
      const have = selectorValues(d, key);
      if (!have.some((v) => wanted.includes(v as never))) {
        ok = false;
        break;
      }
    }
    if (ok && (selector.percent === undefined || inPercent(d.id, selector.percent, salt))) out.push(d);
  }
  return out;
}

/** Whether a device runs on a battery (its model has one). */
export function isBatteryPowered(d: DeviceSpec): boolean {
  return modelById(d.model).battery !== null;
}

/** Whether a device talks to its gateway over a radio with an RSSI (Zigbee, Thread, BLE). */
export function isRadio(d: DeviceSpec): boolean {
  const radio = modelById(d.model).radio;
  return radio === 'zigbee' || radio === 'thread' || radio === 'ble';
}
