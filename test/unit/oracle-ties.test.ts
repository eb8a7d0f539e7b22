/**
 * The oracle's ordering, tie-breaks and boundaries on hand-written traces: equal times break by
 * id, window edges are inclusive, a device can go down twice, and the report's lists are capped.
 * Apart from the other oracle files so the mutation run's incremental results for them stay valid.
 */
import { describe, expect, it } from 'vitest';
import type { Alert, AlertType, Incident } from '../../platform/core/model.ts';
import { OracleCollector, type OracleReport } from '../../harness/expect/oracle.ts';
import { generatePortfolio } from '../../sim/world/generate.ts';
import { smallOffice, START_MS as T } from '../helpers/small-fleet.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
// Two floors, a gateway each.
const portfolio = generatePortfolio('oracle-ties', smallOffice({ floors: 2, zones: 2 }));
const gateways = portfolio.devices.filter((d) => d.kind === 'gateway');
const [GW1, GW2] = [gateways[0]!.id, gateways[1]!.id];
const behind = (gw: string) => portfolio.devices.filter((d) => d.gateway_id === gw).map((d) => d.id);
const A = behind(GW1)[0]!;
const B = behind(GW2)[0]!;

const line = (t: number, k: string, fields: Record<string, unknown>): string => JSON.stringify({ t, k, ...fields });
const alert = (type: AlertType, device_id: string, started_ms: number, id = `${type}:${device_id}@${started_ms}`): Alert => ({
  id, device_id, type, severity: 'major', status: 'firing', started_ms, acked_ms: null, resolved_ms: null, count: 1, flapping: false, inhibited_by: null, summary: 'test',
});
const incident = (id: string, device_ids: string[], opened_ms: number): Incident => ({
  id, priority: 'P2', scope: { kind: 'gateway', id: device_ids[0]! }, site: 'nyc', building: 'hq', cause: 'test', status: 'open', opened_ms, acked_ms: null, resolved_ms: null, response_due_ms: opened_ms, resolution_due_ms: opened_ms, alert_ids: [], device_ids,
});

function score(trace: string[], alerts: Alert[], incidents: Incident[] = [], end_ms = T + 12 * HOUR): OracleReport {
  const o = new OracleCollector(portfolio);
  for (const l of trace) o.line(l);
  return o.finish({ end_ms, alerts, incidents });
}

