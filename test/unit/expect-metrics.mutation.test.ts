import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as Module from '../../harness/expect/metrics.ts';
import type { Measured, RunFacts } from '../../harness/expect/metrics.ts';
import type { OracleReport } from '../../harness/expect/oracle.ts';
import type { RunSummary } from '../../harness/run/run-types.ts';
import type { SlaReport } from '../../platform/sla/ledger.ts';

/**
 * Pins what each metric of harness/expect/metrics.ts reads, and the grammar around it, with
 * hand-picked distinct numbers (each field its own value, so reading the wrong one shows).
 * Every fixture is built inside its test (docs/testing.md: fixtures shared across tests hide kills).
 */

// Each test loads the module afresh (vi.resetModules, then import), so the metric catalog (the
// `get` of every metric, built once at import) is built inside the test: mutation testing credits
// a test only with code that runs inside it (docs/testing.md, "hybrid" static mutants).
let compare: typeof Module.compare;
let formatValue: typeof Module.formatValue;
let lostQos1: typeof Module.lostQos1;
let matchMetric: typeof Module.matchMetric;
let parseValue: typeof Module.parseValue;
let splitComparison: typeof Module.splitComparison;
beforeEach(async () => {
  vi.resetModules();
  ({ compare, formatValue, lostQos1, matchMetric, parseValue, splitComparison } = await import('../../harness/expect/metrics.ts'));
});

const NO_PLATFORM = 'the run had no platform in the loop';
const NO_NOC = 'no simulated NOC in this run';

function summary(over: Record<string, unknown> = {}): RunSummary {
  return {
    scenario: 't', seed: '1', transport: 'memory', mqtt_mode: null, connections: null, steps: 10, speed: null, max_lag_ms: null,
    start_ms: 0, end_ms: 3_600_000, sim_span_ms: 3_600_000, wall_ms: 1, devices: 10, devices_by_kind: {}, sites: 1, buildings: 1,
    messages: 100, messages_by_class: {}, messages_by_kind: {}, received_by_monitor: 100, dropped: { radio_loss: 3, parent_down: 2, outbox_full: 0, reboot: 0 },
    broker_outages: 0, wills: 0, events: 1, events_per_wall_s: 1, trace_lines: 1, trace_bytes: 1, platform: null, costs: null,
    faults: { injected: 0, not_applied: 0, actions: 0 }, oracle: null, rollouts: [], trace_hash: '0',
    ...over,
  } as unknown as RunSummary;
}

function oracle(over: Record<string, unknown> = {}): OracleReport {
  return {
    faults: [],
    classes: [],
    totals: { injected: 11, detected: 7, missed: 3, pending: 1 },
    alerts: { total: 20, attributed: 9, natural: 5, false: 6, false_by_type: { leak: 4 }, nuisance: 2, nuisance_by_type: { battery_low: 2 }, false_examples: [] },
    storms: [],
    truth: { bricked: 13, natural_leaks: 0, deaths: 0, reboots: 0 },
    dropped_facts: 0,
    sla: null,
    ...over,
  } as unknown as OracleReport;
}

/** An SLA report with a distinct value in every field a metric reads. */
function slaReport(over: Record<string, unknown> = {}): SlaReport {
  return {
    portfolio: { availability: 0.91, rule: { availability: 0.92 }, device_outage_count: 17 },
    sites: [{ id: 's1', availability: 0.81 }, { id: 's2', availability: 0.82 }],
    buildings: [{ id: 'b1', availability: 0.71 }, { id: 'b2', availability: 0.72 }],
    incidents: {
      response: { compliance: 0.61 },
      resolution: { compliance: 0.62 },
      by_priority: [
        { priority: 'P1', response: { compliance: 0.51 }, resolution: { compliance: 0.52 }, mtta: { n: 2, mean_ms: 90_000 }, mttr: { n: 1, mean_ms: 600_000 } },
        { priority: 'P2', response: { compliance: 0.41 }, resolution: { compliance: 0.42 }, mtta: { n: 0, mean_ms: 0 }, mttr: { n: 0, mean_ms: 0 } },
      ],
    },
    patch: { coverage: 0.31, by_model: [{ model: 'm1', coverage: 0.21 }, { model: 'm2', coverage: 0.22 }] },
    health: { score: 77 },
    error_budget: { remaining_fraction: -0.25 },
    credits: { credit_pct: 0.05, amount_owed: 1234, clients: [{ id: 'c1', credit_pct: 0.1 }, { id: 'c2', credit_pct: 0.2 }] },
    devices: [{ id: 'd1', unreachable_ms: 90_000 }, { id: 'd2', unreachable_ms: 30_000 }],
    ...over,
  } as unknown as SlaReport;
}

