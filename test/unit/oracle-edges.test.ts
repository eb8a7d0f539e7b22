/**
 * The ground-truth oracle's less travelled paths, each on a hand-written trace with the expected
 * figures written out: the world's own facts (deaths, bricks, reboots, natural leaks), leak and
 * gateway/broker explanations, outage incidents as detection, faults that did not take hold or
 * are not scored, slow-onset faults, the class table and ordering. Kept apart from
 * oracle.test.ts so the mutation run's incremental results for that file stay valid.
 */
import { describe, expect, it } from 'vitest';
import type { Alert, AlertType, Incident } from '../../platform/core/model.ts';
import { lineKind, OracleCollector, type OracleReport } from '../../harness/expect/oracle.ts';
import { generatePortfolio } from '../../sim/world/generate.ts';
import { smallOffice, START_MS as T } from '../helpers/small-fleet.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

// Two floors, a gateway each: faults behind one gateway must not explain the other floor.
const portfolio = generatePortfolio('oracle-edges', smallOffice({ floors: 2, zones: 2 }));
const gateway = portfolio.devices.find((d) => d.kind === 'gateway' && portfolio.devices.some((c) => c.gateway_id === d.id))!;
const child = portfolio.devices.find((d) => d.gateway_id === gateway.id)!.id;
const GW = gateway.id;
const LEAK = portfolio.devices.find((d) => d.kind === 'leak')!.id;
// A device with no path through GW, so GW's outage cannot explain it.
const ENV = portfolio.devices.find((d) => d.kind === 'env' && d.gateway_id !== GW)!.id;

const line = (t: number, k: string, fields: Record<string, unknown>): string => JSON.stringify({ t, k, ...fields });

function alert(type: AlertType, device_id: string, started_ms: number): Alert {
  return { id: `${type}:${device_id}@${started_ms}`, device_id, type, severity: 'major', status: 'firing', started_ms, acked_ms: null, resolved_ms: null, count: 1, flapping: false, inhibited_by: null, summary: 'test' };
}

function incident(id: string, kind: 'device' | 'gateway', device_ids: string[], opened_ms: number): Incident {
  return { id, priority: 'P2', scope: { kind, id: device_ids[0]! }, site: 'nyc', building: 'hq', cause: 'test', status: 'open', opened_ms, acked_ms: null, resolved_ms: null, response_due_ms: opened_ms, resolution_due_ms: opened_ms, alert_ids: [], device_ids };
}

function score(trace: string[], alerts: Alert[], opts: { end_ms?: number; incidents?: Incident[] } = {}): OracleReport {
  const o = new OracleCollector(portfolio);
  for (const l of trace) o.line(l);
  return o.finish({ end_ms: opts.end_ms ?? T + 12 * HOUR, alerts, incidents: opts.incidents ?? [] });
}

describe('oracle: the world\'s own facts', () => {
  it('counts deaths, bricks, firmware reboots and natural leaks, and ignores lines it does not read', () => {
    const r = score(
      [
        line(T + MIN, 'power', { d: ENV, s: 'dead', why: 'battery' }),
        line(T + 2 * MIN, 'power', { d: child, s: 'dead', why: 'bricked by firmware' }),
        line(T + 3 * MIN, 'power', { d: GW, s: 'offline', why: 'firmware_reboot' }),
        line(T + 4 * MIN, 'power', { d: GW, s: 'offline', why: 'cut' }),
        line(T + 5 * MIN, 'power', { d: GW, s: 'online' }),
        line(T + 10 * MIN, 'leak', { d: LEAK, s: 'start' }), // nobody injected this one
        line(T + 20 * MIN, 'leak', { d: LEAK, s: 'end' }),
        line(T + 30 * MIN, 'fault', { id: 'wet', kind: 'leak', d: LEAK, s: 'start' }),
        line(T + 30 * MIN, 'leak', { d: LEAK, s: 'start' }), // the injected one
        line(T + 40 * MIN, 'pub', { d: ENV, topic: 'x' }), // not a fact the oracle reads
        'not a trace line',
      ],
      [],
    );
    expect(r.truth).toEqual({ deaths: 2, bricked: 1, reboots: 1, natural_leaks: 1 });
    expect(r.dropped_facts).toBe(0);
  });

  it('lineKind reads the record kind without parsing, and nothing from a line without one', () => {
    expect(lineKind('{"t":5,"k":"fault","id":"x"}')).toBe('fault');
    expect(lineKind('{"t":5,"id":"x"}')).toBeUndefined();
    expect(lineKind('{"t":5,"k":"fau')).toBeUndefined();
  });
});

