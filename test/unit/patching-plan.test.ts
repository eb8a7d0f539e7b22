import { describe, expect, it } from 'vitest';
import type { OtaResult, OtaState } from '../../platform/contract/messages.ts';
import type { DeviceInfo, Liveness } from '../../platform/core/model.ts';
import { FirmwareCatalog } from '../../platform/patching/catalog.ts';
import { PatchingEngine, type OtaCommand } from '../../platform/patching/engine.ts';
import { buildPlan } from '../../platform/patching/plan.ts';
import { PatchError, type FirmwareRelease, type PatchErrorCode } from '../../platform/patching/types.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 2, 3, 12); // a Tuesday, 12:00 UTC
const MODEL = 'TH-100';

function release(model: string, version: string, extra: Partial<FirmwareRelease> = {}): FirmwareRelease {
  return {
    model,
    version,
    size_bytes: 2_000_000,
    sha256: `sha-${model}-${version}`,
    min_battery_pct: 30,
    compatible_from: [],
    released_ms: T0 - 10 * 24 * HOUR,
    approved_ms: T0 - 5 * 24 * HOUR,
    ...extra,
  };
}

function catalog(): FirmwareCatalog {
  return new FirmwareCatalog([
    release(MODEL, '1.0.0'),
    release(MODEL, '1.1.0'),
    release(MODEL, '2.0.0'),
    release(MODEL, '2.1.0-rc1', { approved_ms: null }),
    release(MODEL, '2.2.0', { approved_ms: T0 + 24 * HOUR }),
    release('LK-200', '3.0.0'),
  ]);
}

function dev(id: string, extra: Partial<DeviceInfo> = {}): DeviceInfo {
  return { id, kind: 'env', model: MODEL, fw: '1.0.0', serial: `SN-${id}`, site: 's1', building: 'b1', floor: 'f1', zone: null, gateway: null, power: 'mains', heartbeat_ms: 300_000, caps: [], ...extra };
}

function fleet(n: number, extra: Partial<DeviceInfo> = {}, prefix = 'd'): DeviceInfo[] {
  return Array.from({ length: n }, (_, i) => dev(`${prefix}${String(i).padStart(2, '0')}`, extra));
}

function expectPatchError(fn: () => unknown, code: PatchErrorCode, ...fragments: string[]): PatchError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(PatchError);
  const e = caught as PatchError;
  expect(e.code).toBe(code);
  for (const f of fragments) expect(e.message).toContain(f);
  return e;
}

