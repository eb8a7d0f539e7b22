import type { DeviceKind, PowerSource } from '../../platform/contract/messages.ts';
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

export interface DeviceModel {
  readonly id: string;
  readonly kind: DeviceKind;
  readonly vendor: string;
  readonly radio: Radio;
  readonly power: PowerSource;
  readonly battery: BatterySpec | null;
  readonly flash: FlashLayout;
  readonly default_firmware: string;
  readonly report: ReportPolicy;
  readonly caps: readonly string[];
}

const MIN = 60_000;

export const MODELS: readonly DeviceModel[] = [
  {
    id: 'OCC-PIR-200', kind: 'occupancy', vendor: 'Lumen Sense', radio: 'zigbee', power: 'battery',
    battery: { capacity_mah: 1000, idle_current_ua: 30, report_charge_uc: 20_000, life_years: [1.5, 4] }, flash: 'single', default_firmware: '1.8.2',
    report: { sample_ms: 2 * MIN, heartbeat_ms: 30 * MIN, deadband: 1 }, caps: ['occupied', 'battery'],
  },
  {
    id: 'OCC-MMW-310', kind: 'occupancy', vendor: 'Lumen Sense', radio: 'thread', power: 'mains',
    battery: null, flash: 'ab', default_firmware: '2.1.0',
    report: { sample_ms: 2 * MIN, heartbeat_ms: 10 * MIN, deadband: 1 }, caps: ['occupied', 'people_count'],
  },
  {
    id: 'ENV-TH-110', kind: 'env', vendor: 'Aircheck', radio: 'zigbee', power: 'battery',
    battery: { capacity_mah: 1200, idle_current_ua: 15, report_charge_uc: 20_000, life_years: [2, 5] }, flash: 'single', default_firmware: '3.2.1',
    report: { sample_ms: 5 * MIN, heartbeat_ms: 30 * MIN, deadband: 0.3 }, caps: ['temperature_c', 'humidity_pct', 'battery'],
  },
  {
    id: 'LEAK-W-20', kind: 'leak', vendor: 'Aircheck', radio: 'zigbee', power: 'battery',
    battery: { capacity_mah: 1200, idle_current_ua: 25, report_charge_uc: 20_000, life_years: [3, 6] }, flash: 'single', default_firmware: '1.4.0',
    report: { sample_ms: 10 * MIN, heartbeat_ms: 60 * MIN, deadband: 1 }, caps: ['leak', 'temperature_c', 'battery'],
  },
  {
    id: 'LOCK-BLE-5', kind: 'lock', vendor: 'Keyward', radio: 'ble', power: 'battery',
    battery: { capacity_mah: 3000, idle_current_ua: 120, report_charge_uc: 20_000, life_years: [1, 2.5] }, flash: 'single', default_firmware: '5.0.3',
    report: { sample_ms: 5 * MIN, heartbeat_ms: 60 * MIN, deadband: 1 }, caps: ['locked', 'door', 'access', 'battery'],
  },
  {
    id: 'ACR-NFC-9', kind: 'lock', vendor: 'Keyward', radio: 'ethernet', power: 'mains',
    battery: null, flash: 'ab', default_firmware: '9.2.0',
    report: { sample_ms: 5 * MIN, heartbeat_ms: 30 * MIN, deadband: 1 }, caps: ['locked', 'door', 'access'],
  },
  {
    id: 'HVAC-ZC-400', kind: 'hvac', vendor: 'Thermacore', radio: 'bacnet-mstp', power: 'mains',
    battery: null, flash: 'single', default_firmware: '2.3.0',
    report: { sample_ms: 5 * MIN, heartbeat_ms: 15 * MIN, deadband: 0.5 }, caps: ['zone_temp_c', 'setpoint_c', 'heat_setpoint_c', 'cool_setpoint_c', 'mode', 'output_pct', 'supply_temp_c'],
  },
  {
    id: 'HVAC-ZC-500', kind: 'hvac', vendor: 'Thermacore', radio: 'bacnet-mstp', power: 'mains',
    battery: null, flash: 'ab', default_firmware: '3.0.1',
    report: { sample_ms: 5 * MIN, heartbeat_ms: 15 * MIN, deadband: 0.5 }, caps: ['zone_temp_c', 'setpoint_c', 'heat_setpoint_c', 'cool_setpoint_c', 'mode', 'output_pct', 'supply_temp_c', 'humidity_pct'],
  },
  {
    id: 'THERM-WIFI-7', kind: 'hvac', vendor: 'Homely', radio: 'ethernet', power: 'mains',
    battery: null, flash: 'ab', default_firmware: '7.4.2',
    report: { sample_ms: 5 * MIN, heartbeat_ms: 30 * MIN, deadband: 0.5 }, caps: ['zone_temp_c', 'setpoint_c', 'heat_setpoint_c', 'cool_setpoint_c', 'mode', 'output_pct'],
  },
  {
    id: 'LGT-DALI-60', kind: 'lighting', vendor: 'Brightline', radio: 'dali', power: 'mains',
    battery: null, flash: 'single', default_firmware: '4.1.0',
    report: { sample_ms: 2 * MIN, heartbeat_ms: 30 * MIN, deadband: 5 }, caps: ['level_pct', 'power_w'],
  },
  {
    id: 'GW-MX-500', kind: 'gateway', vendor: 'Meshworks', radio: 'ethernet', power: 'mains',
    battery: null, flash: 'ab', default_firmware: '6.2.4',
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