function facts(over: Partial<RunFacts> = {}): RunFacts {
  return { summary: summary(), sla: null, oracle: null, alerts: [], incidents: [], rollouts: null, ...over };
}

function measure(name: string, f: RunFacts): Measured {
  const m = matchMetric(name);
  if (!m) throw new Error(`no metric ${name}`);
  return m.def.get(f, m.args);
}

describe('SLA metrics read their own field of the report', () => {
  it('each SLA metric returns the number hand-placed in its field', () => {
    const f = facts({ sla: slaReport() });
    const table: Array<[string, number]> = [
      ['sla.availability', 0.91],
      ['sla.availability.rule', 0.92],
      ['sla.availability.site.s2', 0.82],
      ['sla.availability.building.b2', 0.72],
      ['sla.response_compliance', 0.61],
      ['sla.response_compliance.P2', 0.41],
      ['sla.resolution_compliance', 0.62],
      ['sla.resolution_compliance.P2', 0.42],
      ['sla.patch_coverage', 0.31],
      ['sla.patch_coverage.m2', 0.22],
      ['sla.health_score', 77],
      ['sla.error_budget_remaining', -0.25],
      ['sla.mtta.P1', 90_000],
      ['sla.mttr.P1', 600_000],
      ['sla.device_outages', 17],
      ['sla.credit_pct', 0.05],
      ['sla.credit_pct.client.c2', 0.2],
      ['sla.credit_amount', 1234],
      // (90 s + 30 s) of UNREACHABLE device time is two device-minutes.
      ['sla.unreachable_minutes', 2],
    ];
    for (const [name, value] of table) expect([name, measure(name, f)]).toEqual([name, { value }]);
  });

  it('without an SLA report the portfolio metrics say there was no platform and skip', () => {
    const f = facts();
    for (const name of ['sla.availability', 'sla.availability.rule', 'sla.response_compliance', 'sla.response_compliance.P1', 'sla.resolution_compliance', 'sla.resolution_compliance.P1', 'sla.patch_coverage', 'sla.health_score', 'sla.error_budget_remaining', 'sla.device_outages', 'sla.credit_pct', 'sla.unreachable_minutes']) {
      expect([name, measure(name, f)]).toEqual([name, { none: NO_PLATFORM, verdict: 'skip' }]);
    }
    for (const name of ['sla.availability.site.s1', 'sla.availability.building.b1', 'sla.patch_coverage.m1']) {
      expect([name, measure(name, f)]).toEqual([name, { none: 'not measured in this run', verdict: 'skip' }]);
    }
  });

  it('an unknown site, building or model is not measured; an unknown client or a missing fee fails', () => {
    const f = facts({ sla: slaReport() });
    expect(measure('sla.availability.site.s9', f)).toEqual({ none: 'not measured in this run', verdict: 'skip' });
    expect(measure('sla.availability.building.b9', f)).toEqual({ none: 'not measured in this run', verdict: 'skip' });
    expect(measure('sla.patch_coverage.m9', f)).toEqual({ none: 'not measured in this run', verdict: 'skip' });
    expect(measure('sla.response_compliance.P4', f)).toEqual({ none: NO_PLATFORM, verdict: 'skip' });
    expect(measure('sla.credit_pct.client.c9', f)).toEqual({ none: 'no client "c9" in the contract', verdict: 'fail' });
    const no_fee = facts({ sla: slaReport({ credits: { credit_pct: 0, amount_owed: null, clients: [] } }) });
    expect(measure('sla.credit_amount', no_fee)).toEqual({ none: 'the contract names no monthly_fee', verdict: 'fail' });
    expect(measure('sla.credit_amount', facts())).toEqual({ none: NO_PLATFORM, verdict: 'fail' });
  });

  it('mean times skip with the priority named when no incident of it was acknowledged or resolved', () => {
    const f = facts({ sla: slaReport() });
    expect(measure('sla.mtta.P2', f)).toEqual({ none: 'no P2 incident was acknowledged', verdict: 'skip' });
    expect(measure('sla.mttr.P2', f)).toEqual({ none: 'no P2 incident was resolved', verdict: 'skip' });
    expect(measure('sla.mtta.P3', f)).toEqual({ none: 'no P3 incident was acknowledged', verdict: 'skip' });
    expect(measure('sla.mttr.P3', facts())).toEqual({ none: 'no P3 incident was resolved', verdict: 'skip' });
  });

  it('a value that is not a finite number is not measured, while 0 is', () => {
    expect(measure('sla.availability', facts({ sla: slaReport({ portfolio: { availability: Number.NaN, rule: { availability: Number.POSITIVE_INFINITY }, device_outage_count: 0 } }) }))).toEqual({ none: NO_PLATFORM, verdict: 'skip' });
    expect(measure('sla.availability.rule', facts({ sla: slaReport({ portfolio: { availability: 0, rule: { availability: Number.POSITIVE_INFINITY }, device_outage_count: 0 } }) }))).toEqual({ none: NO_PLATFORM, verdict: 'skip' });
    expect(measure('sla.device_outages', facts({ sla: slaReport({ portfolio: { availability: 0, rule: { availability: 0 }, device_outage_count: 0 } }) }))).toEqual({ value: 0 });
  });
});

