import { describe, expect, it } from 'vitest';
import { evaluateExpectations, expectationsPassed, LiveChecks, type ExpectationResult } from '../../harness/expect/evaluate.ts';
import { resolveExpectations } from '../../harness/expect/expectations.ts';
import type { RunFacts } from '../../harness/expect/metrics.ts';
import type { OracleFault, OracleReport } from '../../harness/expect/oracle.ts';
import type { ExpectationFile } from '../../harness/expect/schema.ts';
import type { RunSummary } from '../../harness/run/run-types.ts';
import type { Alert, Incident } from '../../platform/core/model.ts';
import type { Platform } from '../../platform/core/platform.ts';
import { ScopeIndex } from '../../sim/faults/scope.ts';
import type { DeviceSpec, Portfolio } from '../../sim/world/topology.ts';

/**
 * Pins harness/expect/evaluate.ts on a hand-built fleet: floor F1 has gateway g1 with leak
 * sensors d1 and d2; floor F2 has gateway g2 with d3. A gateway fault on g1 thus targets g1,
 * affects g1, d1, d2, and has d1, d2 behind it. Times are minutes from 0; every fixture is
 * built inside its test.
 */
const MIN = 60_000;

function device(id: string, kind: DeviceSpec['kind'], floor: string, gateway: string | null): DeviceSpec {
  return { id, kind, model: 'm', serial: id, firmware: '1', site_id: 'S', building_id: 'B', floor_id: floor, zone_id: null, gateway_id: gateway, critical: false, tags: [] };
}

function index(): ScopeIndex {
  const devices = [device('d1', 'leak', 'F1', 'g1'), device('d2', 'leak', 'F1', 'g1'), device('d3', 'leak', 'F2', 'g2'), device('g1', 'gateway', 'F1', null), device('g2', 'gateway', 'F2', null)];
  return new ScopeIndex({ name: 't', sites: [], devices } as Portfolio);
}

function fault(over: Partial<OracleFault> = {}): OracleFault {
  return { id: 'F#1', source: 'gw', fault: 'gateway_down', scope: 'gateway', on: 'g1', start_ms: 10 * MIN, end_ms: 40 * MIN, applied: true, affected: 3, status: 'detected', detected_ms: null, latency_ms: null, detected_by: null, alerts: 0, ...over };
}

function alert(id: string, device_id: string, started_min: number, over: Partial<Alert> = {}): Alert {
  return { id, device_id, type: 'device_offline', started_ms: started_min * MIN, inhibited_by: null, ...over } as Alert;
}

function incident(id: string, opened_min: number, over: Partial<Incident> = {}): Incident {
  return { id, priority: 'P2', scope: { kind: 'device', id: 'zz' }, cause: 'device_offline', opened_ms: opened_min * MIN, device_ids: [], ...over } as Incident;
}

function facts(faults: OracleFault[], over: Partial<RunFacts> = {}): RunFacts {
  const summary = { start_ms: 0, end_ms: 100 * MIN } as RunSummary;
  const oracle = { faults } as unknown as OracleReport;
  return { summary, sla: null, oracle, alerts: [], incidents: [], rollouts: null, ...over };
}

function run(files: ExpectationFile[], f: RunFacts, live?: LiveChecks): ExpectationResult[] {
  return evaluateExpectations(resolveExpectations(files, files.map((_, i) => 10 + i)), f, index(), live);
}

function one(file: ExpectationFile, f: RunFacts): ExpectationResult {
  return run([file], f)[0]!;
}

