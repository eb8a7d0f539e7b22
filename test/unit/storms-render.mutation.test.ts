import { describe, expect, it } from 'vitest';
import type { ExpectationResult } from '../../harness/expect/evaluate.ts';
import type { OracleReport } from '../../harness/expect/oracle.ts';
import { renderExpectations, renderOracle, renderStorms, sparkline } from '../../harness/expect/render.ts';
import { rolloutsOf } from '../../harness/expect/run-checked.ts';
import { nearestRank } from '../../harness/expect/stats.ts';
import { STORM_BUCKET_MS, STORM_WINDOW_MS, stormReports, type ConnectAttempt, type StormReport } from '../../harness/expect/storms.ts';
import type { RunSummary } from '../../harness/run/run-types.ts';
import { ScopeIndex } from '../../sim/faults/scope.ts';
import type { DeviceSpec, Portfolio } from '../../sim/world/topology.ts';

/**
 * Pins harness/expect/storms.ts, stats.ts, render.ts and run-checked.ts's rolloutsOf with
 * hand-worked histograms and lines. The fleet: floor F1 has gateway g1 with d1 and d2 behind it,
 * floor F2 has gateway g2 with d3. Times are from Monday 2 March 2026 00:00 UTC.
 */
const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 2);

function device(id: string, kind: DeviceSpec['kind'], floor: string, gateway: string | null): DeviceSpec {
  return { id, kind, model: kind === 'gateway' ? 'GW-MX-500' : 'LEAK-W-20', serial: id, firmware: '1', site_id: 'S', building_id: 'B', floor_id: floor, zone_id: null, gateway_id: gateway, critical: false, tags: [] };
}

function index(): ScopeIndex {
  const devices = [device('d1', 'leak', 'F1', 'g1'), device('d2', 'leak', 'F1', 'g1'), device('d3', 'leak', 'F2', 'g2'), device('g1', 'gateway', 'F1', null), device('g2', 'gateway', 'F2', null)];
  return new ScopeIndex({ name: 't', sites: [], devices } as Portfolio);
}

const c = (ms_after_t0: number, d: string, ok: boolean): ConnectAttempt => ({ t: T0 + ms_after_t0, d, ok });

describe('nearest rank', () => {
  it('is the ⌈q·n⌉-th smallest, clamped to the list, 0 for an empty list', () => {
    const xs = [10, 20, 30, 40];
    expect([0, 0.25, 0.26, 0.5, 0.51, 0.95, 1, 2].map((q) => nearestRank(xs, q))).toEqual([10, 10, 20, 20, 30, 40, 40, 40]);
    expect(nearestRank([], 0.5)).toBe(0);
    expect(nearestRank([7], 0.5)).toBe(7);
  });
});

