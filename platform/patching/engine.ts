/**
 * The rollout engine (docs/patching.md): staged firmware rollouts with canaries, waves, pacing,
 * site-local download and install windows, concurrency limits, pre-checks, success/error/health
 * gates, timeouts and retries, and an audit log of every decision with its reason.
 *
 * Pure and deterministic like the rest of the platform core: time comes in as `now_ms`, devices
 * are visited in cohort order (a stable hash), commands leave through `deps.send`, and every
 * decision is journalled as `p.rollout`. The engine decides; the device carries out (its OTA
 * state machine reports progress on the `ota` topic).
 */
import type { OtaCommandPayload, OtaStatusPayload } from '../contract/messages.ts';
import type { Alert, DeviceInfo, DeviceMessage, Incident, Journal, Liveness } from '../core/model.ts';
import { containsMs, weeklyWindowIntervals, type WeeklyWindow } from '../sla/intervals.ts';
import { FirmwareCatalog } from './catalog.ts';
import { cohortOrder, partitionWaves, retryDelayMs } from './cohorts.ts';
import { buildPlan } from './plan.ts';
import { copyData, sortedEntries } from '../core/state-codec.ts';
import {
  PatchError,
  type FailureClass,
  type FirmwareRelease,
  type GateAction,
  type HealthGate,
  type JobState,
  type JobView,
  type RolloutPlan,
  type RolloutState,
  type RolloutStatus,
  type WaveView,
} from './types.ts';
import { MS_PER_MINUTE as MINUTE_MS, MS_PER_DAY as DAY_MS } from '../../common/time.ts';

export interface OtaCommand {
  readonly device_id: string;
  readonly site_id: string;
  readonly payload: OtaCommandPayload;
}

export interface PatchingDeps {
  readonly journal: Journal;
  readonly catalog: FirmwareCatalog;
  readonly device: (id: string) => DeviceInfo | undefined;
  readonly devices: () => readonly DeviceInfo[];
  readonly liveness: (id: string) => Liveness;
  readonly open_incidents: () => readonly Incident[];
  readonly timezone_of: (site_id: string) => string;
  /** Tags from the deployment's configuration (targets may select on them). */
  readonly tags_of?: (device_id: string) => readonly string[];
  /** Sends a command to a device (MQTT `cmd/ota` in every mode). */
  readonly send: (command: OtaCommand) => void;
}

/** Longest gap between two evaluations of timers, gates and the scheduler when nothing changed. */
const EVAL_INTERVAL_MS = 10_000;
const HEALTH_INTERVAL_MS = 5 * MINUTE_MS;
/** An install is only started if it can finish inside the window: leave this much before its end. */
const INSTALL_LEAD_MS = 15 * MINUTE_MS;

interface Job {
  readonly device_id: string;
  readonly wave: number;
  state: JobState;
  attempt: number;
  from_fw: string;
  failure: FailureClass | null;
  device_state: string | null;
  /** When the current step must be done by (download or install), or the retry is due. */
  due_ms: number | null;
  queued_ms: number;
  committed_ms: number | null;
  /** For rollback jobs: the version to go back to. */
  readonly target: string;
  readonly job_id: string;
  /** Pre-check reason last journalled, so a waiting device is logged once per reason change. */
  waiting_for: string | null;
}

interface Wave {
  readonly devices: readonly string[];
  started_ms: number | null;
  finished_ms: number | null;
}

class Rollout {
  readonly plan: RolloutPlan;
  readonly release: FirmwareRelease;
  readonly created_ms: number;
  state: RolloutState = 'running';
  reason: string | null = null;
  finished_ms: number | null = null;
  wave = 0;
  readonly waves: Wave[];
  readonly jobs = new Map<string, Job>();
  readonly already_current: number;
  soak_until_ms: number | null = null;
  /** Start times of recent downloads (pacing). */
  starts_ms: number[] = [];
  succeeded = 0;
  first_commit_ms: number | null = null;
  rollback_jobs = new Map<string, Job>();
  /** Health gates compare rates over hours; evaluating them every few minutes is plenty. */
  health_checked_ms = Number.NEGATIVE_INFINITY;

  constructor(plan: RolloutPlan, release: FirmwareRelease, created_ms: number, waves: string[][], already_current: number) {
    this.plan = plan;
    this.release = release;
    this.created_ms = created_ms;
    this.already_current = already_current;
    this.waves = waves.map((devices) => ({ devices, started_ms: null, finished_ms: null }));
    waves.forEach((devices, wave) => {
      for (const d of devices) {
        this.jobs.set(d, {
          device_id: d,
          wave,
          state: 'pending',
          attempt: 0,
          from_fw: '',
          failure: null,
          device_state: null,
          due_ms: null,
          queued_ms: created_ms,
          committed_ms: null,
          target: release.version,
          job_id: plan.id,
          waiting_for: null,
        });
      }
    });
  }

  get active(): boolean {
    return this.state === 'running' || this.state === 'soaking' || this.state === 'rolling_back';
  }

  get terminal(): boolean {
    return this.state === 'completed' || this.state === 'aborted' || this.state === 'cancelled' || this.state === 'rolled_back';
  }
}

interface MajorScopes {
  devices: Set<string>;
  buildings: Set<string>;
  sites: Set<string>;
}

interface Load {
  total: number;
  site: Map<string, number>;
  gateway: Map<string, number>;
}

/** The rollout engine as saved in a snapshot (see `PatchingEngine.saveState`). */
export interface PatchingState {
  rollouts: Array<Record<string, unknown> & { plan: RolloutPlan; jobs: Job[]; rollback_jobs: Job[] }>;
  battery: Array<[string, number]>;
  history: Array<[string, DeviceHistory]>;
  busy: Array<[string, string]>;
  dirty: boolean;
  last_eval_ms: number;
}

