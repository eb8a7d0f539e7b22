/**
 * How the oracle reads the world's facts off the trace, at their edges: which power lines open a
 * down window, which connects close one, inclusive window bounds, a leak still running, lines for
 * faults it never saw start. Hand-written traces; apart from the other oracle files so the
 * mutation run's incremental results for them stay valid.
 */
import { describe, expect, it } from 'vitest';
import type { Alert, AlertType } from '../../platform/core/model.ts';
import { OracleCollector, type OracleReport } from '../../harness/expect/oracle.ts';
import { generatePortfolio } from '../../sim/world/generate.ts';
import { smallOffice, START_MS as T } from '../helpers/small-fleet.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const LOOKBACK = 4 * HOUR;
const portfolio = generatePortfolio('oracle-facts', smallOffice({ floors: 2, zones: 2 }));
const gw2 = portfolio.devices.filter((d) => d.kind === 'gateway')[1]!.id;
const [A, B] = portfolio.devices.filter((d) => d.kind === 'env' && d.gateway_id === gw2).map((d) => d.id) as [string, string];
const LEAK = portfolio.devices.find((d) => d.kind === 'leak')!.id;

const line = (t: number, k: string, fields: Record<string, unknown>): string => JSON.stringify({ t, k, ...fields });
const alert = (type: AlertType, device_id: string, started_ms: number): Alert => ({
  id: `${type}:${device_id}@${started_ms}`, device_id, type, severity: 'major', status: 'firing', started_ms, acked_ms: null, resolved_ms: null, count: 1, flapping: false, inhibited_by: null, summary: 'test',
});

function score(trace: string[], alerts: Alert[]): OracleReport {
  const o = new OracleCollector(portfolio);
  for (const l of trace) o.line(l);
  return o.finish({ end_ms: T + 24 * HOUR, alerts, incidents: [] });
}

const naturalOf = (trace: string[], alerts: Alert[]): number => score(trace, alerts).alerts.natural;

describe('oracle: facts at their edges', () => {
  it('power: "dead" without a reason is a death, not a brick; only firmware_reboot is a reboot; "online" opens nothing', () => {
    const r = score(
      [
        line(T + MIN, 'power', { d: A, s: 'dead' }),
        line(T + 2 * MIN, 'power', { d: B, s: 'offline', why: 'cut' }),
        line(T + 3 * MIN, 'power', { d: LEAK, s: 'offline', why: 'firmware_reboot' }),
        line(T + 4 * MIN, 'power', { d: gw2, s: 'online' }),
      ],
      [alert('gateway_offline', gw2, T + 5 * MIN)],
    );
    expect(r.truth).toMatchObject({ deaths: 1, bricked: 0, reboots: 1 });
    expect(r.alerts).toMatchObject({ natural: 0, false: 1 });
  });

  it('only a successful connect ends a down window, and a connect for a device that was never down is harmless', () => {
    const trace = [
      line(T + HOUR, 'power', { d: A, s: 'offline', why: 'cut' }),
      line(T + HOUR + MIN, 'connect', { d: A, n: 0, ok: false }),
      line(T + HOUR + 2 * MIN, 'connect', { d: B, n: 0, ok: true }),
    ];
    // Still down ten hours later: the failed connect did not end the window.
    expect(naturalOf(trace, [alert('device_offline', A, T + 11 * HOUR)])).toBe(1);
  });

  it('window bounds are inclusive: down from the alert\'s own instant, or back exactly 4 h before it', () => {
    const trace = [line(T + HOUR, 'power', { d: A, s: 'offline', why: 'cut' }), line(T + 2 * HOUR, 'connect', { d: A, n: 0, ok: true }), line(T + 10 * HOUR, 'will', { c: B, reason: 'x' })];
    expect(naturalOf(trace, [alert('device_offline', A, T + 2 * HOUR + LOOKBACK)])).toBe(1);
    expect(naturalOf(trace, [alert('device_offline', A, T + 2 * HOUR + LOOKBACK + 1)])).toBe(0);
    expect(naturalOf(trace, [alert('device_offline', B, T + 10 * HOUR)])).toBe(1);
    expect(naturalOf(trace, [alert('device_offline', B, T + 10 * HOUR - 1)])).toBe(0);
  });

  it('earlier down windows are kept when a later one opens', () => {
    const trace = [
      line(T + HOUR, 'power', { d: A, s: 'offline', why: 'cut' }),
      line(T + 2 * HOUR, 'connect', { d: A, n: 0, ok: true }),
      line(T + 3 * HOUR, 'power', { d: A, s: 'offline', why: 'cut' }),
    ];
    // Fired between the two windows, inside the first one's look-back.
    expect(naturalOf(trace, [alert('device_offline', A, T + 2 * HOUR + 30 * MIN)])).toBe(1);
  });

  it('a leak still running explains a leak alert hours later; water with an injected leak of another kind on the device is natural', () => {
    const trace = [
      line(T + HOUR, 'fault', { id: 'x', kind: 'device_down', d: LEAK, s: 'start' }),
      line(T + HOUR, 'leak', { d: LEAK, s: 'start' }),
      line(T + HOUR + MIN, 'fault', { id: 'x', kind: 'device_down', d: LEAK, s: 'end' }), // long over (and out of grace) by the alert
    ];
    const r = score(trace, [alert('leak', LEAK, T + 20 * HOUR)]);
    expect(r.alerts).toMatchObject({ natural: 1, false: 0 });
    expect(r.truth.natural_leaks).toBe(1);
  });

  it('an end line for a fault it never saw start, and lines of a kind it does not read, change nothing', () => {
    const r = score([line(T + HOUR, 'fault', { id: 'ghost', kind: 'leak', d: LEAK, s: 'end' }), line(T + HOUR, 'pub', { c: A, topic: 't' })], []);
    expect(r.faults).toEqual([]);
    expect(r.totals).toEqual({ injected: 0, detected: 0, missed: 0, pending: 0 });
  });
});
