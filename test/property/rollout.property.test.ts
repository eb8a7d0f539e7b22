import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OtaResult, OtaState } from '../../platform/contract/messages.ts';
import type { DeviceInfo, DeviceMessage, Incident, Liveness } from '../../platform/core/model.ts';
import { FirmwareCatalog } from '../../platform/patching/catalog.ts';
import { cohortOrder, partitionWaves } from '../../platform/patching/cohorts.ts';
import { PatchingEngine, type OtaCommand } from '../../platform/patching/engine.ts';
import type { PlanInput } from '../../platform/patching/plan.ts';
import type { CohortSize, FailureClass, FirmwareRelease, RolloutStatus } from '../../platform/patching/types.ts';
import { containsMs, type IntervalSet, type WeeklyWindow } from '../../platform/sla/intervals.ts';
import { weeklyWindowsByIntl } from '../helpers/wall-clock.ts';

// A small fake fleet driven minute by minute against the rollout engine. Every command the engine
// sends is answered by a fake device (seeded PRNG, so a run is a pure function of its inputs),
// and the safety rules of a rollout are checked after every tick, message and command.

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Late October 2026: a run can cross the EU (Oct 25) and the US (Nov 1) DST ends. */
const T0 = Date.UTC(2026, 9, 21);
const HORIZON_MS = 9 * DAY;
const MODEL = 'TH-100';
const TARGET = '2.0.0';
const TIMEZONES = ['America/New_York', 'Europe/London', 'UTC', 'Asia/Kolkata'] as const;
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
type DayName = (typeof DAY_NAMES)[number];
const TERMINAL_ROLLOUT = new Set(['completed', 'aborted', 'cancelled', 'rolled_back']);

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Fisher–Yates with a seeded PRNG. */
function shuffle<T>(xs: readonly T[], seed: number): T[] {
  const rng = mulberry32(seed);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function release(model: string, version: string, extra: Partial<FirmwareRelease> = {}): FirmwareRelease {
  return {
    model,
    version,
    size_bytes: 1_048_576,
    sha256: `sha-${model}-${version}`,
    min_battery_pct: 25,
    compatible_from: [],
    released_ms: T0 - 30 * DAY,
    approved_ms: T0 - 20 * DAY,
    ...extra,
  };
}

function makeCatalog(): FirmwareCatalog {
  return new FirmwareCatalog([
    release(MODEL, '1.0.0'),
    release(MODEL, '1.1.0'),
    release(MODEL, TARGET, { compatible_from: ['1.0.0', '1.1.0'] }),
    release('LK-200', '3.1.0'),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Scenario arbitraries
// ---------------------------------------------------------------------------------------------

interface DeviceSpec {
  readonly model: string;
  readonly fw: string;
  readonly site: number;
  readonly building: number;
  readonly gateway: number | null;
  /** null: mains powered. */
  readonly battery: number | null;
  readonly reports_battery: boolean;
  readonly liveness: Liveness;
}

interface FleetSpec {
  readonly tz: readonly string[];
  readonly devices: readonly DeviceSpec[];
  /** An open P2 incident on one building, if any. */
  readonly incident: { readonly site: number; readonly building: number } | null;
}

interface PlanSpec {
  readonly input: PlanInput;
  readonly download_window: WeeklyWindow | null;
  readonly install_window: WeeklyWindow | null;
  readonly download_ms: number;
  readonly install_ms: number;
}

interface Behaviour {
  readonly seed: number;
  readonly fail_download: number;
  readonly fail_install: number;
  readonly brick: number;
  readonly start_offset_min: number;
}

interface Scenario {
  readonly fleet: FleetSpec;
  readonly plan: PlanSpec;
  readonly behaviour: Behaviour;
}

const deviceArb: fc.Arbitrary<DeviceSpec> = fc.record({
  model: fc.oneof({ weight: 6, arbitrary: fc.constant(MODEL) }, { weight: 1, arbitrary: fc.constant('LK-200') }),
  fw: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('1.0.0', '1.1.0') }, { weight: 1, arbitrary: fc.constantFrom(TARGET, '0.9.0') }),
  site: fc.nat(2),
  building: fc.nat(1),
  gateway: fc.option(fc.nat(1), { nil: null }),
  battery: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null, freq: 2 }),
  reports_battery: fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  liveness: fc.oneof({ weight: 12, arbitrary: fc.constant<Liveness>('ONLINE') }, { weight: 1, arbitrary: fc.constantFrom<Liveness>('OFFLINE', 'UNKNOWN', 'SUSPECT') }),
});

