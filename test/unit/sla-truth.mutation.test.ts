import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as Module from '../../harness/expect/sla-truth.ts';
import type { TruthInput } from '../../harness/expect/sla-truth.ts';
import type * as ContractModule from '../../platform/sla/contract.ts';
import type { SlaContract } from '../../platform/sla/contract.ts';
import type { SlaReport } from '../../platform/sla/ledger.ts';
import type * as ScopeModule from '../../sim/faults/scope.ts';
import type { DeviceSpec, Portfolio } from '../../sim/world/topology.ts';

/**
 * Pins harness/expect/sla-truth.ts on a hand-built fleet and hand-worked minutes. Site S, UTC.
 * Building B1: gateway g1 with leak sensors d1 and d2 behind it. Building B2: a wired hvac w1
 * that never connects (so it has no ledger). The period is 100 minutes from Monday 2 March 2026
 * 00:00 UTC; times below are minutes from then. Every fixture is built inside its test.
 *
 * Base facts: g1 down 10–20; d1 down from 50 to the end (100); the broker down 70–75.
 * True down, unreachable counted as down:
 *   g1: own 10–20, broker 70–75                 = 15 min
 *   d1: own 50–100, gateway 10–20, broker inside = 60 min
 *   d2: gateway 10–20, broker 70–75             = 15 min      → 90 device-minutes
 * Measured (the ledger's report): g1 16, d1 60, d2 14, w1 3    → 93 device-minutes.
 */
// Each test loads the module afresh (vi.resetModules, then import), so its module-level tables
// (the fault → cause map, the total-loss faults) are built inside the test: mutation testing
// credits a test only with code that runs inside it (docs/testing.md, "hybrid" static mutants).
// Its imports are loaded in the same step so every object comes from one module graph.
let errorPct: typeof Module.errorPct;
let slaTruth: typeof Module.slaTruth;
let defaultContract: typeof ContractModule.defaultContract;
let ScopeIndex: typeof ScopeModule.ScopeIndex;
beforeEach(async () => {
  vi.resetModules();
  ({ errorPct, slaTruth } = await import('../../harness/expect/sla-truth.ts'));
  ({ defaultContract } = await import('../../platform/sla/contract.ts'));
  ({ ScopeIndex } = await import('../../sim/faults/scope.ts'));
});

const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 2);
const at = (min: number): number => T0 + min * MIN;

function device(id: string, kind: DeviceSpec['kind'], building: string, gateway: string | null): DeviceSpec {
  const model = { leak: 'LEAK-W-20', gateway: 'GW-MX-500', hvac: 'HVAC-ZC-400' }[kind as string] ?? 'LEAK-W-20';
  return { id, kind, model, serial: id, firmware: '1', site_id: 'S', building_id: building, floor_id: `${building}-F1`, zone_id: null, gateway_id: gateway, critical: false, tags: [] };
}

function input(over: Partial<TruthInput> = {}, contract: Partial<SlaContract> = {}): TruthInput {
  const devices = [device('d1', 'leak', 'B1', 'g1'), device('d2', 'leak', 'B1', 'g1'), device('g1', 'gateway', 'B1', null), device('w1', 'hvac', 'B2', null)];
  const measured = { devices: [{ id: 'g1', downtime_ms: 16 * MIN }, { id: 'd1', downtime_ms: 60 * MIN }, { id: 'd2', downtime_ms: 14 * MIN }, { id: 'w1', downtime_ms: 3 * MIN }] } as unknown as SlaReport;
  return {
    index: new ScopeIndex({ name: 't', sites: [], devices } as Portfolio),
    from_ms: at(0),
    to_ms: at(100),
    contract: { ...defaultContract(), ...contract },
    timezone_of: () => 'UTC',
    down: new Map([['g1', [{ from: at(10), to: at(20) }]], ['d1', [{ from: at(50), to: null }]]]),
    broker: [{ from: at(70), to: at(75) }],
    first_connect: new Map([['g1', at(0)], ['d1', at(1)], ['d2', at(0)]]),
    faults: [],
    marked_down: new Map(),
    measured,
    ...over,
  };
}

describe('errorPct', () => {
  it('divides by the truth, at least one device-minute and 0.001 % of the agreed time, to three decimals', () => {
    expect(errorPct(0, 0)).toBe(0);
    // Half a minute against no truth: the one-minute floor makes it 50 %.
    expect(errorPct(30_000, 0)).toBe(50);
    expect(errorPct(2 * MIN, MIN)).toBe(100);
    expect(errorPct(MIN, 2 * MIN)).toBe(50);
    // Agreed 10^10 ms: 0.001 % of it is 100,000 ms, more than the truth (60,000 ms).
    expect(errorPct(2 * MIN, MIN, 1e10)).toBe(60);
    // Agreed 10^9 ms: 10,000 ms, less than the truth, which decides.
    expect(errorPct(2 * MIN, MIN, 1e9)).toBe(100);
    // 1 ms off 3 minutes is 0.000556 %, rounded to 0.001.
    expect(errorPct(3 * MIN + 1, 3 * MIN)).toBe(0.001);
    expect(errorPct(3 * MIN - 1, 3 * MIN)).toBe(0.001);
  });
});

