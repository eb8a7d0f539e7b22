import type { DeviceKind } from '../../platform/contract/messages.ts';
import type { DeviceSpec } from '../world/topology.ts';
import { MS_PER_MINUTE as MIN, MS_PER_HOUR as HOUR } from '../../common/time.ts';

/**
 * The fault library as data (docs/faults.md): every class of fault the simulator can inject, what
 * it hits, the knobs it takes, and how the ground-truth oracle scores the platform on it — which
 * alert types count as noticing it, and how long after it ends a late detection still counts.
 * The effects live in effects.ts; nothing here runs.
 */

/** Where a fault lands: one device, a gateway and its radio children, a floor, a building, a site, the broker, the platform. */
export type FaultScope = 'device' | 'gateway' | 'floor' | 'building' | 'site' | 'broker' | 'platform';

/** Which timeline action injects the class: `fault.inject` (device and network faults) or `outage.start`. */
export type FaultFamily = 'fault' | 'outage';

export type ParamUnit = 'number' | 'duration' | 'percent';

export interface ParamSpec {
  readonly unit: ParamUnit;
  /** Durations in ms, percents as 0–100. */
  readonly default: number;
  readonly min: number;
  readonly max: number;
  readonly describe: string;
}

export interface FaultClass {
  readonly name: string;
  readonly family: FaultFamily;
  readonly scope: FaultScope;
  /** Device kinds the fault applies to (selected devices of other kinds are skipped); null = every kind. */
  readonly kinds: readonly DeviceKind[] | null;
  /** Only battery-powered models (battery depletion). */
  readonly battery_only?: boolean;
  /** Only devices with a radio hop to a gateway (they have an RSSI): RF interference. */
  readonly radio_only?: boolean;
  readonly params: Readonly<Record<string, ParamSpec>>;
  /** Alert types that count as the platform noticing the fault (on any affected device). */
  readonly detected_by: readonly string[];
  /** An outage incident (gateway/floor/building/site scope) covering an affected device also counts. */
  readonly outage_incident: boolean;
  /** A detection up to this long after the fault ended still counts; alerts in that window are attributed to it. */
  readonly grace_ms: number;
  /** A duration parameter that delays when the fault shows at all (battery depletion's `to_empty`): the oracle waits for it. */
  readonly onset_param?: string;
  /** False for faults no platform could notice by design (its own restart): not scored. */
  readonly scored: boolean;
  /** Instances shorter than this are blips a platform should not page for: not scored (a quick reboot). */
  readonly min_scored_ms?: number;
  /** How long an instance lasts when the step gives no `for:` (per target device); absent = until cleared or the run ends. */
  readonly default_for?: (device: DeviceSpec) => number;
  readonly describe: string;
}

const CONNECTIVITY = ['device_offline', 'gateway_offline', 'stale_telemetry'] as const;
// A silent battery sensor is declared offline after 3 heartbeats (up to 3 h) plus the rule's `for`.
const CONNECTIVITY_GRACE_MS = 4 * HOUR;

/**
 * A restart from power-off to booting, by the model's kind: a gateway's OS and mesh re-form take
 * minutes, a controller about a minute, a battery sensor seconds. The firmware's boot time follows.
 */
export const REBOOT_MS_BY_KIND: Readonly<Record<DeviceKind, number>> = {
  gateway: 2 * MIN, hvac: MIN, lighting: 20_000, lock: 15_000, occupancy: 10_000, env: 10_000, leak: 10_000,
};

const SENSOR_KINDS: readonly DeviceKind[] = ['occupancy', 'env', 'leak', 'hvac'];
const ANALOG_KINDS: readonly DeviceKind[] = ['env', 'hvac', 'leak'];

const percent = (d: number, describe: string): ParamSpec => ({ unit: 'percent', default: d, min: 0, max: 100, describe });
const duration = (d: number, min: number, max: number, describe: string): ParamSpec => ({ unit: 'duration', default: d, min, max, describe });