/** An engine over an in-memory registry; records commands and the `p.rollout` audit log. */
function setup(devices: DeviceInfo[]) {
  const registry = new Map(devices.map((d) => [d.id, d]));
  const liveness = new Map<string, Liveness>();
  const sent: OtaCommand[] = [];
  const log: Array<Record<string, unknown>> = [];
  const seqs = new Map<string, number>();
  const engine = new PatchingEngine({
    journal: (_at, kind, fields) => {
      if (kind === 'p.rollout') log.push(fields);
    },
    catalog: catalog(),
    device: (id) => registry.get(id),
    devices: () => [...registry.values()],
    liveness: (id) => liveness.get(id) ?? 'ONLINE',
    open_incidents: () => [],
    timezone_of: () => 'UTC',
    send: (c) => sent.push(c),
  });
  /** The device reports an OTA status for `cmd`, by default the last (non-cancel) command it got. */
  const report = (device_id: string, state: OtaState, result: OtaResult, at: number, command?: OtaCommand) => {
    const cmd = command ?? sent.filter((c) => c.device_id === device_id && c.payload.action !== 'cancel').at(-1);
    if (!cmd) throw new Error(`no command was sent to ${device_id}`);
    const seq = seqs.get(device_id) ?? 0;
    seqs.set(device_id, seq + 1);
    const d = registry.get(device_id)!;
    engine.onMessage({ type: 'ota', device_id, site_id: d.site, received_ms: at, payload: { v: 1, id: device_id, seq, ts: at, job: cmd.payload.job, from: d.fw, to: cmd.payload.fw, state, result } }, at);
    if (state === 'committed') registry.set(device_id, { ...d, fw: cmd.payload.fw });
  };
  const birth = (device_id: string, session: number, at: number) => {
    const d = registry.get(device_id)!;
    engine.onMessage(
      {
        type: 'birth',
        device_id,
        site_id: d.site,
        received_ms: at,
        payload: { v: 1, id: d.id, kind: d.kind, model: d.model, serial: d.serial, fw: d.fw, site: d.site, building: d.building, floor: d.floor, zone: d.zone, gateway: d.gateway, power: d.power, caps: [...d.caps], heartbeat_ms: d.heartbeat_ms, session, seq: 0, ts: at },
      },
      at,
    );
  };
  /** Download, install and commit one device (the engine must have sent it the download). */
  const update = (device_id: string, at: number, outcome: 'ok' | 'fail' = 'ok') => {
    report(device_id, 'waiting_window', 'ok', at);
    engine.tick(at);
    expect(sent.some((c) => c.device_id === device_id && c.payload.action === 'install')).toBe(true);
    if (outcome === 'ok') report(device_id, 'committed', 'ok', at + MIN);
    else report(device_id, 'failed', 'install_failed', at + MIN);
  };
  /** Every device answers each unanswered `job` command: downloads finish, installs commit; then a tick. */
  const answered = new Set<OtaCommand>();
  const autopilot = (job: string, at: number) => {
    for (const c of sent.filter((x) => x.payload.job === job && x.payload.action !== 'cancel' && !answered.has(x))) {
      answered.add(c);
      report(c.device_id, c.payload.action === 'download' ? 'waiting_window' : 'committed', 'ok', at, c);
    }
    engine.tick(at);
  };
  const commands = (action: string, job?: string) => sent.filter((c) => c.payload.action === action && (job === undefined || c.payload.job === job));
  const events = (ev: string) => log.filter((l) => l.ev === ev);
  return { engine, registry, liveness, sent, log, report, birth, update, autopilot, commands, events };
}

