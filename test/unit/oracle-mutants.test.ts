/**
 * The oracle cases its mutation run (docs/testing.md) showed nobody checked: a `lost` session on
 * its own, a window closed twice, exact-boundary nuisance and repair times, ties that only the
 * input order could hide (faults, alerts and incidents given already in id order), a broker
 * outage beside a site-wide one, an unknown fault class, a short and a long reboot, and a line
 * that is not JSON. Every expected figure is counted by hand from the trace in the test.
 */
import { describe, expect, it } from 'vitest';
import type { Alert, AlertType, Incident } from '../../platform/core/model.ts';
import { lineKind, OracleCollector, type OracleReport } from '../../harness/expect/oracle.ts';
import { generatePortfolio } from '../../sim/world/generate.ts';
import { smallOffice, START_MS as T } from '../helpers/small-fleet.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const portfolio = generatePortfolio('oracle-mutants', smallOffice({ floors: 2, zones: 2 }));
const gw = portfolio.devices.filter((d) => d.kind === 'gateway')[1]!;
const [A, B] = portfolio.devices.filter((d) => d.kind === 'env' && d.gateway_id === gw.id).map((d) => d.id) as [string, string];
const OTHER = portfolio.devices.find((d) => d.kind === 'env' && d.gateway_id !== gw.id)!.id;

const line = (t: number, k: string, fields: Record<string, unknown>): string => JSON.stringify({ t, k, ...fields });
const alert = (type: AlertType, device_id: string, started_ms: number, o: { id?: string; resolved_ms?: number } = {}): Alert => ({
  id: o.id ?? `${type}:${device_id}@${started_ms}`, device_id, type, severity: 'major', status: o.resolved_ms === undefined ? 'firing' : 'resolved', started_ms, acked_ms: null,
  resolved_ms: o.resolved_ms ?? null, count: 1, flapping: false, inhibited_by: null, summary: 'test',
});
const incident = (id: string, device_ids: string[], opened_ms: number): Incident => ({
  id, priority: 'P2', scope: { kind: 'gateway', id: device_ids[0]! }, site: 'nyc', building: 'hq', cause: 'test', status: 'open', opened_ms, acked_ms: null, resolved_ms: null,
  response_due_ms: opened_ms, resolution_due_ms: opened_ms, alert_ids: [], device_ids,
});

function score(trace: string[], alerts: Alert[], o: { end_ms?: number; incidents?: Incident[] } = {}): OracleReport {
  const c = new OracleCollector(portfolio);
  for (const l of trace) c.line(l);
  return c.finish({ end_ms: o.end_ms ?? T + 24 * HOUR, alerts, incidents: o.incidents ?? [] });
}

describe('oracle: down windows', () => {
  it('a lost session alone opens a down window', () => {
    const r = score([line(T + HOUR, 'lost', { c: A, reason: 'socket' })], [alert('device_offline', A, T + HOUR + 5 * MIN)]);
    expect(r.alerts).toMatchObject({ natural: 1, false: 0 });
  });

  it('a second successful connect does not move the end of a closed window', () => {
    const trace = [line(T, 'will', { c: A }), line(T + 10 * MIN, 'connect', { d: A, n: 0, ok: true }), line(T + 5 * HOUR, 'connect', { d: A, n: 1, ok: true })];
    // 4 h 30 min after the start: the window ended at +10 min, more than 4 h before.
    expect(score(trace, [alert('device_offline', A, T + 4 * HOUR + 30 * MIN)]).alerts).toMatchObject({ natural: 0, false: 1 });
  });

  it('a connectivity alert on a device the topology does not know is false, not a crash', () => {
    expect(score([], [alert('device_offline', 'ghost-1', T + HOUR)]).alerts).toMatchObject({ false: 1 });
  });

  it('a line that is not JSON but names a kind the oracle does not read is ignored', () => {
    const c = new OracleCollector(portfolio);
    expect(() => c.line('garbage "k":"pub" more')).not.toThrow();
    expect(lineKind('"k":"fault"')).toBe('fault'); // the key at the very start of the text
  });
});