describe('oracle, incident, alert and cost metrics', () => {
  it('the SLA truth metrics read the oracle\'s sla section', () => {
    const o = oracle({
      sla: {
        error_pct: 1.5,
        true_downtime_device_min: 40,
        measured_downtime_device_min: 41,
        buildings: [{ building: 'b1', error_pct: 3 }, { building: 'b2', error_pct: 4 }],
        detection_delay: [{ kind: 'gateway', max_ms: 5_000 }, { kind: 'sensor', max_ms: 7_000 }],
      },
    });
    const f = facts({ oracle: o });
    expect(measure('oracle.sla.error_pct', f)).toEqual({ value: 1.5 });
    expect(measure('oracle.sla.true_downtime_device_min', f)).toEqual({ value: 40 });
    expect(measure('oracle.sla.measured_downtime_device_min', f)).toEqual({ value: 41 });
    expect(measure('oracle.sla.error_pct.building.b2', f)).toEqual({ value: 4 });
    expect(measure('oracle.sla.detection_max.sensor', f)).toEqual({ value: 7_000 });
    expect(measure('oracle.sla.detection_max.lock', f)).toEqual({ none: 'no detected down episode of a lock device', verdict: 'skip' });
    expect(measure('oracle.sla.error_pct.building.b9', f)).toEqual({ none: 'not measured in this run', verdict: 'skip' });
    for (const name of ['oracle.sla.error_pct', 'oracle.sla.true_downtime_device_min', 'oracle.sla.measured_downtime_device_min']) {
      expect([name, measure(name, facts())]).toEqual([name, { none: NO_PLATFORM, verdict: 'skip' }]);
    }
  });

  it('incident and alert counts filter by priority, cause and type, and need a platform', () => {
    const platform = { incidents_open: 3, alerts: 9, alerts_inhibited: 4, ingest_rejected: 6, noc: { truck_rolls: 2, repairs: 5 } };
    const incidents = [
      { priority: 'P1', cause: 'leak' },
      { priority: 'P2', cause: 'leak' },
      { priority: 'P2', cause: 'gateway_down' },
    ] as unknown as RunFacts['incidents'];
    const alerts = [{ type: 'leak' }, { type: 'leak' }, { type: 'battery_low' }] as unknown as RunFacts['alerts'];
    const f = facts({ summary: summary({ platform }), incidents, alerts });
    const table: Array<[string, number]> = [
      ['incidents', 3],
      ['incidents.P2', 2],
      ['incidents.P4', 0],
      ['incidents.cause.leak', 2],
      ['incidents.open', 3],
      ['alerts', 9],
      ['alerts.leak', 2],
      ['alerts.paging', 5],
      ['truck_rolls', 2],
      ['repairs', 5],
      ['quarantined', 6],
    ];
    for (const [name, value] of table) expect([name, measure(name, f)]).toEqual([name, { value }]);
    for (const name of ['incidents', 'incidents.P1', 'incidents.cause.leak', 'incidents.open', 'alerts', 'alerts.leak', 'alerts.paging', 'quarantined']) {
      expect([name, measure(name, facts())]).toEqual([name, { none: NO_PLATFORM, verdict: 'skip' }]);
    }
    const no_noc = facts({ summary: summary({ platform: { ...platform, noc: undefined } }) });
    expect(measure('truck_rolls', no_noc)).toEqual({ none: NO_NOC, verdict: 'skip' });
    expect(measure('repairs', no_noc)).toEqual({ none: NO_NOC, verdict: 'skip' });
  });

  it('cost metrics read the cost ledger, a cause it never charged costing 0', () => {
    const costs = { total: 1000, truck_rolls: 4, avoided_truck_rolls: 3, naive: { total: 2500 }, technician_hours: 6.5, batteries: 7, by_cause: { leak: 400 } };
    const f = facts({ summary: summary({ costs }) });
    const table: Array<[string, number]> = [
      ['costs.total', 1000],
      ['costs.truck_rolls', 4],
      ['costs.avoided_truck_rolls', 3],
      ['costs.naive_total', 2500],
      ['costs.technician_hours', 6.5],
      ['costs.batteries', 7],
      ['costs.by_cause.leak', 400],
      ['costs.by_cause.battery_low', 0],
    ];
    for (const [name, value] of table) expect([name, measure(name, f)]).toEqual([name, { value }]);
    for (const name of ['costs.total', 'costs.truck_rolls', 'costs.avoided_truck_rolls', 'costs.naive_total', 'costs.technician_hours', 'costs.batteries', 'costs.by_cause.leak']) {
      expect([name, measure(name, facts())]).toEqual([name, { none: NO_NOC, verdict: 'skip' }]);
    }
  });

  it('trace counts come from the summary; a drop reason it does not know is not measured', () => {
    const f = facts({ summary: summary({ messages: 321, wills: 12, received_by_monitor: 333, dropped: { radio_loss: 3, parent_down: 2, outbox_full: 5, reboot: 1 } }) });
    expect(measure('messages', f)).toEqual({ value: 321 });
    expect(measure('wills', f)).toEqual({ value: 12 });
    expect(measure('dropped.parent_down', f)).toEqual({ value: 2 });
    expect(measure('dropped.outbox_full', f)).toEqual({ value: 5 });
    expect(measure('dropped.cosmic_rays', f)).toEqual({ none: 'not measured in this run', verdict: 'skip' });
    // 321 + 12 − 333 = 0 short, plus 5 overflowed and 1 lost in a reboot.
    expect(measure('lost_qos1', f)).toEqual({ value: 6 });
  });

  it('oracle totals, false and nuisance alerts by type, and class counts (0 for a class never injected)', () => {
    const o = oracle({ classes: [{ fault: 'leak', injected: 5, detected: 4, missed: 1, pending: 0, not_applied: 0, latency: null, rules: [], scored: true }] });
    const f = facts({ oracle: o });
    const table: Array<[string, number]> = [
      ['bricked', 13],
      ['oracle.missed', 3],
      ['oracle.detected', 7],
      ['oracle.pending', 1],
      ['oracle.false_alerts', 6],
      ['oracle.false_alerts.leak', 4],
      ['oracle.false_alerts.smoke', 0],
      ['oracle.nuisance_alerts', 2],
      ['oracle.nuisance_alerts.battery_low', 2],
      ['oracle.nuisance_alerts.leak', 0],
      ['oracle.leak.injected', 5],
      ['oracle.leak.detected', 4],
      ['oracle.leak.missed', 1],
      ['oracle.smoke.injected', 0],
      ['oracle.smoke.detected', 0],
      ['oracle.smoke.missed', 0],
    ];
    for (const [name, value] of table) expect([name, measure(name, f)]).toEqual([name, { value }]);
    for (const name of ['bricked', 'oracle.missed', 'oracle.detected', 'oracle.pending', 'oracle.false_alerts', 'oracle.false_alerts.leak', 'oracle.nuisance_alerts', 'oracle.nuisance_alerts.leak', 'oracle.leak.injected', 'oracle.leak.detected', 'oracle.leak.missed']) {
      expect([name, measure(name, facts())]).toEqual([name, { none: NO_PLATFORM, verdict: 'skip' }]);
    }
  });

  it('detection latency: each quantile its own field; skip when no fault took hold or none was decided, fail when all were missed', () => {
    const cls = (over: Record<string, unknown>) => oracle({ classes: [{ fault: 'leak', injected: 3, detected: 3, missed: 0, pending: 0, not_applied: 0, latency: { n: 3, p50_ms: 1_000, p95_ms: 2_000, max_ms: 3_000 }, rules: [], scored: true, ...over }] });
    const f = facts({ oracle: cls({}) });
    expect(measure('oracle.leak.detection_p50', f)).toEqual({ value: 1_000 });
    expect(measure('oracle.leak.detection_p95', f)).toEqual({ value: 2_000 });
    expect(measure('oracle.leak.detection_max', f)).toEqual({ value: 3_000 });
    expect(measure('oracle.smoke.detection_p50', f)).toEqual({ none: 'no smoke fault took hold in this run', verdict: 'skip' });
    expect(measure('oracle.leak.detection_p50', facts())).toEqual({ none: 'no leak fault took hold in this run', verdict: 'skip' });
    // Three injected, all three not applied: nothing took hold. Two of three not applied: one did.
    expect(measure('oracle.leak.detection_max', facts({ oracle: cls({ not_applied: 3 }) }))).toEqual({ none: 'no leak fault took hold in this run', verdict: 'skip' });
    expect(measure('oracle.leak.detection_max', facts({ oracle: cls({ not_applied: 2 }) }))).toEqual({ value: 3_000 });
    expect(measure('oracle.leak.detection_p95', facts({ oracle: cls({ latency: null, detected: 0, missed: 1 }) }))).toEqual({ none: 'none of 3 leak fault(s) was detected', verdict: 'fail' });
    expect(measure('oracle.leak.detection_p95', facts({ oracle: cls({ latency: null, detected: 0, missed: 0, pending: 3 }) }))).toEqual({ none: 'no leak fault was decided yet', verdict: 'skip' });
  });

  it('storm metrics: the sum of unreconnected devices, the longest reconnect, the largest peak share', () => {
    const storms = [
      { unreconnected: 2, reconnect_all_ms: 40_000, peak_share: 0.25 },
      { unreconnected: 3, reconnect_all_ms: 90_000, peak_share: 0.75 },
      { unreconnected: 0, reconnect_all_ms: 10_000, peak_share: 0.5 },
    ];
    const f = facts({ oracle: oracle({ storms }) });
    expect(measure('storm.unreconnected', f)).toEqual({ value: 5 });
    expect(measure('storm.reconnect_all', f)).toEqual({ value: 90_000 });
    expect(measure('storm.peak_share', f)).toEqual({ value: 0.75 });
    const never = facts({ oracle: oracle({ storms: [...storms, { unreconnected: 1, reconnect_all_ms: null, peak_share: 0.1 }] }) });
    expect(measure('storm.reconnect_all', never)).toEqual({ none: 'some devices never reconnected', verdict: 'fail' });
    for (const f0 of [facts(), facts({ oracle: oracle() })]) {
      for (const name of ['storm.unreconnected', 'storm.reconnect_all', 'storm.peak_share']) expect([name, measure(name, f0)]).toEqual([name, { none: 'no restore in this run', verdict: 'skip' }]);
    }
  });

  it('rollout fields: numbers and words as they are, booleans as words, null as "none", anything else fails', () => {
    const f = facts({ rollouts: { r1: { state: 'completed', committed: 40, rolled_back: false, halt_reason: null, waves: [1, 2] } } });
    expect(measure('rollout.r1.state', f)).toEqual({ value: 'completed' });
    expect(measure('rollout.r1.committed', f)).toEqual({ value: 40 });
    expect(measure('rollout.r1.rolled_back', f)).toEqual({ value: 'false' });
    expect(measure('rollout.r1.halt_reason', f)).toEqual({ value: 'none' });
    expect(measure('rollout.r1.waves', f)).toEqual({ none: 'rollout "r1" has no field "waves"', verdict: 'fail' });
    expect(measure('rollout.r1.failed', f)).toEqual({ none: 'rollout "r1" has no field "failed"', verdict: 'fail' });
    expect(measure('rollout.r2.state', f)).toEqual({ none: 'the run reported no rollout "r2"', verdict: 'fail' });
    expect(measure('rollout.r1.state', facts())).toEqual({ none: 'the run reported no rollouts (the patching module reports them in summary.rollouts)', verdict: 'fail' });
  });

  it('live metrics have no end-of-run value', () => {
    for (const name of ['open_incidents', 'open_incidents.P1', 'firing_alerts', 'offline_devices', 'unreachable_devices']) {
      expect(matchMetric(name)?.def.live).toBe(true);
      expect([name, measure(name, facts({ sla: slaReport(), oracle: oracle() }))]).toEqual([name, { none: 'live only', verdict: 'skip' }]);
    }
    expect(matchMetric('sla.availability')?.def.live).toBeUndefined();
  });
});