describe('buildPlan', () => {
  const base = { id: 'r1', firmware: { model: MODEL, version: '2.0.0' } };

  it('accepts a minimal plan and fills the careful defaults', () => {
    const plan = buildPlan(base, catalog(), T0);
    expect(plan.targets.models).toEqual([MODEL]);
    expect(plan.waves).toEqual([{ percent: 100 }]);
    expect(plan.error_gate).toEqual({ max_failure_ratio: 0.05, min_executed: 5, count: [], action: 'pause' });
    expect(plan.prechecks).toEqual({ online: true, battery: true, no_major_incident: true, timeout_ms: null });
    expect(plan.install_window).toBeNull();
  });

  it('refuses unknown firmware, naming the version and the known ones', () => {
    expectPatchError(() => buildPlan({ ...base, firmware: { model: MODEL, version: '9.9.9' } }, catalog(), T0), 'PATCH_UNKNOWN_FIRMWARE', 'TH-100@9.9.9', '1.0.0, 1.1.0, 2.0.0');
    expectPatchError(() => buildPlan({ ...base, firmware: { model: 'XX-1', version: '1.0.0' } }, catalog(), T0), 'PATCH_UNKNOWN_FIRMWARE', 'no firmware in the catalog for model XX-1');
  });

  it('refuses unapproved firmware, and firmware approved only later', () => {
    expectPatchError(() => buildPlan({ ...base, firmware: { model: MODEL, version: '2.1.0-rc1' } }, catalog(), T0), 'PATCH_NOT_APPROVED', 'TH-100@2.1.0-rc1');
    expectPatchError(() => buildPlan({ ...base, firmware: { model: MODEL, version: '2.2.0' } }, catalog(), T0), 'PATCH_NOT_APPROVED', 'not approved for deployment yet');
    expect(buildPlan({ ...base, firmware: { model: MODEL, version: '2.2.0' } }, catalog(), T0 + 24 * HOUR).firmware.version).toBe('2.2.0');
  });

  it('refuses targets with a model the image is not built for', () => {
    expectPatchError(() => buildPlan({ ...base, targets: { models: [MODEL, 'LK-200'] } }, catalog(), T0), 'PATCH_INCOMPATIBLE_MODEL', 'not LK-200');
  });

  it('refuses a window with no duration', () => {
    expectPatchError(() => buildPlan({ ...base, windows: { install: { days: 'weekdays', start: '22:00' } } }, catalog(), T0), 'PATCH_BAD_WINDOW', 'install window has no duration');
    expectPatchError(() => buildPlan({ ...base, windows: { download: { days: 'daily', start: '01:00', duration: '0m' } } }, catalog(), T0), 'PATCH_BAD_WINDOW', 'download window');
    expectPatchError(() => buildPlan({ ...base, windows: { install: { days: ['sat'], start: '01:00', duration: '8d' } } }, catalog(), T0), 'PATCH_BAD_WINDOW', 'longer than a week');
    const plan = buildPlan({ ...base, windows: { install: { days: ['tue', 2, 'sat', 0], start: '22:30', duration: '4h' } } }, catalog(), T0);
    expect(plan.install_window).toEqual({ days: [0, 2, 6], start_min: 22 * 60 + 30, duration_ms: 4 * HOUR });
  });

  it('refuses a soak without a duration', () => {
    expectPatchError(() => buildPlan({ ...base, success_gate: { then: 'soak' } }, catalog(), T0), 'PATCH_INVALID_PLAN', 'success_gate.soak');
    expectPatchError(() => buildPlan({ ...base, success_gate: { then: 'soak', soak: 0 } }, catalog(), T0), 'PATCH_INVALID_PLAN', 'soak');
    expect(buildPlan({ ...base, success_gate: { soak: '2h' } }, catalog(), T0).success_gate).toEqual({ min_success_ratio: 0.95, then: 'soak', soak_ms: 2 * HOUR });
  });

  it('refuses a typo or a bad value, naming its path', () => {
    expectPatchError(() => buildPlan({ ...base, concurency: { max_in_flight: 2 } }, catalog(), T0), 'PATCH_INVALID_PLAN', 'concurency');
    expectPatchError(() => buildPlan({ ...base, error_gate: { max_failure_rate: 0.1 } }, catalog(), T0), 'PATCH_INVALID_PLAN', 'error_gate', 'max_failure_rate');
    expectPatchError(() => buildPlan({ ...base, concurrency: { max_in_flight: 0 } }, catalog(), T0), 'PATCH_INVALID_PLAN', 'concurrency.max_in_flight');
    expectPatchError(() => buildPlan({ ...base, timeouts: { install: '5 parsecs' } }, catalog(), T0), 'PATCH_INVALID_PLAN', 'timeouts.install', '5 parsecs');
    expectPatchError(() => buildPlan({ ...base, id: 'Has Spaces' }, catalog(), T0), 'PATCH_INVALID_PLAN', 'id');
  });
});