describe('storm reports', () => {
  it('counts the attempts of the affected devices in the window after a restore, bucket by bucket', () => {
    const restore = 10 * MIN;
    const connects = [
      c(restore - 1, 'd1', true), // before the restore
      c(restore, 'd1', false), // bucket 0
      c(restore + 5_000, 'd3', true), // not behind the floor
      c(restore + 9_999, 'g1', true), // bucket 0, back after 9.999 s
      c(restore + 25_000, 'd1', true), // bucket 2, back after 25 s
      c(restore + 26_000, 'd1', true), // bucket 2, already back
      c(restore + 40_000, 'd2', false), // bucket 4
      c(restore + STORM_WINDOW_MS, 'd2', true), // just outside the window
    ];
    const faults = [
      { id: 'fp', fault: 'floor_power', scope: 'floor' as const, on: 'F1', start_ms: T0, end_ms: T0 + restore },
      { id: 'leak', fault: 'leak', scope: 'device' as const, on: 'd1', start_ms: T0, end_ms: T0 + restore },
      { id: 'open', fault: 'building_power', scope: 'building' as const, on: 'B', start_ms: T0, end_ms: null },
    ];
    const r = stormReports({ faults, broker: [], connects, index: index(), end_ms: T0 + 100 * MIN });
    expect(r).toEqual([
      {
        id: 'fp', fault: 'floor_power', restored_ms: T0 + restore, devices: 3, attempts: 5, failed: 2, reconnected: 2, unreconnected: 1,
        reconnect_p50_ms: 9_999, reconnect_p95_ms: 25_000, reconnect_all_ms: null, bucket_ms: 10_000,
        histogram: [{ from_ms: 0, attempts: 2, ok: 1 }, { from_ms: 10_000, attempts: 0, ok: 0 }, { from_ms: 20_000, attempts: 2, ok: 2 }, { from_ms: 30_000, attempts: 0, ok: 0 }, { from_ms: 40_000, attempts: 1, ok: 0 }],
        peak_share: 0.4,
      },
    ]);
    expect([STORM_WINDOW_MS, STORM_BUCKET_MS]).toEqual([1_800_000, 10_000]);
  });

  it('the window ends at the run\'s end if that comes first; everyone back gives the last reconnect', () => {
    const connects = [c(10 * MIN + 1_000, 'd1', true), c(10 * MIN + 3_000, 'd2', true), c(10 * MIN + 4_000, 'g1', false), c(10 * MIN + 5_000, 'g1', true), c(10 * MIN + 6_000, 'g1', true)];
    const faults = [{ id: 'bp', fault: 'building_power', scope: 'building' as const, on: 'B', start_ms: T0, end_ms: T0 + 10 * MIN }];
    const all = stormReports({ faults, broker: [], connects, index: index(), end_ms: T0 + 100 * MIN })[0]!;
    expect([all.devices, all.attempts, all.reconnected, all.unreconnected, all.reconnect_all_ms, all.reconnect_p50_ms, all.peak_share]).toEqual([3, 5, 3, 0, 5_000, 3_000, 1]);
    const cut = stormReports({ faults, broker: [], connects, index: index(), end_ms: T0 + 10 * MIN + 3_000 })[0]!;
    expect([cut.devices, cut.attempts, cut.reconnect_all_ms]).toEqual([1, 1, 1_000]);
  });

  it('a restore nobody reconnected after is an empty storm', () => {
    const faults = [{ id: 'su', fault: 'site_uplink', scope: 'site' as const, on: 'S', start_ms: T0, end_ms: T0 + MIN }];
    expect(stormReports({ faults, broker: [], connects: [c(0, 'd1', true)], index: index(), end_ms: T0 + 100 * MIN })).toEqual([
      { id: 'su', fault: 'site_uplink', restored_ms: T0 + MIN, devices: 0, attempts: 0, failed: 0, reconnected: 0, unreconnected: 0, reconnect_p50_ms: null, reconnect_p95_ms: null, reconnect_all_ms: null, bucket_ms: 10_000, histogram: [], peak_share: 0 },
    ]);
  });

  it('broker restores take every device, are named by their timeline step or their time, and storms come out in restore order', () => {
    const connects = [c(20 * MIN, 'd3', true), c(30 * MIN + 500, 'd1', true), c(60 * MIN + 10_000, 'g2', true)];
    const faults = [
      { id: 'z-step', fault: 'broker', scope: 'broker' as const, on: 'broker', start_ms: T0 + 25 * MIN, end_ms: T0 + 30 * MIN },
      { id: 'bu', fault: 'building_uplink', scope: 'building' as const, on: 'B', start_ms: T0, end_ms: T0 + 30 * MIN },
    ];
    const broker = [{ from: T0 + 50 * MIN, to: T0 + 60 * MIN }, { from: T0 + 25 * MIN, to: T0 + 30 * MIN }, { from: T0 + 90 * MIN, to: null }, { from: T0, to: T0 + 20 * MIN }];
    const r = stormReports({ faults, broker, connects, index: index(), end_ms: T0 + 100 * MIN });
    expect(r.map((s) => [s.id, s.fault, (s.restored_ms - T0) / MIN, s.devices, s.reconnect_all_ms])).toEqual([
      ['broker@2026-03-02T00:20:00.000Z', 'broker', 20, 2, 600_500],
      // Same restore time: ids in order ("bu" before "z-step").
      ['bu', 'building_uplink', 30, 1, 500],
      ['z-step', 'broker', 30, 1, 500],
      ['broker@2026-03-02T01:00:00.000Z', 'broker', 60, 1, 10_000],
    ]);
  });
});

