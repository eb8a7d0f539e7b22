import { z } from 'zod';

/**
 * Payload contract v1 (docs/mqtt-contract.md). JSON objects, every one carrying `v` (contract
 * version), `id` (device id) and, except the broker-published last will, `ts` (epoch ms of the
 * sender's clock) and `seq` (0–255 per device, wrapping, as Sparkplug B's seq) so the platform
 * can detect loss, duplicates and reordering. `session` plays Sparkplug's bdSeq: it increments
 * on every (re)connect, so a last will from an earlier session can be recognised as stale.
 */
export const DEVICE_KINDS = ['occupancy', 'env', 'leak', 'lock', 'hvac', 'lighting', 'gateway'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

export const POWER_SOURCES = ['battery', 'mains'] as const;
export type PowerSource = (typeof POWER_SOURCES)[number];

export const DEVICE_STATES = ['online', 'offline', 'rebooting'] as const;
export type DeviceState = (typeof DEVICE_STATES)[number];

const id = z.string().min(1).max(128);
const seq = z.number().int().min(0).max(255);
const ts = z.number().int().nonnegative();
const session = z.number().int().nonnegative();

export const BirthPayload = z.strictObject({
  v: z.literal(1),
  id,
  kind: z.enum(DEVICE_KINDS),
  model: z.string().min(1),
  serial: z.string().min(1),
  fw: z.string().min(1),
  site: id,
  building: id,
  floor: id,
  zone: id.nullable(),
  gateway: id.nullable(),
  power: z.enum(POWER_SOURCES),
  caps: z.array(z.string()),
  heartbeat_ms: z.number().int().positive(),
  session,
  seq,
  ts,
});
export type BirthPayload = z.infer<typeof BirthPayload>;

export const StatePayload = z.strictObject({
  v: z.literal(1),
  id,
  state: z.enum(DEVICE_STATES),
  session,
  /** Why the state changed: "boot", "shutdown", "reboot", or "will" when the broker published it. */
  reason: z.string().min(1).max(64),
  seq: seq.optional(),
  ts: ts.optional(),
});
export type StatePayload = z.infer<typeof StatePayload>;

const measurement = z.union([z.number(), z.boolean(), z.string().max(64)]);

export const TelemetryPayload = z.strictObject({
  v: z.literal(1),
  id,
  seq,
  ts,
  /** Battery state of charge in percent (battery devices only). */
  battery_pct: z.number().min(0).max(100).optional(),
  /** Received signal strength at the device's parent (radio devices only). */
  rssi_dbm: z.number().int().min(-130).max(0).optional(),
  values: z.record(z.string().min(1).max(64), measurement),
});
export type TelemetryPayload = z.infer<typeof TelemetryPayload>;

export const EVENT_TYPES = [
  'access_granted',
  'access_denied',
  'door_forced',
  'door_held_open',
  'lock_jammed',
  'leak_detected',
  'leak_cleared',
  'reboot',
  'battery_replaced',
  'driver_failure',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const EventPayload = z.strictObject({
  v: z.literal(1),
  id,
  seq,
  ts,
  type: z.enum(EVENT_TYPES),
  data: z.record(z.string(), measurement).optional(),
});
export type EventPayload = z.infer<typeof EventPayload>;

/** Largest payload the platform accepts; bigger ones are quarantined unparsed. */
export const MAX_PAYLOAD_BYTES = 16 * 1024;

/**
 * OTA status (topic class `ota`). One state taxonomy for every device, mapped to LwM2M object 5
 * (Firmware Update: State /5/0/3 and Update Result /5/0/5) and OCPP 1.6/2.0.1 FirmwareStatus so a
 * report can be read by people who know either (docs/patching.md has the table).
 */
export const OTA_STATES = [
  'idle',
  'deferred', // a pre-condition (battery, storage) failed; the device retries when it clears
  'downloading',
  'downloaded',
  'verifying',
  'waiting_window', // verified; waiting for the platform's install command (install window)
  'installing',
  'rebooting',
  'health_check',
  'committed',
  'rolled_back', // A/B device fell back to the previous slot
  'bricked', // single-bank device failed to boot: offline until replaced
  'failed', // the job ended without changing the running firmware
  'rejected', // refused before starting (incompatible, precondition that cannot clear)
  'cancelled',
] as const;
export type OtaState = (typeof OTA_STATES)[number];

export const OTA_RESULTS = [
  'ok',
  'in_progress',
  'low_battery',
  'insufficient_storage',
  'connection_lost', // download interrupted (resumable)
  'download_failed',
  'integrity_failure', // hash mismatch: corrupt image
  'invalid_signature',
  'incompatible',
  'install_failed',
  'boot_failure',
  'health_check_failed',
  'timeout',
  'cancelled',
] as const;
export type OtaResult = (typeof OTA_RESULTS)[number];

export const OtaStatusPayload = z.strictObject({
  v: z.literal(1),
  id,
  seq,
  ts,
  /** Rollout job id the status belongs to. */
  job: z.string().min(1).max(128),
  /** Firmware running when the job started, and the target. */
  from: z.string().min(1).max(64),
  to: z.string().min(1).max(64),
  state: z.enum(OTA_STATES),
  result: z.enum(OTA_RESULTS),
  progress_pct: z.number().min(0).max(100).optional(),
});
export type OtaStatusPayload = z.infer<typeof OtaStatusPayload>;

/**
 * OTA command (topic `cmd/ota`, platform → device, QoS 1). `download` fetches and verifies the
 * image then waits; `install` installs a verified image (the platform sends it inside the install
 * window); `cancel` abandons the job before install.
 */
export const OtaCommandPayload = z.strictObject({
  v: z.literal(1),
  job: z.string().min(1).max(128),
  action: z.enum(['download', 'install', 'cancel']),
  fw: z.string().min(1).max(64),
  size_bytes: z.number().int().positive().optional(),
  sha256: z.string().min(1).max(128).optional(),
  ts: ts,
});
export type OtaCommandPayload = z.infer<typeof OtaCommandPayload>;