describe('PatchingEngine', () => {
  it('refuses a duplicate rollout id and an unknown one', () => {
    const { engine } = setup(fleet(3));
    engine.create({ id: 'r1', firmware: { model: MODEL, version: '2.0.0' } }, T0);
    expectPatchError(() => engine.create({ id: 'r1', firmware: { model: MODEL, version: '2.0.0' } }, T0 + MIN), 'PATCH_DUPLICATE_ID', 'r1');
    expectPatchError(() => engine.pause('nope', 'x', T0), 'PATCH_UNKNOWN_ROLLOUT', 'nope');
  });

  it('pauses, resumes and cancels, refusing transitions that make no sense', () => {
    const { engine, commands, events } = setup(fleet(4));
    const s = engine.create({ id: 'r1', firmware: { model: MODEL, version: '2.0.0' }, concurrency: { max_in_flight: 2 } }, T0);
    expect(s.state).toBe('running');
    expect(commands('download')).toHaveLength(2);
    expectPatchError(() => engine.resume('r1', T0), 'PATCH_BAD_TRANSITION', 'only a paused rollout');

    const p = engine.pause('r1', 'change freeze', T0 + MIN);
    expect(p.state).toBe('paused');
    expect(p.reason).toBe('paused: change freeze');
    expectPatchError(() => engine.pause('r1', 'again', T0 + MIN), 'PATCH_BAD_TRANSITION', 'is paused');

    const r = engine.resume('r1', T0 + 2 * MIN);
    expect(r.state).toBe('running');
    expect(r.reason).toBeNull();
    expect(events('resumed')).toHaveLength(1);

    const c = engine.cancel('r1', 'wrong image', T0 + 3 * MIN);
    expect(c.state).toBe('cancelled');
    expect(c.reason).toBe('wrong image');
    // The two downloading devices are told to drop the job; the two pending ones never start.
    expect(commands('cancel').map((x) => x.payload.job)).toEqual(['r1', 'r1']);
    expect(c.counts.cancelled).toBe(4);
    expectPatchError(() => engine.cancel('r1', 'again', T0 + 4 * MIN), 'PATCH_BAD_TRANSITION', 'already ended (cancelled)');
    expectPatchError(() => engine.pause('r1', 'x', T0 + 4 * MIN), 'PATCH_BAD_TRANSITION');
    expectPatchError(() => engine.resume('r1', T0 + 4 * MIN), 'PATCH_BAD_TRANSITION');
    // The devices are free for another rollout.
    expect(engine.create({ id: 'r2', firmware: { model: MODEL, version: '2.0.0' } }, T0 + 5 * MIN).targets).toBe(4);
  });

  it('pauses with a reason when a wave misses the success gate', () => {
    const { engine, commands, update, events } = setup(fleet(4));
    engine.create({ id: 'r1', firmware: { model: MODEL, version: '2.0.0' }, waves: [{ count: 4 }], success_gate: { min_success_ratio: 0.9 }, error_gate: { max_failure_ratio: 1 } }, T0);
    const targets = commands('download').map((c) => c.device_id);
    expect(targets).toHaveLength(4);
    targets.forEach((d, i) => update(d, T0 + (i + 1) * MIN, i === 0 ? 'fail' : 'ok'));
    engine.tick(T0 + 10 * MIN);
    const s = engine.status('r1')!;
    expect(s.state).toBe('paused');
    expect(s.reason).toContain('3/4 succeeded');
    expect(s.reason).toContain('below the success gate of 90 %');
    expect(events('success_gate_failed')).toEqual([expect.objectContaining({ wave: 0, succeeded: 3, executed: 4, action: 'pause' })]);
  });

  it('a resume after a failed success gate accepts the finished wave and starts the next; the failed device is not retried', () => {
    const { engine, commands, update, events } = setup(fleet(8));
    engine.create({ id: 'r1', firmware: { model: MODEL, version: '2.0.0' }, waves: [{ count: 4 }, { count: 4 }], success_gate: { min_success_ratio: 0.9 }, error_gate: { max_failure_ratio: 1 } }, T0);
    const first = commands('download').map((c) => c.device_id);
    expect(first).toHaveLength(4);
    first.forEach((d, i) => update(d, T0 + (i + 1) * MIN, i === 0 ? 'fail' : 'ok'));
    engine.tick(T0 + 10 * MIN);
    expect(engine.status('r1')!.state).toBe('paused');
    expect(events('wave_started').map((e) => e.wave)).toEqual([0]);
    const s = engine.resume('r1', T0 + 20 * MIN);
    expect(s.state).toBe('running');
    expect(events('wave_started').map((e) => e.wave)).toEqual([0, 1]);
    const second = commands('download').map((c) => c.device_id).slice(4);
    expect(second).toHaveLength(4);
    // Wave 1 is the four devices wave 0 did not hold; the one that failed gets no second download.
    expect(second.filter((d) => first.includes(d))).toEqual([]);
    expect(commands('download').filter((c) => c.device_id === first[0])).toHaveLength(1);
  });

  it('rolls back every committed device when an error gate with action rollback is crossed', () => {
    const { engine, commands, update, autopilot, events } = setup(fleet(6, { fw: '1.1.0' }));
    engine.create(
      { id: 'r1', firmware: { model: MODEL, version: '2.0.0' }, canary: { count: 2 }, concurrency: { max_in_flight: 2 }, error_gate: { max_failure_ratio: 0.2, min_executed: 2, action: 'rollback' } },
      T0,
    );
    const canary = commands('download', 'r1').map((c) => c.device_id);
    expect(canary).toHaveLength(2);
    canary.forEach((d, i) => update(d, T0 + (i + 1) * MIN));
    engine.tick(T0 + 5 * MIN);
    expect(events('wave_passed')).toHaveLength(1);
    engine.tick(T0 + 6 * MIN);
    const wave1 = commands('download', 'r1').map((c) => c.device_id).slice(2);
    expect(wave1).toHaveLength(2);
    update(wave1[0]!, T0 + 7 * MIN); // a third device commits…
    update(wave1[1]!, T0 + 9 * MIN, 'fail'); // …then one of 2 executed in the wave fails: 50 % > 20 %
    expect(events('error_gate')).toEqual([expect.objectContaining({ wave: 1, failed: 1, executed: 2, action: 'rollback' })]);
    expect(engine.status('r1')!.state).toBe('rolling_back');
    const forward = commands('download', 'r1').length;
    expect(engine.status('r1')!.counts).toMatchObject({ succeeded: 3, failed: 1, cancelled: 2, pending: 0 });

    for (let t = T0 + 11 * MIN; t < T0 + HOUR && engine.status('r1')!.state === 'rolling_back'; t += MIN) autopilot('r1~rollback', t);
    const rollbacks = commands('download', 'r1~rollback');
    expect(rollbacks.map((c) => c.device_id).sort()).toEqual([...canary, wave1[0]!].sort());
    expect(rollbacks.every((c) => c.payload.fw === '1.1.0')).toBe(true);
    expect(commands('install', 'r1~rollback')).toHaveLength(3);
    // No forward download after the gate.
    expect(commands('download', 'r1')).toHaveLength(forward);
    const s = engine.status('r1')!;
    expect(s.state).toBe('rolled_back');
    expect(s.rolled_back_devices).toBe(3);
    expect(s.reason).toContain('3/3 devices back on their previous firmware');
    expect(engine.deviceJob(canary[0]!)).toBeUndefined();
  });

  it('also rolls back an install that commits after the rollback started', () => {
    const { engine, commands, update, report } = setup(fleet(3));
    engine.create({ id: 'r1', firmware: { model: MODEL, version: '2.0.0' }, error_gate: { max_failure_ratio: 0, min_executed: 1, action: 'rollback' } }, T0);
    const [a, b, c] = commands('download').map((x) => x.device_id) as [string, string, string];
    update(a, T0 + MIN); // committed
    report(b, 'waiting_window', 'ok', T0 + 2 * MIN);
    engine.tick(T0 + 2 * MIN); // b installing
    update(c, T0 + 3 * MIN, 'fail'); // gate crossed while b installs
    engine.tick(T0 + 5 * MIN);
    expect(commands('download', 'r1~rollback').map((x) => x.device_id)).toEqual([a]);
    report(a, 'waiting_window', 'ok', T0 + 6 * MIN);
    engine.tick(T0 + 6 * MIN);
    report(a, 'committed', 'ok', T0 + 7 * MIN);
    engine.tick(T0 + 7 * MIN);
    // b's install is still running: the rollback is not over yet.
    expect(engine.status('r1')!.state).toBe('rolling_back');
    report(b, 'committed', 'ok', T0 + 8 * MIN);
    engine.tick(T0 + 9 * MIN);
    expect(commands('download', 'r1~rollback').map((x) => x.device_id)).toEqual([a, b]);
    report(b, 'waiting_window', 'ok', T0 + 10 * MIN);
    engine.tick(T0 + 10 * MIN);
    report(b, 'committed', 'ok', T0 + 11 * MIN);
    engine.tick(T0 + 12 * MIN);
    expect(engine.status('r1')!.state).toBe('rolled_back');
    expect(engine.status('r1')!.rolled_back_devices).toBe(2);
  });

  it('does not retry a forward install that fails while rolling back', () => {
    const { engine, commands, update, report } = setup(fleet(3));
    engine.create({ id: 'r1', firmware: { model: MODEL, version: '2.0.0' }, error_gate: { max_failure_ratio: 0, min_executed: 1, action: 'rollback' }, retries: { per_class: { boot_failure: 2 } } }, T0);
    const [a, b, c] = commands('download').map((x) => x.device_id) as [string, string, string];
    update(a, T0 + MIN);
    report(b, 'waiting_window', 'ok', T0 + 2 * MIN);
    engine.tick(T0 + 2 * MIN);
    update(c, T0 + 3 * MIN, 'fail');
    report(b, 'rolled_back', 'boot_failure', T0 + 4 * MIN); // would be retried in a running rollout
    engine.tick(T0 + 5 * MIN);
    report(a, 'waiting_window', 'ok', T0 + 6 * MIN);
    engine.tick(T0 + 6 * MIN);
    report(a, 'committed', 'ok', T0 + 7 * MIN);
    engine.tick(T0 + 60 * MIN);
    expect(engine.status('r1')!.state).toBe('rolled_back');
    expect(engine.jobs('r1').find((j) => j.device_id === b)).toMatchObject({ state: 'failed', failure: 'boot_failure' });
    expect(commands('download', 'r1').filter((x) => x.device_id === b)).toHaveLength(1);
  });

  it('cancels the pending devices when an error gate with action abort is crossed', () => {
    const { engine, commands, update, events } = setup(fleet(5));
    engine.create({ id: 'r1', firmware: { model: MODEL, version: '2.0.0' }, canary: { count: 1 }, error_gate: { max_failure_ratio: 0.1, min_executed: 1, action: 'abort' } }, T0);
    const first = commands('download')[0]!.device_id;
    update(first, T0 + MIN, 'fail');
    const s = engine.status('r1')!;
    expect(s.state).toBe('aborted');
    expect(events('error_gate')).toEqual([expect.objectContaining({ action: 'abort', failed: 1 })]);
    expect(s.counts).toMatchObject({ failed: 1, cancelled: 4, pending: 0 });
    engine.tick(T0 + HOUR);
    expect(commands('download')).toHaveLength(1);
  });

  it('times out an install still running when the rollout was aborted, freeing the device', () => {
    const { engine, commands, update, report, liveness } = setup(fleet(2));
    engine.create({ id: 'r1', firmware: { model: MODEL, version: '2.0.0' }, timeouts: { install: '20m' }, error_gate: { max_failure_ratio: 0, min_executed: 1, action: 'abort' } }, T0);
    const [a, b] = commands('download').map((x) => x.device_id) as [string, string];
    report(a, 'waiting_window', 'ok', T0 + MIN);
    engine.tick(T0 + MIN); // a installing… and never heard from again
    liveness.set(a, 'OFFLINE');
    update(b, T0 + 2 * MIN, 'fail');
    expect(engine.status('r1')!.state).toBe('aborted');
    expect(engine.status('r1')!.in_flight).toBe(1);
    engine.tick(T0 + 22 * MIN);
    expect(engine.status('r1')!.in_flight).toBe(0);
    expect(engine.jobs('r1').find((j) => j.device_id === a)).toMatchObject({ state: 'failed', failure: 'offline' });
    expect(engine.deviceJob(a)).toBeUndefined();
  });

  it('pauses a soaking rollout when the updated devices reboot far more than the rest', () => {
    const targets = fleet(5, { site: 's1' }, 't');
    const rest = fleet(5, { site: 's2' }, 'o');
    const { engine, commands, update, birth, events } = setup([...targets, ...rest]);
    for (const d of [...targets, ...rest]) birth(d.id, 1, T0 - HOUR);
    engine.create(
      { id: 'r1', firmware: { model: MODEL, version: '2.0.0' }, targets: { sites: ['s1'] }, success_gate: { then: 'soak', soak: '24h' }, health_gates: [{ metric: 'reboot_rate', action: 'pause' }] },
      T0,
    );
    const ids = commands('download').map((c) => c.device_id);
    expect(ids.sort()).toEqual(targets.map((d) => d.id));
    ids.forEach((d) => update(d, T0 + MIN));
    engine.tick(T0 + 2 * MIN);
    expect(engine.status('r1')!.state).toBe('soaking');
    // A re-birth in the same session is not a reboot; quiet devices pass.
    for (const d of targets) birth(d.id, 1, T0 + HOUR);
    engine.tick(T0 + 2 * HOUR);
    expect(engine.status('r1')!.state).toBe('soaking');
    // Every updated device reboots twice (new sessions); the rest stay up.
    for (const d of targets) {
      birth(d.id, 2, T0 + 2 * HOUR + MIN);
      birth(d.id, 3, T0 + 2 * HOUR + 2 * MIN);
    }
    engine.tick(T0 + 2 * HOUR + 5 * MIN);
    const s = engine.status('r1')!;
    expect(s.state).toBe('paused');
    expect(s.reason).toContain('health gate reboot_rate');
    expect(s.soak_until_ms).toBeNull();
    expect(events('health_gate')).toEqual([expect.objectContaining({ metric: 'reboot_rate', in_soak: true, action: 'pause', rest: 0 })]);
  });
});

