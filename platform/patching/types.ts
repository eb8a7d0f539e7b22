/**
 * The rollout engine's vocabulary (docs/patching.md): firmware releases, rollout plans, jobs and
 * the failure taxonomy. Pure data; the engine (engine.ts) reads no clock.
 */
import { OTA_RESULTS, type OtaResult } from '../contract/messages.ts';
import type { WeeklyWindow } from '../sla/intervals.ts';
import { MspError } from '../../common/errors.ts';

/** One firmware image the MSP may deploy, as the platform's catalog knows it. */
export interface FirmwareRelease {
  readonly model: string;
  readonly version: string;
  readonly size_bytes: number;
  readonly sha256: string;
  /** Device-side pre-condition; the engine also pre-checks it from telemetry. */
  readonly min_battery_pct: number;
  /** Versions it may be installed over; empty = any. */
  readonly compatible_from: readonly string[];
  readonly released_ms: number | null;
  /** Null: not approved, and no plan may deploy it. */
  readonly approved_ms: number | null;
}

/** Why a device's update did not succeed; the device's result codes plus the platform's own. */
export type FailureClass = Exclude<OtaResult, 'ok' | 'in_progress'> | 'precheck_timeout' | 'offline';

/** The device's own result codes (minus ok/in_progress) and the platform's additions, in one list. */
export const FAILURE_CLASSES: readonly FailureClass[] = [
  ...OTA_RESULTS.filter((r): r is Exclude<OtaResult, 'ok' | 'in_progress'> => r !== 'ok' && r !== 'in_progress'),
  'precheck_timeout',
  'offline',
];

export interface TargetFilter {
  readonly models?: readonly string[];
  readonly sites?: readonly string[];
  readonly buildings?: readonly string[];
  /** Only devices running one of these versions. */
  readonly firmware?: readonly string[];
  /** Devices carrying every listed tag (from the deployment's configuration). */
  readonly tags?: readonly string[];
}

/** A cohort size: an absolute count or a percentage of the targets still remaining. */
export type CohortSize = { readonly count: number } | { readonly percent: number };

export interface SuccessGate {
  /** A wave passes when succeeded / executed ≥ this. */
  readonly min_success_ratio: number;
  /** What a passing wave leads to: the next wave at once, a soak first, or a pause for a person. */
  readonly then: 'next' | 'soak' | 'pause';
  readonly soak_ms: number;
}

export type GateAction = 'pause' | 'abort' | 'rollback';

export interface ErrorGate {
  /** Crossed when failures / executed > this (within the current wave)… */
  readonly max_failure_ratio: number;
  /** …and at least this many devices of the wave have finished. */
  readonly min_executed: number;
  /** Failure classes that count; empty = all. */
  readonly count: readonly FailureClass[];
  readonly action: GateAction;
}

export type HealthMetric = 'offline_rate' | 'reboot_rate' | 'alert_rate';

/**
 * Post-update health: the updated cohort's rate against the rest of the same models (events per
 * device-day; offline_rate is the share of devices offline now). Crossed when the cohort's rate
 * exceeds max_ratio × the rest's and also min_rate (so two rare events are not a 2× regression).
 */
export interface HealthGate {
  readonly metric: HealthMetric;
  readonly max_ratio: number;
  readonly min_rate: number;
  readonly min_cohort: number;
  readonly action: GateAction;
}

export interface Pacing {
  /** Most downloads started in any minute; null = unlimited. */
  readonly max_per_minute: number | null;
  /** Exponential ramp (AWS IoT Jobs style): base rate multiplied by factor every `every_succeeded` successes. */
  readonly ramp: { readonly base_per_minute: number; readonly factor: number; readonly every_succeeded: number } | null;
}

export interface Concurrency {
  readonly max_in_flight: number | null;
  readonly per_site: number | null;
  /** Bandwidth: a mesh gateway carries few image transfers at once. */
  readonly per_gateway: number | null;
}

export interface Prechecks {
  readonly online: boolean;
  readonly battery: boolean;
  /** No open P1/P2 incident on the device or its building. */
  readonly no_major_incident: boolean;
  /** How long a device may wait for its pre-checks before it fails with precheck_timeout; null = forever. */
  readonly timeout_ms: number | null;
}

export interface Timeouts {
  /** From the download command to `waiting_window`. */
  readonly download_ms: number;
  /** From the install command to `committed` (install, reboot, health check). */
  readonly install_ms: number;
}

export interface Retries {
  readonly per_class: Readonly<Partial<Record<FailureClass, number>>>;
  readonly base_ms: number;
  readonly cap_ms: number;
}

/** A validated rollout plan (plan.ts builds it from user input and refuses bad ones). */
export interface RolloutPlan {
  readonly id: string;
  readonly firmware: { readonly model: string; readonly version: string };
  readonly targets: TargetFilter;
  readonly canary: CohortSize | null;
  readonly waves: readonly CohortSize[];
  readonly pacing: Pacing;
  readonly download_window: WeeklyWindow | null;
  readonly install_window: WeeklyWindow | null;
  readonly concurrency: Concurrency;
  readonly prechecks: Prechecks;
  readonly success_gate: SuccessGate;
  readonly error_gate: ErrorGate;
  readonly health_gates: readonly HealthGate[];
  readonly timeouts: Timeouts;
  readonly retries: Retries;
}

export type RolloutState = 'running' | 'soaking' | 'paused' | 'completed' | 'aborted' | 'cancelled' | 'rolling_back' | 'rolled_back';

export type JobState = 'pending' | 'retry_wait' | 'downloading' | 'downloaded' | 'installing' | 'succeeded' | 'failed' | 'cancelled';

export interface JobView {
  readonly device_id: string;
  readonly wave: number;
  readonly state: JobState;
  readonly attempt: number;
  readonly from_fw: string;
  readonly failure: FailureClass | null;
  readonly device_state: string | null;
}

export interface WaveView {
  readonly index: number;
  readonly name: string;
  readonly devices: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly started_ms: number | null;
  readonly finished_ms: number | null;
}

export interface RolloutStatus {
  readonly id: string;
  readonly firmware: { readonly model: string; readonly version: string };
  readonly state: RolloutState;
  readonly reason: string | null;
  readonly created_ms: number;
  readonly finished_ms: number | null;
  readonly wave: number;
  readonly waves: readonly WaveView[];
  readonly targets: number;
  readonly already_current: number;
  readonly counts: Readonly<Record<JobState, number>>;
  readonly failures: Readonly<Partial<Record<FailureClass, number>>>;
  readonly rolled_back_devices: number;
  readonly in_flight: number;
  readonly soak_until_ms: number | null;
}

export type PatchErrorCode =
  | 'PATCH_INVALID_PLAN'
  | 'PATCH_UNKNOWN_FIRMWARE'
  | 'PATCH_NOT_APPROVED'
  | 'PATCH_INCOMPATIBLE_MODEL'
  | 'PATCH_BAD_WINDOW'
  | 'PATCH_DUPLICATE_ID'
  | 'PATCH_UNKNOWN_ROLLOUT'
  | 'PATCH_BAD_TRANSITION';

export class PatchError extends MspError {
  declare readonly code: PatchErrorCode;
  constructor(code: PatchErrorCode, message: string) {
    super(code, message);
    this.name = 'PatchError';
  }
}