const IN_FLIGHT: ReadonlySet<JobState> = new Set(['downloading', 'installing']);
const TERMINAL: ReadonlySet<JobState> = new Set(['succeeded', 'failed', 'cancelled']);

/** Health-gate observations: new sessions and alerts per device, with their times. */
interface DeviceHistory {
  last_session: number | null;
  births_ms: number[];
  alerts_ms: number[];
}

export class PatchingEngine {
  readonly #deps: PatchingDeps;
  readonly #rollouts = new Map<string, Rollout>();
  readonly #battery = new Map<string, number>();
  /**
   * Per device: the last session alone until a reboot or an alert needs the lists (nearly every
   * device has neither; an object and two empty arrays held ~110 B a device).
   */
  readonly #history = new Map<string, DeviceHistory | number>();
  /** Devices in some active rollout's job (a device is in at most one active rollout at a time). */
  readonly #busy = new Map<string, string>();
  #dirty = false;
  #last_eval_ms = Number.NEGATIVE_INFINITY;

  constructor(deps: PatchingDeps) {
    this.#deps = deps;
  }

  get catalog(): FirmwareCatalog {
    return this.#deps.catalog;
  }

  // ---- API -------------------------------------------------------------------------------------

  /** Creates and starts a rollout; throws PatchError (stable code) for a plan it refuses. */
  create(input: unknown, now_ms: number): RolloutStatus {
    const plan = buildPlan(input, this.#deps.catalog, now_ms);
    if (this.#rollouts.has(plan.id)) throw new PatchError('PATCH_DUPLICATE_ID', `a rollout with id "${plan.id}" already exists`);
    const release = this.#deps.catalog.get(plan.firmware.model, plan.firmware.version)!;
    const matching = this.#deps.devices().filter((d) => this.#matches(plan, d));
    const current = matching.filter((d) => d.fw === release.version);
    const candidates = matching.filter((d) => d.fw !== release.version && !this.#busy.has(d.id));
    const incompatible = candidates.filter((d) => !FirmwareCatalog.compatible(release, d.fw));
    const targets = candidates.filter((d) => FirmwareCatalog.compatible(release, d.fw)).map((d) => d.id);
    const waves = partitionWaves(cohortOrder(plan.id, targets), plan.canary, plan.waves);
    const r = new Rollout(plan, release, now_ms, waves, current.length);
    for (const d of candidates) {
      const job = r.jobs.get(d.id);
      if (job) job.from_fw = d.fw;
    }
    this.#rollouts.set(plan.id, r);
    for (const id of targets) this.#busy.set(id, plan.id);
    this.#log(now_ms, r, 'created', {
      fw: `${release.model}@${release.version}`,
      targets: targets.length,
      already_current: current.length,
      incompatible: incompatible.length,
      waves: waves.map((w) => w.length),
      why: `plan ${plan.id}: ${targets.length} devices to update in ${waves.length} wave(s)`,
    });
    if (targets.length === 0) this.#finish(r, now_ms, 'completed', 'no device needs this update');
    else this.#startWave(r, 0, now_ms);
    this.#dirty = true;
    this.tick(now_ms);
    return this.status(plan.id)!;
  }

  pause(id: string, reason: string, now_ms: number): RolloutStatus {
    const r = this.#get(id);
    if (r.state !== 'running' && r.state !== 'soaking') throw new PatchError('PATCH_BAD_TRANSITION', `rollout ${id} is ${r.state}; only a running or soaking rollout can be paused`);
    this.#pauseWith(r, now_ms, 'pause', `paused: ${reason}`);
    return this.status(id)!;
  }

  resume(id: string, now_ms: number): RolloutStatus {
    const r = this.#get(id);
    if (r.state !== 'paused') throw new PatchError('PATCH_BAD_TRANSITION', `rollout ${id} is ${r.state}; only a paused rollout can be resumed`);
    r.state = 'running';
    r.reason = null;
    this.#log(now_ms, r, 'resumed', { why: 'operator resumed' });
    // A wave that finished (its success gate passed, or failed and the operator accepts it by resuming)
    // moves on to the next; a pause in the middle of a wave (operator, error or health gate) continues
    // that wave's remaining devices. Devices whose update failed are not retried by a resume.
    const wave = r.waves[r.wave];
    if (wave && wave.finished_ms !== null) this.#advance(r, now_ms);
    this.#dirty = true;
    this.tick(now_ms);
    return this.status(id)!;
  }

  cancel(id: string, reason: string, now_ms: number): RolloutStatus {
    const r = this.#get(id);
    if (r.terminal) throw new PatchError('PATCH_BAD_TRANSITION', `rollout ${id} already ended (${r.state})`);
    for (const job of r.jobs.values()) {
      if (job.state === 'pending' || job.state === 'retry_wait') this.#setJob(r, job, 'cancelled', now_ms, 'cancelled', 'rollout cancelled before this device started');
      else if (job.state === 'downloading' || job.state === 'downloaded') {
        // Before install the device can drop the job; once installing it must finish.
        this.#command(job, 'cancel', r.release, now_ms);
        this.#setJob(r, job, 'cancelled', now_ms, 'cancelled', 'rollout cancelled; device told to drop the downloaded image');
      }
    }
    this.#finish(r, now_ms, 'cancelled', reason);
    return this.status(id)!;
  }

  status(id: string): RolloutStatus | undefined {
    const r = this.#rollouts.get(id);
    return r ? this.#status(r) : undefined;
  }

  list(): RolloutStatus[] {
    return [...this.#rollouts.values()].map((r) => this.#status(r));
  }

  jobs(id: string): JobView[] {
    const r = this.#get(id);
    return [...r.jobs.values()].map((j) => ({ device_id: j.device_id, wave: j.wave, state: j.state, attempt: j.attempt, from_fw: j.from_fw, failure: j.failure, device_state: j.device_state }));
  }

  /** The rollout and job a device is in, for its detail view. */
  deviceJob(device_id: string): { rollout: string; job: JobView } | undefined {
    const id = this.#busy.get(device_id);
    if (id === undefined) return undefined;
    const r = this.#rollouts.get(id);
    const j = r?.rollback_jobs.get(device_id) ?? r?.jobs.get(device_id);
    if (!r || !j) return undefined;
    return { rollout: id, job: { device_id, wave: j.wave, state: j.state, attempt: j.attempt, from_fw: j.from_fw, failure: j.failure, device_state: j.device_state } };
  }

  /**
   * Rollouts (plan, waves, every job and rollback job, gates' memory) and the engine's device
   * observations as plain data (platform/store snapshots). Rollouts and their jobs keep the order
   * the engine made them in — creation order, and wave then cohort order — because the scheduler
   * walks them in that order (first come, first served for the concurrency slots); the per-device
   * maps are sorted by id.
   */
  saveState(): PatchingState {
    return copyData({
      rollouts: [...this.#rollouts.values()].map((r) => ({ ...r, jobs: [...r.jobs.values()], rollback_jobs: [...r.rollback_jobs.values()] })),
      battery: sortedEntries(this.#battery),
      history: sortedEntries(this.#history).map(([id, h]) => [id, typeof h === 'number' ? { last_session: h, births_ms: [], alerts_ms: [] } : h]),
      busy: sortedEntries(this.#busy),
      dirty: this.#dirty,
      last_eval_ms: this.#last_eval_ms,
    }) as PatchingState;
  }

  /** Replaces this (fresh) engine's state with a saved one. */
  loadState(state: PatchingState): void {
    const s = copyData(state);
    this.#rollouts.clear();
    for (const saved of s.rollouts) {
      const r = Object.assign(Object.create(Rollout.prototype) as Rollout, {
        ...saved,
        jobs: new Map(saved.jobs.map((j) => [j.device_id, j])),
        rollback_jobs: new Map(saved.rollback_jobs.map((j) => [j.device_id, j])),
      });
      this.#rollouts.set(r.plan.id, r);
    }
    this.#battery.clear();
    for (const [k, v] of s.battery) this.#battery.set(k, v);
    this.#history.clear();
    // As held while running: the last session alone until the device has births or alerts to list.
    for (const [k, v] of s.history) this.#history.set(k, v.last_session !== null && v.births_ms.length === 0 && v.alerts_ms.length === 0 ? v.last_session : v);
    this.#busy.clear();
    for (const [k, v] of s.busy) this.#busy.set(k, v);
    this.#dirty = s.dirty;
    this.#last_eval_ms = s.last_eval_ms;
  }

  // ---- inputs ----------------------------------------------------------------------------------

  onMessage(msg: DeviceMessage, now_ms: number): void {
    switch (msg.type) {
      case 'telemetry':
        if (msg.payload.battery_pct !== undefined) this.#battery.set(msg.device_id, msg.payload.battery_pct);
        return;
      case 'birth': {
        const held = this.#history.get(msg.device_id);
        const last = held === undefined ? null : typeof held === 'number' ? held : held.last_session;
        const session = msg.payload.session;
        if (last !== null && session > last) {
          const h = this.#hist(msg.device_id);
          h.births_ms.push(now_ms);
          h.last_session = session;
        } else if (last === null) {
          if (typeof held === 'object') held.last_session = session;
          else this.#history.set(msg.device_id, session);
        }
        return;
      }
      case 'ota':
        this.#onOta(msg.device_id, msg.payload, now_ms);
        this.#dirty = true;
        return;
      default:
        return;
    }
  }

  onAlert(alert: Alert): void {
    if (alert.count === 1 && alert.status === 'firing' && alert.type !== 'device_offline') this.#hist(alert.device_id).alerts_ms.push(alert.started_ms);
  }

  /** Runs timers, gates and the scheduler up to `now_ms`. */
  tick(now_ms: number): void {
    // The platform ticks on every message; the engine's timers and scheduler need not. It runs
    // when something changed (a status, an operator action) or EVAL_INTERVAL_MS has passed, so a
    // 4,500-device rollout does not rescan its jobs for every telemetry message. Deterministic:
    // both conditions depend only on the inputs and their times.
    if (!this.#dirty && now_ms - this.#last_eval_ms < EVAL_INTERVAL_MS) return;
    this.#dirty = false;
    this.#last_eval_ms = now_ms;
    if (this.#rollouts.size === 0) return;
    this.#evaluate(now_ms);
  }

  #evaluate(now_ms: number): void {
    for (const r of this.#rollouts.values()) {
      if (r.terminal) {
        // An install still running when the rollout ended must time out too, or a silent device
        // stays busy (and counts against every rollout's concurrency limits) forever.
        this.#timeouts(r, now_ms);
        continue;
      }
      this.#timeouts(r, now_ms);
      if (r.state === 'paused') continue;
      this.#healthGates(r, now_ms);
      if (!r.active) continue;
      if (r.state === 'rolling_back') {
        this.#schedule(r, [...r.rollback_jobs.values()], now_ms, true);
        this.#checkRollbackDone(r, now_ms);
        continue;
      }
      if (r.state === 'soaking') {
        if (r.soak_until_ms !== null && now_ms >= r.soak_until_ms) {
          this.#log(now_ms, r, 'soak_passed', { wave: r.wave, why: 'soak ended with every health gate within its limit' });
          r.soak_until_ms = null;
          r.state = 'running';
          this.#advance(r, now_ms);
        }
        continue;
      }
      const wave = r.waves[r.wave];
      if (!wave) continue;
      this.#schedule(r, wave.devices.map((d) => r.jobs.get(d)!), now_ms, false);
      this.#checkWaveDone(r, now_ms);
    }
  }

  // ---- device status -----------------------------------------------------------------------------

  #onOta(device_id: string, p: OtaStatusPayload, now_ms: number): void {
    const rid = this.#busy.get(device_id);
    const r = rid === undefined ? undefined : this.#rollouts.get(rid);
    if (!r) return;
    const job = r.rollback_jobs.get(device_id) ?? r.jobs.get(device_id);
    if (!job || p.job !== job.job_id || TERMINAL.has(job.state)) return;
    job.device_state = p.state;
    switch (p.state) {
      case 'waiting_window':
        if (job.state === 'downloading') {
          job.state = 'downloaded';
          job.due_ms = null;
          this.#log(now_ms, r, 'downloaded', { d: device_id, why: 'image downloaded and verified; waiting for the install window' });
        }
        return;
      case 'committed':
        this.#succeed(r, job, now_ms);
        return;
      case 'rolled_back':
        this.#fail(r, job, now_ms, p.result === 'ok' || p.result === 'in_progress' ? 'boot_failure' : p.result, `device rolled back to ${p.from} (${p.result})`);
        return;
      case 'failed':
      case 'rejected':
      case 'bricked':
        this.#fail(r, job, now_ms, p.result === 'ok' || p.result === 'in_progress' ? 'install_failed' : p.result, `device reported ${p.state} (${p.result})`);
        return;
      case 'cancelled':
        this.#setJob(r, job, 'cancelled', now_ms, 'cancelled', 'device dropped the job');
        return;
      default:
        return; // downloading, deferred, verifying, installing, rebooting, health_check: progress only
    }
  }

  #succeed(r: Rollout, job: Job, now_ms: number): void {
    job.committed_ms = now_ms;
    job.due_ms = null;
    if (job.target === r.release.version) {
      r.succeeded++;
      r.first_commit_ms ??= now_ms;
    }
    this.#setJob(r, job, 'succeeded', now_ms, 'ok', `running ${job.target}`);
    if (r.state === 'rolling_back' && r.jobs.get(job.device_id) === job) {
      // An install that was already running when the rollback started: roll this device back too.
      this.#addRollbackJob(r, job, now_ms);
      this.#log(now_ms, r, 'rollback_added', { d: job.device_id, why: 'committed after the rollback started' });
      return;
    }
    this.#checkErrorGate(r, now_ms);
  }

  #fail(r: Rollout, job: Job, now_ms: number, failure: FailureClass, why: string): void {
    job.failure = failure;
    job.due_ms = null;
    const allowed = r.plan.retries.per_class[failure] ?? 0;
    // While rolling back only the rollback jobs retry; a forward install that fails now just fails.
    const may_retry = r.active && (r.state !== 'rolling_back' || r.rollback_jobs.get(job.device_id) === job);
    if (job.attempt < allowed && may_retry) {
      const delay = retryDelayMs(`${r.plan.id}/${job.device_id}`, job.attempt, r.plan.retries.base_ms, r.plan.retries.cap_ms);
      job.attempt++;
      job.state = 'retry_wait';
      job.due_ms = now_ms + delay;
      this.#log(now_ms, r, 'retry', { d: job.device_id, cls: failure, attempt: job.attempt, in_ms: delay, why: `${why}; retry ${job.attempt}/${allowed}` });
      return;
    }
    this.#setJob(r, job, 'failed', now_ms, failure, why);
    this.#checkErrorGate(r, now_ms);
  }

  #setJob(r: Rollout, job: Job, state: JobState, now_ms: number, result: string, why: string): void {
    job.state = state;
    if (TERMINAL.has(state)) {
      job.due_ms = null;
      // A finished job frees the device for another rollout (a rollback claims it again).
      this.#release(job.device_id, r);
    }
    this.#log(now_ms, r, state === 'succeeded' ? 'succeeded' : state === 'cancelled' ? 'cancelled' : 'failed', { d: job.device_id, res: result, why });
  }

  #release(device_id: string, r: Rollout): void {
    if (this.#busy.get(device_id) === r.plan.id) this.#busy.delete(device_id);
  }

  // ---- timers ------------------------------------------------------------------------------------

  #timeouts(r: Rollout, now_ms: number): void {
    const all = [...r.jobs.values(), ...r.rollback_jobs.values()];
    for (const job of all) {
      if (job.due_ms === null || job.due_ms > now_ms) continue;
      if (job.state === 'retry_wait') {
        job.state = 'pending';
        job.due_ms = null;
      } else if (job.state === 'downloading' || job.state === 'installing') {
        const offline = this.#deps.liveness(job.device_id) !== 'ONLINE';
        const step = job.state === 'downloading' ? 'download' : 'install';
        this.#fail(r, job, now_ms, offline ? 'offline' : 'timeout', `${step} did not finish in time${offline ? ` and the device is ${this.#deps.liveness(job.device_id)}` : ''} (last reported: ${job.device_state ?? 'nothing'})`);
      } else if (job.state === 'pending') {
        this.#fail(r, job, now_ms, 'precheck_timeout', `pre-checks did not pass in time (${job.waiting_for ?? 'unknown'})`);
      }
    }
  }

  // ---- scheduling --------------------------------------------------------------------------------

  #schedule(r: Rollout, jobs: readonly Job[], now_ms: number, rollback: boolean): void {
    const p = r.plan;
    const load = this.#inFlight();
    const window_cache = new Map<string, boolean>();
    const open = (w: WeeklyWindow | null, site: string, which: string, lead_ms: number): boolean => {
      if (w === null || rollback) return true; // rollbacks are urgent: no windows
      const key = `${which}/${site}`;
      let v = window_cache.get(key);
      if (v === undefined) {
        v = inWindow(w, this.#deps.timezone_of(site), now_ms, lead_ms);
        window_cache.set(key, v);
      }
      return v;
    };
    const incidents = p.prechecks.no_major_incident ? this.#majorIncidentScopes() : null;
    for (const job of jobs) {
      const info = this.#deps.device(job.device_id);
      if (!info) continue;
      if (job.state === 'downloaded') {
        if (r.state === 'paused') continue;
        if (!open(p.install_window, info.site, 'install', INSTALL_LEAD_MS)) continue;
        if (!this.#hasSlot(r, info, load)) continue;
        this.#command(job, 'install', this.#releaseFor(r, job), now_ms);
        job.state = 'installing';
        job.due_ms = now_ms + p.timeouts.install_ms;
        this.#take(info, load, +1);
        this.#log(now_ms, r, 'install', { d: job.device_id, why: p.install_window === null || rollback ? 'install (no window)' : 'install window open' });
        continue;
      }
      if (job.state !== 'pending') continue;
      if (!this.#paced(r, now_ms)) continue;
      if (!open(p.download_window, info.site, 'download', 0)) continue;
      if (!this.#hasSlot(r, info, load)) continue;
      const blocked = this.#precheck(r, info, incidents, this.#releaseFor(r, job));
      if (blocked !== null) {
        if (job.waiting_for !== blocked) {
          job.waiting_for = blocked;
          this.#log(now_ms, r, 'deferred', { d: job.device_id, why: blocked });
          if (p.prechecks.timeout_ms !== null && job.due_ms === null) job.due_ms = now_ms + p.prechecks.timeout_ms;
        }
        continue;
      }
      job.waiting_for = null;
      job.from_fw = rollback ? job.from_fw : info.fw;
      this.#command(job, 'download', this.#releaseFor(r, job), now_ms);
      job.state = 'downloading';
      job.due_ms = now_ms + p.timeouts.download_ms;
      r.starts_ms.push(now_ms);
      this.#take(info, load, +1);
      this.#log(now_ms, r, 'download', { d: job.device_id, attempt: job.attempt, why: rollback ? `rollback to ${job.target}` : `wave ${job.wave}: pre-checks passed` });
    }
  }

  #releaseFor(r: Rollout, job: Job): FirmwareRelease {
    if (job.target === r.release.version) return r.release;
    return this.#deps.catalog.get(r.release.model, job.target) ?? { ...r.release, version: job.target, sha256: `unknown:${job.target}` };
  }

  #paced(r: Rollout, now_ms: number): boolean {
    const { max_per_minute, ramp } = r.plan.pacing;
    if (max_per_minute === null && ramp === null) return true;
    while (r.starts_ms.length > 0 && r.starts_ms[0]! <= now_ms - MINUTE_MS) r.starts_ms.shift();
    let limit = max_per_minute ?? Number.POSITIVE_INFINITY;
    if (ramp !== null) limit = Math.min(limit, Math.floor(ramp.base_per_minute * ramp.factor ** Math.floor(r.succeeded / ramp.every_succeeded)));
    return r.starts_ms.length < limit;
  }

  /** Updates in flight across every rollout: the limits protect the sites and gateways, not one plan. */
  #inFlight(): Load {
    const load: Load = { total: 0, site: new Map(), gateway: new Map() };
    for (const r of this.#rollouts.values()) {
      for (const job of [...r.jobs.values(), ...r.rollback_jobs.values()]) {
        if (!IN_FLIGHT.has(job.state)) continue;
        const info = this.#deps.device(job.device_id);
        if (info) this.#take(info, load, +1);
      }
    }
    return load;
  }

  #take(info: DeviceInfo, load: Load, n: number): void {
    load.total += n;
    load.site.set(info.site, (load.site.get(info.site) ?? 0) + n);
    const gw = info.gateway ?? info.id;
    load.gateway.set(gw, (load.gateway.get(gw) ?? 0) + n);
  }

  #hasSlot(r: Rollout, info: DeviceInfo, load: Load): boolean {
    const c = r.plan.concurrency;
    if (c.max_in_flight !== null && load.total >= c.max_in_flight) return false;
    if (c.per_site !== null && (load.site.get(info.site) ?? 0) >= c.per_site) return false;
    if (c.per_gateway !== null && (load.gateway.get(info.gateway ?? info.id) ?? 0) >= c.per_gateway) return false;
    return true;
  }

