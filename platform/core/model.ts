/**
 * The platform's shared vocabulary: what the registry, the monitoring rules, the alert manager,
 * the incident desk and the SLA ledger say to each other. Pure data; no module here reads a clock
 * (every function takes `now_ms`) and the platform never imports the simulator.
 */
import type { BirthPayload, DeviceKind, EventPayload, OtaStatusPayload, StatePayload, TelemetryPayload } from '../contract/messages.ts';

/** Everything the platform decides goes into the run's trace through this (kind: `p.<what>`). */
export type Journal = (at_ms: number, kind: string, fields: Record<string, unknown>) => void;

/** A validated device message, stamped with the platform's receive time. */
export type DeviceMessage =
  | { readonly type: 'birth'; readonly device_id: string; readonly site_id: string; readonly received_ms: number; readonly payload: BirthPayload }
  | { readonly type: 'state'; readonly device_id: string; readonly site_id: string; readonly received_ms: number; readonly payload: StatePayload }
  | { readonly type: 'telemetry'; readonly device_id: string; readonly site_id: string; readonly received_ms: number; readonly payload: TelemetryPayload }
  | { readonly type: 'event'; readonly device_id: string; readonly site_id: string; readonly received_ms: number; readonly payload: EventPayload }
  | { readonly type: 'ota'; readonly device_id: string; readonly site_id: string; readonly received_ms: number; readonly payload: OtaStatusPayload };

/** What the platform knows about a device, learnt from its birth. */
export interface DeviceInfo {
  readonly id: string;
  readonly kind: DeviceKind;
  readonly model: string;
  readonly fw: string;
  readonly serial: string;
  readonly site: string;
  readonly building: string;
  readonly floor: string;
  readonly zone: string | null;
  readonly gateway: string | null;
  readonly power: 'battery' | 'mains';
  readonly heartbeat_ms: number;
  readonly caps: readonly string[];
}

/**
 * ONLINE: heard from within its deadline. SUSPECT: a heartbeat deadline passed (1× the
 * threshold) but not yet the offline one. OFFLINE: a will or offline state from its current
 * session, or silence past the offline deadline. UNKNOWN: never heard from (or no birth yet).
 * UNREACHABLE: its parent (the gateway it rides on) is OFFLINE, so nothing it says can reach
 * the platform: the device may be fine, the platform cannot know (Sparkplug B: an edge node's
 * NDEATH makes all its devices stale at once).
 */
export type Liveness = 'ONLINE' | 'SUSPECT' | 'OFFLINE' | 'UNKNOWN' | 'UNREACHABLE';

export interface LivenessChange {
  readonly device_id: string;
  readonly at_ms: number;
  readonly from: Liveness;
  readonly to: Liveness;
  /** birth | state | will | telemetry | event | heartbeat_missed | offline_deadline | parent_offline */
  readonly reason: string;
}

export type Severity = 'critical' | 'major' | 'minor' | 'warning';

export type AlertType =
  | 'device_offline'
  | 'gateway_offline'
  | 'battery_low'
  | 'leak'
  | 'hvac_off_setpoint'
  | 'humidity_out_of_range'
  | 'freeze_risk'
  | 'lock_jammed'
  | 'door_forced'
  | 'door_held_open'
  | 'lighting_driver_failure'
  | 'reboot_rate'
  | 'stale_telemetry'
  | 'threshold';

export type AlertStatus = 'firing' | 'acknowledged' | 'resolved';

export interface Alert {
  /** Stable: `<type>:<device_id>` plus a counter for later occurrences (`:2`, `:3` …). */
  readonly id: string;
  readonly device_id: string;
  readonly type: AlertType;
  readonly severity: Severity;
  readonly status: AlertStatus;
  readonly started_ms: number;
  readonly acked_ms: number | null;
  readonly resolved_ms: number | null;
  /** Times the condition re-triggered while active (one active alert per device and type). */
  readonly count: number;
  readonly flapping: boolean;
  /** Incident whose outage explains (and so suppresses) this alert, if any. */
  readonly inhibited_by: string | null;
  readonly summary: string;
}

export type { Priority } from '../contract/priorities.ts';
import type { Priority } from '../contract/priorities.ts';

/** The layer an incident is about: a single device, or an outage of a whole part of the topology. */
export type ScopeKind = 'device' | 'gateway' | 'floor' | 'building' | 'site';

export interface Incident {
  readonly id: string;
  readonly priority: Priority;
  readonly scope: { readonly kind: ScopeKind; readonly id: string };
  readonly site: string;
  readonly building: string | null;
  readonly cause: string;
  readonly status: 'open' | 'acknowledged' | 'resolved';
  readonly opened_ms: number;
  readonly acked_ms: number | null;
  readonly resolved_ms: number | null;
  readonly response_due_ms: number;
  readonly resolution_due_ms: number;
  readonly alert_ids: readonly string[];
  /** Devices the incident covers (for inhibition and SLA exclusions). */
  readonly device_ids: readonly string[];
}
