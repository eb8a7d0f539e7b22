import { describe, expect, it } from 'vitest';
import type { OtaResult, OtaState } from '../../platform/contract/messages.ts';
import type { Alert, DeviceInfo, Incident, Liveness } from '../../platform/core/model.ts';
import { FirmwareCatalog } from '../../platform/patching/catalog.ts';
import { PatchingEngine, type OtaCommand } from '../../platform/patching/engine.ts';
import { PatchError, type FirmwareRelease } from '../../platform/patching/types.ts';

// Cases written against the rollout engine's mutation-testing survivors (docs/testing.md): each
// builds its own engine inside the test (a fixture built at describe level hides kills), and the
// expected numbers are worked out by hand from the plan, not taken from the engine.

const SEC = 1_000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
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
    released_ms: T0 - 10 * DAY,
    approved_ms: T0 - 5 * DAY,
    ...extra,
  };
}

function catalog(): FirmwareCatalog {
  return new FirmwareCatalog([
    release(MODEL, '1.0.0'),
    release(MODEL, '1.1.0'),
    release(MODEL, '1.5.0'),
    release(MODEL, '2.0.0', { compatible_from: ['1.0.0', '1.1.0'] }),
    release('LK-200', '3.0.0'),
  ]);
}

function dev(id: string, extra: Partial<DeviceInfo> = {}): DeviceInfo {
  return { id, kind: 'env', model: MODEL, fw: '1.0.0', serial: `SN-${id}`, site: 's1', building: 'b1', floor: 'f1', zone: null, gateway: null, power: 'mains', heartbeat_ms: 300_000, caps: [], ...extra };
}

function fleet(n: number, extra: Partial<DeviceInfo> = {}, prefix = 'd'): DeviceInfo[] {
  return Array.from({ length: n }, (_, i) => dev(`${prefix}${String(i).padStart(2, '0')}`, extra));
}

function incident(extra: Partial<Incident> = {}): Incident {
  return {
    id: 'inc-1',
    priority: 'P2',
    scope: { kind: 'building', id: 'b1' },
    site: 's1',
    building: 'b1',
    cause: 'test',
    status: 'open',
    opened_ms: T0 - HOUR,
    acked_ms: null,
    resolved_ms: null,
    response_due_ms: T0,
    resolution_due_ms: T0 + DAY,
    alert_ids: [],
    device_ids: [],
    ...extra,
  };
}

function alert(device_id: string, started_ms: number, extra: Partial<Alert> = {}): Alert {
  return {
    id: `battery_low:${device_id}`,
    device_id,
    type: 'battery_low',
    severity: 'warning',
    status: 'firing',
    started_ms,
    acked_ms: null,
    resolved_ms: null,
    count: 1,
    flapping: false,
    inhibited_by: null,
    summary: 'x',
    ...extra,
  } as Alert;
}

interface Options {
  incidents?: Incident[];
  tags?: Record<string, string[]>;
  timezone?: string;
  no_tags?: boolean;
}

