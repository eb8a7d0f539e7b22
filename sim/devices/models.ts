import type { DeviceKind } from '../../platform/contract/messages.ts';
import { findProduct, type Product } from '../../platform/contract/products.ts';
import { SimError } from '../kernel/errors.ts';
import { MS_PER_MINUTE as MIN } from '../../common/time.ts';

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
  /** Average current between reports: sleep, sensing, parent polls or BLE advertising. */
  idle_current_ua: number;
  /**
   * Charge of one report at a good link: wake and sense, then ~1 s of radio time at ~15–20 mA
   * (transmit, wait for the ack, the poll window that follows). Retries and a weak link's higher
   * transmit power multiply the radio part (battery.ts).
   */
  report_charge_uc: number;
  /** Datasheet-style battery life range at the default report policy, years (docs/world.md). */
  life_years: readonly [number, number];
}

/** A product of the catalog (platform/contract/products.ts) with what the simulator needs to run it. */
export interface DeviceModel extends Product {
  readonly radio: Radio;
  readonly battery: BatterySpec | null;
  readonly flash: FlashLayout;
  readonly report: ReportPolicy;
  readonly caps: readonly string[];
  /**
   * HVAC only: how the unit is controlled. `modulating` (default): PI loops drive a variable
   * output (zone controllers on VAV boxes and rooftop units). `on_off`: a single-stage furnace or
   * heat pump on a home thermostat, cycling with a differential (docs/world.md).
   */
  readonly hvac_control?: 'modulating' | 'on_off';
}


function product(id: string): Product {
  const p = findProduct(id);
  if (!p) throw new SimError('SIM_UNKNOWN_MODEL', `model "${id}" is not in the product catalog`);
  return p;
}

export const MODELS: readonly DeviceModel[] = [
  {
    ...product('OCC-PIR-200'), radio: 'zigbee',
    battery: { capacity_mah: 1000, idle_current_ua: 30, report_charge_uc: 20_000, life_years: [1.5, 4] }, flash: 'single',
    report: { sample_ms: 2 * MIN, heartbeat_ms: 30 * MIN, deadband: 1 }, caps: ['occupied', 'battery'],
  },
  {
    ...product('OCC-MMW-310'), radio: 'thread',
    battery: null, flash: 'ab',
    report: { sample_ms: 2 * MIN, heartbeat_ms: 10 * MIN, deadband: 1 }, caps: ['occupied', 'people_count'],
  },
  {
    ...product('ENV-TH-110'), radio: 'zigbee',
    battery: { capacity_mah: 1200, idle_current_ua: 15, report_charge_uc: 20_000, life_years: [2, 5] }, flash: 'single',
    report: { sample_ms: 5 * MIN, heartbeat_ms: 30 * MIN, deadband: 0.3 }, caps: ['temperature_c', 'humidity_pct', 'battery'],
  },
  {
    ...product('LEAK-W-20'), radio: 'zigbee',
    battery: { capacity_mah: 1200, idle_current_ua: 25, report_charge_uc: 20_000, life_years: [3, 6] }, flash: 'single',
    report: { sample_ms: 10 * MIN, heartbeat_ms: 60 * MIN, deadband: 1 }, caps: ['leak', 'temperature_c', 'battery'],
  },
  {
    ...product('LOCK-BLE-5'), radio: 'ble',
    battery: { capacity_mah: 3000, idle_current_ua: 120, report_charge_uc: 20_000, life_years: [1, 2.5] }, flash: 'single',
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
    report: { sample_ms: 5 * MIN, heartbeat_ms: 15 * MIN, deadband: 0.5 }, caps: ['zone_temp_c', 'setpoint_c', 'heat_setpoint_c', 'cool_setpoint_c', 'mode', 'output_pct', 'supply_temp_c'],
  },
  {
    ...product('HVAC-ZC-500'), radio: 'bacnet-mstp',
    battery: null, flash: 'ab',
    report: { sample_ms: 5 * MIN, heartbeat_ms: 15 * MIN, deadband: 0.5 }, caps: ['zone_temp_c', 'setpoint_c', 'heat_setpoint_c', 'cool_setpoint_c', 'mode', 'output_pct', 'supply_temp_c', 'humidity_pct'],
  },
  {
    ...product('THERM-WIFI-7'), radio: 'ethernet', hvac_control: 'on_off',
    battery: null, flash: 'ab',
    report: { sample_ms: 5 * MIN, heartbeat_ms: 30 * MIN, deadband: 0.5 }, caps: ['zone_temp_c', 'setpoint_c', 'heat_setpoint_c', 'cool_setpoint_c', 'mode', 'output_pct'],
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