describe('slaTruth', () => {
  it('true down time counts the device\'s own, its gateway\'s and the broker\'s outages from its first connection', () => {
    const t = slaTruth(input());
    expect(t).toEqual({
      true_downtime_device_min: 90,
      measured_downtime_device_min: 93,
      // |93 − 90| / 90
      error_pct: 3.333,
      true_downtime_ms: 90 * MIN,
      measured_downtime_ms: 93 * MIN,
      excluded_true_ms: 0,
      unreachable_counts_as: 'down',
      buildings: [
        { site: 'S', building: 'B1', devices: 3, true_downtime_device_min: 90, measured_downtime_device_min: 90, error_pct: 0 },
        // No ledger for w1, so no truth: 3 minutes against the one-minute floor.
        { site: 'S', building: 'B2', devices: 1, true_downtime_device_min: 0, measured_downtime_device_min: 3, error_pct: 300 },
      ],
      detection_delay: [
        { kind: 'gateway', episodes: 2, detected: 0, undetected: 2, p50_ms: null, p95_ms: null, max_ms: null },
        { kind: 'leak', episodes: 4, detected: 0, undetected: 4, p50_ms: null, p95_ms: null, max_ms: null },
      ],
    });
  });

  it('a device first connecting late is only counted from then; one connecting at the end is not counted', () => {
    // d1 connects at 55: own 55–100 = 45 (its gateway's and the broker's outages fall inside or before).
    const late = slaTruth(input({ first_connect: new Map([['g1', at(0)], ['d1', at(55)], ['d2', at(0)]]) }));
    expect(late.true_downtime_ms).toBe((15 + 45 + 15) * MIN);
    // d1 connecting exactly at the end has no ledger at all.
    const never = slaTruth(input({ first_connect: new Map([['g1', at(0)], ['d1', at(100)], ['d2', at(0)]]) }));
    expect(never.true_downtime_ms).toBe(30 * MIN);
    expect(never.detection_delay.find((d) => d.kind === 'leak')?.episodes).toBe(2);
    // A connection before the period starts counts from the period's start.
    const before = slaTruth(input({ from_ms: at(5), first_connect: new Map([['g1', at(0)], ['d1', at(0)], ['d2', at(0)]]) }));
    expect(before.true_downtime_ms).toBe(90 * MIN);
  });

  it('with unreachable counted as unknown, time behind a dead gateway is left out, the broker\'s is not', () => {
    const t = slaTruth(input({}, { unreachable_counts_as: 'unknown' }));
    // g1 15; d1 50–100 minus nothing of 10–20 = 50; d2 only the broker's 5.
    expect([t.true_downtime_ms, t.unreachable_counts_as]).toEqual([70 * MIN, 'unknown']);
    // Detection episodes still follow reachability.
    expect(t.detection_delay.map((d) => d.episodes)).toEqual([2, 4]);
    // d1 down 15–25 overlapping its gateway's 10–20: only 20–25 is left.
    const overlap = slaTruth(input({ down: new Map([['g1', [{ from: at(10), to: at(20) }]], ['d1', [{ from: at(15), to: at(25) }]]]) }, { unreachable_counts_as: 'unknown' }));
    expect(overlap.true_downtime_ms).toBe((15 + 10 + 5) * MIN);
  });

  it('excludes, over a fault\'s real interval on what it affected, only applied faults whose cause the client answers for', () => {
    const f = (over: Partial<TruthInput['faults'][number]>) => ({ id: 'x', fault: 'building_power', scope: 'building', on: 'B1', start_ms: at(15), end_ms: at(25), applied: true, params: {}, ...over });
    const faults = [
      f({ id: 'p1' }),
      // Still on at the end: 90–100.
      f({ id: 'p2', start_ms: at(90), end_ms: null }),
      f({ id: 'not-applied', start_ms: at(0), end_ms: at(100), applied: false }),
      // An uplink's cause is `uplink`, not excused here.
      f({ id: 'uplink', fault: 'site_uplink', scope: 'site', on: 'S', start_ms: at(0), end_ms: at(100) }),
      // No cause at all for a leak.
      f({ id: 'leak', fault: 'leak', scope: 'device', on: 'd1', start_ms: at(0), end_ms: at(100) }),
    ];
    const t = slaTruth(input({ faults }, { exclude_causes: ['power_or_network'] }));
    // g1: 10–15 and 70–75 = 10 (5 excused); d1: 10–15 and 50–90 = 45 (15 excused); d2: 10–15 and 70–75 = 10 (5 excused).
    expect([t.true_downtime_ms, t.excluded_true_ms]).toEqual([65 * MIN, 25 * MIN]);
    expect(t.buildings[0]!.true_downtime_device_min).toBe(65);
    // Without the cause in the contract nothing is excused.
    const none = slaTruth(input({ faults }));
    expect([none.true_downtime_ms, none.excluded_true_ms]).toEqual([90 * MIN, 0]);
    // With `uplink` excused, the site uplink (0–100, every device) excuses everything.
    const all = slaTruth(input({ faults }, { exclude_causes: ['uplink'] }));
    expect([all.true_downtime_ms, all.excluded_true_ms]).toEqual([0, 90 * MIN]);
  });

  it('a fault that loses everything (malformed payloads, packet loss, radio interference at 100 %) is down time', () => {
    const f = (over: Partial<TruthInput['faults'][number]>) => ({ id: 'x', fault: 'malformed_payloads', scope: 'device', on: 'd2', start_ms: at(30), end_ms: at(40), applied: true, params: { percent: 100 }, ...over });
    const base = 90 * MIN;
    expect(slaTruth(input({ faults: [f({})] })).true_downtime_ms).toBe(base + 10 * MIN);
    expect(slaTruth(input({ faults: [f({ fault: 'packet_loss' })] })).true_downtime_ms).toBe(base + 10 * MIN);
    expect(slaTruth(input({ faults: [f({ fault: 'rf_interference', scope: 'floor', on: 'B1-F1' })] })).true_downtime_ms).toBe(base + 2 * 10 * MIN);
    // Still on at the end: 30–100 on d2.
    expect(slaTruth(input({ faults: [f({ end_ms: null })] })).true_downtime_ms).toBe(base + 65 * MIN);
    // Below 100 %, without a percent, not applied, or another class: not down.
    for (const other of [f({ params: { percent: 99 } }), f({ params: {} }), f({ applied: false }), f({ fault: 'slow_clock' })]) {
      expect(slaTruth(input({ faults: [other] })).true_downtime_ms).toBe(base);
    }
    // Garbled time is the device's own: under "unknown" it still counts.
    expect(slaTruth(input({ faults: [f({})] }, { unreachable_counts_as: 'unknown' })).true_downtime_ms).toBe((70 + 10) * MIN);
  });

  it('outages shorter than the contract\'s minimum do not count', () => {
    // 6 minutes: the broker's 5-minute outage no longer counts; d1's 10–20 and 50–100 do.
    const t = slaTruth(input({}, { min_outage_ms: 6 * MIN }));
    expect(t.true_downtime_ms).toBe((10 + 60 + 10) * MIN);
  });

  it('only agreed service time counts, and the service time of each site is the contract\'s', () => {
    // Service 00:00–01:00 every day, UTC: only minutes 0–60 are agreed.
    const business = { service_hours: { kind: 'business' as const, days: [0, 1, 2, 3, 4, 5, 6], start_min: 0, end_min: 60 } };
    const t = slaTruth(input({}, business));
    // g1 10–20; d1 10–20 and 50–60; d2 10–20.
    expect(t.true_downtime_ms).toBe(40 * MIN);
    // The agreed time is a floor for the error: 3 agreed device-hours are far below 10^5 minutes, so the truth decides.
    expect(t.error_pct).toBe(errorPct(93 * MIN, 40 * MIN));
    expect(t.error_pct).toBe(132.5);
  });

  it('detection delay per kind: the first mark inside each true episode, edges included, quantiles by nearest rank', () => {
    const marked_down = new Map([
      // g1: at the start of 10–20 (delay 0); none in 70–75.
      ['g1', [at(10), at(76)]],
      // d1: 10–20 unmarked (a mark at 9 is before it); 50–100 marked at 52 and 80: the first counts.
      ['d1', [at(9), at(52), at(80)]],
      // d2: 10–20 marked at its very end (delay 10 min); 70–75 at 73.
      ['d2', [at(20), at(73)]],
    ]);
    const t = slaTruth(input({ marked_down }));
    expect(t.detection_delay).toEqual([
      { kind: 'gateway', episodes: 2, detected: 1, undetected: 1, p50_ms: 0, p95_ms: 0, max_ms: 0 },
      // Delays 2, 10 and 3 minutes, sorted 2, 3, 10: p50 is the 2nd (⌈1.5⌉), p95 the 3rd.
      { kind: 'leak', episodes: 4, detected: 3, undetected: 1, p50_ms: 3 * MIN, p95_ms: 10 * MIN, max_ms: 10 * MIN },
    ]);
  });

  it('buildings are sorted by site, then building, whatever order the devices come in', () => {
    const devices = [device('a1', 'leak', 'Z', null), device('b1', 'leak', 'A', null), device('c1', 'leak', 'M', null)].map((d, i) => ({ ...d, site_id: i === 2 ? 'R' : 'T' }));
    const t = slaTruth(input({ index: new ScopeIndex({ name: 't', sites: [], devices } as Portfolio), first_connect: new Map(), measured: { devices: [] } as unknown as SlaReport }));
    expect(t.buildings.map((b) => `${b.site}/${b.building}`)).toEqual(['R/M', 'T/A', 'T/Z']);
    expect(t.buildings.map((b) => b.devices)).toEqual([1, 1, 1]);
    expect(t.detection_delay).toEqual([]);
  });

  it('a contract that does not say how to count unreachable time counts it as down', () => {
    const t = slaTruth(input({}, { unreachable_counts_as: undefined }));
    // The same 90 device-minutes as the first case, gateway time included.
    expect([t.true_downtime_ms, t.unreachable_counts_as]).toEqual([90 * MIN, 'down']);
  });

  it('over a long period the agreed device-time, not one minute, is the error\'s floor', () => {
    // 100 days, nothing truly down, every device of B1 connected from the start; measured as in
    // the fixture (B1 90 device-minutes, w1 3). Agreed in B1: 3 × 144,000 min = 25,920,000,000 ms,
    // and 0.001 % of it is 259,200 ms (4.32 min), above the one-minute floor.
    const days = 100 * 24 * 60;
    const t = slaTruth(input({ to_ms: at(days), down: new Map(), broker: [], first_connect: new Map([['g1', at(0)], ['d1', at(0)], ['d2', at(0)]]) }));
    expect(t.true_downtime_ms).toBe(0);
    // B1: 5,400,000 / 259,200 = 20.8333… → 2083.333 %; B2 (no ledger, no agreed time): 3 min / 1 min.
    expect(t.buildings.map((b) => b.error_pct)).toEqual([2083.333, 300]);
    // Portfolio: 5,580,000 / 259,200 = 21.527777… → 2152.778 %.
    expect(t.error_pct).toBe(2152.778);
  });

  it('a building of an earlier site comes first even when its building id sorts later', () => {
    const devices = [device('a1', 'leak', 'Z', null), device('b1', 'leak', 'A', null)].map((d, i) => ({ ...d, site_id: i === 0 ? 'R' : 'T' }));
    const t = slaTruth(input({ index: new ScopeIndex({ name: 't', sites: [], devices } as Portfolio), first_connect: new Map(), measured: { devices: [] } as unknown as SlaReport }));
    expect(t.buildings.map((b) => `${b.site}/${b.building}`)).toEqual(['R/Z', 'T/A']);
  });

  it('detection delay rows are sorted by kind also when the devices already come in that order', () => {
    const devices = [device('g1', 'gateway', 'B1', null), device('d1', 'leak', 'B1', 'g1')];
    const t = slaTruth(input({ index: new ScopeIndex({ name: 't', sites: [], devices } as Portfolio) }));
    expect(t.detection_delay.map((d) => d.kind)).toEqual(['gateway', 'leak']);
  });

  it('each fault class is excused under its own incident cause: floor and building power and a building uplink as power_or_network, a gateway as gateway_down, a device as device_offline', () => {
    const f = (fault: string, scope: string, on: string, from: number, to: number) => ({ id: fault, fault, scope, on, start_ms: at(from), end_ms: at(to), applied: true, params: {} });
    // 10–20 on everything in B1 (g1, and d1, d2 behind it): 30 of the 90 true device-minutes excused.
    for (const [fault, scope, on, cause] of [['floor_power', 'floor', 'B1-F1', 'power_or_network'], ['building_power', 'building', 'B1', 'power_or_network'], ['building_uplink', 'building', 'B1', 'power_or_network'], ['gateway_down', 'gateway', 'g1', 'gateway_down']] as const) {
      const t = slaTruth(input({ faults: [f(fault, scope, on, 10, 20)] }, { exclude_causes: [cause] }));
      expect([fault, t.true_downtime_ms, t.excluded_true_ms]).toEqual([fault, 60 * MIN, 30 * MIN]);
      // Under another cause nothing is excused.
      const other = slaTruth(input({ faults: [f(fault, scope, on, 10, 20)] }, { exclude_causes: ['uplink'] }));
      expect([fault, other.excluded_true_ms]).toEqual([fault, 0]);
    }
    // d1's own 50–100 (the broker's 70–75 inside it): 50 minutes excused, 40 left (g1 15, d1 10, d2 15).
    const dev = slaTruth(input({ faults: [f('device_down', 'device', 'd1', 50, 100)] }, { exclude_causes: ['device_offline'] }));
    expect([dev.true_downtime_ms, dev.excluded_true_ms]).toEqual([40 * MIN, 50 * MIN]);
  });
});

