/**
 * The oracle on faults that name a scope rather than a device (a floor's power), the reconnect
 * storm its restore starts, a broker outage's storm, and lines that only look like facts. The
 * expected figures are counted by hand from the trace below; the affected set is worked out from
 * the portfolio's floors and gateways here, not by the ScopeIndex the oracle uses.
 */
import { describe, expect, it } from 'vitest';
import type { Alert, AlertType } from '../../platform/core/model.ts';
import { OracleCollector, type OracleReport } from '../../harness/expect/oracle.ts';
import { generatePortfolio } from '../../sim/world/generate.ts';
import { smallOffice, START_MS as T } from '../helpers/small-fleet.ts';

const S = 1_000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const portfolio = generatePortfolio('oracle-scope', smallOffice({ floors: 2, zones: 2 }));
const gw = portfolio.devices.filter((d) => d.kind === 'gateway')[1]!;
const FLOOR = gw.floor_id;
const [A, B] = portfolio.devices.filter((d) => d.kind === 'env' && d.floor_id === FLOOR).map((d) => d.id) as [string, string];
const OTHER = portfolio.devices.find((d) => d.kind === 'env' && d.floor_id !== FLOOR && portfolio.devices.find((g) => g.id === d.gateway_id)?.floor_id !== FLOOR)!.id;
// On the floor, or behind a gateway that is: what a floor's power cut explains.
const onFloor = new Set(portfolio.devices.filter((d) => d.floor_id === FLOOR).map((d) => d.id));
const floorGateways = new Set(portfolio.devices.filter((d) => d.kind === 'gateway' && d.floor_id === FLOOR).map((d) => d.id));
const AFFECTED = new Set([...onFloor, ...portfolio.devices.filter((d) => d.gateway_id !== null && floorGateways.has(d.gateway_id)).map((d) => d.id)]);

const line = (t: number, k: string, fields: Record<string, unknown>): string => JSON.stringify({ t, k, ...fields });
const alert = (type: AlertType, device_id: string, started_ms: number): Alert => ({
  id: `${type}:${device_id}@${started_ms}`, device_id, type, severity: 'major', status: 'firing', started_ms, acked_ms: null, resolved_ms: null, count: 1, flapping: false, inhibited_by: null, summary: 'test',
});

function score(trace: string[], alerts: Alert[], end_ms = T + 24 * HOUR): OracleReport {
  const o = new OracleCollector(portfolio);
  for (const l of trace) o.line(l);
  return o.finish({ end_ms, alerts, incidents: [] });
}

const RESTORE = T + 2 * HOUR;
const FLOOR_CUT = [
  line(T + HOUR, 'fault', { id: 'cut#1', kind: 'floor_power', scope: 'floor', on: FLOOR, s: 'start' }),
  line(T + HOUR + 30 * MIN, 'connect', { d: A, n: 0, ok: false }), // during the cut: not part of the storm
  line(RESTORE, 'fault', { id: 'cut#1', kind: 'floor_power', scope: 'floor', on: FLOOR, s: 'end' }),
  line(RESTORE + 5 * S, 'connect', { d: A, n: 1, ok: false }),
  line(RESTORE + 15 * S, 'connect', { d: A, n: 2, ok: true }),
  line(RESTORE + 25 * S, 'connect', { d: B, n: 0, ok: true }),
  line(RESTORE + 26 * S, 'connect', { d: A, n: 3, ok: true }), // a second success: still one reconnection
  line(RESTORE + 30 * S, 'connect', { d: OTHER, n: 0, ok: true }), // another floor: not in this storm
  line(RESTORE + 31 * MIN, 'connect', { d: B, n: 1, ok: true }), // after the 30 min window
];

describe('oracle: a fault on a floor', () => {
  it('keeps the scope and the floor it names, and reaches the floor and what is behind its gateways', () => {
    expect(AFFECTED.has(A) && AFFECTED.has(B) && !AFFECTED.has(OTHER)).toBe(true);
    const r = score(FLOOR_CUT, [alert('device_offline', A, T + HOUR + 10 * MIN), alert('device_offline', OTHER, T + HOUR + 10 * MIN)]);
    expect(r.faults).toHaveLength(1);
    expect(r.faults[0]).toMatchObject({ id: 'cut#1', source: 'cut', fault: 'floor_power', scope: 'floor', on: FLOOR, affected: AFFECTED.size, alerts: 1, status: 'detected', latency_ms: 10 * MIN });
    expect(r.alerts).toMatchObject({ total: 2, attributed: 1, false: 1 });
  });

  it('its restore starts a reconnect storm: attempts, failures and reconnections of its own devices in the next 30 min, in 10 s buckets', () => {
    const [storm, ...rest] = score(FLOOR_CUT, []).storms;
    expect(rest).toEqual([]);
    expect(storm).toEqual({
      id: 'cut#1', fault: 'floor_power', restored_ms: RESTORE,
      devices: 2, attempts: 4, failed: 1, reconnected: 2, unreconnected: 0,
      reconnect_p50_ms: 15 * S, reconnect_p95_ms: 25 * S, reconnect_all_ms: 25 * S,
      bucket_ms: 10 * S,
      histogram: [
        { from_ms: 0, attempts: 1, ok: 0 },
        { from_ms: 10 * S, attempts: 1, ok: 1 },
        { from_ms: 20 * S, attempts: 2, ok: 2 },
      ],
      peak_share: 0.5,
    });
  });

  it('a broker outage without a fault line is a storm named by its restore time, over every device', () => {
    const up = T + 3 * HOUR;
    const r = score([line(T + 2 * HOUR, 'broker', { s: 'down' }), line(up, 'broker', { s: 'up' }), line(up + S, 'connect', { d: OTHER, n: 0, ok: true }), line(up + 2 * S, 'connect', { d: A, n: 0, ok: false })], []);
    expect(r.storms).toHaveLength(1);
    expect(r.storms[0]).toMatchObject({ id: `broker@${new Date(up).toISOString()}`, fault: 'broker', devices: 2, attempts: 2, failed: 1, reconnected: 1, unreconnected: 1, reconnect_all_ms: null });
  });
});

describe('oracle: lines that only look like facts', () => {
  it('a record whose own kind differs from a nested "k" is not read as that kind', () => {
    const fake = `{"a":{"k":"fault"},"d":"${A}","id":"x","k":"pub","kind":"leak","s":"start","t":${T + HOUR}}`;
    const r = score([fake], []);
    expect(r.faults).toEqual([]);
  });

  it('a death whose reason is not a string is a death, not a brick, and does not throw', () => {
    const r = score([line(T + HOUR, 'power', { d: A, s: 'dead', why: 42 })], []);
    expect(r.truth).toMatchObject({ deaths: 1, bricked: 0 });
  });
});