describe('alert checks', () => {
  it('passes on the earliest matching alert on the fault\'s devices, inside [onset, onset + within] inclusive', () => {
    const alerts = [
      alert('a-late', 'd1', 14),
      alert('a-first', 'd2', 12),
      alert('a-wrongtype', 'd1', 11, { type: 'leak' }),
      alert('a-elsewhere', 'd3', 11),
      alert('a-before', 'd1', 9),
    ];
    const r = one({ alert: 'device_offline', for_fault: 'gw', within: 120_000 }, facts([fault()], { alerts }));
    expect(r).toEqual({
      name: 'device_offline alert within 2m of gw', kind: 'alert', status: 'passed', measured: '2m after onset',
      expected: 'within 2m', message: '1 of 1 fault(s) answered within 2m', line: 10, decided_ms: 12 * MIN,
    });
    // An alert exactly at the deadline counts; one a millisecond after does not.
    const at = one({ alert: 'device_offline', for_fault: 'gw', within: 120_000 }, facts([fault()], { alerts: [alert('a', 'd1', 12)] }));
    expect(at).toMatchObject({ status: 'passed', measured: '2m after onset' });
    const after = one({ alert: 'device_offline', for_fault: 'gw', within: 120_000 }, facts([fault()], { alerts: [{ ...alert('a', 'd1', 12), started_ms: 12 * MIN + 1 }] }));
    expect(after).toMatchObject({ status: 'failed', decided_ms: 12 * MIN });
    // An alert exactly at the onset counts, with latency 0.
    expect(one({ alert: 'device_offline', for_fault: 'gw', within: 120_000 }, facts([fault()], { alerts: [alert('a', 'd1', 10)] }))).toMatchObject({ status: 'passed', measured: '0s after onset', decided_ms: 10 * MIN });
  });

  it('fails naming the fault, its onset and the window when nothing matched before the deadline', () => {
    const f = facts([fault()], { alerts: [alert('a', 'd3', 11)], local_time: (t, d) => `L${t / MIN}@${d}` });
    const r = one({ alert: ['device_offline', 'gateway_offline'], for_fault: 'gw', within: 120_000 }, f);
    expect(r).toMatchObject({
      status: 'failed', measured: 'none', decided_ms: 12 * MIN,
      message: 'no device_offline/gateway_offline alert for fault F#1 (gateway_down on g1, onset L10@g1 (+10m)) within 2m',
    });
  });

  it('a floor fault\'s onset is stamped in the zone of its first device; broker faults have none', () => {
    const seen: Array<string | undefined> = [];
    const local_time = (t: number, d?: string): string => {
      seen.push(d);
      return 'L';
    };
    one({ alert: 'device_offline', for_fault: 'gw', within: 60_000 }, facts([fault({ scope: 'floor', on: 'F2', fault: 'floor_power' })], { local_time }));
    one({ alert: 'device_offline', for_fault: 'gw', within: 60_000 }, facts([fault({ scope: 'broker', on: 'broker', fault: 'broker' })], { local_time, alerts: [] }));
    expect(seen).toEqual(['d3', undefined]);
  });

  it('a fault on a floor with no devices fails with its onset on the start clock (no device to take a zone from)', () => {
    const seen: Array<string | undefined> = [];
    const local_time = (t: number, d?: string): string => {
      seen.push(d);
      return `L${t / MIN}`;
    };
    const r = one({ alert: 'device_offline', for_fault: 'gw', within: 60_000 }, facts([fault({ scope: 'floor', on: 'F9', fault: 'floor_power' })], { local_time }));
    expect(r).toMatchObject({ status: 'failed', message: 'no device_offline alert for fault F#1 (floor_power on F9, onset L10 (+10m)) within 1m' });
    expect(seen).toEqual([undefined]);
  });

  it('several instances: the worst latency, counted over the decided ones; the run ending first leaves one undecided', () => {
    const faults = [fault({ id: 'A' }), fault({ id: 'B', start_ms: 50 * MIN }), fault({ id: 'C', start_ms: 99 * MIN }), fault({ id: 'N', start_ms: 20 * MIN, applied: false }), fault({ id: 'O', source: 'other', start_ms: 30 * MIN })];
    const alerts = [alert('a1', 'g1', 11), alert('a2', 'd2', 53)];
    const r = one({ alert: 'device_offline', for_fault: 'gw', within: 5 * MIN }, facts(faults, { alerts }));
    // A: 1 min, B: 3 min, C: its deadline (104 min) is past the end (100 min), so undecided.
    expect(r).toMatchObject({ status: 'passed', measured: '3m after onset (worst of 2)', message: '2 of 2 fault(s) answered within 5m', decided_ms: 53 * MIN });
    // decided_ms is the latest answer, whichever instance came first in the list.
    const reversed = one({ alert: 'device_offline', for_fault: 'gw', within: 5 * MIN }, facts([faults[1]!, faults[0]!], { alerts }));
    expect(reversed.decided_ms).toBe(53 * MIN);
    // A deadline exactly at the end is undecided too.
    const edge = one({ alert: 'device_offline', for_fault: 'gw', within: 5 * MIN }, facts([fault({ start_ms: 95 * MIN })]));
    expect(edge).toEqual(expect.objectContaining({ status: 'skipped', measured: 'n/a', message: 'the run ended before 5m had passed since "gw" began', decided_ms: null }));
    // One minute earlier the deadline (99 min) is inside the run: a failure.
    expect(one({ alert: 'device_offline', for_fault: 'gw', within: 5 * MIN }, facts([fault({ start_ms: 94 * MIN })]))).toMatchObject({ status: 'failed', decided_ms: 99 * MIN });
  });

  it('devices: targets are the gateway itself, behind are its children only, affected both', () => {
    const on_child = facts([fault()], { alerts: [alert('a', 'd1', 11)] });
    const on_gw = facts([fault()], { alerts: [alert('a', 'g1', 11)] });
    const base = { alert: 'device_offline', for_fault: 'gw', within: 5 * MIN } as const;
    expect([one({ ...base, devices: 'targets' }, on_child).status, one({ ...base, devices: 'targets' }, on_gw).status]).toEqual(['failed', 'passed']);
    expect([one({ ...base, devices: 'behind' }, on_child).status, one({ ...base, devices: 'behind' }, on_gw).status]).toEqual(['passed', 'failed']);
    expect([one({ ...base, devices: 'affected' }, on_child).status, one({ ...base, devices: 'affected' }, on_gw).status]).toEqual(['passed', 'passed']);
    // A floor fault targets every device on the floor, and has behind it the floor gateway's children.
    const floor = (d: string) => facts([fault({ fault: 'floor_power', scope: 'floor', on: 'F1' })], { alerts: [alert('a', d, 11)] });
    expect(['d1', 'g1', 'd3'].map((d) => one({ ...base, devices: 'targets' }, floor(d)).status)).toEqual(['passed', 'passed', 'failed']);
    expect(['d1', 'g1', 'd3'].map((d) => one({ ...base, devices: 'behind' }, floor(d)).status)).toEqual(['passed', 'failed', 'failed']);
    // A broker fault has no targets and every device behind and affected.
    const broker = (d: string) => facts([fault({ fault: 'broker', scope: 'broker', on: 'broker' })], { alerts: [alert('a', d, 11)] });
    expect(['targets', 'behind', 'affected'].map((devices) => one({ ...base, devices: devices as 'targets' }, broker('d3')).status)).toEqual(['failed', 'passed', 'passed']);
  });

  it('skips without the fault, and without a platform in the loop', () => {
    expect(one({ alert: 'device_offline', for_fault: 'gw', within: MIN }, facts([fault({ source: 'other' })]))).toMatchObject({ status: 'skipped', measured: 'n/a', message: 'fault "gw" did not happen in this run', decided_ms: null });
    expect(one({ alert: 'device_offline', for_fault: 'gw', within: MIN }, facts([fault({ applied: false })]))).toMatchObject({ status: 'skipped', message: 'fault "gw" did not happen in this run' });
    expect(one({ alert: 'device_offline', for_fault: 'gw', within: MIN }, facts([fault()], { oracle: null }))).toEqual(expect.objectContaining({ status: 'skipped', measured: 'n/a', expected: 'within 1m', message: 'the run had no platform in the loop', decided_ms: null }));
  });
});

