/**
 * The oracle keeps a run's connect attempts in columns (harness/expect/connect-log.ts) rather than
 * an object each. Read back, across chunk boundaries, they must be the attempts that went in, and
 * the storm reports made from the log must be the ones made from a plain array.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConnectLog } from '../../harness/expect/connect-log.ts';
import { stormReports, type ConnectAttempt } from '../../harness/expect/storms.ts';
import { ScopeIndex } from '../../sim/faults/scope.ts';
import type { DeviceSpec, Portfolio } from '../../sim/world/topology.ts';

const T0 = Date.UTC(2026, 2, 2);
const IDS = ['d1', 'd2', 'd3', 'g1', 'g2'];

function device(id: string, floor: string, gateway: string | null): DeviceSpec {
  const kind = id.startsWith('g') ? 'gateway' : 'leak';
  return { id, kind, model: kind === 'gateway' ? 'GW-MX-500' : 'LEAK-W-20', serial: id, firmware: '1', site_id: 'S', building_id: 'B', floor_id: floor, zone_id: null, gateway_id: gateway, critical: false, tags: [] };
}

const index = new ScopeIndex({ name: 't', sites: [], devices: [device('d1', 'F1', 'g1'), device('d2', 'F1', 'g1'), device('d3', 'F2', 'g2'), device('g1', 'F1', null), device('g2', 'F2', null)] } as Portfolio);

function logOf(attempts: readonly ConnectAttempt[]): ConnectLog {
  const log = new ConnectLog();
  for (const a of attempts) log.push(a.t, a.d, a.ok);
  return log;
}

describe('ConnectLog', () => {
  it('reads back every attempt in order across chunks, and nothing past the end', () => {
    const attempts = Array.from({ length: 9_000 }, (_, i): ConnectAttempt => ({ t: T0 + i * 7, d: IDS[i % IDS.length]!, ok: i % 3 !== 0 }));
    const log = logOf(attempts);
    expect(log.length).toBe(9_000);
    for (const i of [0, 1, 4_095, 4_096, 4_097, 8_191, 8_192, 8_999]) expect(log.at(i)).toEqual(attempts[i]);
    expect(log.at(9_000)).toBeUndefined();
    expect(log.at(-1)).toBeUndefined();
  });

  it('gives the storm reports a plain array gives, for any attempts and restores', () => {
    const attempt = fc.record({ t: fc.integer({ min: 0, max: 3_600_000 }), d: fc.constantFrom(...IDS), ok: fc.boolean() });
    fc.assert(
      fc.property(fc.array(attempt, { maxLength: 300 }), fc.array(fc.integer({ min: 0, max: 3_000_000 }), { minLength: 1, maxLength: 4 }), (raw, restores) => {
        const attempts = raw.map((a) => ({ ...a, t: T0 + a.t })).sort((a, b) => a.t - b.t);
        const faults = restores.map((r, i) => ({ id: `f${i}`, fault: i % 2 === 0 ? 'floor_power' : 'site_uplink', scope: (i % 2 === 0 ? 'floor' : 'site') as 'floor' | 'site', on: i % 2 === 0 ? 'F1' : 'S', start_ms: T0, end_ms: T0 + r }));
        const broker = [{ from: T0, to: T0 + restores[0]! + 1 }];
        const input = { faults, broker, index, end_ms: T0 + 3_600_000 };
        expect(stormReports({ ...input, connects: logOf(attempts) })).toEqual(stormReports({ ...input, connects: attempts }));
      }),
      { numRuns: 200 },
    );
  });
});