/** An engine over an in-memory registry; records commands and the `p.rollout` audit log with times. */
function setup(devices: DeviceInfo[], opts: Options = {}) {
  const registry = new Map(devices.map((d) => [d.id, d]));
  const liveness = new Map<string, Liveness>();
  const incidents = opts.incidents ?? [];
  const sent: OtaCommand[] = [];
  const log: Array<Record<string, unknown> & { at: number }> = [];
  const seqs = new Map<string, number>();
  const deps = {
    journal: (at: number, kind: string, fields: Record<string, unknown>) => {
      if (kind === 'p.rollout') log.push({ ...fields, at });
    },
    catalog: catalog(),
    device: (id: string) => registry.get(id),
    devices: () => [...registry.values()],
    liveness: (id: string) => liveness.get(id) ?? 'ONLINE',
    open_incidents: () => incidents,
    timezone_of: () => opts.timezone ?? 'UTC',
    send: (c: OtaCommand) => sent.push(c),
    ...(opts.no_tags ? {} : { tags_of: (id: string) => opts.tags?.[id] ?? [] }),
  };
  const engine = new PatchingEngine(deps);
  /** A second engine over the same registry and outputs (for saveState/loadState). */
  const twin = () => new PatchingEngine(deps);
  const lastCommand = (device_id: string) => sent.filter((c) => c.device_id === device_id && c.payload.action !== 'cancel').at(-1);
  const report = (device_id: string, state: OtaState, result: OtaResult, at: number, job?: string, target = engine) => {
    const cmd = lastCommand(device_id);
    if (!cmd) throw new Error(`no command was sent to ${device_id}`);
    const seq = seqs.get(device_id) ?? 0;
    seqs.set(device_id, seq + 1);
    const d = registry.get(device_id)!;
    target.onMessage({ type: 'ota', device_id, site_id: d.site, received_ms: at, payload: { v: 1, id: device_id, seq, ts: at, job: job ?? cmd.payload.job, from: d.fw, to: cmd.payload.fw, state, result } }, at);
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
  const battery = (device_id: string, pct: number, at: number) => {
    engine.onMessage({ type: 'telemetry', device_id, site_id: registry.get(device_id)!.site, received_ms: at, payload: { v: 1, id: device_id, seq: 0, ts: at, battery_pct: pct } } as never, at);
  };
  /** Download then install then commit (or fail) one device, ticking after the download. */
  const update = (device_id: string, at: number, outcome: 'ok' | 'fail' = 'ok') => {
    report(device_id, 'waiting_window', 'ok', at);
    engine.tick(at);
    expect(lastCommand(device_id)?.payload.action).toBe('install');
    if (outcome === 'ok') report(device_id, 'committed', 'ok', at + MIN);
    else report(device_id, 'failed', 'install_failed', at + MIN);
  };
  const commands = (action: string, job?: string) => sent.filter((c) => c.payload.action === action && (job === undefined || c.payload.job === job));
  const downloads = (job?: string) => commands('download', job).map((c) => c.device_id);
  const events = (ev: string) => log.filter((l) => l.ev === ev);
  const job = (rollout: string, device_id: string) => engine.jobs(rollout).find((j) => j.device_id === device_id)!;
  return { engine, twin, registry, liveness, incidents, sent, log, report, birth, battery, update, commands, downloads, events, job };
}

const FW = { model: MODEL, version: '2.0.0' };

describe('create: targets, current and incompatible devices', () => {
  it('counts targets, devices already current and incompatible ones, and journals them', () => {
    const { engine, events, downloads, job } = setup([
      dev('a', { fw: '1.0.0' }),
      dev('b', { fw: '1.1.0' }),
      dev('c', { fw: '1.5.0' }), // 2.0.0 installs only over 1.0.0 and 1.1.0
      dev('e', { fw: '2.0.0' }),
      dev('f', { model: 'LK-200', fw: '3.0.0' }),
    ]);
    const s = engine.create({ id: 'r1', firmware: FW }, T0);
    expect(s.targets).toBe(2);
    expect(s.already_current).toBe(1);
    expect(s.firmware).toEqual(FW);
    expect(s.created_ms).toBe(T0);
    expect(events('created')).toEqual([
      { id: 'r1', ev: 'created', at: T0, fw: 'TH-100@2.0.0', targets: 2, already_current: 1, incompatible: 1, waves: [2], why: 'plan r1: 2 devices to update in 1 wave(s)' },
    ]);
    expect(downloads().sort()).toEqual(['a', 'b']);
    expect(job('r1', 'a').from_fw).toBe('1.0.0');
    expect(job('r1', 'b').from_fw).toBe('1.1.0');
    expect(engine.deviceJob('c')).toBeUndefined();
    expect(engine.deviceJob('e')).toBeUndefined();
    expect(engine.deviceJob('a')).toEqual({ rollout: 'r1', job: { device_id: 'a', wave: 0, state: 'downloading', attempt: 0, from_fw: '1.0.0', failure: null, device_state: null } });
  });

  it('completes a plan with nothing to update at once, sending nothing', () => {
    const { engine, sent, events } = setup(fleet(2, { fw: '2.0.0' }));
    const s = engine.create({ id: 'r1', firmware: FW }, T0);
    expect(s.state).toBe('completed');
    expect(s.reason).toBe('no device needs this update');
    expect(s.finished_ms).toBe(T0);
    expect(s.already_current).toBe(2);
    expect(s.waves).toEqual([]);
    expect(sent).toEqual([]);
    expect(events('completed')).toEqual([{ id: 'r1', ev: 'completed', at: T0, why: 'no device needs this update' }]);
    expect(events('wave_started')).toEqual([]);
  });

  it('leaves a device busy in an active rollout out of a second one', () => {
    const { engine, downloads } = setup(fleet(2));
    engine.create({ id: 'r1', firmware: FW, targets: { sites: ['s1'] }, concurrency: { max_in_flight: 1 } }, T0);
    const s2 = engine.create({ id: 'r2', firmware: FW }, T0 + MIN);
    expect(s2.targets).toBe(0);
    expect(s2.state).toBe('completed');
    expect(downloads()).toHaveLength(1);
    engine.cancel('r1', 'stop', T0 + 2 * MIN);
    expect(engine.create({ id: 'r3', firmware: FW }, T0 + 3 * MIN).targets).toBe(2);
  });

  it('names the first wave "canary" in its journal only when the plan has a canary', () => {
    const a = setup(fleet(3));
    a.engine.create({ id: 'r1', firmware: FW, canary: { count: 1 } }, T0);
    expect(a.events('wave_started')).toEqual([{ id: 'r1', ev: 'wave_started', at: T0, wave: 0, devices: 1, why: 'canary cohort (stable hash)' }]);
    const b = setup(fleet(3));
    b.engine.create({ id: 'r1', firmware: FW, waves: [{ count: 1 }] }, T0);
    expect(b.events('wave_started')).toEqual([{ id: 'r1', ev: 'wave_started', at: T0, wave: 0, devices: 1, why: 'wave 0' }]);
  });
});

describe('target filters', () => {
  const devices = () => [
    dev('a', { site: 's1', building: 'b1', fw: '1.0.0' }),
    dev('b', { site: 's1', building: 'b2', fw: '1.1.0' }),
    dev('c', { site: 's2', building: 'b3', fw: '1.0.0' }),
    dev('x', { model: 'LK-200', fw: '3.0.0', site: 's1', building: 'b1' }),
  ];
  const tags = { a: ['lobby', 'floor-1'], b: ['lobby'], c: ['floor-1'] };
  const targetsOf = (targets: Record<string, unknown>, opts: Options = { tags }) => {
    const { engine } = setup(devices(), opts);
    engine.create({ id: 'r1', firmware: FW, targets }, T0);
    return engine.jobs('r1').map((j) => j.device_id).sort();
  };

  it('selects by site, building and running firmware, never another model', () => {
    expect(targetsOf({})).toEqual(['a', 'b', 'c']);
    expect(targetsOf({ sites: ['s1'] })).toEqual(['a', 'b']);
    expect(targetsOf({ buildings: ['b2', 'b3'] })).toEqual(['b', 'c']);
    expect(targetsOf({ firmware: ['1.0.0'] })).toEqual(['a', 'c']);
    expect(targetsOf({ sites: ['s1'], firmware: ['1.0.0'] })).toEqual(['a']);
  });

  it('selects devices carrying every listed tag; an empty tag list selects all', () => {
    expect(targetsOf({ tags: ['lobby'] })).toEqual(['a', 'b']);
    expect(targetsOf({ tags: ['lobby', 'floor-1'] })).toEqual(['a']);
    expect(targetsOf({ tags: [] })).toEqual(['a', 'b', 'c']);
  });

  it('selects no device by tag when the deployment has no tags', () => {
    expect(targetsOf({ tags: ['lobby'] }, { no_tags: true })).toEqual([]);
    expect(targetsOf({}, { no_tags: true })).toEqual(['a', 'b', 'c']);
  });
});

describe('status and jobs', () => {
  it('reports waves by name with their own counts, failures by class and jobs in flight', () => {
    const { engine, downloads, update, report } = setup(fleet(4));
    engine.create({ id: 'r1', firmware: FW, canary: { count: 1 }, waves: [{ count: 2 }], success_gate: { min_success_ratio: 0 }, error_gate: { max_failure_ratio: 1 } }, T0);
    let s = engine.status('r1')!;
    expect(s.waves.map((w) => [w.index, w.name, w.devices, w.started_ms, w.finished_ms])).toEqual([
      [0, 'canary', 1, T0, null],
      [1, 'wave 1', 2, null, null],
      [2, 'wave 2', 1, null, null],
    ]);
    expect(s.in_flight).toBe(1);
    const [canary] = downloads() as [string];
    update(canary, T0 + MIN);
    engine.tick(T0 + 2 * MIN); // the canary passes; wave 1 starts
    engine.tick(T0 + 3 * MIN); // and downloads
    const [w1a, w1b] = downloads().slice(1) as [string, string];
    expect(engine.status('r1')!.in_flight).toBe(2);
    report(w1a, 'waiting_window', 'ok', T0 + 4 * MIN);
    expect(engine.status('r1')!.in_flight).toBe(1); // downloaded, waiting for its install
    engine.tick(T0 + 4 * MIN);
    expect(engine.status('r1')!.in_flight).toBe(2);
    report(w1a, 'committed', 'ok', T0 + 5 * MIN);
    update(w1b, T0 + 6 * MIN, 'fail');
    s = engine.status('r1')!;
    expect(s.waves[0]).toEqual({ index: 0, name: 'canary', devices: 1, succeeded: 1, failed: 0, started_ms: T0, finished_ms: T0 + 2 * MIN });
    expect(s.waves[1]).toEqual({ index: 1, name: 'wave 1', devices: 2, succeeded: 1, failed: 1, started_ms: T0 + 2 * MIN, finished_ms: null });
    expect(s.counts).toEqual({ pending: 1, retry_wait: 0, downloading: 0, downloaded: 0, installing: 0, succeeded: 2, failed: 1, cancelled: 0 });
    expect(s.failures).toEqual({ install_failed: 1 });
    expect(s.wave).toBe(1);
    expect(s.in_flight).toBe(0);
    expect(engine.jobs('r1').find((j) => j.device_id === w1b)).toEqual({ device_id: w1b, wave: 1, state: 'failed', attempt: 0, from_fw: '1.0.0', failure: 'install_failed', device_state: 'failed' });
  });

  it('lists every rollout in creation order and answers unknown ids', () => {
    const { engine } = setup([...fleet(1), dev('x', { model: 'LK-200', fw: '1.0.0' })]);
    engine.create({ id: 'r2', firmware: FW }, T0);
    engine.create({ id: 'r1', firmware: { model: 'LK-200', version: '3.0.0' } }, T0);
    expect(engine.list().map((s) => [s.id, s.targets])).toEqual([
      ['r2', 1],
      ['r1', 1],
    ]);
    expect(engine.status('nope')).toBeUndefined();
    expect(() => engine.jobs('nope')).toThrow(/no rollout "nope"/);
    expect(engine.deviceJob('nobody')).toBeUndefined();
    expect(engine.catalog.get(MODEL, '2.0.0')?.version).toBe('2.0.0');
  });
});

describe('device observations', () => {
  it('remembers the last battery level a device reported, and only reported ones', () => {
    const { engine, battery } = setup(fleet(2));
    battery('d00', 80, T0);
    battery('d00', 55, T0 + MIN);
    engine.onMessage({ type: 'telemetry', device_id: 'd01', site_id: 's1', received_ms: T0, payload: { v: 1, id: 'd01', seq: 0, ts: T0 } } as never, T0);
    expect(engine.saveState().battery).toEqual([['d00', 55]]);
  });

  it('counts a birth as a reboot only when its session is newer than the last one seen', () => {
    const { engine, birth } = setup(fleet(1));
    birth('d00', 3, T0); // the first birth seen: a baseline, not a reboot
    birth('d00', 3, T0 + MIN); // the same session again
    birth('d00', 2, T0 + 2 * MIN); // an older session (reordered)
    expect(engine.saveState().history).toEqual([['d00', { last_session: 3, births_ms: [], alerts_ms: [] }]]);
    birth('d00', 4, T0 + 3 * MIN);
    birth('d00', 6, T0 + 4 * MIN);
    birth('d00', 5, T0 + 5 * MIN);
    expect(engine.saveState().history).toEqual([['d00', { last_session: 6, births_ms: [T0 + 3 * MIN, T0 + 4 * MIN], alerts_ms: [] }]]);
  });

  it('records an alert once, when it first fires, and never a device_offline alert', () => {
    const { engine } = setup(fleet(1));
    engine.onAlert(alert('d00', T0));
    engine.onAlert(alert('d00', T0, { count: 2 }));
    engine.onAlert(alert('d00', T0 + MIN, { status: 'resolved' } as Partial<Alert>));
    engine.onAlert(alert('d00', T0 + 2 * MIN, { type: 'device_offline' } as Partial<Alert>));
    engine.onAlert(alert('d00', T0 + 3 * MIN, { type: 'leak' } as Partial<Alert>));
    expect(engine.saveState().history).toEqual([['d00', { last_session: null, births_ms: [], alerts_ms: [T0, T0 + 3 * MIN] }]]);
  });
});

describe('tick throttling', () => {
  it('re-evaluates timers only after 10 s without news, exactly at 10 s', () => {
    const { engine, job } = setup(fleet(1));
    engine.create({ id: 'r1', firmware: FW, timeouts: { download: '1m' } }, T0);
    engine.tick(T0 + 50 * SEC); // evaluates: the download is not due yet
    engine.tick(T0 + 59 * SEC); // 9 s later: skipped
    engine.tick(T0 + 60 * SEC - 1); // still within 10 s of the last evaluation
    expect(job('r1', 'd00').state).toBe('downloading');
    engine.tick(T0 + 60 * SEC); // exactly 10 s: evaluates, and the download is due now
    expect(job('r1', 'd00')).toMatchObject({ state: 'failed', failure: 'timeout' });
  });

  it('skips a tick within 10 s of the last evaluation, then evaluates after it', () => {
    const { engine, job } = setup(fleet(1));
    engine.create({ id: 'r1', firmware: FW, timeouts: { download: '1m' } }, T0);
    engine.tick(T0 + 55 * SEC);
    engine.tick(T0 + 64 * SEC); // the download is overdue, but 9 s have passed and nothing changed
    expect(job('r1', 'd00').state).toBe('downloading');
    engine.tick(T0 + 65 * SEC);
    expect(job('r1', 'd00').state).toBe('failed');
  });

  it('evaluates at once after an OTA status, however soon', () => {
    const { engine, report, commands } = setup(fleet(1));
    engine.create({ id: 'r1', firmware: FW }, T0);
    engine.tick(T0 + 30 * SEC);
    report('d00', 'waiting_window', 'ok', T0 + 31 * SEC);
    engine.tick(T0 + 31 * SEC); // 1 s after the last evaluation, but the status made it dirty
    expect(commands('install').map((c) => c.device_id)).toEqual(['d00']);
  });
});

describe('timeouts', () => {
  it('fails a download that is not done by its deadline as timeout, or offline when the device is not online', () => {
    const { engine, liveness, report, events, job } = setup(fleet(3));
    engine.create({ id: 'r1', firmware: FW, timeouts: { download: '10m' }, error_gate: { max_failure_ratio: 1 } }, T0);
    report('d00', 'downloading', 'in_progress', T0 + MIN);
    engine.tick(T0 + MIN);
    liveness.set('d02', 'OFFLINE');
    engine.tick(T0 + 10 * MIN - 10 * SEC); // (ticks 10 s apart: the engine skips closer ones)
    expect(engine.status('r1')!.counts.downloading).toBe(3);
    engine.tick(T0 + 10 * MIN); // due exactly now
    expect(job('r1', 'd00')).toMatchObject({ state: 'failed', failure: 'timeout' });
    expect(job('r1', 'd01')).toMatchObject({ state: 'failed', failure: 'timeout' });
    expect(job('r1', 'd02')).toMatchObject({ state: 'failed', failure: 'offline' });
    expect(events('failed').map((e) => [e.d, e.res, e.why]).sort()).toEqual([
      ['d00', 'timeout', 'download did not finish in time (last reported: downloading)'],
      ['d01', 'timeout', 'download did not finish in time (last reported: nothing)'],
      ['d02', 'offline', 'download did not finish in time and the device is OFFLINE (last reported: nothing)'],
    ]);
  });

  it('fails an install that is not committed by its deadline, counted from the install command', () => {
    const { engine, report, events, job } = setup(fleet(1));
    engine.create({ id: 'r1', firmware: FW, timeouts: { download: '10m', install: '20m' }, error_gate: { max_failure_ratio: 1 } }, T0);
    report('d00', 'waiting_window', 'ok', T0 + 5 * MIN);
    engine.tick(T0 + 5 * MIN);
    expect(job('r1', 'd00').state).toBe('installing');
    engine.tick(T0 + 25 * MIN - 10 * SEC);
    expect(job('r1', 'd00').state).toBe('installing');
    engine.tick(T0 + 25 * MIN);
    expect(job('r1', 'd00')).toMatchObject({ state: 'failed', failure: 'timeout' });
    expect(events('failed')[0]!.why).toBe('install did not finish in time (last reported: waiting_window)');
  });

  it('fails a device whose pre-checks never pass, counting from its first deferral', () => {
    const { engine, liveness, events, job } = setup(fleet(1), {});
    liveness.set('d00', 'OFFLINE');
    engine.create({ id: 'r1', firmware: FW, prechecks: { timeout: '5m' }, error_gate: { max_failure_ratio: 1 } }, T0);
    expect(events('deferred')).toEqual([{ id: 'r1', ev: 'deferred', at: T0, d: 'd00', why: 'device is OFFLINE' }]);
    liveness.set('d00', 'SUSPECT');
    engine.tick(T0 + 2 * MIN); // a new reason: journalled, but the deadline stays
    expect(events('deferred').map((e) => e.why)).toEqual(['device is OFFLINE', 'device is SUSPECT']);
    engine.tick(T0 + 5 * MIN - 10 * SEC);
    expect(job('r1', 'd00').state).toBe('pending');
    engine.tick(T0 + 5 * MIN);
    expect(job('r1', 'd00')).toMatchObject({ state: 'failed', failure: 'precheck_timeout' });
    expect(events('failed')[0]!.why).toBe('pre-checks did not pass in time (device is SUSPECT)');
  });

  it('lets a device wait for its pre-checks forever without a timeout, journalling the reason once', () => {
    const { engine, liveness, events, job, downloads } = setup(fleet(1));
    liveness.set('d00', 'OFFLINE');
    engine.create({ id: 'r1', firmware: FW }, T0);
    for (let t = T0 + MIN; t <= T0 + 3 * DAY; t += HOUR) engine.tick(t);
    expect(job('r1', 'd00').state).toBe('pending');
    expect(events('deferred')).toHaveLength(1);
    liveness.set('d00', 'ONLINE');
    engine.tick(T0 + 4 * DAY);
    expect(downloads()).toEqual(['d00']);
  });
});

describe('retries', () => {
  it('retries a retryable failure after a jittered delay within [base/2, base], then downloads again', () => {
    const run = (tick_at: (due: number) => number) => {
      const { engine, report, events, job, commands } = setup(fleet(1));
      engine.create({ id: 'r1', firmware: FW, retries: { base: '1m', cap: '1m' } }, T0);
      report('d00', 'failed', 'connection_lost', T0 + MIN);
      engine.tick(T0 + MIN);
      const [retry] = events('retry');
      const in_ms = retry!.in_ms as number;
      expect(in_ms).toBeGreaterThanOrEqual(30 * SEC);
      expect(in_ms).toBeLessThanOrEqual(60 * SEC);
      expect(retry).toEqual({ id: 'r1', ev: 'retry', at: T0 + MIN, d: 'd00', cls: 'connection_lost', attempt: 1, in_ms, why: 'device reported failed (connection_lost); retry 1/3' });
      expect(job('r1', 'd00')).toMatchObject({ state: 'retry_wait', attempt: 1, failure: 'connection_lost' });
      engine.tick(tick_at(T0 + MIN + in_ms));
      return { state: job('r1', 'd00').state, downloads: commands('download').length, events };
    };
    expect(run((due) => due - 1)).toMatchObject({ state: 'retry_wait', downloads: 1 });
    const at_due = run((due) => due);
    expect(at_due).toMatchObject({ state: 'downloading', downloads: 2 });
    expect(at_due.events('download').map((e) => e.attempt)).toEqual([0, 1]);
  });

  it('fails for good once the class has used its retries', () => {
    const { engine, report, job, commands, events } = setup(fleet(1));
    engine.create({ id: 'r1', firmware: FW, retries: { per_class: { download_failed: 1 }, base: '1m', cap: '1m' }, error_gate: { max_failure_ratio: 1 } }, T0);
    report('d00', 'failed', 'download_failed', T0 + MIN);
    engine.tick(T0 + 3 * MIN);
    expect(commands('download')).toHaveLength(2);
    report('d00', 'failed', 'download_failed', T0 + 4 * MIN);
    engine.tick(T0 + 10 * MIN);
    expect(job('r1', 'd00')).toMatchObject({ state: 'failed', attempt: 1, failure: 'download_failed' });
    expect(commands('download')).toHaveLength(2);
    expect(events('failed')).toEqual([{ id: 'r1', ev: 'failed', at: T0 + 4 * MIN, d: 'd00', res: 'download_failed', why: 'device reported failed (download_failed)' }]);
  });

  it('does not retry a class without retries (low battery by default)', () => {
    const { engine, report, job } = setup(fleet(1));
    engine.create({ id: 'r1', firmware: FW, error_gate: { max_failure_ratio: 1 } }, T0);
    report('d00', 'rejected', 'low_battery', T0 + MIN);
    expect(job('r1', 'd00')).toMatchObject({ state: 'failed', attempt: 0, failure: 'low_battery' });
  });
});

describe('OTA status from devices', () => {
  it('maps a rollback or a failure reported as ok to boot_failure or install_failed', () => {
    const { engine, report, job, events } = setup(fleet(4));
    engine.create({ id: 'r1', firmware: FW, error_gate: { max_failure_ratio: 1 } }, T0);
    report('d00', 'rolled_back', 'ok', T0 + MIN);
    report('d01', 'rolled_back', 'health_check_failed', T0 + MIN);
    report('d02', 'bricked', 'in_progress', T0 + MIN);
    report('d03', 'failed', 'integrity_failure', T0 + MIN);
    expect(['d00', 'd01', 'd02', 'd03'].map((d) => job('r1', d).failure)).toEqual(['boot_failure', 'health_check_failed', 'install_failed', 'integrity_failure']);
    expect(events('failed').map((e) => e.why)).toEqual([
      'device rolled back to 1.0.0 (ok)',
      'device rolled back to 1.0.0 (health_check_failed)',
      'device reported bricked (in_progress)',
      'device reported failed (integrity_failure)',
    ]);
    const s = engine.status('r1')!;
    expect(s.failures).toEqual({ boot_failure: 1, health_check_failed: 1, install_failed: 1, integrity_failure: 1 });
  });

  it('ignores a status for another job, for a device in no rollout and for a finished job', () => {
    const { engine, report, job, registry, events } = setup([...fleet(2), dev('x', { fw: '2.0.0' })]);
    engine.create({ id: 'r1', firmware: FW, error_gate: { max_failure_ratio: 1 } }, T0);
    report('d00', 'failed', 'install_failed', T0 + MIN, 'other-job');
    expect(job('r1', 'd00')).toMatchObject({ state: 'downloading', device_state: null });
    registry.set('x', registry.get('x')!);
    engine.onMessage({ type: 'ota', device_id: 'x', site_id: 's1', received_ms: T0, payload: { v: 1, id: 'x', seq: 0, ts: T0, job: 'r1', from: '1.0.0', to: '2.0.0', state: 'failed', result: 'install_failed' } }, T0 + MIN);
    report('d01', 'waiting_window', 'ok', T0 + MIN);
    engine.tick(T0 + MIN);
    report('d01', 'committed', 'ok', T0 + 2 * MIN);
    report('d01', 'failed', 'install_failed', T0 + 3 * MIN); // late: the job already ended
    expect(job('r1', 'd01')).toMatchObject({ state: 'succeeded', failure: null, device_state: 'committed' });
    expect(events('failed')).toEqual([]);
  });

  it('records progress states without changing the job, and takes a download as done only while downloading', () => {
    const { engine, report, job, events } = setup(fleet(1));
    engine.create({ id: 'r1', firmware: FW }, T0);
    report('d00', 'verifying', 'in_progress', T0 + MIN);
    expect(job('r1', 'd00')).toMatchObject({ state: 'downloading', device_state: 'verifying' });
    report('d00', 'waiting_window', 'ok', T0 + 2 * MIN);
    expect(job('r1', 'd00').state).toBe('downloaded');
    expect(events('downloaded')).toEqual([{ id: 'r1', ev: 'downloaded', at: T0 + 2 * MIN, d: 'd00', why: 'image downloaded and verified; waiting for the install window' }]);
    engine.tick(T0 + 2 * MIN);
    expect(job('r1', 'd00').state).toBe('installing');
    report('d00', 'waiting_window', 'ok', T0 + 3 * MIN); // a repeated report while installing
    expect(job('r1', 'd00')).toMatchObject({ state: 'installing', device_state: 'waiting_window' });
    expect(events('downloaded')).toHaveLength(1);
  });

  it('cancels a job the device dropped on its own', () => {
    const { engine, report, job, events } = setup(fleet(1));
    engine.create({ id: 'r1', firmware: FW }, T0);
    report('d00', 'cancelled', 'cancelled', T0 + MIN);
    expect(job('r1', 'd00').state).toBe('cancelled');
    expect(events('cancelled')).toEqual([{ id: 'r1', ev: 'cancelled', at: T0 + MIN, d: 'd00', res: 'cancelled', why: 'device dropped the job' }]);
    expect(engine.deviceJob('d00')).toBeUndefined();
  });

  it('journals a commit with the version the device now runs', () => {
    const { engine, update, events } = setup(fleet(1));
    engine.create({ id: 'r1', firmware: FW }, T0);
    update('d00', T0 + MIN);
    expect(events('succeeded')).toEqual([{ id: 'r1', ev: 'succeeded', at: T0 + 2 * MIN, d: 'd00', res: 'ok', why: 'running 2.0.0' }]);
    engine.tick(T0 + 3 * MIN);
    expect(engine.status('r1')).toMatchObject({ state: 'completed', reason: 'every wave passed its gates', finished_ms: T0 + 3 * MIN });
  });
});

describe('windows', () => {
  const downloadsAtT0 = (start: string, timezone: string) => {
    const { engine, downloads } = setup(fleet(1), { timezone });
    engine.create({ id: 'r1', firmware: FW, windows: { download: { days: ['tue'], start, duration: '1h' } } }, T0);
    return downloads().length;
  };

  it('opens the download window in the site time zone, from its first minute to just before its end', () => {
    expect(downloadsAtT0('12:00', 'UTC')).toBe(1); // opens exactly now
    expect(downloadsAtT0('11:01', 'UTC')).toBe(1); // closes in a minute
    expect(downloadsAtT0('11:00', 'UTC')).toBe(0); // closed exactly now
    expect(downloadsAtT0('12:01', 'UTC')).toBe(0);
    expect(downloadsAtT0('07:00', 'America/New_York')).toBe(1); // 12:00 UTC is 07:00 in New York (EST)
    expect(downloadsAtT0('07:00', 'UTC')).toBe(0);
  });

  it('starts an install only if the window is still open 15 minutes later', () => {
    const { engine, report, job, events } = setup(fleet(2));
    engine.create({ id: 'r1', firmware: FW, windows: { install: { days: ['tue'], start: '12:00', duration: '1h' } } }, T0);
    const [a, b] = engine.jobs('r1').map((j) => j.device_id) as [string, string];
    report(a, 'waiting_window', 'ok', T0 + 44 * MIN);
    engine.tick(T0 + 44 * MIN); // 12:59 is inside
    report(b, 'waiting_window', 'ok', T0 + 45 * MIN);
    engine.tick(T0 + 45 * MIN); // 13:00 is not
    expect(job('r1', a).state).toBe('installing');
    expect(job('r1', b).state).toBe('downloaded');
    report(a, 'committed', 'ok', T0 + 50 * MIN);
    expect(events('install')).toEqual([{ id: 'r1', ev: 'install', at: T0 + 44 * MIN, d: a, why: 'install window open' }]);
    engine.tick(T0 + 7 * DAY); // next Tuesday 12:00
    expect(job('r1', b).state).toBe('installing');
  });

  it('keeps the download and the install window apart when both are checked in one pass', () => {
    const { engine, report, liveness, job } = setup(fleet(2));
    liveness.set('d01', 'OFFLINE');
    engine.create({ id: 'r1', firmware: FW, windows: { download: { days: 'daily', start: '00:00', duration: '24h' }, install: { days: ['sat'], start: '01:00', duration: '2h' } } }, T0);
    expect(job('r1', 'd01').state).toBe('pending');
    liveness.set('d01', 'ONLINE');
    report('d00', 'waiting_window', 'ok', T0 + MIN);
    engine.tick(T0 + MIN);
    expect(job('r1', 'd00').state).toBe('downloaded'); // install window closed
    expect(job('r1', 'd01').state).toBe('downloading'); // download window open
  });

  it('installs without a window as "install (no window)"', () => {
    const { engine, report, events } = setup(fleet(1));
    engine.create({ id: 'r1', firmware: FW }, T0);
    report('d00', 'waiting_window', 'ok', T0 + MIN);
    engine.tick(T0 + MIN);
    expect(events('install')).toEqual([{ id: 'r1', ev: 'install', at: T0 + MIN, d: 'd00', why: 'install (no window)' }]);
  });
});

describe('concurrency and pacing', () => {
  it('limits jobs in flight per site and per gateway (a device without one is its own)', () => {
    const { engine, downloads } = setup([
      dev('a', { gateway: 'g1' }),
      dev('b', { gateway: 'g1' }),
      dev('c', { gateway: 'g1' }),
      dev('d', { gateway: 'g2' }),
      dev('e', { site: 's2' }),
      dev('f', { site: 's2' }),
    ]);
    engine.create({ id: 'r1', firmware: FW, concurrency: { per_site: 2, per_gateway: 1 } }, T0);
    const started = downloads();
    expect(started).toHaveLength(4);
    expect(started.filter((d) => ['a', 'b', 'c'].includes(d))).toHaveLength(1);
    expect(started).toEqual(expect.arrayContaining(['d', 'e', 'f']));
  });

  it('counts another rollout\'s jobs in flight against max_in_flight', () => {
    const { engine, downloads } = setup([...fleet(2), dev('x1', { model: 'LK-200', fw: '1.0.0' }), dev('x2', { model: 'LK-200', fw: '1.0.0' })]);
    engine.create({ id: 'r1', firmware: FW, concurrency: { max_in_flight: 1 } }, T0);
    engine.create({ id: 'r2', firmware: { model: 'LK-200', version: '3.0.0' }, concurrency: { max_in_flight: 2 } }, T0);
    expect(downloads()).toHaveLength(2);
    expect(downloads().filter((d) => d.startsWith('x'))).toHaveLength(1);
  });

  it('starts at most max_per_minute downloads in any minute, a start leaving the window after exactly 60 s', () => {
    const { engine, downloads } = setup(fleet(5));
    engine.create({ id: 'r1', firmware: FW, pacing: { max_per_minute: 2 } }, T0);
    expect(downloads()).toHaveLength(2);
    engine.tick(T0 + 50 * SEC);
    expect(downloads()).toHaveLength(2);
    engine.tick(T0 + 60 * SEC);
    expect(downloads()).toHaveLength(4);
    engine.tick(T0 + 2 * MIN);
    expect(downloads()).toHaveLength(5);
  });

  it('ramps the start rate by factor every every_succeeded successes, never above max_per_minute', () => {
    const { engine, downloads, report } = setup(fleet(12));
    engine.create({ id: 'r1', firmware: FW, pacing: { ramp: { base_per_minute: 1, factor: 3, every_succeeded: 2 } }, error_gate: { max_failure_ratio: 1 } }, T0);
    expect(downloads()).toHaveLength(1); // 1 × 3^0 a minute
    const commit = (d: string, at: number) => {
      report(d, 'waiting_window', 'ok', at);
      engine.tick(at);
      report(d, 'committed', 'ok', at + 10 * SEC);
      engine.tick(at + 10 * SEC);
    };
    commit(downloads()[0]!, T0 + 10 * SEC); // 1 success: still 1 × 3^0, and this minute's start is used
    expect(downloads()).toHaveLength(1);
    engine.tick(T0 + 60 * SEC);
    expect(downloads()).toHaveLength(2);
    commit(downloads()[1]!, T0 + 70 * SEC); // 2 successes: 1 × 3^1 = 3 a minute, one used
    expect(downloads()).toHaveLength(4);
    engine.tick(T0 + 100 * SEC);
    expect(downloads()).toHaveLength(4);

    const capped = setup(fleet(6));
    capped.engine.create({ id: 'r1', firmware: FW, pacing: { max_per_minute: 2, ramp: { base_per_minute: 5, factor: 2, every_succeeded: 1 } } }, T0);
    expect(capped.downloads()).toHaveLength(2);
    const ramped = setup(fleet(6));
    ramped.engine.create({ id: 'r1', firmware: FW, pacing: { max_per_minute: 9, ramp: { base_per_minute: 3, factor: 2, every_succeeded: 1 } } }, T0);
    expect(ramped.downloads()).toHaveLength(3);
  });
});

describe('pre-checks', () => {
  it('waits for a battery device to report a level at or above the image minimum', () => {
    const { engine, battery, events, downloads } = setup([dev('a', { power: 'battery' }), dev('m')]);
    engine.create({ id: 'r1', firmware: FW }, T0);
    expect(downloads()).toEqual(['m']); // mains powered: no battery check
    expect(events('deferred').map((e) => e.why)).toEqual(['battery level not reported yet']);
    battery('a', 29, T0 + MIN);
    engine.tick(T0 + MIN);
    expect(events('deferred').map((e) => e.why)).toEqual(['battery level not reported yet', "battery 29 % below the image's minimum 30 %"]);
    battery('a', 30, T0 + 2 * MIN);
    engine.tick(T0 + 2 * MIN);
    expect(downloads()).toEqual(['m', 'a']);
  });

  it('skips the checks the plan turns off', () => {
    const { engine, liveness, downloads } = setup([dev('a', { power: 'battery' }), dev('b')], { incidents: [incident({ device_ids: ['a', 'b'] })] });
    liveness.set('b', 'OFFLINE');
    engine.create({ id: 'r1', firmware: FW, prechecks: { online: false, battery: false, no_major_incident: false } }, T0);
    expect(downloads().sort()).toEqual(['a', 'b']);
  });

  it('checks online first, then battery, then incidents', () => {
    const { engine, liveness, events } = setup([dev('a', { power: 'battery' })], { incidents: [incident({ device_ids: ['a'] })] });
    liveness.set('a', 'SUSPECT');
    engine.create({ id: 'r1', firmware: FW }, T0);
    liveness.set('a', 'ONLINE');
    engine.tick(T0 + MIN);
    engine.onMessage({ type: 'telemetry', device_id: 'a', site_id: 's1', received_ms: T0, payload: { v: 1, id: 'a', seq: 0, ts: T0, battery_pct: 90 } } as never, T0 + 2 * MIN);
    engine.tick(T0 + 2 * MIN);
    expect(events('deferred').map((e) => e.why)).toEqual(['device is SUSPECT', 'battery level not reported yet', 'an open P1/P2 incident covers the device']);
  });

  const blockedBy = (incidents: Incident[], devices = [dev('a'), dev('b', { building: 'b2' }), dev('c', { site: 's2', building: 'b9' })]) => {
    const { engine, events, downloads } = setup(devices, { incidents });
    engine.create({ id: 'r1', firmware: FW }, T0);
    return { started: downloads().sort(), why: Object.fromEntries(events('deferred').map((e) => [e.d, e.why])) };
  };

  it('holds devices covered by an open P1/P2 incident: the device, its building, or a site-wide outage', () => {
    expect(blockedBy([incident({ device_ids: ['a'], building: null, scope: { kind: 'device', id: 'a' } })])).toEqual({ started: ['b', 'c'], why: { a: 'an open P1/P2 incident covers the device' } });
    expect(blockedBy([incident({ building: 'b2', scope: { kind: 'building', id: 'b2' } })])).toEqual({ started: ['a', 'c'], why: { b: 'an open P1/P2 incident in building b2' } });
    expect(blockedBy([incident({ site: 's1', building: null, scope: { kind: 'site', id: 's1' } })])).toEqual({
      started: ['c'],
      why: { a: 'an open P1/P2 outage at site s1', b: 'an open P1/P2 outage at site s1' },
    });
    expect(blockedBy([incident({ priority: 'P1', status: 'acknowledged', building: 'b9', site: 's2', scope: { kind: 'building', id: 'b9' } })]).started).toEqual(['a', 'b']);
  });

  it('ignores resolved and P3/P4 incidents', () => {
    expect(blockedBy([incident({ status: 'resolved', device_ids: ['a'] }), incident({ priority: 'P3', device_ids: ['b'], building: 'b2' }), incident({ priority: 'P4', site: 's2', building: null, scope: { kind: 'site', id: 's2' } })]).started).toEqual(['a', 'b', 'c']);
  });
});

describe('success gate and waves', () => {
  it('passes a wave whose success ratio equals the gate, with the counts in the journal', () => {
    const { engine, downloads, update, events } = setup(fleet(4));
    engine.create({ id: 'r1', firmware: FW, success_gate: { min_success_ratio: 0.75 }, error_gate: { max_failure_ratio: 1 } }, T0);
    downloads().forEach((d, i) => update(d, T0 + MIN, i === 0 ? 'fail' : 'ok'));
    engine.tick(T0 + 3 * MIN);
    expect(events('wave_passed')).toEqual([{ id: 'r1', ev: 'wave_passed', at: T0 + 3 * MIN, wave: 0, succeeded: 3, executed: 4, ratio: 0.75, min: 0.75, why: 'wave 0: 3/4 succeeded (75 % ≥ 75 %)' }]);
    expect(engine.status('r1')!.state).toBe('completed');
  });

  it('leaves out devices that were cancelled or never passed their pre-checks when judging a wave', () => {
    const { engine, liveness, report, update, events } = setup(fleet(3));
    liveness.set('d02', 'OFFLINE');
    engine.create({ id: 'r1', firmware: FW, prechecks: { timeout: '5m' }, success_gate: { min_success_ratio: 1 }, error_gate: { max_failure_ratio: 1 } }, T0);
    report('d01', 'cancelled', 'cancelled', T0 + MIN);
    update('d00', T0 + MIN);
    engine.tick(T0 + 5 * MIN); // d02 fails its pre-check deadline
    engine.tick(T0 + 6 * MIN);
    expect(events('wave_passed')).toEqual([expect.objectContaining({ succeeded: 1, executed: 1, ratio: 1 })]);
  });

  it('passes a wave in which no device was executed', () => {
    const { engine, report, events } = setup(fleet(2));
    engine.create({ id: 'r1', firmware: FW, success_gate: { min_success_ratio: 1 } }, T0);
    report('d00', 'cancelled', 'cancelled', T0 + MIN);
    report('d01', 'cancelled', 'cancelled', T0 + MIN);
    engine.tick(T0 + MIN);
    expect(events('wave_passed')).toEqual([expect.objectContaining({ succeeded: 0, executed: 0, ratio: 1 })]);
    expect(engine.status('r1')!.state).toBe('completed');
  });

  it('pauses after a passing wave when the plan says so, and moves on when resumed', () => {
    const { engine, downloads, update, events } = setup(fleet(3));
    engine.create({ id: 'r1', firmware: FW, canary: { count: 1 }, success_gate: { then: 'pause' } }, T0);
    update(downloads()[0]!, T0 + MIN);
    engine.tick(T0 + 3 * MIN);
    const s = engine.status('r1')!;
    expect(s.state).toBe('paused');
    expect(s.reason).toBe('wave 0 passed; the plan pauses for an operator to resume');
    expect(events('paused')).toEqual([{ id: 'r1', ev: 'paused', at: T0 + 3 * MIN, action: 'pause', why: 'wave 0 passed; the plan pauses for an operator to resume' }]);
    engine.tick(T0 + HOUR);
    expect(downloads()).toHaveLength(1);
    engine.resume('r1', T0 + 2 * HOUR);
    expect(engine.status('r1')!.wave).toBe(1);
    expect(downloads()).toHaveLength(3);
  });

  it('continues the same wave when resumed after the error gate paused it', () => {
    const { engine, downloads, update } = setup(fleet(4));
    engine.create({ id: 'r1', firmware: FW, concurrency: { max_in_flight: 1 }, error_gate: { max_failure_ratio: 0, min_executed: 1 } }, T0);
    update(downloads()[0]!, T0 + MIN, 'fail');
    expect(engine.status('r1')!.state).toBe('paused');
    engine.resume('r1', T0 + HOUR);
    expect(engine.status('r1')!).toMatchObject({ state: 'running', wave: 0 });
    expect(downloads()).toHaveLength(2);
  });

  it('soaks after a passing wave for soak_ms, then starts the next wave', () => {
    const { engine, downloads, update, events } = setup(fleet(3));
    engine.create({ id: 'r1', firmware: FW, canary: { count: 1 }, success_gate: { soak: '1h' } }, T0);
    update(downloads()[0]!, T0 + MIN);
    engine.tick(T0 + 3 * MIN);
    expect(engine.status('r1')).toMatchObject({ state: 'soaking', soak_until_ms: T0 + 63 * MIN });
    expect(events('soak_started')).toEqual([{ id: 'r1', ev: 'soak_started', at: T0 + 3 * MIN, wave: 0, until: T0 + 63 * MIN, why: 'soak for 3600000 ms while health gates watch the updated devices' }]);
    engine.tick(T0 + 63 * MIN - 10 * SEC);
    expect(engine.status('r1')!.state).toBe('soaking');
    expect(downloads()).toHaveLength(1);
    engine.tick(T0 + 63 * MIN);
    expect(events('soak_passed')).toEqual([{ id: 'r1', ev: 'soak_passed', at: T0 + 63 * MIN, wave: 0, why: 'soak ended with every health gate within its limit' }]);
    expect(engine.status('r1')).toMatchObject({ state: 'running', wave: 1, soak_until_ms: null });
    engine.tick(T0 + 64 * MIN);
    expect(downloads()).toHaveLength(3);
  });

  it('soaks after the last wave too, then completes', () => {
    const { engine, downloads, update } = setup(fleet(1));
    engine.create({ id: 'r1', firmware: FW, success_gate: { soak: '1h' } }, T0);
    update(downloads()[0]!, T0 + MIN);
    engine.tick(T0 + 3 * MIN);
    expect(engine.status('r1')!.state).toBe('soaking');
    engine.tick(T0 + 63 * MIN);
    expect(engine.status('r1')).toMatchObject({ state: 'completed', reason: 'every wave passed its gates', soak_until_ms: null });
  });

  it('judges a wave only once every device in it has finished', () => {
    const { engine, downloads, update, events, report } = setup(fleet(2));
    engine.create({ id: 'r1', firmware: FW }, T0);
    const [a, b] = downloads() as [string, string];
    update(a, T0 + MIN);
    report(b, 'waiting_window', 'ok', T0 + 2 * MIN);
    engine.tick(T0 + 3 * MIN);
    expect(events('wave_passed')).toEqual([]);
    expect(engine.status('r1')!.waves[0]!.finished_ms).toBeNull();
  });
});

describe('error gate', () => {
  it('counts only the listed failure classes, naming them in its reason', () => {
    const { engine, downloads, report, events } = setup(fleet(4));
    engine.create({ id: 'r1', firmware: FW, error_gate: { max_failure_ratio: 0.3, min_executed: 1, count: ['boot_failure'] } }, T0);
    const [a, b] = downloads() as [string, string];
    report(a, 'failed', 'install_failed', T0 + MIN); // not counted, but executed
    expect(engine.status('r1')!.state).toBe('running');
    report(b, 'rolled_back', 'boot_failure', T0 + 2 * MIN); // 1 of 2 = 50 % > 30 %
    expect(engine.status('r1')!.state).toBe('paused');
    expect(engine.status('r1')!.reason).toBe('error gate crossed in wave 0: 1 failed of 2 executed (50 % > 30 %; boot_failure 1)');
    expect(events('error_gate')).toEqual([{ id: 'r1', ev: 'error_gate', at: T0 + 2 * MIN, wave: 0, failed: 1, executed: 2, by_class: { boot_failure: 1 }, action: 'pause', why: 'error gate crossed in wave 0: 1 failed of 2 executed (50 % > 30 %; boot_failure 1)' }]);
  });

  it('names every failure class it counted', () => {
    const { engine, downloads, report } = setup(fleet(6));
    engine.create({ id: 'r1', firmware: FW, error_gate: { max_failure_ratio: 0.5, min_executed: 4 } }, T0);
    const [a, b, c] = downloads() as [string, string, string];
    report(a, 'failed', 'install_failed', T0 + MIN);
    report(b, 'rolled_back', 'boot_failure', T0 + MIN);
    expect(engine.status('r1')!.state).toBe('running'); // 2 of max(2, 4): 50 %, not above
    report(c, 'failed', 'install_failed', T0 + MIN);
    expect(engine.status('r1')!.reason).toBe('error gate crossed in wave 0: 3 failed of 3 executed (75 % > 50 %; install_failed 2, boot_failure 1)');
  });

  it('does not count a device that never passed its pre-checks unless the plan lists precheck_timeout', () => {
    const run = (count: string[]) => {
      const { engine, liveness } = setup(fleet(2));
      liveness.set('d00', 'OFFLINE');
      liveness.set('d01', 'OFFLINE');
      engine.create({ id: 'r1', firmware: FW, prechecks: { timeout: '5m' }, error_gate: { max_failure_ratio: 0, min_executed: 1, count: count as never } }, T0);
      engine.tick(T0 + 5 * MIN);
      return engine.status('r1')!;
    };
    expect(run([])).toMatchObject({ state: 'completed', failures: { precheck_timeout: 2 } });
    expect(run(['precheck_timeout'])).toMatchObject({ state: 'paused', reason: 'error gate crossed in wave 0: 1 failed of 1 executed (100 % > 0 %; precheck_timeout 1)' });
  });
});

describe('health gates', () => {
  /** 5 target devices at s1 and 5 others of the model at s2 (plus `extra`), all updated at T0 + 2 min, soaking a day. */
  function soaked(gate: Record<string, unknown>, extra: DeviceInfo[] = []) {
    const targets = fleet(5, { site: 's1' }, 't');
    const rest = fleet(5, { site: 's2' }, 'o');
    const h = setup([...targets, ...rest, ...extra]);
    h.engine.create({ id: 'r1', firmware: FW, targets: { sites: ['s1'] }, success_gate: { soak: '24h' }, health_gates: [gate] }, T0);
    for (const d of targets) h.report(d.id, 'waiting_window', 'ok', T0 + MIN);
    h.engine.tick(T0 + MIN);
    for (const d of targets) h.report(d.id, 'committed', 'ok', T0 + 2 * MIN);
    h.engine.tick(T0 + 2 * MIN);
    expect(h.engine.status('r1')!.state).toBe('soaking');
    return { ...h, targets: targets.map((d) => d.id), rest: rest.map((d) => d.id) };
  }
  const C = T0 + 2 * MIN; // every commit

  it('compares alert rates per device-day after the commit, against the rest of the model since the first commit', () => {
    const { engine, targets, rest, events } = soaked({ metric: 'alert_rate', action: 'pause' }, [dev('x', { model: 'LK-200', fw: '3.0.0', site: 's2' })]);
    for (const d of rest) engine.onAlert(alert(d, C - MIN)); // before the first commit: not counted
    for (const d of targets) engine.onAlert(alert(d, C)); // at the commit itself: not after it
    for (let i = 0; i < 50; i++) engine.onAlert(alert('x', C + MIN + i)); // another model
    for (const d of targets) engine.onAlert(alert(d, C + 30 * MIN));
    engine.tick(C + 2 * HOUR); // 5 alerts over 5 × 2 h = 12 per device-day; the rest 0; limit max(1, 3 × 0)
    expect(engine.status('r1')!.state).toBe('paused');
    expect(events('health_gate')).toEqual([
      {
        id: 'r1',
        ev: 'health_gate',
        at: C + 2 * HOUR,
        metric: 'alert_rate',
        cohort: 12,
        rest: 0,
        limit: 1,
        in_soak: true,
        action: 'pause',
        why: 'health gate alert_rate: updated devices 12 vs the rest 0 per device-day (limit 1; 5 updated, 5 not)',
      },
    ]);
  });

  it('lets the cohort through while its rate is within max_ratio times the rest', () => {
    const { engine, targets, rest } = soaked({ metric: 'alert_rate', max_ratio: 2, min_rate: 0 });
    for (const d of targets) engine.onAlert(alert(d, C + 30 * MIN)); // cohort: 12 per device-day at C + 2 h
    for (const d of rest.slice(0, 3)) engine.onAlert(alert(d, C + 30 * MIN)); // rest: 3 × 24 / 10 = 7.2, limit 14.4
    engine.tick(C + 2 * HOUR);
    expect(engine.status('r1')!.state).toBe('soaking');
    const exact = soaked({ metric: 'alert_rate', max_ratio: 2, min_rate: 0 });
    for (const d of exact.targets) exact.engine.onAlert(alert(d, C + 30 * MIN)); // 12
    for (const d of exact.rest.slice(0, 2)) exact.engine.onAlert(alert(d, C + 30 * MIN));
    exact.engine.onAlert(alert(exact.rest[2]!, C + 31 * MIN)); // 3 alerts: 7.2 vs limit 2 × 7.2 ≥ 12
    exact.engine.tick(C + 2 * HOUR);
    expect(exact.engine.status('r1')!.state).toBe('soaking');
  });

  it('trips only when the cohort rate is above min_rate, not at it', () => {
    const at = soaked({ metric: 'alert_rate', min_rate: 12 });
    for (const d of at.targets) at.engine.onAlert(alert(d, C + 30 * MIN));
    at.engine.tick(C + 2 * HOUR); // 12 per device-day, limit max(12, 0): at the limit
    expect(at.engine.status('r1')!.state).toBe('soaking');
    const above = soaked({ metric: 'alert_rate', min_rate: 11.9 });
    for (const d of above.targets) above.engine.onAlert(alert(d, C + 30 * MIN));
    above.engine.tick(C + 2 * HOUR);
    expect(above.engine.status('r1')!.state).toBe('paused');
  });

  it('waits for an hour of exposure per updated device before judging a rate', () => {
    const { engine, targets } = soaked({ metric: 'alert_rate' });
    for (const d of targets) for (let i = 0; i < 5; i++) engine.onAlert(alert(d, C + MIN + i));
    engine.tick(C + HOUR - 5 * MIN); // (the gates are checked every 5 minutes)
    expect(engine.status('r1')!.state).toBe('soaking');
    engine.tick(C + HOUR); // exactly an hour each
    expect(engine.status('r1')!.state).toBe('paused');
  });

  it('judges a cohort only once it has min_cohort updated devices', () => {
    const small = soaked({ metric: 'alert_rate', min_cohort: 6 });
    for (const d of small.targets) small.engine.onAlert(alert(d, C + 30 * MIN));
    small.engine.tick(C + 2 * HOUR);
    expect(small.engine.status('r1')!.state).toBe('soaking');
    const enough = soaked({ metric: 'alert_rate', min_cohort: 5 });
    for (const d of enough.targets) enough.engine.onAlert(alert(d, C + 30 * MIN));
    enough.engine.tick(C + 2 * HOUR);
    expect(enough.engine.status('r1')!.state).toBe('paused');
  });

  it('checks the gates at most every 5 minutes', () => {
    const { engine, targets } = soaked({ metric: 'alert_rate' });
    engine.tick(C + 2 * HOUR); // checked: quiet
    for (const d of targets) engine.onAlert(alert(d, C + 2 * HOUR + MIN));
    engine.tick(C + 2 * HOUR + 5 * MIN - 10 * SEC);
    expect(engine.status('r1')!.state).toBe('soaking');
    engine.tick(C + 2 * HOUR + 5 * MIN);
    expect(engine.status('r1')!.state).toBe('paused');
  });

  it('counts reboots, not births of the same session, for reboot_rate', () => {
    const { engine, birth, targets, rest, events } = soaked({ metric: 'reboot_rate' });
    for (const d of [...targets, ...rest]) birth(d, 1, T0 - HOUR);
    for (const d of targets) birth(d, 2, C + 30 * MIN);
    birth(rest[0]!, 2, C + 30 * MIN);
    engine.tick(C + 2 * HOUR); // 12 vs 1 × 24 / 10 = 2.4: limit 7.2
    expect(events('health_gate')).toEqual([expect.objectContaining({ metric: 'reboot_rate', cohort: 12, rest: 2.4, limit: 7.2 })]);
    expect(events('health_gate')[0]!.why).toBe('health gate reboot_rate: updated devices 12 vs the rest 2.4 per device-day (limit 7.2; 5 updated, 5 not)');
  });

  it('compares the share of devices offline now for offline_rate', () => {
    const { engine, liveness, targets, rest, events } = soaked({ metric: 'offline_rate', max_ratio: 2, min_rate: 0.1 });
    liveness.set(targets[0]!, 'OFFLINE');
    liveness.set(targets[1]!, 'OFFLINE');
    liveness.set(rest[0]!, 'OFFLINE');
    liveness.set(targets[2]!, 'SUSPECT'); // only OFFLINE counts
    engine.tick(C + 10 * MIN); // 2/5 = 0.4 vs 1/5 = 0.2: limit 2 × 0.2 = 0.4, not above
    expect(engine.status('r1')!.state).toBe('soaking');
    liveness.set(targets[3]!, 'OFFLINE');
    engine.tick(C + 20 * MIN); // 3/5 = 0.6 > 0.4
    expect(events('health_gate')).toEqual([expect.objectContaining({ metric: 'offline_rate', cohort: 0.6, rest: 0.2, limit: 0.4 })]);
    expect(events('health_gate')[0]!.why).toBe('health gate offline_rate: updated devices 0.6 vs the rest 0.2 (limit 0.4; 5 updated, 5 not)');
  });

  it('takes a rest of no devices as offline_rate 0', () => {
    const targets = fleet(5, { site: 's1' }, 't');
    const h = setup(targets);
    h.engine.create({ id: 'r1', firmware: FW, success_gate: { soak: '24h' }, health_gates: [{ metric: 'offline_rate', min_rate: 0.1 }] }, T0);
    for (const d of targets) h.update(d.id, T0 + MIN);
    h.engine.tick(T0 + 3 * MIN);
    h.liveness.set('t00', 'OFFLINE');
    h.engine.tick(T0 + 10 * MIN); // 0.2 vs 0 (no device left): limit max(0.1, 0)
    expect(h.events('health_gate')).toEqual([expect.objectContaining({ cohort: 0.2, rest: 0, limit: 0.1 })]);
  });

  it('aborts, cancelling what has not started, when a health gate says abort', () => {
    const targets = fleet(4, { site: 's1' }, 't');
    const h = setup(targets);
    h.engine.create({ id: 'r1', firmware: FW, waves: [{ count: 2 }], success_gate: { soak: '24h' }, health_gates: [{ metric: 'offline_rate', min_rate: 0.1, min_cohort: 2, action: 'abort' }] }, T0);
    for (const d of h.downloads()) h.update(d, T0 + MIN);
    h.engine.tick(T0 + 3 * MIN);
    h.liveness.set(h.downloads()[0]!, 'OFFLINE');
    h.engine.tick(T0 + 10 * MIN);
    const s = h.engine.status('r1')!;
    expect(s.state).toBe('aborted');
    expect(s.reason).toMatch(/^health gate offline_rate: updated devices 0\.5 vs the rest 0/);
    expect(s.counts).toMatchObject({ succeeded: 2, cancelled: 2 });
    expect(h.events('cancelled').map((e) => e.why)).toEqual(['rollout aborted by the health gate', 'rollout aborted by the health gate']);
  });
});

describe('commands', () => {
  it('sends a download with the image size and hash, to the device\'s site', () => {
    const { engine, sent } = setup([dev('a', { site: 's7' })]);
    engine.create({ id: 'r1', firmware: FW }, T0);
    expect(sent).toEqual([{ device_id: 'a', site_id: 's7', payload: { v: 1, job: 'r1', action: 'download', fw: '2.0.0', size_bytes: 2_000_000, sha256: 'sha-TH-100-2.0.0', ts: T0 } }]);
  });

  it('cancels: pending and retrying devices silently, downloading and downloaded ones by command, installing ones not at all', () => {
    const { engine, sent, report, job, events } = setup(fleet(5));
    engine.create({ id: 'r1', firmware: FW, concurrency: { max_in_flight: 4 }, retries: { base: '1h', cap: '1h' } }, T0);
    const [a, b, c, d] = engine.jobs('r1').filter((j) => j.state === 'downloading').map((j) => j.device_id) as [string, string, string, string];
    const pending = engine.jobs('r1').find((j) => j.state === 'pending')!.device_id;
    report(b, 'waiting_window', 'ok', T0 + MIN);
    report(c, 'waiting_window', 'ok', T0 + MIN);
    engine.tick(T0 + MIN); // b and c install
    report(c, 'failed', 'connection_lost', T0 + 2 * MIN); // c waits to retry
    report(d, 'waiting_window', 'ok', T0 + 3 * MIN); // d downloaded, cancelled before the next tick installs it
    const before = sent.length;
    const s = engine.cancel('r1', 'wrong image', T0 + 3 * MIN);
    expect(sent.slice(before)).toEqual([
      { device_id: a, site_id: 's1', payload: { v: 1, job: 'r1', action: 'cancel', fw: '2.0.0', ts: T0 + 3 * MIN } },
      { device_id: d, site_id: 's1', payload: { v: 1, job: 'r1', action: 'cancel', fw: '2.0.0', ts: T0 + 3 * MIN } },
    ]); // in job order, as a and d were picked
    expect(job('r1', b).state).toBe('installing');
    expect(s.counts).toMatchObject({ cancelled: 4, installing: 1 });
    const why = Object.fromEntries(events('cancelled').filter((e) => e.d !== undefined).map((e) => [e.d, e.why]));
    expect(why).toEqual({
      [a]: 'rollout cancelled; device told to drop the downloaded image',
      [d]: 'rollout cancelled; device told to drop the downloaded image',
      [c]: 'rollout cancelled before this device started',
      [pending]: 'rollout cancelled before this device started',
    });
    // The installing device stays busy until it finishes, then is free.
    expect(engine.deviceJob(b)?.job.state).toBe('installing');
    expect(engine.deviceJob(a)).toBeUndefined();
    report(b, 'committed', 'ok', T0 + 4 * MIN);
    expect(job('r1', b).state).toBe('succeeded');
    expect(engine.deviceJob(b)).toBeUndefined();
  });

  it('sends no command to a device the registry no longer knows', () => {
    const { engine, sent, registry } = setup(fleet(2));
    engine.create({ id: 'r1', firmware: FW, concurrency: { max_in_flight: 1 } }, T0);
    const [first] = sent.map((c) => c.device_id);
    registry.delete(first!);
    engine.cancel('r1', 'x', T0 + MIN);
    expect(sent).toHaveLength(1);
    expect(engine.status('r1')!.counts.cancelled).toBe(2);
  });

  it('does not start a device the registry no longer knows', () => {
    const { engine, sent, registry } = setup(fleet(2));
    registry.delete('d00');
    const h = engine.create({ id: 'r1', firmware: FW }, T0);
    expect(h.targets).toBe(1);
    registry.set('d00', dev('d00'));
    expect(sent.map((c) => c.device_id)).toEqual(['d01']);
  });
});

describe('operator transitions', () => {
  it('pauses a soaking rollout, clearing its soak', () => {
    const { engine, downloads, update } = setup(fleet(2));
    engine.create({ id: 'r1', firmware: FW, canary: { count: 1 }, success_gate: { soak: '1h' } }, T0);
    update(downloads()[0]!, T0 + MIN);
    engine.tick(T0 + 3 * MIN);
    expect(engine.status('r1')!.state).toBe('soaking');
    expect(engine.pause('r1', 'look', T0 + 4 * MIN)).toMatchObject({ state: 'paused', soak_until_ms: null, reason: 'paused: look' });
  });

  it('refuses to pause an ended rollout, naming its state', () => {
    const { engine } = setup(fleet(1, { fw: '2.0.0' }));
    engine.create({ id: 'r1', firmware: FW }, T0);
    expect(() => engine.pause('r1', 'x', T0)).toThrow('rollout r1 is completed; only a running or soaking rollout can be paused');
    expect(() => engine.resume('r1', T0)).toThrow('rollout r1 is completed; only a paused rollout can be resumed');
  });

  it('still times out a download while the rollout is paused', () => {
    const { engine, job } = setup(fleet(1));
    engine.create({ id: 'r1', firmware: FW, timeouts: { download: '10m' } }, T0);
    engine.pause('r1', 'x', T0 + MIN);
    engine.tick(T0 + 10 * MIN);
    expect(job('r1', 'd00')).toMatchObject({ state: 'failed', failure: 'timeout' });
  });

  it('does not install a downloaded image while paused', () => {
    const { engine, report, job } = setup(fleet(1));
    engine.create({ id: 'r1', firmware: FW }, T0);
    engine.pause('r1', 'x', T0 + MIN);
    report('d00', 'waiting_window', 'ok', T0 + 2 * MIN);
    engine.tick(T0 + 3 * MIN);
    expect(job('r1', 'd00').state).toBe('downloaded');
    engine.resume('r1', T0 + 4 * MIN);
    expect(job('r1', 'd00').state).toBe('installing');
  });
});

describe('rollback', () => {
  it('rolls updated devices back to their previous firmware after a health gate, ignoring windows', () => {
    const targets = fleet(4, { site: 's1', fw: '1.1.0' }, 't');
    const h = setup(targets);
    h.engine.create(
      {
        id: 'r1',
        firmware: FW,
        waves: [{ count: 2 }],
        windows: { download: { days: ['tue'], start: '12:00', duration: '2h' }, install: { days: ['tue'], start: '12:00', duration: '1h' } },
        success_gate: { soak: '24h' },
        health_gates: [{ metric: 'offline_rate', min_rate: 0.1, min_cohort: 2, action: 'rollback' }],
      },
      T0,
    );
    const [a, b] = h.downloads() as [string, string];
    h.update(a, T0 + MIN);
    h.update(b, T0 + MIN);
    h.engine.tick(T0 + 3 * MIN);
    expect(h.engine.status('r1')!.state).toBe('soaking');
    const at = T0 + 3 * HOUR; // both windows closed
    h.liveness.set(a, 'OFFLINE');
    h.engine.tick(at);
    expect(h.engine.status('r1')!.state).toBe('rolling_back');
    expect(h.events('health_gate')).toEqual([expect.objectContaining({ action: 'rollback', metric: 'offline_rate', cohort: 0.5 })]);
    expect(h.events('cancelled').map((e) => e.why)).toEqual(['rollout rolling back after the health gate', 'rollout rolling back after the health gate']);
    expect(h.events('rollback_started')).toEqual([{ id: 'r1', ev: 'rollback_started', at, devices: 2, why: h.engine.status('r1')!.reason }]);
    // a is offline: its rollback waits for the online check; b goes at once, outside every window.
    expect(h.commands('download', 'r1~rollback')).toEqual([{ device_id: b, site_id: 's1', payload: { v: 1, job: 'r1~rollback', action: 'download', fw: '1.1.0', size_bytes: 2_000_000, sha256: 'sha-TH-100-1.1.0', ts: at } }]);
    expect(h.events('download').at(-1)).toMatchObject({ d: b, why: 'rollback to 1.1.0' });
    expect(h.engine.deviceJob(b)).toEqual({ rollout: 'r1', job: { device_id: b, wave: 0, state: 'downloading', attempt: 0, from_fw: '2.0.0', failure: null, device_state: null } });
    expect(h.engine.status('r1')!.in_flight).toBe(1);
    h.report(b, 'waiting_window', 'ok', at + MIN);
    h.engine.tick(at + MIN);
    expect(h.events('install').at(-1)).toMatchObject({ d: b, why: 'install (no window)' });
    h.report(b, 'committed', 'ok', at + 2 * MIN);
    h.liveness.set(a, 'ONLINE');
    h.engine.tick(at + 3 * MIN);
    h.report(a, 'waiting_window', 'ok', at + 4 * MIN);
    h.engine.tick(at + 4 * MIN);
    expect(h.engine.status('r1')!.state).toBe('rolling_back');
    h.report(a, 'committed', 'ok', at + 5 * MIN);
    h.engine.tick(at + 6 * MIN);
    const s = h.engine.status('r1')!;
    expect(s.state).toBe('rolled_back');
    expect(s.rolled_back_devices).toBe(2);
    expect(s.reason).toMatch(/; 2\/2 devices back on their previous firmware$/);
    expect(s.finished_ms).toBe(at + 6 * MIN);
    expect(s.counts.succeeded).toBe(2); // the forward jobs keep their result
  });

  it('rolls back to a version the catalog does not know, with an unknown hash', () => {
    const h = setup([dev('x', { model: 'LK-200', fw: '2.9.9' }), dev('y', { model: 'LK-200', fw: '2.9.9' })]);
    h.engine.create({ id: 'r1', firmware: { model: 'LK-200', version: '3.0.0' }, error_gate: { max_failure_ratio: 0, min_executed: 1, action: 'rollback' } }, T0);
    const [first, second] = h.downloads() as [string, string];
    h.update(first, T0 + MIN);
    h.update(second, T0 + 3 * MIN, 'fail');
    h.engine.tick(T0 + 5 * MIN);
    expect(h.commands('download', 'r1~rollback').map((c) => [c.device_id, c.payload.fw, c.payload.sha256])).toEqual([[first, '2.9.9', 'unknown:2.9.9']]);
  });

  it('retries a failed rollback job, and finishes when it has run out of retries', () => {
    const h = setup(fleet(2));
    h.engine.create({ id: 'r1', firmware: FW, error_gate: { max_failure_ratio: 0, min_executed: 1, action: 'rollback' }, retries: { base: '1m', cap: '1m', per_class: { install_failed: 1 } } }, T0);
    const [first, second] = h.downloads() as [string, string];
    h.update(first, T0 + MIN);
    h.report(second, 'failed', 'integrity_failure', T0 + 3 * MIN); // no retries for this class: the gate trips
    h.engine.tick(T0 + 4 * MIN);
    expect(h.commands('download', 'r1~rollback').map((c) => c.device_id)).toEqual([first]);
    h.update(first, T0 + 5 * MIN, 'fail');
    expect(h.events('retry').at(-1)).toMatchObject({ d: first, cls: 'install_failed', attempt: 1 });
    h.engine.tick(T0 + 8 * MIN);
    expect(h.commands('download', 'r1~rollback')).toHaveLength(2);
    h.update(first, T0 + 9 * MIN, 'fail');
    h.engine.tick(T0 + 12 * MIN);
    const s = h.engine.status('r1')!;
    expect(s.state).toBe('rolled_back');
    expect(s.rolled_back_devices).toBe(0);
    expect(s.reason).toMatch(/; 0\/1 devices back on their previous firmware$/);
  });

  it('finishes a rollback with nothing to roll back at once', () => {
    const h = setup(fleet(2));
    h.engine.create({ id: 'r1', firmware: FW, concurrency: { max_in_flight: 1 }, error_gate: { max_failure_ratio: 0, min_executed: 1, action: 'rollback' } }, T0);
    h.update(h.downloads()[0]!, T0 + MIN, 'fail');
    const s = h.engine.status('r1')!;
    expect(s.state).toBe('rolled_back');
    expect(s.reason).toBe('error gate crossed in wave 0: 1 failed of 1 executed (100 % > 0 %; install_failed 1); 0/0 devices back on their previous firmware');
    expect(h.events('rollback_started')).toEqual([expect.objectContaining({ devices: 0 })]);
  });
});

describe('saved state', () => {
  it('loads into a fresh engine as the same engine, replacing whatever that engine held', () => {
    const h = setup([...fleet(3, { power: 'battery' }), dev('x', { model: 'LK-200', fw: '1.0.0' })]);
    for (const d of ['d00', 'd01', 'd02']) h.battery(d, 90, T0 - MIN);
    h.birth('d00', 1, T0 - MIN);
    h.engine.onAlert(alert('d01', T0 - MIN));
    h.engine.create({ id: 'r1', firmware: FW, concurrency: { max_in_flight: 1 } }, T0);
    const first = h.downloads()[0]!;
    h.report(first, 'waiting_window', 'ok', T0 + MIN);
    h.engine.tick(T0 + MIN);
    const saved = h.engine.saveState();

    const other = h.twin();
    other.onAlert(alert('x', T0));
    other.onMessage({ type: 'telemetry', device_id: 'x', site_id: 's1', received_ms: T0, payload: { v: 1, id: 'x', seq: 0, ts: T0, battery_pct: 5 } } as never, T0);
    other.create({ id: 'r9', firmware: { model: 'LK-200', version: '3.0.0' } }, T0);
    other.loadState(saved);
    expect(other.saveState()).toEqual(saved);
    expect(other.list()).toEqual(h.engine.list());
    expect(other.deviceJob('x')).toBeUndefined();
    expect(other.deviceJob(first)).toEqual(h.engine.deviceJob(first));

    // Both carry on alike: the commit frees the slot and the next device starts (its battery is known).
    h.report(first, 'committed', 'ok', T0 + 2 * MIN, undefined, other);
    other.tick(T0 + 2 * MIN);
    expect(other.status('r1')!.counts).toMatchObject({ succeeded: 1, downloading: 1 });
    expect(other.pause('r1', 'x', T0 + 3 * MIN).state).toBe('paused');
  });

  it('keeps the tick throttle across a load', () => {
    const h = setup(fleet(1));
    h.engine.create({ id: 'r1', firmware: FW, timeouts: { download: '1m' } }, T0);
    h.engine.tick(T0 + 55 * SEC);
    const other = h.twin();
    other.loadState(h.engine.saveState());
    other.tick(T0 + 64 * SEC); // within 10 s of the saved last evaluation
    expect(other.jobs('r1')[0]!.state).toBe('downloading');
    other.tick(T0 + 65 * SEC);
    expect(other.jobs('r1')[0]!.state).toBe('failed');
  });
});

// The FAILURE_CLASSES list itself is pinned, written out by hand, in patching-types.mutation.test.ts.
describe('failure vocabulary (types.ts)', () => {
  it('names its errors PatchError, with the stable code', () => {
    const { engine } = setup(fleet(1));
    let caught: unknown;
    try {
      engine.resume('nope', T0);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PatchError);
    expect((caught as PatchError).name).toBe('PatchError');
    expect((caught as PatchError).code).toBe('PATCH_UNKNOWN_ROLLOUT');
  });
});

describe('gates after a stop', () => {
  it('trips no gate again for a failure reported while paused', () => {
    const { engine, downloads, report, events } = setup(fleet(3));
    engine.create({ id: 'r1', firmware: FW, error_gate: { max_failure_ratio: 0, min_executed: 1 } }, T0);
    const [a, b] = downloads() as [string, string];
    report(a, 'failed', 'install_failed', T0 + MIN);
    expect(engine.status('r1')!.state).toBe('paused');
    report(b, 'failed', 'install_failed', T0 + 2 * MIN);
    expect(events('error_gate')).toHaveLength(1);
    expect(events('paused')).toHaveLength(0);
  });

  it('trips no gate for an install that fails after the rollout was aborted, and does not retry it', () => {
    const { engine, downloads, report, events, job } = setup(fleet(2));
    engine.create({ id: 'r1', firmware: FW, error_gate: { max_failure_ratio: 0, min_executed: 1, action: 'abort' }, retries: { per_class: { install_failed: 3 } } }, T0);
    const [a, b] = downloads() as [string, string];
    report(a, 'waiting_window', 'ok', T0 + MIN);
    engine.tick(T0 + MIN); // a installs: it cannot be called off
    report(b, 'failed', 'integrity_failure', T0 + 2 * MIN);
    expect(engine.status('r1')!.state).toBe('aborted');
    report(a, 'failed', 'install_failed', T0 + 3 * MIN);
    expect(job('r1', a)).toMatchObject({ state: 'failed', attempt: 0 });
    expect(events('error_gate')).toHaveLength(1);
    expect(events('aborted')).toHaveLength(1);
    expect(engine.status('r1')!.finished_ms).toBe(T0 + 2 * MIN);
  });
});

/** 32-bit FNV-1a, written out here so the retry delay is worked out without the engine's helpers. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

describe('second-run survivors', () => {
  it('records the running firmware of a device that has not started yet', () => {
    const { engine, job } = setup([dev('a', { fw: '1.0.0' }), dev('b', { fw: '1.1.0' })]);
    engine.create({ id: 'r1', firmware: FW, concurrency: { max_in_flight: 1 } }, T0);
    const waiting = engine.jobs('r1').find((j) => j.state === 'pending')!;
    expect(waiting.from_fw).toBe(waiting.device_id === 'a' ? '1.0.0' : '1.1.0');
    expect(job('r1', waiting.device_id === 'a' ? 'b' : 'a').state).toBe('downloading');
  });

  it('refuses to cancel a completed, aborted or rolled-back rollout, naming its state', () => {
    const done = setup(fleet(1, { fw: '2.0.0' }));
    done.engine.create({ id: 'r1', firmware: FW }, T0);
    expect(() => done.engine.cancel('r1', 'x', T0)).toThrow('rollout r1 already ended (completed)');
    for (const action of ['abort', 'rollback'] as const) {
      const h = setup(fleet(1));
      h.engine.create({ id: 'r1', firmware: FW, error_gate: { max_failure_ratio: 0, min_executed: 1, action } }, T0);
      h.report('d00', 'failed', 'install_failed', T0 + MIN);
      const state = action === 'abort' ? 'aborted' : 'rolled_back';
      expect(h.engine.status('r1')!.state).toBe(state);
      expect(() => h.engine.cancel('r1', 'x', T0 + 2 * MIN)).toThrow(`rollout r1 already ended (${state})`);
    }
  });

  it('journals an operator pause and resume with their reasons', () => {
    const { engine, events } = setup(fleet(1));
    engine.create({ id: 'r1', firmware: FW }, T0);
    engine.pause('r1', 'change freeze', T0 + MIN);
    engine.resume('r1', T0 + 2 * MIN);
    expect(events('paused')).toEqual([{ id: 'r1', ev: 'paused', at: T0 + MIN, action: 'pause', why: 'paused: change freeze' }]);
    expect(events('resumed')).toEqual([{ id: 'r1', ev: 'resumed', at: T0 + 2 * MIN, why: 'operator resumed' }]);
  });

  it('acts on a resume at once, even within 10 s of the last evaluation', () => {
    const { engine, report, job } = setup(fleet(1));
    engine.create({ id: 'r1', firmware: FW }, T0);
    engine.pause('r1', 'x', T0 + MIN);
    report('d00', 'waiting_window', 'ok', T0 + 2 * MIN);
    engine.tick(T0 + 2 * MIN);
    engine.resume('r1', T0 + 2 * MIN + SEC);
    expect(job('r1', 'd00').state).toBe('installing');
  });

  it('journals each cancelled device with the result "cancelled"', () => {
    const { engine, events } = setup(fleet(2));
    engine.create({ id: 'r1', firmware: FW, concurrency: { max_in_flight: 1 } }, T0);
    engine.cancel('r1', 'x', T0 + MIN);
    expect(events('cancelled').filter((e) => e.d !== undefined).map((e) => e.res)).toEqual(['cancelled', 'cancelled']);
  });

  it('takes a first birth with session 0 as the baseline, so session 1 is a reboot', () => {
    const { engine, birth } = setup(fleet(1));
    birth('d00', 0, T0);
    birth('d00', 1, T0 + MIN);
    expect(engine.saveState().history).toEqual([['d00', { last_session: 1, births_ms: [T0 + MIN], alerts_ms: [] }]]);
  });

  it('ignores state and event messages', () => {
    const { engine } = setup(fleet(1));
    engine.onMessage({ type: 'state', device_id: 'd00', site_id: 's1', received_ms: T0, payload: {} } as never, T0);
    expect(engine.saveState()).toMatchObject({ battery: [], history: [], dirty: false });
  });

  it('pauses on a health gate while running, and starts nobody in the pass that paused it', () => {
    const h = setup([...fleet(5, {}, 't'), dev('late')]);
    h.liveness.set('late', 'OFFLINE');
    h.engine.create({ id: 'r1', firmware: FW, health_gates: [{ metric: 'alert_rate' }] }, T0);
    for (const d of ['t00', 't01', 't02', 't03', 't04']) h.update(d, T0 + MIN);
    h.engine.tick(T0 + 3 * MIN);
    expect(h.engine.status('r1')!.state).toBe('running'); // 'late' has not started
    for (const d of ['t00', 't01', 't02', 't03', 't04']) h.engine.onAlert(alert(d, T0 + 30 * MIN));
    h.liveness.set('late', 'ONLINE');
    h.engine.tick(T0 + 2 * MIN + 2 * HOUR); // 12 per device-day vs 0 for 'late'
    expect(h.events('health_gate')).toEqual([expect.objectContaining({ in_soak: false, cohort: 12, rest: 0 })]);
    expect(h.engine.status('r1')!.state).toBe('paused');
    expect(h.downloads()).not.toContain('late');
  });

  it('counts a device whose retried pre-checks then passed as executed, and not as a failure once it succeeded', () => {
    const { engine, liveness, update, events, report } = setup(fleet(2));
    liveness.set('d00', 'OFFLINE');
    engine.create({ id: 'r1', firmware: FW, prechecks: { timeout: '5m' }, retries: { per_class: { precheck_timeout: 1, connection_lost: 1 }, base: '1m', cap: '1m' } }, T0);
    report('d01', 'failed', 'connection_lost', T0 + MIN);
    expect(engine.status('r1')!.failures).toEqual({}); // retrying: not failed yet
    engine.tick(T0 + 5 * MIN); // d00's pre-checks time out: it retries
    liveness.set('d00', 'ONLINE');
    engine.tick(T0 + 7 * MIN);
    update('d00', T0 + 8 * MIN);
    update('d01', T0 + 8 * MIN);
    engine.tick(T0 + 10 * MIN);
    expect(engine.status('r1')!.failures).toEqual({});
    expect(events('wave_passed')).toEqual([expect.objectContaining({ succeeded: 2, executed: 2 })]);
  });

  it('completes after the last wave even when the plan pauses between waves', () => {
    const { engine, update } = setup(fleet(1));
    engine.create({ id: 'r1', firmware: FW, success_gate: { then: 'pause' } }, T0);
    update('d00', T0 + MIN);
    engine.tick(T0 + 3 * MIN);
    expect(engine.status('r1')).toMatchObject({ state: 'completed', reason: 'every wave passed its gates' });
  });

  it('counts rest events after the first commit only, not at it', () => {
    const { engine, targets, rest } = (() => {
      const t = fleet(5, { site: 's1' }, 't');
      const o = fleet(5, { site: 's2' }, 'o');
      const h = setup([...t, ...o]);
      h.engine.create({ id: 'r1', firmware: FW, targets: { sites: ['s1'] }, success_gate: { soak: '24h' }, health_gates: [{ metric: 'alert_rate', max_ratio: 1, min_rate: 0 }] }, T0);
      for (const d of t) h.report(d.id, 'waiting_window', 'ok', T0 + MIN);
      h.engine.tick(T0 + MIN);
      for (const d of t) h.report(d.id, 'committed', 'ok', T0 + 2 * MIN);
      h.engine.tick(T0 + 2 * MIN);
      return { ...h, targets: t.map((d) => d.id), rest: o.map((d) => d.id) };
    })();
    for (const d of targets) engine.onAlert(alert(d, T0 + 30 * MIN)); // 12 per device-day at +2 h
    for (const d of rest) for (let i = 0; i < 3; i++) engine.onAlert(alert(d, T0 + 2 * MIN)); // at the first commit: not counted
    engine.tick(T0 + 2 * MIN + 2 * HOUR);
    expect(engine.status('r1')!.state).toBe('paused'); // 12 > max(0, 1 × 0)
  });

  it('takes a rest of no devices as rate 0 for event rates, not as unknown', () => {
    const h = setup(fleet(5));
    h.engine.create({ id: 'r1', firmware: FW, success_gate: { soak: '24h' }, health_gates: [{ metric: 'alert_rate' }] }, T0);
    for (const d of h.downloads()) h.update(d, T0 + MIN);
    h.engine.tick(T0 + 3 * MIN);
    h.engine.tick(T0 + 3 * HOUR); // no alerts at all: 0 vs 0, limit max(1, 0)
    expect(h.engine.status('r1')!.state).toBe('soaking');
  });

  it('abort tells downloading and downloaded devices to drop the image, and cancels retrying ones', () => {
    const { engine, report, events, sent } = setup(fleet(4));
    engine.create({ id: 'r1', firmware: FW, error_gate: { max_failure_ratio: 0, min_executed: 1, action: 'abort' }, retries: { base: '1h', cap: '1h' } }, T0);
    const [a, b, c, d] = engine.jobs('r1').map((j) => j.device_id) as [string, string, string, string];
    report(b, 'waiting_window', 'ok', T0 + MIN); // downloaded (no tick: not installing yet)
    report(c, 'failed', 'connection_lost', T0 + MIN); // retry_wait
    const before = sent.length;
    report(d, 'failed', 'integrity_failure', T0 + 2 * MIN); // the gate
    expect(sent.slice(before).map((x) => [x.device_id, x.payload.action])).toEqual([
      [a, 'cancel'],
      [b, 'cancel'],
    ]);
    const by = Object.fromEntries(events('cancelled').filter((e) => e.d !== undefined).map((e) => [e.d, [e.res, e.why]]));
    expect(by).toEqual({
      [a]: ['cancelled', 'rollout aborted by the error gate; device told to drop the image'],
      [b]: ['cancelled', 'rollout aborted by the error gate; device told to drop the image'],
      [c]: ['cancelled', 'rollout aborted by the error gate'],
    });
  });

  it('rolls devices back in device-id order', () => {
    const h = setup(fleet(6));
    h.engine.create({ id: 'r1', firmware: FW, error_gate: { max_failure_ratio: 0, min_executed: 1, action: 'rollback' } }, T0);
    const order = h.downloads();
    for (const d of order.slice(0, 5)) h.update(d, T0 + MIN);
    h.update(order[5]!, T0 + 3 * MIN, 'fail');
    h.engine.tick(T0 + 5 * MIN);
    expect(h.commands('download', 'r1~rollback').map((c) => c.device_id)).toEqual([...order.slice(0, 5)].sort());
    expect(order.slice(0, 5)).not.toEqual([...order.slice(0, 5)].sort()); // the cohort order is another one
  });

  it('leaves another rollout\'s devices busy when a rollout ends', () => {
    const { engine } = setup([dev('a'), dev('x', { model: 'LK-200', fw: '1.0.0' })]);
    engine.create({ id: 'r2', firmware: { model: 'LK-200', version: '3.0.0' } }, T0);
    engine.create({ id: 'r1', firmware: FW }, T0);
    engine.cancel('r1', 'x', T0 + MIN);
    expect(engine.deviceJob('x')?.rollout).toBe('r2');
  });

  it('names wave 0 "wave 0" in the status when there is no canary, and later waves by number', () => {
    const { engine } = setup(fleet(2));
    engine.create({ id: 'r1', firmware: FW, waves: [{ count: 1 }] }, T0);
    expect(engine.status('r1')!.waves.map((w) => w.name)).toEqual(['wave 0', 'wave 1']);
  });

  it('journals a later wave by its number even with a canary', () => {
    const { engine, downloads, update, events } = setup(fleet(2));
    engine.create({ id: 'r1', firmware: FW, canary: { count: 1 } }, T0);
    update(downloads()[0]!, T0 + MIN);
    engine.tick(T0 + 3 * MIN);
    expect(events('wave_started').map((e) => e.why)).toEqual(['canary cohort (stable hash)', 'wave 1']);
    expect(events('download').map((e) => e.why)).toEqual(['wave 0: pre-checks passed']);
  });

  it('maps a rollback reported in progress to boot_failure and a failure reported ok to install_failed', () => {
    const { engine, report, job } = setup(fleet(2));
    engine.create({ id: 'r1', firmware: FW, error_gate: { max_failure_ratio: 1 } }, T0);
    report('d00', 'rolled_back', 'in_progress', T0 + MIN);
    report('d01', 'failed', 'ok', T0 + MIN);
    expect([job('r1', 'd00').failure, job('r1', 'd01').failure]).toEqual(['boot_failure', 'install_failed']);
  });

  it('journals an install that commits after the rollback started, and adds it to the rollback', () => {
    const { engine, downloads, update, report, events } = setup(fleet(3));
    engine.create({ id: 'r1', firmware: FW, error_gate: { max_failure_ratio: 0, min_executed: 1, action: 'rollback' } }, T0);
    const [a, b, c] = downloads() as [string, string, string];
    update(a, T0 + MIN);
    report(b, 'waiting_window', 'ok', T0 + 2 * MIN);
    engine.tick(T0 + 2 * MIN);
    update(c, T0 + 3 * MIN, 'fail');
    report(b, 'committed', 'ok', T0 + 5 * MIN);
    expect(events('rollback_added')).toEqual([{ id: 'r1', ev: 'rollback_added', at: T0 + 5 * MIN, d: b, why: 'committed after the rollback started' }]);
  });

  it('waits a retry delay seeded by rollout and device: half the ceiling plus FNV-1a("r1/d00/0") mod (half + 1)', () => {
    const { engine, report, events } = setup(fleet(1));
    engine.create({ id: 'r1', firmware: FW, retries: { base: '1m', cap: '1m' } }, T0);
    report('d00', 'failed', 'connection_lost', T0 + MIN);
    expect(events('retry')[0]!.in_ms).toBe(30_000 + (fnv1a('r1/d00/0') % 30_001));
  });

  it('skips a device the registry forgot, in flight or waiting', () => {
    const { engine, registry, downloads, report, job } = setup(fleet(3));
    engine.create({ id: 'r1', firmware: FW, concurrency: { max_in_flight: 2 } }, T0);
    const [a, b] = downloads() as [string, string];
    const c = engine.jobs('r1').find((j) => j.state === 'pending')!.device_id;
    registry.delete(a); // in flight
    registry.delete(c); // not started
    report(b, 'waiting_window', 'ok', T0 + MIN);
    engine.tick(T0 + MIN);
    expect(job('r1', b).state).toBe('installing');
    expect(job('r1', c).state).toBe('pending');
  });

  it('holds an install while another rollout fills max_in_flight', () => {
    const { engine, report, job } = setup([dev('a'), dev('x', { model: 'LK-200', fw: '1.0.0' })]);
    engine.create({ id: 'r1', firmware: FW, concurrency: { max_in_flight: 1 } }, T0);
    engine.create({ id: 'r2', firmware: { model: 'LK-200', version: '3.0.0' } }, T0);
    report('a', 'waiting_window', 'ok', T0 + MIN);
    engine.tick(T0 + MIN);
    expect(job('r1', 'a').state).toBe('downloaded');
  });

  it('limits jobs in flight per site on its own', () => {
    const { engine, downloads } = setup([...fleet(3), dev('e', { site: 's2' })]);
    engine.create({ id: 'r1', firmware: FW, concurrency: { per_site: 2 } }, T0);
    expect(downloads()).toHaveLength(3);
    expect(downloads()).toContain('e');
  });

  it('loads a state saved while rolling back', () => {
    const h = setup(fleet(2));
    h.engine.create({ id: 'r1', firmware: FW, error_gate: { max_failure_ratio: 0, min_executed: 1, action: 'rollback' } }, T0);
    const [a, b] = h.downloads() as [string, string];
    h.update(a, T0 + MIN);
    h.update(b, T0 + 3 * MIN, 'fail');
    h.engine.tick(T0 + 5 * MIN);
    const saved = h.engine.saveState();
    expect(saved.rollouts[0]!.rollback_jobs).toHaveLength(1);
    const other = h.twin();
    other.loadState(saved);
    expect(other.saveState()).toEqual(saved);
    expect(other.deviceJob(a)).toEqual(h.engine.deviceJob(a));
  });
});

describe('ramp during a rollback', () => {
  it('does not count rollback commits as successes of the release for the ramp', () => {
    const h = setup(fleet(3));
    // 1 × 2^floor(successes / 3) a minute: 1 a minute until the third forward success.
    h.engine.create({ id: 'r1', firmware: FW, pacing: { ramp: { base_per_minute: 1, factor: 2, every_succeeded: 3 } }, error_gate: { max_failure_ratio: 0, min_executed: 1, action: 'rollback' } }, T0);
    const step = (d: string, at: number, last: 'committed' | 'failed') => {
      h.report(d, 'waiting_window', 'ok', at);
      h.engine.tick(at);
      h.report(d, last, last === 'committed' ? 'ok' : 'install_failed', at + 10 * SEC);
      h.engine.tick(at + 10 * SEC);
    };
    step(h.downloads()[0]!, T0 + 10 * SEC, 'committed');
    h.engine.tick(T0 + 60 * SEC);
    step(h.downloads()[1]!, T0 + 70 * SEC, 'committed'); // 2 successes: still 1 a minute
    h.engine.tick(T0 + 120 * SEC);
    step(h.downloads()[2]!, T0 + 130 * SEC, 'failed'); // the gate: roll the two back
    expect(h.engine.status('r1')!.state).toBe('rolling_back');
    h.engine.tick(T0 + 180 * SEC);
    const back = h.commands('download', 'r1~rollback').map((c) => c.device_id);
    expect(back).toHaveLength(1);
    step(back[0]!, T0 + 190 * SEC, 'committed'); // a rollback commit: the ramp stays at 1 a minute
    expect(h.commands('download', 'r1~rollback')).toHaveLength(1);
    h.engine.tick(T0 + 240 * SEC);
    expect(h.commands('download', 'r1~rollback')).toHaveLength(2);
  });
});