describe('oracle: what explains an alert', () => {
  const LEAK_TRACE = [line(T + 10 * MIN, 'leak', { d: LEAK, s: 'start' }), line(T + 60 * MIN, 'leak', { d: LEAK, s: 'end' })];

  it('a leak alert is natural while water is there and up to 30 minutes after it dried, false otherwise', () => {
    const r = score(LEAK_TRACE, [
      alert('leak', LEAK, T + 5 * MIN), // before the water: false
      alert('leak', LEAK, T + 10 * MIN), // at the start: natural
      alert('leak', LEAK, T + 90 * MIN), // 30 min after it dried: natural
      alert('leak', LEAK, T + 91 * MIN), // 31 min after: false
      alert('leak', ENV, T + 20 * MIN), // another device: false
    ]);
    expect(r.alerts).toMatchObject({ total: 5, attributed: 0, natural: 2, false: 3, false_by_type: { leak: 3 } });
    // Reported in time order, whatever order the platform listed them in.
    expect(r.alerts.false_examples.map((a) => a.at_ms)).toEqual([T + 5 * MIN, T + 20 * MIN, T + 91 * MIN]);
  });

  it('a connectivity alert is natural when the device, its gateway or the broker was down in the 4 h before', () => {
    const r = score(
      [
        line(T + 10 * MIN, 'will', { c: GW, reason: 'power' }),
        line(T + 20 * MIN, 'connect', { d: GW, n: 0, ok: false }),
        line(T + 30 * MIN, 'connect', { d: GW, n: 1, ok: true }),
        line(T + 6 * HOUR, 'broker', { s: 'down' }),
        line(T + 6 * HOUR + 10 * MIN, 'broker', { s: 'up' }),
        line(T + 8 * HOUR, 'lost', { c: ENV, reason: 'socket' }),
      ],
      [
        alert('device_offline', child, T + 4 * HOUR + 10 * MIN), // gateway down until +30 min, within 4 h
        alert('device_offline', child, T + 4 * HOUR + 31 * MIN), // more than 4 h after it came back: false
        alert('gateway_offline', GW, T + 25 * MIN), // the gateway itself, still down (the failed connect did not close it)
        alert('stale_telemetry', ENV, T + 6 * HOUR + 5 * MIN), // the broker was down
        alert('device_offline', ENV, T + 8 * HOUR + MIN), // its session was lost
        alert('device_offline', ENV, T + 5 * HOUR), // nothing: false
      ],
    );
    expect(r.alerts).toMatchObject({ total: 6, attributed: 0, natural: 4, false: 2, false_by_type: { device_offline: 2 } });
    expect(r.alerts.false_examples.map((a) => [a.device, a.at_ms])).toEqual([
      [child, T + 4 * HOUR + 31 * MIN],
      [ENV, T + 5 * HOUR],
    ]);
  });

  it('false_by_type lists types alphabetically', () => {
    const r = score([], [alert('stale_telemetry', ENV, T + HOUR), alert('device_offline', ENV, T + 2 * HOUR), alert('gateway_offline', GW, T + 3 * HOUR)]);
    expect(Object.keys(r.alerts.false_by_type)).toEqual(['device_offline', 'gateway_offline', 'stale_telemetry']);
  });
});