describe('incident checks', () => {
  it('matches priority, cause and scope kind; an incident counts when on the fault\'s node, one of its devices, or listing one', () => {
    const base = { for_fault: 'gw', within: 5 * MIN } as const;
    const with_incidents = (...incidents: Incident[]) => facts([fault()], { incidents });
    // On the gateway's own scope id.
    expect(one({ ...base, incident: 'P2' }, with_incidents(incident('i', 12, { scope: { kind: 'gateway', id: 'g1' } })))).toMatchObject({ status: 'passed', measured: '2m after onset' });
    // Its scope is a device behind the gateway.
    expect(one({ ...base, incident: 'P2' }, with_incidents(incident('i', 12, { scope: { kind: 'device', id: 'd2' } })))).toMatchObject({ status: 'passed' });
    // It lists an affected device.
    expect(one({ ...base, incident: 'P2' }, with_incidents(incident('i', 12, { device_ids: ['d9', 'd1'] })))).toMatchObject({ status: 'passed' });
    // None of those.
    expect(one({ ...base, incident: 'P2' }, with_incidents(incident('i', 12, { device_ids: ['d3'] })))).toMatchObject({ status: 'failed', message: expect.stringMatching(/^no P2 incident for fault F#1 /) });
    // Filters: priority, cause, scope kind each rule out an otherwise matching incident.
    const i = incident('i', 12, { scope: { kind: 'gateway', id: 'g1' }, priority: 'P1', cause: 'gateway_down' });
    expect(one({ ...base, incident: { priority: 'P1', cause: 'gateway_down', scope: 'gateway' } }, with_incidents(i)).status).toBe('passed');
    expect(one({ ...base, incident: { priority: 'P2' } }, with_incidents(i)).status).toBe('failed');
    expect(one({ ...base, incident: { cause: 'leak' } }, with_incidents(i)).message).toMatch(/^no leak incident for fault/);
    expect(one({ ...base, incident: { scope: 'site' } }, with_incidents(i)).message).toMatch(/^no matching incident for fault/);
    expect(one({ ...base, incident: { priority: 'P3', cause: 'leak' } }, with_incidents(i)).message).toMatch(/^no P3 leak incident for fault/);
    // The window: an incident opened before the onset or after the deadline does not count; the earliest inside does.
    const r = one({ ...base, incident: 'P2' }, with_incidents(incident('x', 9, { device_ids: ['d1'] }), incident('y', 16, { device_ids: ['d1'] }), incident('z', 14, { device_ids: ['d1'] }), incident('w', 13, { device_ids: ['d1'] })));
    expect(r).toMatchObject({ status: 'passed', measured: '3m after onset', decided_ms: 13 * MIN });
    expect(one({ ...base, incident: 'P2' }, with_incidents(incident('e', 15, { device_ids: ['d1'] })))).toMatchObject({ status: 'passed', measured: '5m after onset' });
    expect(one({ ...base, incident: 'P2' }, with_incidents(incident('b', 10, { device_ids: ['d1'] })))).toMatchObject({ status: 'passed', measured: '0s after onset' });
  });

  it('a broker fault\'s "affected" set is everything, so any matching incident counts', () => {
    const f = facts([fault({ fault: 'broker', scope: 'broker', on: 'broker' })], { incidents: [incident('i', 12, { device_ids: ['d3'] })] });
    expect(one({ incident: 'P2', for_fault: 'gw', within: 5 * MIN }, f).status).toBe('passed');
  });

  it('without a platform in the loop it is skipped', () => {
    expect(one({ incident: 'P2', for_fault: 'gw', within: 5 * MIN }, facts([fault()], { oracle: null }))).toMatchObject({ status: 'skipped', message: 'the run had no platform in the loop', expected: 'within 5m' });
  });
});

describe('no_alert checks', () => {
  it('counts uninhibited alerts from the onset to the fault\'s end plus the tail, on the devices behind it by default', () => {
    const alerts = [
      alert('a3', 'd1', 30),
      alert('a1', 'd2', 20),
      alert('a0', 'd1', 20),
      alert('in', 'd1', 21, { inhibited_by: 'I1' }),
      alert('gw', 'g1', 22),
      alert('early', 'd1', 9),
      alert('tail', 'd2', 55),
      alert('late', 'd2', 55.001),
      alert('other', 'd3', 25),
    ];
    const f = facts([fault()], { alerts, local_time: () => 'L' });
    // Fault 10–40 min, tail 15 min: up to 55 min inclusive; g1 is a target, not behind.
    const r = one({ no_alert: 'any', for_fault: 'gw' }, f);
    expect(r).toEqual({
      name: 'no alert on the devices behind gw', kind: 'no_alert', status: 'failed', measured: '4 alert(s)', expected: '0 alerts', line: 10, decided_ms: 20 * MIN,
      message: '4 uninhibited alert(s) on the behind devices: a0 at L (+20m), a1 at L (+20m), a3 at L (+30m), …',
    });
    // Inhibited ones too when asked.
    expect(one({ no_alert: 'any', for_fault: 'gw', include_inhibited: true }, f)).toMatchObject({ measured: '5 alert(s)', message: expect.stringMatching(/^5 alert\(s\) on the behind devices: a0 at/) });
    // Only the listed types.
    expect(one({ no_alert: ['leak'], for_fault: 'gw' }, f)).toMatchObject({ status: 'passed', measured: '0 alerts', message: 'no paging alert on the behind devices of 1 fault(s)', decided_ms: null });
    expect(one({ no_alert: 'leak', for_fault: 'gw', include_inhibited: true }, f)).toMatchObject({ status: 'passed', message: 'no alert on the behind devices of 1 fault(s)' });
    // Exactly three offending alerts: no ellipsis.
    const three = facts([fault()], { alerts: alerts.slice(0, 3), local_time: () => 'L' });
    expect(one({ no_alert: 'device_offline', for_fault: 'gw', within: MIN }, three).message).toBe('3 uninhibited alert(s) on the behind devices: a0 at L (+20m), a1 at L (+20m), a3 at L (+30m)');
  });

  it('a fault still active at the end looks until the end of the run plus the tail; one alert is counted once over two instances', () => {
    const f = facts([fault({ end_ms: null }), fault({ id: 'F#2', start_ms: 5 * MIN })], { alerts: [alert('a', 'd1', 99)] });
    expect(one({ no_alert: 'any', for_fault: 'gw', within: 0 }, f)).toMatchObject({ status: 'failed', measured: '1 alert(s)' });
    expect(one({ no_alert: 'any', for_fault: 'gw', devices: 'targets' }, f)).toMatchObject({ status: 'passed', message: 'no paging alert on the targets devices of 2 fault(s)' });
  });

  it('names say which devices; skipped without the fault or a platform', () => {
    const rs = run([{ no_alert: 'any', for_fault: 'gw', devices: 'targets' }, { no_alert: ['leak', 'device_offline'], for_fault: 'gw', devices: 'affected' }], facts([]));
    expect(rs.map((r) => [r.name, r.status, r.message])).toEqual([
      ['no alert on the devices hit by gw', 'skipped', 'fault "gw" did not happen in this run'],
      ['no leak/device_offline alert on the devices affected by gw', 'skipped', 'fault "gw" did not happen in this run'],
    ]);
    expect(one({ no_alert: 'any', for_fault: 'gw' }, facts([fault()], { oracle: null }))).toMatchObject({ status: 'skipped', measured: 'n/a', message: 'the run had no platform in the loop', expected: '0 alerts' });
  });
});

describe('that checks', () => {
  it('pass and fail with the measured value and the expectation written out; an unavailable metric fails or skips as it says', () => {
    const f = facts([], { summary: { start_ms: 0, end_ms: 1, messages: 5, wills: 0 } as RunSummary });
    const rs = run([{ that: 'messages >= 5' }, { that: 'messages != 5', name: 'named' }, { that: 'rollout.r.state = done' }, { that: 'sla.availability >= 99.5%' }], f);
    expect(rs).toEqual([
      { name: 'that messages >= 5', kind: 'that', status: 'passed', measured: '5', expected: '≥ 5', message: 'messages = 5, expected ≥ 5', line: 10, decided_ms: null },
      { name: 'named', kind: 'that', status: 'failed', measured: '5', expected: '≠ 5', message: 'messages = 5, expected ≠ 5', line: 11, decided_ms: null },
      expect.objectContaining({ status: 'failed', measured: 'none', message: 'the run reported no rollouts (the patching module reports them in summary.rollouts)', expected: '= done' }),
      expect.objectContaining({ status: 'skipped', measured: 'none', message: 'the run had no platform in the loop', expected: '≥ 99.5%' }),
    ]);
    expect(rs.map((r) => r.expected)).toEqual(['≥ 5', '≠ 5', '= done', '≥ 99.5%']);
  });

  it('each operator is written as people write it', () => {
    const f = facts([], { summary: { start_ms: 0, end_ms: 1, messages: 5, wills: 0 } as RunSummary });
    expect(run([{ that: 'messages = 5' }, { that: 'messages < 5' }, { that: 'messages <= 5' }, { that: 'messages > 5' }], f).map((r) => [r.expected, r.status])).toEqual([['= 5', 'passed'], ['< 5', 'failed'], ['≤ 5', 'passed'], ['> 5', 'failed']]);
  });

  it('an unknown metric (resolved without the scenario check) fails naming it', () => {
    const e = resolveExpectations([{ that: 'messages >= 5' }]);
    const bad = [{ ...e[0]!, comparison: { ...(e[0] as { comparison: object }).comparison, metric: 'nope' } }] as typeof e;
    expect(evaluateExpectations(bad, facts([]), index())[0]).toMatchObject({ status: 'failed', measured: 'n/a', message: 'unknown metric "nope"' });
  });
});

describe('always checks', () => {
  function platform(over: { open?: Array<{ priority: string; status: string }>; firing?: number; offline?: number; unreachable?: number }): Platform {
    return {
      incidents: { all: () => over.open ?? [] },
      alerts: { active: () => Array.from({ length: over.firing ?? 0 }) },
      registry: { stats: () => ({ by_liveness: { ...(over.offline === undefined ? {} : { OFFLINE: over.offline }), ...(over.unreachable === undefined ? {} : { UNREACHABLE: over.unreachable }) } }) },
    } as unknown as Platform;
  }

  it('reads each live metric from the platform: open incidents skip resolved ones and filter by priority', () => {
    const files: ExpectationFile[] = [{ that: 'messages >= 0' }, { always: 'open_incidents <= 100' }, { always: 'open_incidents.P1 <= 100' }, { always: 'firing_alerts <= 100' }, { always: 'offline_devices <= 100' }, { always: 'unreachable_devices <= 100' }];
    const live = new LiveChecks(resolveExpectations(files));
    expect(live.active).toBe(true);
    const open = [{ priority: 'P1', status: 'open' }, { priority: 'P2', status: 'acknowledged' }, { priority: 'P1', status: 'resolved' }, { priority: 'P1', status: 'acknowledged' }];
    live.step(MIN, { platform: platform({ open, firing: 7, offline: 4, unreachable: 6 }) });
    live.step(2 * MIN, { platform: platform({}) });
    const rs = run(files, facts([], { summary: { start_ms: 0, end_ms: 1, messages: 1, wills: 0 } as RunSummary }), live);
    expect(rs.slice(1).map((r) => [r.status, r.measured, r.expected, r.message])).toEqual([
      ['passed', 'worst 3', 'always ≤ 100', 'held at all 2 step ends'],
      ['passed', 'worst 2', 'always ≤ 100', 'held at all 2 step ends'],
      ['passed', 'worst 7', 'always ≤ 100', 'held at all 2 step ends'],
      ['passed', 'worst 4', 'always ≤ 100', 'held at all 2 step ends'],
      ['passed', 'worst 6', 'always ≤ 100', 'held at all 2 step ends'],
    ]);
  });

  it('the worst value is the highest for ≤ limits and the lowest for ≥ limits; the first violation is kept', () => {
    const files: ExpectationFile[] = [{ always: 'firing_alerts >= 2' }, { always: 'firing_alerts > 1' }, { always: 'firing_alerts <= 4' }];
    const live = new LiveChecks(resolveExpectations(files));
    for (const [t, n] of [[1, 3], [2, 1], [3, 0], [4, 5], [5, 2]] as const) live.step(t * MIN, { platform: platform({ firing: n }) });
    const rs = run(files, facts([], { local_time: () => 'L' }), live);
    expect(rs.map((r) => [r.status, r.measured, r.decided_ms, r.message])).toEqual([
      ['failed', '1', 2 * MIN, 'firing_alerts was 1 at L (+2m), expected always ≥ 2 (worst 0)'],
      ['failed', '1', 2 * MIN, 'firing_alerts was 1 at L (+2m), expected always > 1 (worst 0)'],
      ['failed', '5', 4 * MIN, 'firing_alerts was 5 at +4m, expected always ≤ 4 (worst 5)'.replace('+4m', 'L (+4m)')],
    ]);
  });

  it('a step without a platform is not a sample; never sampled is skipped, and no always check means inactive', () => {
    const files: ExpectationFile[] = [{ always: 'firing_alerts <= 0' }];
    const live = new LiveChecks(resolveExpectations(files));
    live.step(MIN, { platform: undefined });
    expect(run(files, facts([]), live)[0]).toMatchObject({ status: 'skipped', measured: 'n/a', message: 'never sampled (no platform in the loop, or no lockstep step ran)', decided_ms: null, expected: 'always ≤ 0' });
    expect(run(files, facts([]))[0]).toMatchObject({ status: 'skipped' });
    expect(new LiveChecks(resolveExpectations([{ that: 'messages >= 0' }])).active).toBe(false);
    expect(new LiveChecks([]).active).toBe(false);
  });

  it('the offset from the start is never negative', () => {
    const files: ExpectationFile[] = [{ always: 'firing_alerts <= 0' }];
    const live = new LiveChecks(resolveExpectations(files));
    live.step(MIN, { platform: platform({ firing: 1 }) });
    const f = facts([], { summary: { start_ms: 2 * MIN, end_ms: 3 * MIN } as RunSummary });
    expect(run(files, f, live)[0]!.message).toBe('firing_alerts was 1 at +0s, expected always ≤ 0 (worst 1)');
  });
});

describe('the overall verdict', () => {
  it('passes unless something failed; skipped is not a failure', () => {
    const r = (status: ExpectationResult['status']) => ({ status }) as ExpectationResult;
    expect(expectationsPassed([])).toBe(true);
    expect(expectationsPassed([r('passed'), r('skipped')])).toBe(true);
    expect(expectationsPassed([r('passed'), r('failed'), r('skipped')])).toBe(false);
  });
});