describe('oracle: nuisance edges', () => {
  it('cleared exactly 30 min after it fired is still a nuisance; a repair at either end makes it real work', () => {
    const door = (id: string, start: number, end: number): Alert => alert('door_held_open', A, start, { id, resolved_ms: end });
    const r = score(
      [line(T + 3 * HOUR, 'repair', { d: A }), line(T + 5 * HOUR + 30 * MIN, 'repair', { d: A }), line(T + 7 * HOUR - MIN, 'repair', { d: A }), line(T + 9 * HOUR + 31 * MIN, 'repair', { d: A })],
      [
        door('d1', T + HOUR, T + HOUR + 30 * MIN), // exactly 30 min, nobody there: nuisance
        door('d2', T + 3 * HOUR, T + 3 * HOUR + 10 * MIN), // repair at its start: not a nuisance
        door('d3', T + 5 * HOUR, T + 5 * HOUR + 30 * MIN), // repair at its end: not a nuisance
        door('d4', T + 7 * HOUR, T + 7 * HOUR + 10 * MIN), // repair a minute before: nuisance
        door('d5', T + 9 * HOUR, T + 9 * HOUR + 30 * MIN), // repair a minute after: nuisance
        door('d6', T + 11 * HOUR, T + 11 * HOUR + 31 * MIN), // 31 min: not a nuisance
      ],
    );
    expect(r.alerts).toMatchObject({ natural: 6, nuisance: 3, nuisance_by_type: { door_held_open: 3 } });
  });

  it('nuisance types are listed alphabetically whatever order they came in', () => {
    const r = score([], [alert('door_held_open', A, T + HOUR, { resolved_ms: T + HOUR + MIN }), alert('battery_low', B, T + 2 * HOUR, { resolved_ms: T + 2 * HOUR + MIN })]);
    expect(Object.keys(r.alerts.nuisance_by_type)).toEqual(['battery_low', 'door_held_open']);
  });
});

describe('oracle: ties given in id order', () => {
  it('faults starting together stay in id order; of two identical faults the first id owns the alert', () => {
    const trace = [
      line(T + HOUR, 'fault', { id: 'a', kind: 'device_down', d: A, s: 'start' }),
      line(T + HOUR, 'fault', { id: 'b', kind: 'device_down', d: A, s: 'start' }),
    ];
    const r = score(trace, [alert('device_offline', A, T + HOUR + 5 * MIN)]);
    expect(r.faults.map((f) => [f.id, f.alerts])).toEqual([['a', 1], ['b', 0]]);
  });

  it('alerts with the same start are reported in id order', () => {
    const r = score([], [alert('device_offline', A, T + HOUR, { id: 'a1' }), alert('device_offline', B, T + HOUR, { id: 'b1' })]);
    expect(r.alerts.false_examples.map((a) => a.id)).toEqual(['a1', 'b1']);
  });

  it('incidents opened together: the first id detects the fault; an incident opened at the first alert\'s instant does not beat it', () => {
    const trace = [line(T + HOUR, 'fault', { id: 'cut', kind: 'gateway_down', d: gw.id, s: 'start' })];
    const by_id = score(trace, [], { incidents: [incident('inc-a', [gw.id], T + HOUR + 5 * MIN), incident('inc-b', [gw.id], T + HOUR + 5 * MIN)] });
    expect(by_id.faults[0]!.detected_by).toBe('inc-a');
    const al = alert('gateway_offline', gw.id, T + HOUR + 5 * MIN);
    const same_time = score(trace, [al], { incidents: [incident('inc-a', [gw.id], T + HOUR + 5 * MIN)] });
    expect(same_time.faults[0]!.detected_by).toBe(al.id);
  });

  it('an incident counts when any one of its devices is the fault\'s', () => {
    const trace = [line(T + HOUR, 'fault', { id: 'cut', kind: 'gateway_down', d: gw.id, s: 'start' })];
    const r = score(trace, [], { incidents: [incident('inc-mixed', [OTHER, A], T + HOUR + 5 * MIN)] });
    expect(r.faults[0]).toMatchObject({ status: 'detected', detected_by: 'inc-mixed' });
  });
});