describe('error gate boundary', () => {
  const LIMIT = 0.25;
  const MIN_EXECUTED = 4;

  /**
   * Plays `outcomes` one device at a time and checks, after each, that the gate has tripped
   * exactly when the ratio computed here — failed / max(executed, min_executed) — is above the
   * limit (not at it). Returns the step at which it tripped, or null.
   */
  function play(outcomes: Array<'ok' | 'fail'>): number | null {
    const { engine, commands, update, events } = setup(fleet(outcomes.length));
    engine.create(
      {
        id: 'r1',
        firmware: { model: MODEL, version: '2.0.0' },
        waves: [{ count: outcomes.length }],
        concurrency: { max_in_flight: outcomes.length },
        success_gate: { min_success_ratio: 0 },
        error_gate: { max_failure_ratio: LIMIT, min_executed: MIN_EXECUTED, action: 'pause' },
      },
      T0,
    );
    const targets = commands('download').map((c) => c.device_id);
    expect(targets).toHaveLength(outcomes.length);
    let failed = 0;
    for (const [i, outcome] of outcomes.entries()) {
      update(targets[i]!, T0 + (i + 1) * 2 * MIN, outcome);
      if (outcome === 'fail') failed++;
      const ratio = failed / Math.max(i + 1, MIN_EXECUTED);
      const tripped = events('error_gate').length;
      if (ratio > LIMIT) {
        expect(tripped, `after ${i + 1}: ${failed} failed, ratio ${ratio}`).toBe(1);
        expect(engine.status('r1')!.state).toBe('paused');
        return i + 1;
      }
      expect(tripped, `after ${i + 1}: ${failed} failed, ratio ${ratio} ≤ ${LIMIT}`).toBe(0);
    }
    return null;
  }

  it('error gate does not trip when the failure ratio equals the limit (1 of 4, then 2 of 8)', () => {
    // 1/max(1,4) = 0.25 after the first device, and 2/8 = 0.25 at the end: never above.
    expect(play(['fail', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'fail'])).toBeNull();
  });

  it('error gate trips on the first failure that takes the ratio above the limit (2 of 5)', () => {
    expect(play(['fail', 'ok', 'ok', 'ok', 'fail', 'ok', 'ok', 'ok'])).toBe(5);
    // Early failures count against min_executed, not against the few executed so far: 1 of 1 is 1/4.
    expect(play(['fail', 'fail', 'ok', 'ok'])).toBe(2);
  });
});
