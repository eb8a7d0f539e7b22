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