describe('lost QoS 1', () => {
  it('counts the delivery shortfall only on an unpaced run, and never a surplus', () => {
    // 100 published + 2 wills, 90 received: 12 short.
    expect(lostQos1(summary({ messages: 100, wills: 2, received_by_monitor: 90 }))).toBe(12);
    // More received than sent (a duplicate delivery) is not a negative loss.
    expect(lostQos1(summary({ messages: 100, wills: 2, received_by_monitor: 110, dropped: { radio_loss: 0, parent_down: 0, outbox_full: 1, reboot: 2 } }))).toBe(3);
    // A paced run (speed set) does not count the shortfall: only outbox overflow and reboots.
    expect(lostQos1(summary({ speed: 1, messages: 100, wills: 2, received_by_monitor: 90, dropped: { radio_loss: 0, parent_down: 0, outbox_full: 1, reboot: 2 } }))).toBe(3);
  });
});

describe('metric names', () => {
  it('the most specific pattern wins, and a placeholder takes at least one segment', () => {
    expect(matchMetric('oracle.pending')?.def.pattern).toBe('oracle.pending');
    expect(matchMetric('oracle.pending.missed')).toMatchObject({ def: { pattern: 'oracle.<class>.missed' }, args: ['pending'] });
    expect(matchMetric('sla.availability.rule')?.def.pattern).toBe('sla.availability.rule');
    expect(matchMetric('alerts.paging')?.def.pattern).toBe('alerts.paging');
    expect(matchMetric('alerts.leak')).toMatchObject({ def: { pattern: 'alerts.<alert>' }, args: ['leak'] });
    expect(matchMetric('costs.by_cause.a.b')).toMatchObject({ def: { pattern: 'costs.by_cause.<cause>' }, args: ['a.b'] });
    expect(matchMetric('rollout.r1')).toBeUndefined();
    expect(matchMetric('rollout.a.b.c.d')).toMatchObject({ args: ['a.b.c', 'd'] });
    expect(matchMetric('messages.extra')).toBeUndefined();
    expect(matchMetric('.messages')).toBeUndefined();
    expect(matchMetric('messages.')).toBeUndefined();
    expect(matchMetric('nonsense')).toBeUndefined();
    expect(matchMetric('sla.mtta')).toBeUndefined();
  });
});