describe('oracle: ties, edges and bounds', () => {
  it('a device down twice has two windows: an alert after the second is natural, one between is false', () => {
    const r = score(
      [
        line(T + HOUR, 'power', { d: A, s: 'offline', why: 'cut' }),
        line(T + HOUR + 5 * MIN, 'power', { d: A, s: 'offline', why: 'cut again' }), // already down: same window
        line(T + 2 * HOUR, 'connect', { d: A, n: 0, ok: true }),
        line(T + 7 * HOUR, 'power', { d: A, s: 'offline', why: 'cut' }),
        line(T + 8 * HOUR, 'connect', { d: A, n: 0, ok: true }),
        line(T + 8 * HOUR + MIN, 'connect', { d: A, n: 0, ok: true }), // nothing open to close
      ],
      [alert('device_offline', A, T + 6 * HOUR + MIN), alert('device_offline', A, T + 7 * HOUR + 10 * MIN), alert('device_offline', A, T + 12 * HOUR + 2 * MIN)],
    );
    expect(r.alerts).toMatchObject({ total: 3, natural: 1, false: 2 });
    expect(r.alerts.false_examples.map((a) => a.at_ms)).toEqual([T + 6 * HOUR + MIN, T + 12 * HOUR + 2 * MIN]);
  });

  it('a broker or leak window closes once: a second "up" or "end" line does not move its end', () => {
    const r = score(
      [
        line(T + HOUR, 'broker', { s: 'down' }),
        line(T + HOUR + 10 * MIN, 'broker', { s: 'up' }),
        line(T + 5 * HOUR, 'broker', { s: 'up' }),
        line(T + HOUR, 'leak', { d: A, s: 'start' }),
        line(T + HOUR + 10 * MIN, 'leak', { d: A, s: 'end' }),
        line(T + 5 * HOUR, 'leak', { d: A, s: 'end' }),
      ],
      [alert('device_offline', B, T + 5 * HOUR + 11 * MIN), alert('leak', A, T + 3 * HOUR)],
    );
    expect(r.alerts).toMatchObject({ total: 2, natural: 0, false: 2 });
  });

  it('alerts with the same start are taken in id order; an alert exactly at a fault\'s start or at the end of its grace is the fault\'s', () => {
    const trace = [line(T + HOUR, 'fault', { id: 'down', kind: 'device_down', d: A, s: 'start' }), line(T + 2 * HOUR, 'fault', { id: 'down', kind: 'device_down', d: A, s: 'end' })];
    const grace_end = T + 2 * HOUR + 4 * HOUR;
    const r = score(trace, [
      alert('stale_telemetry', A, T + HOUR, 'z-first-by-time'),
      alert('device_offline', A, T + HOUR, 'a-same-time'),
      alert('device_offline', A, grace_end),
      alert('device_offline', A, grace_end + 1),
      alert('device_offline', B, T + HOUR - 1, 'b2'),
      alert('device_offline', B, T + HOUR - 1, 'b1'),
    ]);
    expect(r.faults[0]).toMatchObject({ detected_by: 'a-same-time', latency_ms: 0, alerts: 3 });
    expect(r.alerts.false_examples.map((a) => a.id)).toEqual(['b1', 'b2', `device_offline:${A}@${grace_end + 1}`]);
  });

  it('of two faults of the same class on a device, the later one owns an alert; faults starting together are listed by id', () => {
    const r = score(
      [
        line(T + HOUR, 'fault', { id: 'y', kind: 'device_down', d: A, s: 'start' }),
        line(T + HOUR, 'fault', { id: 'x', kind: 'device_down', d: B, s: 'start' }),
        line(T + 2 * HOUR, 'fault', { id: 'w', kind: 'device_down', d: A, s: 'start' }),
      ],
      [alert('device_offline', A, T + 3 * HOUR)],
    );
    expect(r.faults.map((f) => [f.id, f.alerts])).toEqual([['x', 0], ['y', 0], ['w', 1]]);
  });

  it('an outage incident counts for a fault when it covers any device the fault reaches, and the earliest incident (then by id) wins', () => {
    const trace = [line(T + HOUR, 'fault', { id: 'g', kind: 'gateway_down', d: GW1, s: 'start' }), line(T + HOUR, 'power', { d: GW1, s: 'offline', why: 'fault' })];
    const r = score(trace, [], [incident('inc-b', [B, A], T + HOUR + 3 * MIN), incident('inc-a', [A], T + HOUR + 3 * MIN), incident('inc-0', [GW1], T + HOUR + 8 * MIN)]);
    expect(r.faults[0]).toMatchObject({ status: 'detected', detected_by: 'inc-a', latency_ms: 3 * MIN });
    // An incident opened before the fault started is not its detection.
    expect(score(trace, [], [incident('early', [A], T + HOUR - 1)]).faults[0]!.status).toBe('missed');
  });

  it('keeps the first 20 false alerts as examples but counts them all; a fault line whose parameters are not an object has none', () => {
    const many = Array.from({ length: 25 }, (_, i) => alert('device_offline', B, T + (i + 1) * MIN));
    const r = score([line(T + 10 * HOUR, 'fault', { id: 'drain', kind: 'battery_depletion', d: B, s: 'start', p: 5 })], many, [], T + 10 * HOUR + MIN);
    expect(r.alerts.false).toBe(25);
    expect(r.alerts.false_examples).toHaveLength(20);
    expect(r.alerts.false_examples.at(-1)!.at_ms).toBe(T + 20 * MIN);
    // No to_empty parameter: decided after the grace alone, so at +1 min still pending.
    expect(r.faults[0]!.status).toBe('pending');
  });
});
