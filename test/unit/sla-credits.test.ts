import { describe, expect, it } from 'vitest';
import type { DeviceInfo, LivenessChange } from '../../platform/core/model.ts';
import { defaultContract } from '../../platform/sla/contract.ts';
import { SlaLedger } from '../../platform/sla/ledger.ts';
import { renderCreditsCsv } from '../../harness/report/report-files.ts';

// Service credits by hand, per contract and per client, and UNREACHABLE counted as the contract says.
// Period: 10 h = 600 min, 24×7, no windows. Devices born at the period start:
//   s1/b1: a (down 6 min: OFFLINE), b (UNREACHABLE 30 min)        → client "north" (site s1)
//   s2/b2: c (no outage)                                          → client "south" (building b2)
// down (unreachable counts as down): a 6, b 30, c 0 ⇒ portfolio (1800 − 36) / 1800 = 98 %.
// north: (1200 − 36) / 1200 = 97 % ⇒ below 99 % ⇒ 25 % of 4,000 EUR = 1,000 EUR.
// south: 600 / 600 = 100 % ⇒ no tier ⇒ 0 (its own tiers: below 99.99 % → 5 %).
// Contract tiers: below 99.9 % → 10 %, below 99 % → 25 %; portfolio 98 % ⇒ 25 % of 12,000 USD = 3,000 USD.
// With unreachable_counts_as: unknown, b's 30 min count as up: portfolio (1800 − 6) / 1800 = 99.667 %
// ⇒ 10 % = 1,200 USD; north (1200 − 6) / 1200 = 99.5 % ⇒ 10 % of 4,000 = 400 EUR.

const MIN = 60_000;
const FROM = Date.UTC(2026, 2, 2);
const TO = FROM + 600 * MIN;

function info(id: string, site: string, building: string): DeviceInfo {
  return { id, kind: 'env', model: 'ENV-1', fw: '1.0.0', serial: id, site, building, floor: 'f1', zone: 'z1', gateway: 'gw', power: 'mains', heartbeat_ms: MIN, caps: [] };
}

function ledger(unreachable: 'down' | 'unknown'): SlaLedger {
  const l = new SlaLedger({
    journal: () => undefined,
    timezone_of: () => 'UTC',
    contract: {
      ...defaultContract(),
      unreachable_counts_as: unreachable,
      credits: [
        { below: 0.99, credit: 0.25 },
        { below: 0.999, credit: 0.1 },
      ],
      monthly_fee: { amount: 12_000, currency: 'USD' },
      clients: [
        { id: 'south', buildings: ['b2'], credits: [{ below: 0.9999, credit: 0.05 }] },
        { id: 'north', sites: ['s1'], monthly_fee: { amount: 4_000, currency: 'EUR' } },
      ],
    },
  });
  const devs = [info('a', 's1', 'b1'), info('b', 's1', 'b1'), info('c', 's2', 'b2')];
  const ch = (d: DeviceInfo, at_ms: number, from: LivenessChange['from'], to: LivenessChange['to'], reason: string): void => l.onLiveness({ device_id: d.id, at_ms, from, to, reason }, d);
  for (const d of devs) ch(d, FROM, 'UNKNOWN', 'ONLINE', 'birth');
  ch(devs[0]!, FROM + 60 * MIN, 'ONLINE', 'OFFLINE', 'will');
  ch(devs[0]!, FROM + 66 * MIN, 'OFFLINE', 'ONLINE', 'birth');
  ch(devs[1]!, FROM + 100 * MIN, 'ONLINE', 'UNREACHABLE', 'parent_offline');
  ch(devs[1]!, FROM + 130 * MIN, 'UNREACHABLE', 'ONLINE', 'birth');
  return l;
}

describe('service credits', () => {
  it('portfolio and per-client tiers and money, by hand', () => {
    const r = ledger('down').report(FROM, TO);
    expect(r.devices.map((d) => [d.id, d.downtime_ms, d.unreachable_ms])).toEqual([
      ['a', 6 * MIN, 0],
      ['b', 30 * MIN, 30 * MIN],
      ['c', 0, 0],
    ]);
    expect(r.credits).toMatchObject({ availability: 0.98, tier: { below: 0.99, credit: 0.25 }, credit_pct: 0.25, monthly_fee: 12_000, currency: 'USD', amount_owed: 3_000 });
    expect(r.credits.tiers.map((t) => t.below)).toEqual([0.999, 0.99]);
    expect(r.credits.clients).toEqual([
      { id: 'north', devices: 2, agreed_ms: 1_200 * MIN, downtime_ms: 36 * MIN, availability: 0.97, target: 0.995, met: false, tier: { below: 0.99, credit: 0.25 }, credit_pct: 0.25, monthly_fee: 4_000, currency: 'EUR', amount_owed: 1_000 },
      { id: 'south', devices: 1, agreed_ms: 600 * MIN, downtime_ms: 0, availability: 1, target: 0.995, met: true, tier: null, credit_pct: 0, monthly_fee: null, currency: null, amount_owed: null },
    ]);
    const csv = renderCreditsCsv(r).trimEnd().split('\r\n');
    expect(csv.slice(1)).toEqual([
      `portfolio,2026-03-02T00:00:00Z,2026-03-02T10:00:00Z,${1_800 * MIN},${36 * MIN},0.98,0.99,0.25,12000,USD,3000`,
      `client:north,2026-03-02T00:00:00Z,2026-03-02T10:00:00Z,${1_200 * MIN},${36 * MIN},0.97,0.99,0.25,4000,EUR,1000`,
      `client:south,2026-03-02T00:00:00Z,2026-03-02T10:00:00Z,${600 * MIN},0,1,,0,,,`,
    ]);
  });

  it('"unknown is not down": UNREACHABLE time counts as up, and is still reported', () => {
    const r = ledger('unknown').report(FROM, TO);
    expect(r.devices.map((d) => [d.id, d.downtime_ms, d.unreachable_ms])).toEqual([
      ['a', 6 * MIN, 0],
      ['b', 0, 30 * MIN],
      ['c', 0, 0],
    ]);
    expect(r.contract.unreachable_counts_as).toBe('unknown');
    expect(r.credits.availability).toBeCloseTo(1 - 6 / 1_800, 12);
    expect(r.credits).toMatchObject({ credit_pct: 0.1, amount_owed: 1_200 });
    expect(r.credits.clients[0]).toMatchObject({ id: 'north', availability: 0.995, credit_pct: 0.1, amount_owed: 400 });
  });
});