  #precheck(r: Rollout, info: DeviceInfo, incidents: MajorScopes | null, release: FirmwareRelease): string | null {
    const p = r.plan.prechecks;
    if (p.online && this.#deps.liveness(info.id) !== 'ONLINE') return `device is ${this.#deps.liveness(info.id)}`;
    if (p.battery && info.power === 'battery') {
      const level = this.#battery.get(info.id);
      if (level === undefined) return 'battery level not reported yet';
      if (level < release.min_battery_pct) return `battery ${level} % below the image's minimum ${release.min_battery_pct} %`;
    }
    if (incidents !== null) {
      if (incidents.devices.has(info.id)) return 'an open P1/P2 incident covers the device';
      if (incidents.buildings.has(info.building)) return `an open P1/P2 incident in building ${info.building}`;
      if (incidents.sites.has(info.site)) return `an open P1/P2 outage at site ${info.site}`;
    }
    return null;
  }

  #majorIncidentScopes(): MajorScopes {
    const devices = new Set<string>();
    const buildings = new Set<string>();
    const sites = new Set<string>();
    for (const i of this.#deps.open_incidents()) {
      if (i.status === 'resolved' || (i.priority !== 'P1' && i.priority !== 'P2')) continue;
      for (const d of i.device_ids) devices.add(d);
      if (i.building !== null) buildings.add(i.building);
      // A site-wide outage (uplink, power) has no building: it blocks the whole site.
      if (i.scope.kind === 'site') sites.add(i.site);
    }
    return { devices, buildings, sites };
  }

  #command(job: Job, action: OtaCommandPayload['action'], release: FirmwareRelease, now_ms: number): void {
    const info = this.#deps.device(job.device_id);
    if (!info) return;
    const payload: OtaCommandPayload =
      action === 'cancel'
        ? { v: 1, job: job.job_id, action, fw: release.version, ts: now_ms }
        : { v: 1, job: job.job_id, action, fw: release.version, size_bytes: release.size_bytes, sha256: release.sha256, ts: now_ms };
    this.#deps.send({ device_id: job.device_id, site_id: info.site, payload });
  }

  // ---- waves and gates ---------------------------------------------------------------------------

  #startWave(r: Rollout, index: number, now_ms: number): void {
    r.wave = index;
    const wave = r.waves[index]!;
    wave.started_ms = now_ms;
    this.#log(now_ms, r, 'wave_started', { wave: index, devices: wave.devices.length, why: index === 0 && r.plan.canary !== null ? 'canary cohort (stable hash)' : `wave ${index}` });
  }

  #advance(r: Rollout, now_ms: number): void {
    if (r.wave + 1 >= r.waves.length) {
      this.#finish(r, now_ms, 'completed', 'every wave passed its gates');
      return;
    }
    this.#startWave(r, r.wave + 1, now_ms);
  }

  #checkWaveDone(r: Rollout, now_ms: number): void {
    const wave = r.waves[r.wave];
    if (!wave || wave.finished_ms !== null || r.state !== 'running') return;
    const jobs = wave.devices.map((d) => r.jobs.get(d)!);
    if (!jobs.every((j) => TERMINAL.has(j.state))) return;
    wave.finished_ms = now_ms;
    // A device that never passed its pre-checks was skipped, not a failed update of this firmware.
    const executed = jobs.filter((j) => j.state !== 'cancelled' && !(j.state === 'failed' && j.failure === 'precheck_timeout')).length;
    const ok = jobs.filter((j) => j.state === 'succeeded').length;
    const ratio = executed === 0 ? 1 : ok / executed;
    const g = r.plan.success_gate;
    const fields = { wave: r.wave, succeeded: ok, executed, ratio: round4(ratio), min: g.min_success_ratio };
    if (ratio < g.min_success_ratio) {
      this.#pauseWith(r, now_ms, 'success_gate_failed', `wave ${r.wave}: ${ok}/${executed} succeeded (${pct(ratio)}), below the success gate of ${pct(g.min_success_ratio)}`, fields);
      return;
    }
    this.#log(now_ms, r, 'wave_passed', { ...fields, why: `wave ${r.wave}: ${ok}/${executed} succeeded (${pct(ratio)} ≥ ${pct(g.min_success_ratio)})` });
    if (r.wave + 1 >= r.waves.length && g.then !== 'soak') {
      this.#advance(r, now_ms);
      return;
    }
    if (g.then === 'soak') {
      r.state = 'soaking';
      r.soak_until_ms = now_ms + g.soak_ms;
      this.#log(now_ms, r, 'soak_started', { wave: r.wave, until: r.soak_until_ms, why: `soak for ${g.soak_ms} ms while health gates watch the updated devices` });
    } else if (g.then === 'pause') {
      this.#pauseWith(r, now_ms, 'pause', `wave ${r.wave} passed; the plan pauses for an operator to resume`);
    } else this.#advance(r, now_ms);
  }

  #checkErrorGate(r: Rollout, now_ms: number): void {
    if (!r.active || r.state === 'rolling_back') return;
    const g = r.plan.error_gate;
    const wave = r.waves[r.wave];
    if (!wave) return;
    const jobs = wave.devices.map((d) => r.jobs.get(d)!);
    const skipped = (j: Job) => j.failure === 'precheck_timeout' && !g.count.includes('precheck_timeout');
    const done = jobs.filter((j) => j.state === 'succeeded' || (j.state === 'failed' && !skipped(j)));
    const failed = done.filter((j) => j.state === 'failed' && (g.count.length === 0 || (j.failure !== null && g.count.includes(j.failure))));
    if (done.length < g.min_executed && failed.length === 0) return;
    // With fewer than min_executed done, a failure still counts against min_executed: one brick
    // in a 5-device canary with min 10 is 1/10, not 1/1 (the gate's denominator never shrinks).
    const ratio = failed.length / Math.max(done.length, g.min_executed);
    if (ratio <= g.max_failure_ratio) return;
    const by_class: Record<string, number> = {};
    for (const j of failed) by_class[j.failure!] = (by_class[j.failure!] ?? 0) + 1;
    const why = `error gate crossed in wave ${r.wave}: ${failed.length} failed of ${done.length} executed (${pct(ratio)} > ${pct(g.max_failure_ratio)}; ${Object.entries(by_class).map(([k, v]) => `${k} ${v}`).join(', ')})`;
    this.#gateAction(r, now_ms, g.action, 'error_gate', why, { wave: r.wave, failed: failed.length, executed: done.length, by_class });
  }

  #healthGates(r: Rollout, now_ms: number): void {
    if (r.plan.health_gates.length === 0 || r.first_commit_ms === null || r.state === 'rolling_back') return;
    if (r.state !== 'running' && r.state !== 'soaking') return;
    if (now_ms - r.health_checked_ms < HEALTH_INTERVAL_MS) return;
    r.health_checked_ms = now_ms;
    for (const gate of r.plan.health_gates) {
      const h = this.#health(r, gate, now_ms);
      if (h === null) continue;
      const limit = Math.max(gate.min_rate, gate.max_ratio * h.rest);
      if (h.cohort <= limit) continue;
      const why = `health gate ${gate.metric}: updated devices ${fmt(h.cohort)} vs the rest ${fmt(h.rest)}${gate.metric === 'offline_rate' ? '' : ' per device-day'} (limit ${fmt(limit)}; ${h.cohort_devices} updated, ${h.rest_devices} not)`;
      this.#gateAction(r, now_ms, gate.action, 'health_gate', why, { metric: gate.metric, cohort: round4(h.cohort), rest: round4(h.rest), limit: round4(limit), in_soak: r.state === 'soaking' });
      return;
    }
  }

  #health(r: Rollout, gate: HealthGate, now_ms: number): { cohort: number; rest: number; cohort_devices: number; rest_devices: number } | null {
    const cohort = [...r.jobs.values()].filter((j) => j.state === 'succeeded' && j.committed_ms !== null);
    if (cohort.length < gate.min_cohort) return null;
    const updated = new Set(cohort.map((j) => j.device_id));
    const rest = this.#deps.devices().filter((d) => d.model === r.release.model && !updated.has(d.id)).map((d) => d.id);
    const since = r.first_commit_ms!;
    if (gate.metric === 'offline_rate') {
      const off = (ids: readonly string[]) => (ids.length === 0 ? 0 : ids.filter((id) => this.#deps.liveness(id) === 'OFFLINE').length / ids.length);
      return { cohort: off([...updated]), rest: off(rest), cohort_devices: updated.size, rest_devices: rest.length };
    }
    const pick = (h: DeviceHistory): number[] => (gate.metric === 'reboot_rate' ? h.births_ms : h.alerts_ms);
    let cohort_events = 0;
    let cohort_exposure = 0;
    for (const j of cohort) {
      const h = this.#history.get(j.device_id);
      cohort_exposure += now_ms - j.committed_ms!;
      if (typeof h === 'object') cohort_events += pick(h).filter((t) => t > j.committed_ms!).length;
    }
    let rest_events = 0;
    for (const id of rest) {
      const h = this.#history.get(id);
      if (typeof h === 'object') rest_events += pick(h).filter((t) => t > since).length;
    }
    const rest_exposure = rest.length * (now_ms - since);
    // Need at least an hour of exposure per device on average before a rate means anything.
    if (cohort_exposure < cohort.length * 3_600_000) return null;
    const per_day = (events: number, exposure: number) => (exposure <= 0 ? 0 : (events * DAY_MS) / exposure);
    return { cohort: per_day(cohort_events, cohort_exposure), rest: per_day(rest_events, rest_exposure), cohort_devices: cohort.length, rest_devices: rest.length };
  }

  #gateAction(r: Rollout, now_ms: number, action: GateAction, gate: string, why: string, fields: Record<string, unknown>): void {
    if (action === 'pause') this.#pauseWith(r, now_ms, gate, why, fields);
    else if (action === 'abort') {
      this.#log(now_ms, r, gate, { ...fields, action, why });
      this.#stopPending(r, now_ms, `rollout aborted by the ${gate.replace('_', ' ')}`);
      this.#finish(r, now_ms, 'aborted', why);
    } else {
      this.#log(now_ms, r, gate, { ...fields, action, why });
      this.#stopPending(r, now_ms, `rollout rolling back after the ${gate.replace('_', ' ')}`);
      this.#startRollback(r, now_ms, why);
    }
  }

  #pauseWith(r: Rollout, now_ms: number, ev: string, why: string, fields: Record<string, unknown> = {}): void {
    r.state = 'paused';
    r.reason = why;
    r.soak_until_ms = null;
    this.#log(now_ms, r, ev === 'pause' ? 'paused' : ev, { ...fields, action: 'pause', why });
  }

  /** Once a gate stops a rollout no new device starts: pending devices are cancelled. */
  #stopPending(r: Rollout, now_ms: number, why: string): void {
    for (const job of r.jobs.values()) {
      if (job.state === 'pending' || job.state === 'retry_wait') this.#setJob(r, job, 'cancelled', now_ms, 'cancelled', why);
      else if (job.state === 'downloading' || job.state === 'downloaded') {
        this.#command(job, 'cancel', r.release, now_ms);
        this.#setJob(r, job, 'cancelled', now_ms, 'cancelled', `${why}; device told to drop the image`);
      }
    }
  }

  #startRollback(r: Rollout, now_ms: number, why: string): void {
    r.state = 'rolling_back';
    r.reason = why;
    const updated = [...r.jobs.values()].filter((j) => j.state === 'succeeded').sort((a, b) => (a.device_id < b.device_id ? -1 : 1));
    for (const j of updated) this.#addRollbackJob(r, j, now_ms);
    this.#log(now_ms, r, 'rollback_started', { devices: updated.length, why });
    this.#checkRollbackDone(r, now_ms);
  }

  #addRollbackJob(r: Rollout, j: Job, now_ms: number): void {
    r.rollback_jobs.set(j.device_id, {
      device_id: j.device_id,
      wave: j.wave,
      state: 'pending',
      attempt: 0,
      from_fw: r.release.version,
      failure: null,
      device_state: null,
      due_ms: null,
      queued_ms: now_ms,
      committed_ms: null,
      target: j.from_fw,
      job_id: `${r.plan.id}~rollback`,
      waiting_for: null,
    });
    this.#busy.set(j.device_id, r.plan.id);
  }

  #checkRollbackDone(r: Rollout, now_ms: number): void {
    if (r.state !== 'rolling_back') return;
    const jobs = [...r.rollback_jobs.values()];
    if (!jobs.every((j) => TERMINAL.has(j.state))) return;
    // An install already under way when the rollback started may still commit (and then need rolling back too).
    for (const j of r.jobs.values()) if (j.state === 'installing') return;
    const ok = jobs.filter((j) => j.state === 'succeeded').length;
    this.#finish(r, now_ms, 'rolled_back', `${r.reason ?? 'rollback'}; ${ok}/${jobs.length} devices back on their previous firmware`);
  }

  #finish(r: Rollout, now_ms: number, state: RolloutState, why: string): void {
    r.state = state;
    r.reason = why;
    r.finished_ms = now_ms;
    r.soak_until_ms = null;
    for (const id of [...this.#busy.keys()]) {
      const job = r.rollback_jobs.get(id) ?? r.jobs.get(id);
      if (this.#busy.get(id) === r.plan.id && (!job || !IN_FLIGHT.has(job.state))) this.#busy.delete(id);
    }
    this.#log(now_ms, r, state, { why });
  }

  // ---- helpers -----------------------------------------------------------------------------------

  #matches(plan: RolloutPlan, d: DeviceInfo): boolean {
    const t = plan.targets;
    if (d.model !== plan.firmware.model) return false;
    if (t.models && !t.models.includes(d.model)) return false;
    if (t.sites && !t.sites.includes(d.site)) return false;
    if (t.buildings && !t.buildings.includes(d.building)) return false;
    if (t.firmware && !t.firmware.includes(d.fw)) return false;
    if (t.tags && t.tags.length > 0) {
      const tags = this.#deps.tags_of?.(d.id) ?? [];
      if (!t.tags.every((tag) => tags.includes(tag))) return false;
    }
    return true;
  }

  /** A device's history with its lists, made (from its last session alone, if held) when first needed. */
  #hist(id: string): DeviceHistory {
    const held = this.#history.get(id);
    if (typeof held === 'object') return held;
    const h: DeviceHistory = { last_session: held ?? null, births_ms: [], alerts_ms: [] };
    this.#history.set(id, h);
    return h;
  }

  #get(id: string): Rollout {
    const r = this.#rollouts.get(id);
    if (!r) throw new PatchError('PATCH_UNKNOWN_ROLLOUT', `no rollout "${id}"`);
    return r;
  }

  #status(r: Rollout): RolloutStatus {
    const counts: Record<JobState, number> = { pending: 0, retry_wait: 0, downloading: 0, downloaded: 0, installing: 0, succeeded: 0, failed: 0, cancelled: 0 };
    const failures: Partial<Record<FailureClass, number>> = {};
    for (const j of r.jobs.values()) {
      counts[j.state]++;
      if (j.state === 'failed' && j.failure !== null) failures[j.failure] = (failures[j.failure] ?? 0) + 1;
    }
    const waves: WaveView[] = r.waves.map((w, index) => ({
      index,
      name: index === 0 && r.plan.canary !== null ? 'canary' : `wave ${index}`,
      devices: w.devices.length,
      succeeded: w.devices.filter((d) => r.jobs.get(d)!.state === 'succeeded').length,
      failed: w.devices.filter((d) => r.jobs.get(d)!.state === 'failed').length,
      started_ms: w.started_ms,
      finished_ms: w.finished_ms,
    }));
    return {
      id: r.plan.id,
      firmware: { ...r.plan.firmware },
      state: r.state,
      reason: r.reason,
      created_ms: r.created_ms,
      finished_ms: r.finished_ms,
      wave: r.wave,
      waves,
      targets: r.jobs.size,
      already_current: r.already_current,
      counts,
      failures,
      rolled_back_devices: [...r.rollback_jobs.values()].filter((j) => j.state === 'succeeded').length,
      in_flight: [...r.jobs.values(), ...r.rollback_jobs.values()].filter((j) => IN_FLIGHT.has(j.state)).length,
      soak_until_ms: r.soak_until_ms,
    };
  }

  #log(now_ms: number, r: Rollout, ev: string, fields: Record<string, unknown>): void {
    this.#deps.journal(now_ms, 'p.rollout', { id: r.plan.id, ev, ...fields });
  }
}

function inWindow(w: WeeklyWindow, timezone: string, now_ms: number, lead_ms: number): boolean {
  const occurrences = weeklyWindowIntervals([w], timezone, now_ms - 1, now_ms + lead_ms + 1);
  // Open now, and (for installs) still open lead_ms from now.
  return containsMs(occurrences, now_ms) && containsMs(occurrences, now_ms + lead_ms);
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

function pct(x: number): string {
  return `${Math.round(x * 1000) / 10} %`;
}

function fmt(x: number): string {
  return String(Math.round(x * 1000) / 1000);
}