describe('oracle: which fault owns an alert', () => {
  it('a site-wide outage owns an alert before a broker outage that started later (narrower beats everywhere)', () => {
    const r = score(
      [
        line(T + HOUR, 'fault', { id: 'up', kind: 'site_uplink', scope: 'site', on: 'nyc', s: 'start' }),
        line(T + 2 * HOUR, 'fault', { id: 'br', kind: 'broker', scope: 'broker', on: 'broker', s: 'start' }),
      ],
      [alert('device_offline', OTHER, T + 2 * HOUR + 5 * MIN)],
    );
    expect(r.faults.map((f) => [f.id, f.alerts])).toEqual([['up', 1], ['br', 0]]);
  });

  it('a narrower fault with a later id beats a broker outage with an earlier one', () => {
    const r = score(
      [
        line(T + HOUR, 'fault', { id: 'zz', kind: 'device_down', d: OTHER, s: 'start' }),
        line(T + HOUR, 'fault', { id: 'aa', kind: 'broker', scope: 'broker', on: 'broker', s: 'start' }),
      ],
      [alert('device_offline', OTHER, T + HOUR + 5 * MIN)],
    );
    expect(r.faults.find((f) => f.id === 'zz')!.alerts).toBe(1);
    expect(r.faults.find((f) => f.id === 'aa')!.alerts).toBe(0);
  });
});

describe('oracle: classes', () => {
  it('a fault class the catalogue does not know is listed, unscored, with no rules, and explains nothing past its end', () => {
    const r = score(
      [line(T + HOUR, 'fault', { id: 'm', kind: 'mystery', d: A, s: 'start' }), line(T + 2 * HOUR, 'fault', { id: 'm', kind: 'mystery', d: A, s: 'end' })],
      [alert('device_offline', A, T + 2 * HOUR + MIN)],
    );
    expect(r.faults[0]).toMatchObject({ id: 'm', scope: 'device', status: 'unscored', alerts: 0 });
    expect(r.classes).toEqual([{ fault: 'mystery', injected: 1, detected: 0, missed: 0, pending: 0, not_applied: 0, latency: null, rules: [], scored: false }]);
  });

  it('an unknown class does not detect through an outage incident either, and a null parameter object counts as none', () => {
    const r = score(
      [line(T + HOUR, 'fault', { id: 'm', kind: 'mystery', d: gw.id, s: 'start' }), line(T + HOUR, 'fault', { id: 'drain', kind: 'battery_depletion', d: A, s: 'start', p: null })],
      [],
      { incidents: [incident('inc', [gw.id], T + HOUR + 5 * MIN)], end_ms: T + 3 * HOUR },
    );
    expect(r.faults.find((f) => f.id === 'm')).toMatchObject({ status: 'unscored', detected_by: null });
    // No onset parameter: decided once its 4 h grace after the start has passed, so still pending at +2 h.
    expect(r.faults.find((f) => f.id === 'drain')!.status).toBe('pending');
  });

  it('a reboot shorter than 10 min is an unscored blip; exactly 10 min or longer is scored; a pending one is counted as pending', () => {
    const reboot = (id: string, d: string, start: number, ms: number): string[] => [
      line(start, 'fault', { id, kind: 'reboot', d, s: 'start' }),
      line(start + ms, 'fault', { id, kind: 'reboot', d, s: 'end' }),
    ];
    const r = score([...reboot('short', A, T + HOUR, 10 * MIN - 1), ...reboot('ten', B, T + 2 * HOUR, 10 * MIN), ...reboot('long', OTHER, T + 3 * HOUR, 30 * MIN)], []);
    expect(r.faults.map((f) => [f.id, f.status])).toEqual([['short', 'unscored'], ['ten', 'missed'], ['long', 'missed']]);
    const open = score([line(T + HOUR, 'fault', { id: 'open', kind: 'reboot', d: A, s: 'start' })], [], { end_ms: T + HOUR + MIN });
    expect(open.faults[0]!.status).toBe('pending');
    expect(open.classes[0]).toMatchObject({ fault: 'reboot', pending: 1, missed: 0 });
    expect(open.totals).toMatchObject({ pending: 1 });
  });
});