function fleetArb(min_devices: number): fc.Arbitrary<FleetSpec> {
  return fc.record({
    tz: fc.array(fc.constantFrom(...TIMEZONES), { minLength: 3, maxLength: 3 }),
    devices: fc.array(deviceArb, { minLength: min_devices, maxLength: 22 }),
    incident: fc.option(fc.record({ site: fc.nat(2), building: fc.nat(1) }), { nil: null, freq: 4 }),
  });
}

const cohortArb: fc.Arbitrary<CohortSize> = fc.oneof(fc.record({ count: fc.integer({ min: 1, max: 4 }) }), fc.record({ percent: fc.integer({ min: 5, max: 60 }) }));

function hhmm(min: number): string {
  return `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
}

interface WindowSpec {
  readonly input: { days: Array<number | DayName>; start: string; duration: string };
  readonly window: WeeklyWindow;
}

const windowArb: fc.Arbitrary<WindowSpec> = fc
  .record({
    days: fc.subarray([0, 1, 2, 3, 4, 5, 6], { minLength: 2 }),
    names: fc.boolean(),
    start_min: fc.integer({ min: 0, max: 24 * 60 - 1 }),
    duration_min: fc.integer({ min: 30, max: 14 * 60 }),
  })
  .map((w) => ({
    input: {
      days: w.names ? w.days.map((d) => DAY_NAMES[d]!) : w.days,
      start: hhmm(w.start_min),
      duration: w.duration_min >= 60 ? `${Math.floor(w.duration_min / 60)}h${w.duration_min % 60}m` : `${w.duration_min}m`,
    },
    window: { days: w.days, start_min: w.start_min, duration_ms: w.duration_min * MIN },
  }));

const COUNTED: readonly FailureClass[] = ['connection_lost', 'download_failed', 'integrity_failure', 'low_battery', 'install_failed', 'boot_failure', 'health_check_failed', 'timeout', 'offline'];

interface PlanBias {
  /** Always set concurrency limits (tight ones). */
  readonly limits?: boolean;
  /** Always set both windows. */
  readonly windows?: boolean;
  /** Always set a strict error gate. */
  readonly strict_gate?: boolean;
  /** The error gate's action, if forced. */
  readonly action?: 'pause' | 'abort' | 'rollback';
}

function planArb(bias: PlanBias = {}): fc.Arbitrary<PlanSpec> {
  const maybe = <T>(always: boolean | undefined, arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => (always ? arb : fc.option(arb, { nil: undefined }));
  // Tight limits when biased (2 or 3 is where an off-by-one shows), anything from 1 otherwise.
  const limit = (max: number) => (bias.limits ? fc.constantFrom(1, 2, 2, 3) : fc.option(fc.integer({ min: 1, max }), { nil: undefined }));
  const actionArb = fc.constantFrom('pause' as const, 'abort' as const, 'rollback' as const);
  const ramp = fc.record({ base_per_minute: fc.integer({ min: 1, max: 3 }), factor: fc.integer({ min: 1, max: 3 }), every_succeeded: fc.integer({ min: 1, max: 4 }) });
  return fc
    .record({
      id: fc.constantFrom('fw-2026-10', 'th100.v2', 'r1'),
      models: fc.boolean(),
      // A forced rollback gets one big wave, so that several devices commit while others fail.
      canary: bias.action === 'rollback' ? fc.constant(undefined) : fc.option(cohortArb, { nil: undefined }),
      waves: bias.action === 'rollback' ? fc.constant(undefined) : fc.option(fc.array(cohortArb, { maxLength: 3 }), { nil: undefined }),
      max_per_minute: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
      // (A slow ramp would keep the concurrency limits from ever filling up.)
      ramp: bias.limits ? fc.constant(undefined) : fc.option(ramp, { nil: undefined, freq: 3 }),
      download: maybe(bias.windows, windowArb),
      install: maybe(bias.windows, windowArb),
      max_in_flight: limit(6),
      per_site: limit(4),
      per_gateway: limit(3),
      online: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      battery: fc.boolean(),
      no_major_incident: fc.boolean(),
      precheck_timeout: fc.option(fc.constantFrom('2h', '1d'), { nil: undefined }),
      min_success_ratio: fc.option(fc.constantFrom(0, 0.5, 0.8, 0.95), { nil: undefined }),
      then: fc.option(fc.constantFrom('next' as const, 'soak' as const, 'pause' as const), { nil: undefined, freq: 3 }),
      // (A rollback gate tolerates one failure, so that some devices have committed when it trips.)
      max_failure_ratio: bias.action === 'rollback' ? fc.constant(0.34) : bias.strict_gate ? fc.constantFrom(0, 0.1, 0.2) : fc.option(fc.constantFrom(0, 0.1, 0.25, 0.5), { nil: undefined }),
      min_executed: bias.action === 'rollback' ? fc.integer({ min: 3, max: 5 }) : bias.strict_gate ? fc.integer({ min: 1, max: 3 }) : fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
      count: bias.action === 'rollback' ? fc.constant(undefined) : fc.option(fc.subarray([...COUNTED]), { nil: undefined }),
      action: bias.action ? fc.constant(bias.action) : bias.strict_gate ? actionArb : fc.option(actionArb, { nil: undefined }),
      download_min: fc.constantFrom(45, 120),
      install_min: fc.constantFrom(20, 40),
      retries: fc.record({
        connection_lost: fc.integer({ min: 0, max: 2 }),
        download_failed: fc.integer({ min: 0, max: 2 }),
        boot_failure: fc.integer({ min: 0, max: 1 }),
        install_failed: fc.integer({ min: 0, max: 1 }),
        health_check_failed: fc.integer({ min: 0, max: 1 }),
        timeout: fc.integer({ min: 0, max: 1 }),
        offline: fc.integer({ min: 0, max: 1 }),
      }),
    })
    .map((p): PlanSpec => {
      const input: PlanInput = {
        id: p.id,
        firmware: { model: MODEL, version: TARGET },
        ...(p.models ? { targets: { models: [MODEL] } } : {}),
        ...(p.canary ? { canary: p.canary } : {}),
        ...(p.waves ? { waves: p.waves } : {}),
        pacing: { ...(p.max_per_minute !== undefined ? { max_per_minute: p.max_per_minute } : {}), ...(p.ramp ? { ramp: p.ramp } : {}) },
        windows: { ...(p.download ? { download: p.download.input } : {}), ...(p.install ? { install: p.install.input } : {}) },
        concurrency: {
          ...(p.max_in_flight !== undefined ? { max_in_flight: p.max_in_flight } : {}),
          ...(p.per_site !== undefined ? { per_site: p.per_site } : {}),
          ...(p.per_gateway !== undefined ? { per_gateway: p.per_gateway } : {}),
        },
        prechecks: { online: p.online, battery: p.battery, no_major_incident: p.no_major_incident, ...(p.precheck_timeout ? { timeout: p.precheck_timeout } : {}) },
        success_gate: { ...(p.min_success_ratio !== undefined ? { min_success_ratio: p.min_success_ratio } : {}), ...(p.then ? { then: p.then } : {}), soak: '90m' },
        error_gate: {
          ...(p.max_failure_ratio !== undefined ? { max_failure_ratio: p.max_failure_ratio } : {}),
          ...(p.min_executed !== undefined ? { min_executed: p.min_executed } : {}),
          ...(p.count ? { count: p.count } : {}),
          ...(p.action ? { action: p.action } : {}),
        },
        timeouts: { download: `${p.download_min}m`, install: `${p.install_min}m` },
        retries: { per_class: p.retries, base: '2m', cap: '20m' },
      };
      return {
        input,
        download_window: p.download?.window ?? null,
        install_window: p.install?.window ?? null,
        download_ms: p.download_min * MIN,
        install_ms: p.install_min * MIN,
      };
    });
}

function behaviourArb(bias: PlanBias): fc.Arbitrary<Behaviour> {
  return fc.record({
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    fail_download: bias.action === 'rollback' ? fc.constant(0) : fc.constantFrom(0, 0.1, 0.3),
    fail_install: bias.strict_gate ? fc.constantFrom(0.2, 0.5) : fc.constantFrom(0, 0.1, 0.4),
    brick: bias.strict_gate ? fc.constantFrom(0.05, 0.15, 0.3) : fc.constantFrom(0, 0.05, 0.15),
    start_offset_min: fc.integer({ min: 0, max: 7 * 24 * 60 - 1 }),
  });
}

function scenarioArb(bias: PlanBias = {}): fc.Arbitrary<Scenario> {
  return fc.record({ fleet: fleetArb(bias.limits || bias.action === 'rollback' ? 8 : 3), plan: planArb(bias), behaviour: behaviourArb(bias) });
}

// ---------------------------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------------------------

function buildFleet(spec: FleetSpec): DeviceInfo[] {
  return spec.devices.map((d, i) => ({
    id: `dev-${String(i).padStart(3, '0')}`,
    kind: 'env',
    model: d.model,
    fw: d.fw,
    serial: `SN${i}`,
    site: `site-${d.site}`,
    building: `site-${d.site}-b${d.building}`,
    floor: 'f1',
    zone: null,
    gateway: d.gateway === null ? null : `gw-${d.site}-${d.building}-${d.gateway}`,
    power: d.battery === null ? 'mains' : 'battery',
    heartbeat_ms: 300_000,
    caps: [],
  }));
}

interface JournalLine {
  readonly at: number;
  readonly kind: string;
  readonly fields: Record<string, unknown>;
}

interface SentCommand {
  readonly at: number;
  readonly device_id: string;
  readonly action: string;
  readonly job: string;
  readonly fw: string;
}

interface Outcome {
  readonly journal: JournalLine[];
  readonly commands: SentCommand[];
  readonly final: RolloutStatus;
  /** Whether some concurrency limit of 2 or more was reached (so the limit checks were not vacuous). */
  readonly saturated: boolean;
}

interface Flight {
  readonly kind: 'download' | 'install';
  readonly job: string;
  readonly since: number;
  readonly site: string;
  readonly gateway: string;
}

type QueueItem =
  | { readonly at: number; readonly seq: number; readonly kind: 'msg'; readonly device_id: string; readonly msg: DeviceMessage }
  | { readonly at: number; readonly seq: number; readonly kind: 'brick'; readonly device_id: string };

class Violation extends Error {}

/**
 * Runs one rollout to quiescence (or the horizon) and checks the safety properties on the way;
 * throws Violation naming the first one broken. `registry_order` permutes what `devices()` lists.
 */
function runRollout(sc: Scenario, registry_order?: (fleet: DeviceInfo[]) => DeviceInfo[]): Outcome {
  const rng = mulberry32(sc.behaviour.seed);
  const between = (lo_ms: number, hi_ms: number) => lo_ms + Math.floor(rng() * (hi_ms - lo_ms));
  const fleet = buildFleet(sc.fleet);
  const devices = new Map(fleet.map((d) => [d.id, d]));
  const order = (registry_order ? registry_order(fleet) : fleet).map((d) => d.id);
  const liveness = new Map(fleet.map((d, i) => [d.id, sc.fleet.devices[i]!.liveness]));
  const tz_of = (site: string) => sc.fleet.tz[Number(site.slice('site-'.length))]!;
  const incidents: Incident[] = [];
  if (sc.fleet.incident) {
    const { site, building } = sc.fleet.incident;
    incidents.push({
      id: 'inc-1',
      priority: 'P2',
      scope: { kind: 'building', id: `site-${site}-b${building}` },
      site: `site-${site}`,
      building: `site-${site}-b${building}`,
      cause: 'power',
      status: 'open',
      opened_ms: T0 - DAY,
      acked_ms: null,
      resolved_ms: null,
      response_due_ms: T0,
      resolution_due_ms: T0 + DAY,
      alert_ids: [],
      device_ids: [],
    });
  }

  const plan = sc.plan;
  const plan_id = plan.input.id;
  const conc = plan.input.concurrency ?? {};
  const start = T0 + sc.behaviour.start_offset_min * MIN;
  const end = start + HORIZON_MS;
  const windows = (w: WeeklyWindow | null): Map<string, IntervalSet> | null => {
    if (w === null) return null;
    const sites = [...new Set(fleet.map((d) => d.site))];
    // The expected windows come from Intl (test/helpers/wall-clock), not from the engine's own
    // weeklyWindowIntervals: a DST bug there must not be able to write its own expectations.
    return new Map(sites.map((s) => [s, weeklyWindowsByIntl([w], tz_of(s), start - 8 * DAY, end + DAY)]));
  };
  const download_open = windows(plan.download_window);
  const install_open = windows(plan.install_window);

  const journal: JournalLine[] = [];
  const commands: SentCommand[] = [];
  const flights = new Map<string, Flight>();
  const committed_forward = new Set<string>();
  const rollback_downloads = new Set<string>();
  let gate_crossed: number | null = null;
  let clock = start;
  let seq = 0;
  let queue: QueueItem[] = [];
  const dev_seq = new Map<string, number>();

  const fail = (what: string): never => {
    throw new Violation(`${what} (at +${Math.round((clock - start) / MIN)} min)`);
  };

  let saturated = false;
  const checkLimits = () => {
    const reached = (n: number, limit: number | undefined) => {
      if (limit !== undefined && limit >= 2 && n === limit) saturated = true;
    };
    reached(flights.size, conc.max_in_flight);
    const site = new Map<string, number>();
    const gateway = new Map<string, number>();
    for (const f of flights.values()) {
      site.set(f.site, (site.get(f.site) ?? 0) + 1);
      gateway.set(f.gateway, (gateway.get(f.gateway) ?? 0) + 1);
    }
    if (conc.max_in_flight !== undefined && flights.size > conc.max_in_flight) fail(`${flights.size} jobs in flight > max_in_flight ${conc.max_in_flight}`);
    for (const [s, n] of site) {
      if (conc.per_site !== undefined && n > conc.per_site) fail(`${n} jobs in flight at ${s} > per_site ${conc.per_site}`);
      reached(n, conc.per_site);
    }
    for (const [g, n] of gateway) {
      if (conc.per_gateway !== undefined && n > conc.per_gateway) fail(`${n} jobs in flight behind ${g} > per_gateway ${conc.per_gateway}`);
      reached(n, conc.per_gateway);
    }
  };

  const checkAfterInput = () => {
    checkLimits();
    const st = engine.status(plan_id);
    if (st && st.in_flight !== flights.size) fail(`engine reports ${st.in_flight} in flight, the devices were told ${flights.size}`);
  };

  const emit = (device_id: string, at: number, job: string, from: string, to: string, state: OtaState, result: OtaResult) => {
    const info = devices.get(device_id)!;
    const s = dev_seq.get(device_id) ?? 0;
    dev_seq.set(device_id, (s + 1) % 256);
    const msg: DeviceMessage = { type: 'ota', device_id, site_id: info.site, received_ms: at, payload: { v: 1, id: device_id, seq: s, ts: at, job, from, to, state, result } };
    queue.push({ at, seq: seq++, kind: 'msg', device_id, msg });
  };

  /** The fake device: answers a command with a seeded sequence of OTA statuses. */
  const react = (cmd: OtaCommand) => {
    const { device_id } = cmd;
    const { job, action, fw } = cmd.payload;
    if (liveness.get(device_id) !== 'ONLINE') return; // an offline (or bricked) device hears nothing
    const from = devices.get(device_id)!.fw;
    if (action === 'cancel') {
      queue = queue.filter((q) => q.device_id !== device_id);
      emit(device_id, clock + between(MIN, 2 * MIN), job, from, fw, 'cancelled', 'cancelled');
      return;
    }
    let at = clock + between(MIN, 3 * MIN);
    if (action === 'download') {
      emit(device_id, at, job, from, fw, 'downloading', 'in_progress');
      if (rng() < sc.behaviour.fail_download) {
        at += between(MIN, 10 * MIN);
        if (rng() < 0.8) emit(device_id, at, job, from, fw, 'failed', (['connection_lost', 'download_failed', 'integrity_failure'] as const)[Math.floor(rng() * 3)]!);
        else emit(device_id, at, job, from, fw, 'rejected', 'low_battery');
      } else {
        at += between(2 * MIN, 20 * MIN);
        emit(device_id, at, job, from, fw, 'waiting_window', 'ok');
      }
      return;
    }
    emit(device_id, at, job, from, fw, 'installing', 'in_progress');
    const roll = rng();
    if (roll < sc.behaviour.brick) {
      // Single-bank device that never comes back: silence, then offline.
      queue.push({ at: at + between(MIN, 5 * MIN), seq: seq++, kind: 'brick', device_id });
    } else if (roll < sc.behaviour.brick + sc.behaviour.fail_install) {
      at += between(2 * MIN, 8 * MIN);
      if (rng() < 0.7) emit(device_id, at, job, from, fw, 'rolled_back', rng() < 0.5 ? 'boot_failure' : 'health_check_failed');
      else emit(device_id, at, job, from, fw, 'failed', 'install_failed');
    } else {
      at += between(2 * MIN, 8 * MIN);
      emit(device_id, at, job, from, fw, 'rebooting', 'in_progress');
      emit(device_id, at + between(MIN, 3 * MIN), job, from, fw, 'committed', 'ok');
    }
  };

  const onSend = (cmd: OtaCommand) => {
    const { device_id } = cmd;
    const { job, action, fw } = cmd.payload;
    commands.push({ at: clock, device_id, action, job, fw });
    const info = devices.get(device_id);
    if (!info) fail(`command for unknown device ${device_id}`);
    const forward = job === plan_id;
    if (!forward && job !== `${plan_id}~rollback`) fail(`command with unexpected job ${job}`);
    if (action === 'cancel') {
      flights.delete(device_id);
    } else {
      if (flights.has(device_id)) fail(`${action} sent to ${device_id} while its ${flights.get(device_id)!.kind} is still in flight`);
      const site_open = (open: Map<string, IntervalSet> | null) => open === null || containsMs(open.get(info!.site)!, clock);
      if (forward && committed_forward.has(device_id)) fail(`forward ${action} sent to ${device_id}, which already committed ${TARGET}`);
      if (action === 'download') {
        if (forward && gate_crossed !== null) fail(`forward download to ${device_id} after the error gate was crossed at +${Math.round((gate_crossed - start) / MIN)} min`);
        if (forward && !site_open(download_open)) fail(`download to ${device_id} outside the download window (${tz_of(info!.site)})`);
        if (!forward) rollback_downloads.add(device_id);
      } else if (forward && !site_open(install_open)) {
        fail(`install to ${device_id} outside the install window (${tz_of(info!.site)} ${new Date(clock).toISOString()})`);
      }
      flights.set(device_id, { kind: action, job, since: clock, site: info!.site, gateway: info!.gateway ?? info!.id });
      checkLimits();
    }
    react(cmd);
  };

  const onJournal = (at: number, kind: string, fields: Record<string, unknown>) => {
    journal.push({ at, kind, fields });
    if (kind !== 'p.rollout' || fields.id !== plan_id) return;
    if (fields.ev === 'error_gate') gate_crossed ??= at;
    if (typeof fields.d === 'string' && ['failed', 'retry', 'cancelled', 'succeeded'].includes(fields.ev as string)) flights.delete(fields.d);
  };

  const engine = new PatchingEngine({
    journal: onJournal,
    catalog: makeCatalog(),
    device: (id) => devices.get(id),
    devices: () => order.map((id) => devices.get(id)!),
    liveness: (id) => liveness.get(id) ?? 'UNKNOWN',
    open_incidents: () => incidents,
    timezone_of: tz_of,
    send: onSend,
  });

  // Battery levels as telemetry, in id order (never in registry order, so a permuted registry is the same run).
  for (const [i, d] of sc.fleet.devices.entries()) {
    if (d.battery === null || !d.reports_battery) continue;
    const id = fleet[i]!.id;
    engine.onMessage({ type: 'telemetry', device_id: id, site_id: fleet[i]!.site, received_ms: start, payload: { v: 1, id, seq: 0, ts: start, battery_pct: d.battery, values: {} } }, start);
  }

  engine.create(plan.input, start);
  checkAfterInput();

  for (let now = start + MIN; now <= end; now += MIN) {
    for (;;) {
      let next: QueueItem | undefined;
      for (const q of queue) if (q.at <= now && (next === undefined || q.at < next.at || (q.at === next.at && q.seq < next.seq))) next = q;
      if (next === undefined) break;
      const item = next;
      queue = queue.filter((q) => q !== item);
      if (item.at < clock) fail('the driver went back in time');
      clock = item.at;
      if (item.kind === 'brick') {
        liveness.set(item.device_id, 'OFFLINE');
        continue;
      }
      const p = item.msg.type === 'ota' ? item.msg.payload : null;
      engine.onMessage(item.msg, clock);
      if (p) {
        const f = flights.get(item.device_id);
        if (f && f.job === p.job && (p.state === 'waiting_window' ? f.kind === 'download' : ['committed', 'rolled_back', 'failed', 'rejected', 'bricked', 'cancelled'].includes(p.state))) flights.delete(item.device_id);
        if (p.state === 'committed') {
          if (p.job === plan_id) {
            if (committed_forward.has(item.device_id)) fail(`${item.device_id} committed ${TARGET} twice in one rollout`);
            committed_forward.add(item.device_id);
          }
          devices.set(item.device_id, { ...devices.get(item.device_id)!, fw: p.to });
        }
      }
      checkAfterInput();
    }
    clock = now;
    engine.tick(now);
    checkAfterInput();
    for (const [d, f] of flights) {
      const limit = f.kind === 'download' ? plan.download_ms : plan.install_ms;
      if (f.since + limit <= now) fail(`${d}'s ${f.kind} (sent at +${Math.round((f.since - start) / MIN)} min) is still in flight after its ${limit / MIN} min timeout`);
    }
    const st = engine.status(plan_id)!;
    if ((TERMINAL_ROLLOUT.has(st.state) || st.state === 'paused') && queue.length === 0 && st.in_flight === 0) break;
  }

  const final = engine.status(plan_id)!;
  if (TERMINAL_ROLLOUT.has(final.state)) {
    const open = engine.jobs(plan_id).filter((j) => j.state === 'pending' || j.state === 'retry_wait' || j.state === 'downloading' || j.state === 'downloaded');
    if (open.length > 0) fail(`rollout ended ${final.state} with jobs still ${open.map((j) => `${j.device_id}:${j.state}`).join(', ')}`);
  }
  if (final.state === 'rolled_back') {
    const missed = [...committed_forward].filter((d) => !rollback_downloads.has(d));
    if (missed.length > 0) fail(`rollout ended rolled_back but ${missed.join(', ')} committed ${TARGET} and never got a rollback`);
  }
  return { journal, commands, final, saturated };
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe('rollout engine (property)', () => {
  it('keeps in-flight jobs within max_in_flight, per_site and per_gateway, and times out silent devices', () => {
    let saturated = 0;
    fc.assert(
      fc.property(scenarioArb({ limits: true }), (sc) => {
        const out = runRollout(sc);
        if (out.saturated) saturated++;
      }),
      { numRuns: 24 },
    );
    // Not vacuous: some runs did fill a limit.
    expect(saturated).toBeGreaterThan(0);
  });

  it('sends downloads and installs only inside the site-local windows', () => {
    let installs = 0;
    fc.assert(
      fc.property(scenarioArb({ windows: true }), (sc) => {
        const out = runRollout(sc);
        installs += out.commands.filter((c) => c.action === 'install' && c.job === sc.plan.input.id).length;
      }),
      { numRuns: 16 },
    );
    expect(installs).toBeGreaterThan(0);
  });

  it('stops forward downloads once the error gate is crossed', () => {
    let crossed = 0;
    fc.assert(
      // With tight limits some devices are still pending when the gate trips; without, many installs run at once.
      fc.property(fc.oneof(scenarioArb({ strict_gate: true, limits: true }), scenarioArb({ strict_gate: true })), (sc) => {
        const out = runRollout(sc);
        if (out.journal.some((l) => l.fields.ev === 'error_gate')) crossed++;
      }),
      { numRuns: 30 },
    );
    expect(crossed).toBeGreaterThan(0);
  });

  it('rolls back every device that committed, even one whose install finished after the gate', () => {
    let rolled_back = 0;
    fc.assert(
      fc.property(scenarioArb({ strict_gate: true, action: 'rollback' }), (sc) => {
        const out = runRollout(sc);
        if (out.commands.some((c) => c.job.endsWith('~rollback'))) rolled_back++;
      }),
      { numRuns: 24 },
    );
    expect(rolled_back).toBeGreaterThan(0);
  });

  it('never updates a device twice in one rollout, whatever the plan', () => {
    fc.assert(
      fc.property(scenarioArb(), (sc) => {
        // runRollout checks this online (no forward command after a commit, no second commit);
        // cross-check the audit log: each device succeeds onto the new version at most once.
        const out = runRollout(sc);
        const forward = out.journal.filter((l) => l.fields.ev === 'succeeded' && l.fields.why === `running ${TARGET}`).map((l) => l.fields.d as string);
        expect(new Set(forward).size).toBe(forward.length);
      }),
      { numRuns: 16 },
    );
  });

  it('is deterministic: the same scenario gives the same audit log and commands', () => {
    fc.assert(
      fc.property(scenarioArb(), (sc) => {
        const a = runRollout(sc);
        const b = runRollout(sc);
        expect(b.journal).toEqual(a.journal);
        expect(b.commands).toEqual(a.commands);
      }),
      { numRuns: 8 },
    );
  });

  it('chooses the same cohorts whatever order the registry lists devices in', () => {
    fc.assert(
      fc.property(scenarioArb(), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (sc, shuffle_seed) => {
        const a = runRollout(sc);
        const b = runRollout(sc, (fleet) => shuffle(fleet, shuffle_seed));
        const created = (o: Outcome) => o.journal.find((l) => l.fields.ev === 'created')!.fields;
        expect(created(b).waves).toEqual(created(a).waves);
        // Wave 0's downloads, in order, up to the start of wave 1.
        const wave0 = (o: Outcome) => {
          const started = o.journal.filter((l) => l.fields.ev === 'wave_started');
          const cut = started[1] ? o.journal.indexOf(started[1]) : o.journal.length;
          return o.journal.slice(0, cut).filter((l) => l.fields.ev === 'download').map((l) => l.fields.d);
        };
        expect(wave0(b)).toEqual(wave0(a));
        // And in fact the whole run is the same.
        expect(b.journal).toEqual(a.journal);
      }),
      { numRuns: 8 },
    );
  });

  it('cohortOrder and partitionWaves give the same partition for a permuted input; every target in exactly one wave', () => {
    const idsArb = fc.uniqueArray(fc.stringMatching(/^[a-z0-9-]{1,12}$/), { maxLength: 60 });
    fc.assert(
      fc.property(
        fc.constantFrom('r1', 'fw-2026-10', 'th100.v2'),
        idsArb,
        fc.option(cohortArb, { nil: null }),
        fc.array(cohortArb, { maxLength: 4 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (rollout, ids, canary, waves, seed) => {
          const permuted = shuffle(ids, seed);
          const a = partitionWaves(cohortOrder(rollout, ids), canary, waves);
          const b = partitionWaves(cohortOrder(rollout, permuted), canary, waves);
          expect(b).toEqual(a);
          const flat = a.flat();
          expect(flat.length).toBe(ids.length);
          expect(new Set(flat)).toEqual(new Set(ids));
          for (const w of a) expect(w.length).toBeGreaterThan(0);
          // Cohort sizes follow the plan: the canary first, then each wave of the remaining targets.
          const sizes: CohortSize[] = canary === null ? [...waves] : [canary, ...waves];
          let remaining = ids.length;
          for (const [i, w] of a.entries()) {
            const size = sizes[i];
            if (size === undefined) {
              expect(i).toBe(a.length - 1); // the catch-all wave
              expect(w.length).toBe(remaining);
            } else {
              const want = 'count' in size ? size.count : Math.ceil((remaining * size.percent) / 100);
              expect(w.length).toBe(Math.max(1, Math.min(remaining, want)));
            }
            remaining -= w.length;
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