describe('rendering', () => {
  function oracle(over: Record<string, unknown> = {}): OracleReport {
    return {
      faults: [],
      classes: [],
      totals: { injected: 4, detected: 2, missed: 1, pending: 1 },
      alerts: { total: 9, attributed: 3, natural: 4, false: 2, false_by_type: {}, nuisance: 1, nuisance_by_type: {}, false_examples: [] },
      storms: [],
      truth: { bricked: 0, natural_leaks: 0, deaths: 0, reboots: 0 },
      dropped_facts: 0,
      sla: null,
      ...over,
    } as unknown as OracleReport;
  }

  it('an oracle with no faults and no false alerts is one line', () => {
    expect(renderOracle(oracle({ alerts: { total: 9, attributed: 0, natural: 4, false: 0, nuisance: 1, false_examples: [] } }))).toEqual([
      '  oracle      no faults injected; 9 alerts: 4 with a real condition behind them (1 nuisance), 0 false',
    ]);
  });

  it('the oracle table: totals, a row per class with whole-second latencies and notes, false examples, dropped facts', () => {
    const classes = [
      { fault: 'leak', injected: 3, detected: 2, missed: 1, latency: { p50_ms: 1_500, p95_ms: 999, max_ms: 61_499 }, rules: ['leak'], scored: true },
      { fault: 'slow_clock', injected: 1, detected: 0, missed: 0, latency: null, rules: [], scored: true },
      { fault: 'noise', injected: 1, detected: 0, missed: 0, latency: null, rules: ['x'], scored: false },
    ];
    const false_examples = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'].map((id) => ({ id, type: 'leak' }));
    const lines = renderOracle(oracle({ faults: [{}], classes, alerts: { total: 9, attributed: 3, natural: 4, false: 2, nuisance: 1, false_examples }, dropped_facts: 7 }));
    const pad = (s: string, n: number) => s.padEnd(n);
    expect(lines).toEqual([
      '  oracle      4 faults injected: 2 detected, 1 missed, 1 undecided at the end; 9 alerts: 3 from injected faults, 4 natural (1 nuisance), 2 false',
      `              ${pad('fault class', 26)}${pad('injected', 10)}${pad('detected', 10)}${pad('missed', 8)}${pad('p50', 12)}${pad('p95', 12)}max`,
      `              ${pad('leak', 26)}${pad('3', 10)}${pad('2', 10)}${pad('1', 8)}${pad('2s', 12)}${pad('999ms', 12)}1m 1s`,
      `              ${pad('slow_clock', 26)}${pad('1', 10)}${pad('0', 10)}${pad('0', 8)}${pad('—', 12)}${pad('—', 12)}—  (no rule covers this class)`,
      `              ${pad('noise', 26)}${pad('1', 10)}${pad('0', 10)}${pad('0', 8)}${pad('—', 12)}${pad('—', 12)}—  (not scored)`,
      ...['a1', 'a2', 'a3', 'a4', 'a5'].map((id) => `              false alert ${id} (leak)`),
      '              7 facts dropped at the oracle\'s bounds: the scores above are incomplete',
    ]);
    // False alerts alone (no faults) still get the full form, without a class table.
    expect(renderOracle(oracle({ alerts: { total: 2, attributed: 0, natural: 0, false: 2, nuisance: 0, false_examples: [] } }))).toEqual([
      '  oracle      4 faults injected: 2 detected, 1 missed, 1 undecided at the end; 2 alerts: 0 from injected faults, 0 natural (0 nuisance), 2 false',
    ]);
  });

  it('sparklines scale to the busiest bucket; empty or all-zero gives nothing', () => {
    expect(sparkline([0, 1, 2, 8, 7, 4])).toBe(' ▁▂█▇▄');
    expect(sparkline([1])).toBe('▁');
    expect(sparkline([3, 3])).toBe('▆▆');
    expect(sparkline([])).toBe('');
    expect(sparkline([0, 0])).toBe('');
  });

  it('a storm line says who came back and draws at most 60 buckets', () => {
    const s = (over: Partial<StormReport>): StormReport => ({
      id: 'fp', fault: 'floor_power', restored_ms: 0, devices: 3, attempts: 5, failed: 2, reconnected: 2, unreconnected: 1, reconnect_p50_ms: 9_400,
      reconnect_p95_ms: 0, reconnect_all_ms: null, bucket_ms: 10_000, histogram: [1, 0, 2].map((attempts, i) => ({ from_ms: i * 10_000, attempts, ok: 0 })), peak_share: 0.4, ...over,
    });
    const wide = s({ reconnect_all_ms: 125_600, reconnect_p50_ms: null, histogram: Array.from({ length: 70 }, (_, i) => ({ from_ms: i, attempts: i < 60 ? 1 : 8, ok: 0 })) });
    expect(renderStorms([s({}), wide])).toEqual([
      '  storm       fp (floor_power): 3 devices, 5 connection attempts (2 failed), 1 never came back, p50 9s; per 10 s: ▁ ▅',
      `  storm       fp (floor_power): 3 devices, 5 connection attempts (2 failed), all back in 2m 6s, p50 —; per 10 s: ${'▁'.repeat(60)}`,
    ]);
  });

  it('expectation lines: a count line, names padded to the longest plus two, failures with their file line', () => {
    const r = (name: string, status: ExpectationResult['status'], line: number): ExpectationResult => ({ name, kind: 'that', status, measured: 'M', expected: 'E', message: `why ${name}`, line, decided_ms: null });
    expect(renderExpectations([], 'x.yaml')).toEqual([]);
    expect(renderExpectations([r('a', 'passed', 3), r('long name', 'failed', 7), r('mid', 'skipped', 9), r('nol', 'failed', 0)], 'x.yaml')).toEqual([
      '  expect      1 passed, 2 failed, 1 skipped',
      '    ok   a          measured M',
      '    FAIL long name  why long name  (x.yaml:7)',
      '    skip mid        why mid',
      '    FAIL nol        why nol',
    ]);
    // Names are padded to at most 60; a longer one is followed by one space.
    const long = 'n'.repeat(70);
    expect(renderExpectations([r(long, 'passed', 1), r('b', 'passed', 1)], 'x')).toEqual(['  expect      2 passed, 0 failed, 0 skipped', `    ok   ${long} measured M`, `    ok   ${'b'.padEnd(60)}measured M`]);
    const exact = 'm'.repeat(58);
    expect(renderExpectations([r(exact, 'passed', 1)], 'x')[1]).toBe(`    ok   ${exact}  measured M`);
  });
});

describe('rollout outcomes from the summary', () => {
  const withRollouts = (rollouts: unknown): RunSummary => ({ rollouts }) as unknown as RunSummary;

  it('a list is keyed by each entry\'s string id, entries without one are left out; a map is taken as it is', () => {
    expect(rolloutsOf(withRollouts([{ id: 'a', state: 'done' }, { id: 7 }, null, 'x', { state: 'no id' }, { id: 'b' }]))).toEqual({ a: { id: 'a', state: 'done' }, b: { id: 'b' } });
    expect(rolloutsOf(withRollouts([]))).toEqual({});
    const map = { a: { state: 'done' } };
    expect(rolloutsOf(withRollouts(map))).toBe(map);
  });

  it('no rollouts section, null or a non-object is none', () => {
    expect(rolloutsOf({} as RunSummary)).toBeNull();
    expect(rolloutsOf(withRollouts(null))).toBeNull();
    expect(rolloutsOf(withRollouts('a'))).toBeNull();
    expect(rolloutsOf(withRollouts(3))).toBeNull();
  });
});