describe('comparisons', () => {
  it('splits metric, operator and value, with or without spaces, reading == as =', () => {
    expect(splitComparison('  sla.availability >=99.5%  ')).toEqual({ metric: 'sla.availability', op: '>=', value_text: '99.5%' });
    expect(splitComparison('a <= 1')).toEqual({ metric: 'a', op: '<=', value_text: '1' });
    expect(splitComparison('a != 1')).toEqual({ metric: 'a', op: '!=', value_text: '1' });
    expect(splitComparison('a == b c')).toEqual({ metric: 'a', op: '=', value_text: 'b c' });
    expect(splitComparison('a < 1')).toEqual({ metric: 'a', op: '<', value_text: '1' });
    expect(splitComparison('a > 1')).toEqual({ metric: 'a', op: '>', value_text: '1' });
    expect(splitComparison('x-y_2.<z> = 3')).toEqual({ metric: 'x-y_2.<z>', op: '=', value_text: '3' });
    expect(splitComparison('a 1')).toBeUndefined();
    expect(splitComparison('a =')).toBeUndefined();
    expect(splitComparison('a b = 1')).toBeUndefined();
    expect(splitComparison('= 1')).toBeUndefined();
  });

  it('reads values in the metric\'s unit, with exact error messages', () => {
    expect(parseValue('ratio', ' -5% ')).toBe(-0.05);
    expect(parseValue('ratio', '12.5 %')).toBe(0.125);
    expect(parseValue('ratio', '1e-2')).toBe(0.01);
    expect(parseValue('ratio', '')).toEqual({ error: 'expected a ratio like "99.5%" or 0.995, got ""' });
    expect(parseValue('ratio', 'high')).toEqual({ error: 'expected a ratio like "99.5%" or 0.995, got "high"' });
    expect(parseValue('ratio', '5%%')).toEqual({ error: 'expected a ratio like "99.5%" or 0.995, got "5%%"' });
    expect(parseValue('ratio', 'x5%')).toEqual({ error: 'expected a ratio like "99.5%" or 0.995, got "x5%"' });
    expect(parseValue('ratio', 'Infinity')).toEqual({ error: 'expected a ratio like "99.5%" or 0.995, got "Infinity"' });
    expect(parseValue('ms', ' 90s ')).toBe(90_000);
    expect(parseValue('ms', 'soon')).toEqual({ error: 'expected a duration like "2m" or "90s", got "soon"' });
    expect(parseValue('count', ' 7 ')).toBe(7);
    expect(parseValue('score', '2.5')).toBe(2.5);
    expect(parseValue('money', '100')).toBe(100);
    expect(parseValue('count', '')).toEqual({ error: 'expected a number, got ""' });
    expect(parseValue('money', 'Infinity')).toEqual({ error: 'expected a number, got "Infinity"' });
    expect(parseValue('text', ' 3 ')).toBe(3);
    expect(parseValue('text', ' halted ')).toBe('halted');
    expect(parseValue('text', '')).toBe('');
    expect(parseValue('text', 'Infinity')).toBe('Infinity');
  });

  it('compares numbers with every operator at and either side of the limit, and mixed types are only unequal', () => {
    const ops = ['=', '!=', '<', '<=', '>', '>='] as const;
    // [a, b] → expected result per op, in the order above.
    const table: Array<[number, number, boolean[]]> = [
      [1, 2, [false, true, true, true, false, false]],
      [2, 2, [true, false, false, true, false, true]],
      [3, 2, [false, true, false, false, true, true]],
    ];
    for (const [a, b, want] of table) expect(ops.map((op) => compare(a, op, b))).toEqual(want);
    expect(ops.map((op) => compare('b', op, 'a'))).toEqual([false, true, false, false, true, true]);
    expect(ops.map((op) => compare('2', op, 2))).toEqual([false, true, false, false, false, false]);
  });

  it('formats values in their unit for people', () => {
    expect(formatValue('ratio', 'n/a')).toBe('n/a');
    expect(formatValue('ms', 'n/a')).toBe('n/a');
    expect(formatValue('ratio', 0.123456789)).toBe('12.3457%');
    expect(formatValue('ratio', 1)).toBe('100%');
    expect(formatValue('ms', 10_400)).toBe('10s');
    expect(formatValue('ms', 10_600)).toBe('11s');
    expect(formatValue('ms', 10_000)).toBe('10s');
    expect(formatValue('ms', 9_999)).toBe('9s 999ms');
    expect(formatValue('ms', 0)).toBe('0s');
    expect(formatValue('ms', -5)).toBe('-5 ms');
    expect(formatValue('ms', 1.5)).toBe('1.5 ms');
    expect(formatValue('count', 3)).toBe('3');
    expect(formatValue('score', 1.234567)).toBe('1.2346');
    expect(formatValue('money', 2.5)).toBe('2.5');
  });
});
