import { describe, expect, it } from 'vitest';
import type { Alert } from '../../platform/core/model.ts';
import { OracleCollector } from '../../harness/expect/oracle.ts';
import { generatePortfolio } from '../../sim/world/generate.ts';

const T0 = Date.UTC(2026, 2, 3, 14, 0);
const MIN = 60_000;
const portfolio = generatePortfolio('n', {
  sites: [{ id: 'nyc', metro: 'New York', timezone: 'America/New_York', buildings: [{ id: 'hq', type: 'multifamily', floors: 1, zones_per_floor: 2, per_zone: { lock: 1, env: 1 } }] }],
});

function alert(id: string, device_id: string, type: string, started_ms: number, resolved_ms: number | null): Alert {
  return { id, device_id, type, severity: 'minor', status: resolved_ms === null ? 'firing' : 'resolved', started_ms, acked_ms: null, resolved_ms, count: 1, flapping: false, inhibited_by: null, summary: '' } as Alert;
}

describe('oracle: nuisance alerts', () => {
  it('a natural alert that cleared by itself within 30 min with nobody on the device is a nuisance; long, open, repaired ones are not', () => {
    const oracle = new OracleCollector(portfolio);
    // A technician repaired the second lock while its alert was up.
    oracle.line(JSON.stringify({ by: 'tech-1', d: 'hq-f01-lock-002', k: 'repair', t: T0 + 5 * MIN }));
    const r = oracle.finish({
      end_ms: T0 + 6 * 60 * MIN,
      incidents: [],
      alerts: [
        alert('door_held_open:hq-f01-lock-001', 'hq-f01-lock-001', 'door_held_open', T0, T0 + 15 * MIN),
        alert('door_held_open:hq-f01-lock-001:2', 'hq-f01-lock-001', 'door_held_open', T0 + 60 * MIN, T0 + 75 * MIN),
        alert('door_held_open:hq-f01-lock-002', 'hq-f01-lock-002', 'door_held_open', T0, T0 + 15 * MIN),
        alert('humidity_out_of_range:hq-f01-env-001', 'hq-f01-env-001', 'humidity_out_of_range', T0, T0 + 120 * MIN),
        alert('humidity_out_of_range:hq-f01-env-002', 'hq-f01-env-002', 'humidity_out_of_range', T0, null),
      ],
    });
    expect(r.alerts.natural).toBe(5);
    expect(r.alerts.nuisance).toBe(2);
    expect(r.alerts.nuisance_by_type).toEqual({ door_held_open: 2 });
    expect(r.alerts.false).toBe(0);
  });
});
