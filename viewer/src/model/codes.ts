/**
 * Small integer codes for everything the viewer folds per device, so per-device state lives in
 * typed arrays (cheap to snapshot for the replay keyframes, cheap to scan at 50,000 devices).
 */
import type { DeviceKind, OtaState } from '../../../platform/contract/messages.ts';

/** What a device looks like on screen, in the order the legend lists them. */
export const STATUSES = ['online', 'suspect', 'warning', 'alerting', 'unreachable', 'offline', 'updating', 'update_failed', 'rolled_back', 'bricked', 'unknown'] as const;
export type Status = (typeof STATUSES)[number];
export const ST = {
  online: 0,
  suspect: 1,
  warning: 2,
  alerting: 3,
  unreachable: 4,
  offline: 5,
  updating: 6,
  update_failed: 7,
  rolled_back: 8,
  bricked: 9,
  unknown: 10,
} as const satisfies Record<Status, number>;

export const STATUS_LABEL: Record<Status, string> = {
  online: 'Online',
  suspect: 'Suspect',
  warning: 'Warning',
  alerting: 'Alerting',
  unreachable: 'Unreachable',
  offline: 'Offline',
  updating: 'Updating',
  update_failed: 'Update failed',
  rolled_back: 'Rolled back',
  bricked: 'Bricked',
  unknown: 'Not seen yet',
};

/**
 * Platform liveness (registry), as journalled in `p.live` lines. UNREACHABLE: the device is behind
 * a dead gateway, floor, building or site (`why: "parent_offline"`), so its silence says nothing
 * about the device itself.
 */
export const LIVENESS = ['UNKNOWN', 'ONLINE', 'SUSPECT', 'OFFLINE', 'UNREACHABLE'] as const;
export type Liveness = (typeof LIVENESS)[number];
export const LV = { UNKNOWN: 0, ONLINE: 1, SUSPECT: 2, OFFLINE: 3, UNREACHABLE: 4 } as const;

/** What the device itself last said on its retained `state` topic (or the broker said for it: the will). */
export const DEVICE_STATES = ['none', 'online', 'offline', 'rebooting'] as const;
export const DS = { none: 0, online: 1, offline: 2, rebooting: 3 } as const;

/** Same list as platform/contract OTA_STATES (checked by the `satisfies` below); 0 means "no OTA job seen". */
export const OTA = [
  'idle',
  'deferred',
  'downloading',
  'downloaded',
  'verifying',
  'waiting_window',
  'installing',
  'rebooting',
  'health_check',
  'committed',
  'rolled_back',
  'bricked',
  'failed',
  'rejected',
  'cancelled',
] as const satisfies readonly OtaState[];
export const otaCode = (s: string): number => OTA.indexOf(s as OtaState) + 1;
const UPDATING: ReadonlySet<string> = new Set(['deferred', 'downloading', 'downloaded', 'verifying', 'waiting_window', 'installing', 'rebooting', 'health_check']);
export const OTA_UPDATING: readonly boolean[] = [false, ...OTA.map((s) => UPDATING.has(s))];
export const OTA_ROLLED_BACK = otaCode('rolled_back');
export const OTA_BRICKED = otaCode('bricked');
/** An update that ended without the new firmware running: the device's word or the rollout's verdict. */
export const OTA_FAILED: readonly boolean[] = [false, ...OTA.map((s) => s === 'failed' || s === 'rejected')];
export const OTA_FAILED_CODE = otaCode('failed');

export const KINDS = ['occupancy', 'env', 'leak', 'lock', 'hvac', 'lighting', 'gateway'] as const satisfies readonly DeviceKind[];
export const KIND_LABEL: Record<DeviceKind, string> = {
  occupancy: 'Occupancy sensor',
  env: 'Environment sensor',
  leak: 'Leak sensor',
  lock: 'Access reader / lock',
  hvac: 'HVAC zone controller',
  lighting: 'Lighting node',
  gateway: 'Gateway',
};

/** Event codes of decoded trace lines (model/decode.ts). */
export const EV = {
  run: 1,
  birth: 2,
  state: 3,
  telemetry: 4,
  event: 5,
  ota: 6,
  live: 7,
  alert: 8,
  incident: 9,
  sla: 10,
  fault: 11,
  rollout: 12,
  noc: 13,
  end: 14,
  repair: 15,
  /** The simulator's ground truth that a device is bricked (`k: "ota"`, `s: "bricked"`): it can no longer say so itself. */
  bricked: 16,
} as const;

/** Alert severities that make a device red; the others (minor, warning, info) make it amber. */
export const HIGH_SEVERITIES: ReadonlySet<string> = new Set(['critical', 'major']);

/** Telemetry flag bits kept per device (locks, lights, leaks, occupancy). */
export const BIT = { locked: 1, door_open: 2, occupied: 4, leak: 8 } as const;
