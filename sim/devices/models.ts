import type { DeviceKind } from '../../platform/contract/messages.ts';
import { findProduct, type Product } from '../../platform/contract/products.ts';
import { SimError } from '../kernel/errors.ts';

/**
 * The hardware catalog: what a device of a given model is made of. Figures are typical of real
 * products of each class (a Zigbee PIR on a CR2477 cell lasts 2–3 years at a 10-minute heartbeat;
 * HVAC zone controllers and lighting nodes are mains powered; most controllers have A/B flash,
 * cheap battery sensors a single bank).
 */
export type Radio = 'zigbee' | 'thread' | 'ble' | 'bacnet-mstp' | 'dali' | 'ethernet';
export type FlashLayout = 'ab' | 'single';

export interface ReportPolicy {
  /** How often the device reads its sensors. */
  sample_ms: number;
  /** Longest gap between two reports while healthy; a whole multiple of sample_ms. */
  heartbeat_ms: number;
  /** Change in the primary measurement that triggers a report before the heartbeat. */
  deadband: number;
}

export interface BatterySpec {
  capacity_mah: number;
  /** Average current between reports: sleep plus sensing. */
  idle_current_ua: number;
  /** Charge of one report at a good link (wake, sample, transmit, wait for ack). */
  report_charge_uc: number;
}

/** A product of the catalog (platform/contract/products.ts) with what the simulator needs to run it. */
export interface DeviceModel extends Product {
  readonly radio: Radio;
  readonly battery: BatterySpec | null;
  readonly flash: FlashLayout;
  readonly report: ReportPolicy;
  readonly caps: readonly string[];
}

const MIN = 60_000;

function product(id: string): Product {
  const p = findProduct(id);
  if (!p) throw new SimError('SIM_UNKNOWN_MODEL', `model "${id}" is not in the product catalog`);
  return p;
}

export const MODELS: readonly DeviceModel[] = [
  {
    ...product('OCC-PIR-200'), radio: 'zigbee',
    battery: { capacity_mah: 1000, idle_current_ua: 28, report_charge_uc: 650 }, flash: 'single',
    report: { sample_ms: 2 * MIN, heartbeat_ms: 30 * MIN, deadband: 1 }, caps: ['occupied', 'battery'],
  },
  {
    ...product('OCC-MMW-310'), radio: 'thread',
    battery: null, flash: 'ab',
    report: { sample_ms: 2 * MIN, heartbeat_ms: 10 * MIN, deadband: 1 }, caps: ['occupied', 'people_count'],
  },
  {
    ...product('ENV-TH-110'), radio: 'zigbee',
    battery: { capacity_mah: 2600, idle_current_ua: 22, report_charge_uc: 700 }, flash: 'single',
    report: { sample_ms: 5 * MIN, heartbeat_ms: 30 * MIN, deadband: 0.3 }, caps: ['temperature_c', 'humidity_pct', 'battery'],
  },
  {
    ...product('LEAK-W-20'), radio: 'zigbee',
    battery: { capacity_mah: 1200, idle_current_ua: 12, report_charge_uc: 600 }, flash: 'single',
    report: { sample_ms: 10 * MIN, heartbeat_ms: 60 * MIN, deadband: 1 }, caps: ['leak', 'temperature_c', 'battery'],
  },
  {
    ...product('LOCK-BLE-5'), radio: 'ble',
    battery: { capacity_mah: 3000, idle_current_ua: 45, report_charge_uc: 1200 }, flash: 'single',
    report: { sample_ms: 5 * MIN, heartbeat_ms: 60 * MIN, deadband: 1 }, caps: ['locked', 'door', 'access', 'battery'],
  },
  {
    ...product('ACR-NFC-9'), radio: 'ethernet',
    battery: null, flash: 'ab',
    report: { sample_ms: 5 * MIN, heartbeat_ms: 30 * MIN, deadband: 1 }, caps: ['locked', 'door', 'access'],
  },
  {
    ...product('HVAC-ZC-400'), radio: 'bacnet-mstp',
    battery: null, flash: 'single',
    report: { sample_ms: 5 * MIN, heartbeat_ms: 15 * MIN, deadband: 0.5 }, caps: ['zone_temp_c', 'setpoint_c', 'mode', 'output_pct', 'supply_temp_c'],
  },
  {
    ...product('HVAC-ZC-500'), radio: 'bacnet-mstp',
    battery: null, flash: 'ab',
    report: { sample_ms: 5 * MIN, heartbeat_ms: 15 * MIN, deadband: 0.5 }, caps: ['zone_temp_c', 'setpoint_c', 'mode', 'output_pct', 'supply_temp_c', 'humidity_pct'],
  },
  {
    ...product('THERM-WIFI-7'), radio: 'ethernet',
    battery: null, flash: 'ab',
    report: { sample_ms: 5 * MIN, heartbeat_ms: 30 * MIN, deadband: 0.5 }, caps: ['zone_temp_c', 'setpoint_c', 'mode', 'output_pct'],
  },
  {
    ...product('LGT-DALI-60'), radio: 'dali',
    battery: null, flash: 'single',
    report: { sample_ms: 2 * MIN, heartbeat_ms: 30 * MIN, deadband: 5 }, caps: ['level_pct', 'power_w'],
  },
  {
    ...product('GW-MX-500'), radio: 'ethernet',
    battery: null, flash: 'ab',
    report: { sample_ms: 5 * MIN, heartbeat_ms: 5 * MIN, deadband: 1 }, caps: ['children', 'uptime_s', 'cpu_pct', 'mem_pct'],
  },
];

const BY_ID = new Map(MODELS.map((m) => [m.id, m]));

/** The model a generated device of each kind gets unless the fleet spec names another. */
export const DEFAULT_MODEL: Readonly<Record<DeviceKind, string>> = {
  occupancy: 'OCC-PIR-200',
  env: 'ENV-TH-110',
  leak: 'LEAK-W-20',
  lock: 'ACR-NFC-9',
  hvac: 'HVAC-ZC-400',
  lighting: 'LGT-DALI-60',
  gateway: 'GW-MX-500',
};

export function modelById(id: string): DeviceModel {
  const model = BY_ID.get(id);
  if (!model) throw new SimError('SIM_UNKNOWN_MODEL', `unknown device model "${id}"; known: ${MODELS.map((m) => m.id).join(', ')}`);
  return model;
}

export function modelIds(): string[] {
  return MODELS.map((m) => m.id);
}