const CLASSES: readonly FaultClass[] = [
  // ---- device faults -------------------------------------------------------------------------
  {
    name: 'sensor_stuck', family: 'fault', scope: 'device', kinds: SENSOR_KINDS, params: {},
    detected_by: [], outage_incident: false, grace_ms: 4 * HOUR, scored: true,
    describe: 'the sensor keeps reporting the values it read when the fault began (stuck-at); heartbeats go on, so only a flat-line rule could notice',
  },
  {
    name: 'sensor_drift', family: 'fault', scope: 'device', kinds: ANALOG_KINDS,
    params: { rate_per_h: { unit: 'number', default: 0.5, min: -20, max: 20, describe: 'drift of temperatures (°C) and relative humidity (%) per hour' } },
    detected_by: ['hvac_off_setpoint', 'humidity_out_of_range', 'threshold'], outage_incident: false, grace_ms: 4 * HOUR, scored: true,
    describe: 'temperature and humidity readings drift away from the truth at a steady rate',
  },
  {
    name: 'sensor_noise', family: 'fault', scope: 'device', kinds: ANALOG_KINDS,
    params: { sd: { unit: 'number', default: 2, min: 0, max: 50, describe: 'standard deviation of the added noise (°C, %RH)' } },
    detected_by: ['hvac_off_setpoint', 'humidity_out_of_range', 'threshold'], outage_incident: false, grace_ms: 4 * HOUR, scored: true,
    describe: 'readings get Gaussian noise (a failing ADC or a loose connector)',
  },
  {
    name: 'battery_depletion', family: 'fault', scope: 'device', kinds: null, battery_only: true,
    params: { to_empty: duration(12 * HOUR, MIN, 90 * 24 * HOUR, 'how long the remaining charge lasts once the fault begins') },
    detected_by: ['battery_low', ...CONNECTIVITY], outage_incident: false, grace_ms: CONNECTIVITY_GRACE_MS, scored: true, onset_param: 'to_empty',
    describe: 'the cell drains fast (a busy-looping radio, a cold snap) until the device dies; a technician replaces it',
  },
  {
    name: 'firmware_crash', family: 'fault', scope: 'device', kinds: null,
    params: { period: duration(4 * MIN, 30_000, 24 * HOUR, 'time between crashes while the fault lasts (±20 %)') },
    detected_by: ['reboot_rate', ...CONNECTIVITY], outage_incident: true, grace_ms: 2 * HOUR, scored: true,
    describe: 'a firmware bug crashes the device over and over (a reboot loop); each boot opens a new session',
  },
  {
    name: 'lock_jam', family: 'fault', scope: 'device', kinds: ['lock'], params: {},
    detected_by: ['lock_jammed'], outage_incident: false, grace_ms: 30 * MIN, scored: true,
    describe: 'the bolt jams: the lock reports lock_jammed and every access attempt fails until it is cleared',
  },
  {
    name: 'door_propped', family: 'fault', scope: 'device', kinds: ['lock'], params: {},
    detected_by: ['door_held_open'], outage_incident: false, grace_ms: 30 * MIN, scored: true,
    // The lock's 30 s alarm plus door_held_open's default 10-minute `for`: a shorter prop is what
    // residents do every day, and the platform is right not to page for it.
    min_scored_ms: 11 * MIN,
    describe: 'the door is propped open (a wedge, a broken closer): it stays open whoever badges, the lock raises its held-open alarm after 30 s, and it closes and relocks when the fault ends; a prop under 11 min is not scored (door_held_open waits 10 min)',
  },
  {
    name: 'hvac_compressor_failure', family: 'fault', scope: 'device', kinds: ['hvac'],
    params: { health: { unit: 'number', default: 0, min: 0, max: 1, describe: 'fraction of heating/cooling capacity left (0 = none)' } },
    detected_by: ['hvac_off_setpoint', 'freeze_risk'], outage_incident: false, grace_ms: 6 * HOUR, scored: true,
    describe: 'the compressor or fan fails: the controller keeps driving, the zone drifts away from setpoint with the weather',
  },
  {
    name: 'lighting_driver_failure', family: 'fault', scope: 'device', kinds: ['lighting'], params: {},
    detected_by: ['lighting_driver_failure'], outage_incident: false, grace_ms: 30 * MIN, scored: true,
    describe: 'the LED driver fails: the node reports driver_failure and its light stays off',
  },
  {
    name: 'clock_skew', family: 'fault', scope: 'device', kinds: null,
    params: { offset_s: { unit: 'number', default: 600, min: -86_400, max: 86_400, describe: 'seconds added to every timestamp the device sends' } },
    detected_by: [], outage_incident: false, grace_ms: HOUR, scored: true,
    describe: 'the device clock is off: every `ts` it sends is shifted',
  },
  {
    name: 'malformed_payloads', family: 'fault', scope: 'device', kinds: null,
    params: { percent: percent(100, 'share of telemetry and event payloads that break the contract') },
    detected_by: [...CONNECTIVITY], outage_incident: false, grace_ms: CONNECTIVITY_GRACE_MS, scored: true,
    describe: 'a buggy firmware sends payloads that fail the contract (wrong version, missing seq, wrong types); the platform quarantines them',
  },
  {
    name: 'leak', family: 'fault', scope: 'device', kinds: ['leak'], params: {},
    detected_by: ['leak'], outage_incident: false, grace_ms: 30 * MIN, scored: true,
    describe: 'water reaches the sensor: leak_detected at once, leak_cleared when it is dry (default: a drawn mopping-up time)',
  },
  {
    name: 'reboot', family: 'fault', scope: 'device', kinds: null, params: {},
    detected_by: ['reboot_rate', ...CONNECTIVITY], outage_incident: true, grace_ms: CONNECTIVITY_GRACE_MS, scored: true, min_scored_ms: 10 * MIN,
    default_for: (d) => REBOOT_MS_BY_KIND[d.kind],
    describe: 'the device (or a gateway, with every device behind it) restarts: off for `for:` (default by model kind: gateway 2 min, controller 1 min, sensor 10 s), then boots; a reboot under 10 min is a blip the platform should not page for, so it is not scored',
  },
  {
    name: 'device_down', family: 'fault', scope: 'device', kinds: null, params: {},
    detected_by: [...CONNECTIVITY], outage_incident: true, grace_ms: CONNECTIVITY_GRACE_MS, scored: true,
    describe: 'the device stops (power supply, hardware); it boots again when the fault ends',
  },
  // ---- network ---------------------------------------------------------------------------------
  {
    name: 'packet_loss', family: 'fault', scope: 'device', kinds: null,
    params: { percent: percent(50, 'share of reports lost on the radio hop after MAC retries') },
    detected_by: [...CONNECTIVITY], outage_incident: false, grace_ms: CONNECTIVITY_GRACE_MS, scored: true,
    describe: 'extra loss on the device’s hop to its gateway (a moved shelf, a metal door)',
  },
  {
    name: 'link_flapping', family: 'fault', scope: 'device', kinds: null,
    params: {
      down: duration(2 * MIN, 1_000, 24 * HOUR, 'how long each drop lasts (±20 %)'),
      up: duration(3 * MIN, 1_000, 24 * HOUR, 'how long the link holds between drops (±20 %)'),
    },
    detected_by: ['reboot_rate', ...CONNECTIVITY], outage_incident: true, grace_ms: 2 * HOUR, scored: true,
    describe: 'the device’s link drops and comes back over and over: a will each time, a new session on every return',
  },
  {
    name: 'rf_interference', family: 'fault', scope: 'floor', kinds: null, radio_only: true,
    params: { percent: percent(80, 'share of reports lost on the floor’s radio hops') },
    detected_by: [...CONNECTIVITY], outage_incident: true, grace_ms: CONNECTIVITY_GRACE_MS, scored: true,
    describe: 'RF interference on a floor (a microwave link, a new Wi-Fi AP on the Zigbee channel): every radio device there loses reports',
  },
  // ---- correlated outages ----------------------------------------------------------------------
  {
    name: 'gateway_down', family: 'outage', scope: 'gateway', kinds: ['gateway'], params: {},
    detected_by: [...CONNECTIVITY], outage_incident: true, grace_ms: CONNECTIVITY_GRACE_MS, scored: true,
    describe: 'a gateway dies; every device behind it goes silent together; it boots again when the outage ends',
  },
  {
    name: 'floor_power', family: 'outage', scope: 'floor', kinds: null,
    params: {
      network_boot: duration(90_000, 0, 6 * HOUR, 'after power returns, how long the floor network takes before gateways can connect'),
      stagger: duration(5_000, 0, 10 * MIN, 'spread of the mains devices’ power-on after the restore'),
    },
    detected_by: [...CONNECTIVITY], outage_incident: true, grace_ms: CONNECTIVITY_GRACE_MS, scored: true,
    describe: 'a floor loses mains power: gateways and mains devices die, battery devices lose their gateway; the restore is a boot and reconnect storm',
  },
  {
    name: 'building_power', family: 'outage', scope: 'building', kinds: null,
    params: {
      network_boot: duration(90_000, 0, 6 * HOUR, 'after power returns, how long the building network takes before gateways can connect'),
      stagger: duration(5_000, 0, 10 * MIN, 'spread of the mains devices’ power-on after the restore'),
    },
    detected_by: [...CONNECTIVITY], outage_incident: true, grace_ms: CONNECTIVITY_GRACE_MS, scored: true,
    describe: 'a building power cut and restore: everything on mains dies at once and comes back in a boot and reconnect storm',
  },
  {
    name: 'site_uplink', family: 'outage', scope: 'site', kinds: null, params: {},
    detected_by: [...CONNECTIVITY], outage_incident: true, grace_ms: CONNECTIVITY_GRACE_MS, scored: true,
    describe: 'the site’s internet link is down: devices keep running and store their reports, then reconnect and flush them on return',
  },
  {
    name: 'building_uplink', family: 'outage', scope: 'building', kinds: null, params: {},
    detected_by: [...CONNECTIVITY], outage_incident: true, grace_ms: CONNECTIVITY_GRACE_MS, scored: true,
    describe: 'one building’s internet link is down (a store’s ISP line): store and forward inside, reconnect and flush on return',
  },
  {
    name: 'broker', family: 'outage', scope: 'broker', kinds: null, params: {},
    detected_by: [...CONNECTIVITY], outage_incident: true, grace_ms: CONNECTIVITY_GRACE_MS, scored: true,
    describe: 'the MQTT broker is down (over MQTT the embedded broker really stops): every session dies, the fleet reconnects in a storm',
  },
  {
    name: 'platform_restart', family: 'outage', scope: 'platform', kinds: null, params: {},
    detected_by: [], outage_incident: false, grace_ms: 0, scored: false,
    describe: 'the platform process is down: the broker keeps its QoS 1 messages, delivered as one backlog when it returns',
  },
];

const BY_NAME = new Map(CLASSES.map((c) => [c.name, c]));

export const FAULT_CLASSES: readonly FaultClass[] = CLASSES;
export const FAULT_NAMES = CLASSES.filter((c) => c.family === 'fault').map((c) => c.name) as [string, ...string[]];
export const OUTAGE_NAMES = CLASSES.filter((c) => c.family === 'outage').map((c) => c.name) as [string, ...string[]];

export function faultClass(name: string): FaultClass | undefined {
  return BY_NAME.get(name);
}

/** Parameters with defaults filled in; unknown names are the caller's to reject (the schema does). */
export function withDefaults(cls: FaultClass, given: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, spec] of Object.entries(cls.params).sort((a, b) => (a[0] < b[0] ? -1 : 1))) out[name] = given[name] ?? spec.default;
  return out;
}