describe('oracle: faults', () => {
  it('a gateway outage is detected by its outage incident when that opens before any alert; device incidents do not count', () => {
    const trace = [
      line(T + HOUR, 'fault', { id: 'gw-cut#1', kind: 'gateway_down', d: GW, s: 'start' }),
      line(T + HOUR, 'power', { d: GW, s: 'offline', why: 'fault' }),
      line(T + 2 * HOUR, 'fault', { id: 'gw-cut#1', kind: 'gateway_down', d: GW, s: 'end' }),
    ];
    const alerts = [alert('gateway_offline', GW, T + HOUR + 9 * MIN), alert('device_offline', child, T + HOUR + 10 * MIN)];
    const by_incident = score(trace, alerts, { incidents: [incident('inc-dev', 'device', [child], T + HOUR + 2 * MIN), incident('inc-gw', 'gateway', [GW, child], T + HOUR + 5 * MIN)] });
    const f = by_incident.faults[0]!;
    expect(f).toMatchObject({ id: 'gw-cut#1', source: 'gw-cut', scope: 'gateway', on: GW, status: 'detected', detected_by: 'inc-gw', latency_ms: 5 * MIN, detected_ms: T + HOUR + 5 * MIN, alerts: 2 });
    expect(f.affected).toBe(portfolio.devices.filter((d) => d.gateway_id === GW).length + 1);
    // The same incident opening after the first alert: the alert is the detection.
    const by_alert = score(trace, alerts, { incidents: [incident('inc-gw', 'gateway', [GW, child], T + HOUR + 20 * MIN)] });
    expect(by_alert.faults[0]).toMatchObject({ detected_by: alerts[0]!.id, latency_ms: 9 * MIN });
    // An incident over other devices does not detect it.
    const elsewhere = score(trace, [], { incidents: [incident('inc-x', 'gateway', [ENV], T + HOUR + 5 * MIN)] });
    expect(elsewhere.faults[0]!.status).toBe('missed');
  });

  it('a broker outage reaches every device; a fault that did not take hold explains nothing; a platform restart is not scored', () => {
    const r = score(
      [
        line(T + HOUR, 'fault', { id: 'b', kind: 'broker', scope: 'broker', on: 'broker', s: 'start' }),
        line(T + HOUR + 30 * MIN, 'fault', { id: 'b', kind: 'broker', scope: 'broker', on: 'broker', s: 'end' }),
        line(T + 5 * HOUR, 'fault', { id: 'p', kind: 'platform_restart', scope: 'platform', on: 'platform', s: 'start' }),
        line(T + 5 * HOUR + 10 * MIN, 'fault', { id: 'p', kind: 'platform_restart', scope: 'platform', on: 'platform', s: 'end' }),
        line(T + 9 * HOUR, 'fault', { id: 'dry/x', kind: 'leak', d: LEAK, s: 'start', applied: false }),
      ],
      [alert('device_offline', ENV, T + HOUR + 20 * MIN), alert('leak', LEAK, T + 9 * HOUR + MIN)],
    );
    expect(r.faults.map((f) => [f.id, f.source, f.scope, f.status, f.affected, f.alerts, f.applied])).toEqual([
      ['b', 'b', 'broker', 'detected', portfolio.devices.length, 1, true],
      ['p', 'p', 'platform', 'unscored', portfolio.devices.length, 0, true],
      ['dry/x', 'dry', 'device', 'not_applied', 1, 0, false],
    ]);
    expect(r.alerts).toMatchObject({ attributed: 1, natural: 0, false: 1 });
    expect(r.totals).toEqual({ injected: 3, detected: 1, missed: 0, pending: 0 });
    expect(r.classes.map((c) => [c.fault, c.injected, c.detected, c.not_applied, c.scored])).toEqual([
      ['broker', 1, 1, 0, true],
      ['leak', 1, 0, 1, true],
      ['platform_restart', 1, 0, 0, false],
    ]);
  });

  it('a slow fault stays pending until its onset and grace have passed; one still active at the end is open', () => {
    const trace = [line(T + HOUR, 'fault', { id: 'drain', kind: 'battery_depletion', d: ENV, s: 'start', p: { to_empty: 6 * HOUR } })];
    // Grace 4 h after the 6 h onset: decided at +11 h.
    const at = (end_ms: number) => score(trace, [], { end_ms }).faults[0]!;
    expect(at(T + 11 * HOUR - 1)).toMatchObject({ status: 'pending', end_ms: null });
    expect(at(T + 11 * HOUR).status).toBe('missed');
    const seen = score(trace, [alert('battery_low', ENV, T + 7 * HOUR)], { end_ms: T + 8 * HOUR }).faults[0]!;
    expect(seen).toMatchObject({ status: 'detected', latency_ms: 6 * HOUR });
  });

  it('an alert two faults could explain goes to the one whose class detects it, then the one still active, then the narrower', () => {
    const trace = [
      line(T + HOUR, 'fault', { id: 'wet', kind: 'leak', d: LEAK, s: 'start' }),
      line(T + HOUR, 'fault', { id: 'br', kind: 'broker', scope: 'broker', on: 'broker', s: 'start' }),
      line(T + 2 * HOUR, 'fault', { id: 'br', kind: 'broker', scope: 'broker', on: 'broker', s: 'end' }),
      line(T + 2 * HOUR, 'fault', { id: 'wet', kind: 'leak', d: LEAK, s: 'end' }),
      line(T + 3 * HOUR, 'fault', { id: 'down', kind: 'device_down', d: LEAK, s: 'start' }),
    ];
    const r = score(trace, [
      alert('leak', LEAK, T + HOUR + 5 * MIN), // leak detects leak: wet (not the broker)
      alert('device_offline', LEAK, T + HOUR + 6 * MIN), // both cover it; only broker detects connectivity: br
      alert('device_offline', LEAK, T + 3 * HOUR + 5 * MIN), // br in its grace tail, down active: down
    ]);
    expect(r.faults.map((f) => [f.id, f.alerts, f.detected_by])).toEqual([
      ['br', 1, `device_offline:${LEAK}@${T + HOUR + 6 * MIN}`],
      ['wet', 1, `leak:${LEAK}@${T + HOUR + 5 * MIN}`],
      ['down', 1, `device_offline:${LEAK}@${T + 3 * HOUR + 5 * MIN}`],
    ]);
  });

  it('the class table has latency percentiles over the detected faults, the rules that detect the class, names sorted', () => {
    const trace: string[] = [];
    const alerts: Alert[] = [];
    const leaks = portfolio.devices.filter((d) => d.kind === 'leak').map((d) => d.id);
    expect(leaks.length).toBeGreaterThanOrEqual(1);
    // Three leak faults on one device, detected after 3, 1 and 2 minutes.
    [3, 1, 2].forEach((lag, i) => {
      const start = T + (i + 1) * HOUR;
      trace.push(line(start, 'fault', { id: `w${i}`, kind: 'leak', d: LEAK, s: 'start' }), line(start + 10 * MIN, 'fault', { id: `w${i}`, kind: 'leak', d: LEAK, s: 'end' }));
      alerts.push(alert('leak', LEAK, start + lag * MIN));
    });
    trace.push(line(T + 5 * HOUR, 'fault', { id: 'd', kind: 'device_down', d: ENV, s: 'start' }), line(T + 5 * HOUR + MIN, 'fault', { id: 'd', kind: 'device_down', d: ENV, s: 'end' }));
    const r = score(trace, alerts);
    expect(r.classes.map((c) => c.fault)).toEqual(['device_down', 'leak']);
    expect(r.classes[1]).toMatchObject({ injected: 3, detected: 3, missed: 0, pending: 0, not_applied: 0, latency: { n: 3, p50_ms: 2 * MIN, p95_ms: 3 * MIN, max_ms: 3 * MIN }, rules: ['leak'], scored: true });
    expect(r.classes[0]).toMatchObject({ injected: 1, detected: 0, missed: 1, latency: null, rules: ['device_offline', 'gateway_offline', 'stale_telemetry'] });
  });
});
