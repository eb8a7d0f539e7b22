import { describe, expect, it } from 'vitest';
import { evaluateExpectations, LiveChecks } from '../../harness/expect/evaluate.ts';
import { resolveExpectations } from '../../harness/expect/expectations.ts';
import { compare, formatValue, lostQos1, matchMetric, parseValue, splitComparison, type RunFacts } from '../../harness/expect/metrics.ts';
import type { OracleReport } from '../../harness/expect/oracle.ts';
import { rolloutsOf } from '../../harness/expect/run-checked.ts';
import type { RunSummary } from '../../harness/run/run-scenario.ts';
import type { Platform } from '../../platform/core/platform.ts';
import { ScopeIndex } from '../../sim/faults/scope.ts';
import { generatePortfolio } from '../../sim/world/generate.ts';
import { smallOffice } from '../helpers/small-fleet.ts';

describe('metric names', () => {
  it('binds placeholders, the most specific pattern first, ids with dots included', () => {
    expect(matchMetric('oracle.missed')?.def.pattern).toBe('oracle.missed');
    expect(matchMetric('oracle.leak.missed')).toMatchObject({ def: { pattern: 'oracle.<class>.missed' }, args: ['leak'] });
    expect(matchMetric('rollout.hvac.2.4.state')).toMatchObject({ def: { pattern: 'rollout.<rollout>.<field>' }, args: ['hvac.2.4', 'state'] });
    expect(matchMetric('sla.availability.building.tower.east')).toMatchObject({ args: ['tower.east'] });
    expect(matchMetric('sla.response_compliance.P1')?.def.unit).toBe('ratio');
    expect(matchMetric('sla')).toBeUndefined();
    expect(matchMetric('oracle..missed')).toBeUndefined();
  });

  it('a comparison written without spaces splits at its operator, not inside the metric', () => {
    expect(splitComparison('sla.availability>=99.5%')).toEqual({ metric: 'sla.availability', op: '>=', value_text: '99.5%' });
    expect(splitComparison('alerts.leak<=0')).toEqual({ metric: 'alerts.leak', op: '<=', value_text: '0' });
    expect(splitComparison('oracle.missed>0')).toEqual({ metric: 'oracle.missed', op: '>', value_text: '0' });
    expect(splitComparison('open_incidents<2')).toEqual({ metric: 'open_incidents', op: '<', value_text: '2' });
    // A placeholder copied from the docs stays one token, so the did-you-mean can name it.
    expect(splitComparison('alerts.<alert> = 0')).toEqual({ metric: 'alerts.<alert>', op: '=', value_text: '0' });
  });

  it('values are read in the metric\'s unit and printed back in it', () => {
    expect(parseValue('ratio', '99.5%')).toBe(0.995);
    expect(parseValue('ratio', '0.99')).toBe(0.99);
    expect(parseValue('ms', '2m')).toBe(120_000);
    expect(parseValue('ms', 'soon')).toEqual({ error: expect.stringMatching(/duration/) });
    expect(parseValue('count', 'x')).toEqual({ error: expect.stringMatching(/number/) });
    expect(parseValue('text', 'completed')).toBe('completed');
    expect(formatValue('ratio', 0.99982)).toBe('99.982%');
    expect(formatValue('ms', 95_432)).toBe('1m 35s');
    expect(formatValue('ms', 1_500)).toBe('1s 500ms');
    expect(compare('completed', '=', 'completed')).toBe(true);
    expect(compare(3, '<=', 2)).toBe(false);
    expect(compare('3', '=', 3)).toBe(false);
  });
});

const portfolio = generatePortfolio('t', smallOffice());
const summary = (over: Partial<RunSummary> = {}): RunSummary =>
  ({
    scenario: 't', seed: '1', transport: 'memory', mqtt_mode: null, connections: null, steps: 10, speed: null, max_lag_ms: null,
    start_ms: 0, end_ms: 6 * 3_600_000, sim_span_ms: 6 * 3_600_000, wall_ms: 1, devices: 10, devices_by_kind: {}, sites: 1, buildings: 1,
    messages: 100, messages_by_class: {}, messages_by_kind: {}, received_by_monitor: 102, dropped: { radio_loss: 3, parent_down: 2, outbox_full: 0, reboot: 0 },
    broker_outages: 0, wills: 2, events: 1, events_per_wall_s: 1, trace_lines: 1, trace_bytes: 1, platform: null,
    faults: { injected: 0, not_applied: 0, actions: 0, platform_backlog_max: 0, platform_backlog_dropped: 0, platform_session_resumes: 0, platform_queued_delivered: 0, platform_stall_resumes: 0 }, oracle: null, rollouts: [], trace_hash: '0', ...over,
  }) as RunSummary;

const oracle = (over: Partial<OracleReport> = {}): OracleReport => ({
  faults: [],
  classes: [],
  totals: { injected: 0, detected: 0, missed: 0, pending: 0 },
  alerts: { total: 0, attributed: 0, natural: 0, false: 0, false_by_type: {}, nuisance: 0, nuisance_by_type: {}, false_examples: [] },
  storms: [],
  truth: { bricked: 0, natural_leaks: 0, deaths: 0, reboots: 0 },
  dropped_facts: 0,
  sla: null,
  ...over,
});

const facts = (over: Partial<RunFacts> = {}): RunFacts => ({ summary: summary(), sla: null, oracle: oracle(), alerts: [], incidents: [], rollouts: null, ...over });
const index = new ScopeIndex(portfolio);

describe('evaluating expectations', () => {
  it('lost QoS 1 counts outbox overflow, RAM lost in reboots and any delivery shortfall, not radio drops', () => {
    expect(lostQos1(summary())).toBe(0);
    expect(lostQos1(summary({ received_by_monitor: 100, dropped: { radio_loss: 0, parent_down: 0, outbox_full: 4, reboot: 1 } }))).toBe(7);
  });

  it('that: pass, fail with the measured value, skip when nothing was measured', () => {
    const e = resolveExpectations([{ that: 'lost_qos1 = 0' }, { that: 'oracle.leak.detection_p95 <= 2m' }, { that: 'storm.unreconnected = 0' }, { that: 'oracle.false_alerts = 0' }]);
    const withLeak = oracle({
      classes: [{ fault: 'leak', injected: 2, detected: 2, missed: 0, pending: 0, not_applied: 0, latency: { n: 2, p50_ms: 60_000, p95_ms: 180_000, max_ms: 180_000 }, rules: ['leak'], scored: true }],
      alerts: { total: 3, attributed: 2, natural: 0, false: 1, false_by_type: { device_offline: 1 }, nuisance: 0, nuisance_by_type: {}, false_examples: [] },
    });
    const r = evaluateExpectations(e, facts({ oracle: withLeak }), index);
    expect(r.map((x) => x.status)).toEqual(['passed', 'failed', 'skipped', 'failed']);
    expect(r[1]!.message).toBe('oracle.leak.detection_p95 = 3m, expected ≤ 2m');
    expect(r[2]!.message).toBe('no restore in this run');
    // A missed class has no latency: asking for one fails rather than skips.
    const missed = oracle({ classes: [{ fault: 'leak', injected: 1, detected: 0, missed: 1, pending: 0, not_applied: 0, latency: null, rules: ['leak'], scored: true }] });
    expect(evaluateExpectations([e[1]!], facts({ oracle: missed }), index)[0]).toMatchObject({ status: 'failed', message: 'none of 1 leak fault(s) was detected' });
  });

  it('rollout outcomes come from the summary\'s rollouts section (the patching module\'s extension point)', () => {
    const e = resolveExpectations([{ that: 'rollout.hvac-241.state = completed' }, { that: 'rollout.hvac-241.bricked = 0' }, { that: 'rollout.hvac-241.halted_at_wave = 2' }]);
    const s = { ...summary(), rollouts: [{ id: 'hvac-241', state: 'halted', bricked: 0, halted_at_wave: 2 }] } as unknown as RunSummary;
    const r = evaluateExpectations(e, facts({ summary: s, rollouts: rolloutsOf(s) }), index);
    expect(r.map((x) => [x.status, x.measured])).toEqual([['failed', 'halted'], ['passed', '0'], ['passed', '2']]);
    const none = evaluateExpectations(e.slice(0, 1), facts(), index)[0]!;
    expect(none).toMatchObject({ status: 'failed', message: expect.stringMatching(/reported no rollouts/) });
  });

  it('always: checked at every step on the live platform; the first violation and the worst value are reported', () => {
    const e = resolveExpectations([{ always: 'open_incidents.P1 <= 1' }, { always: 'offline_devices <= 5' }]);
    const live = new LiveChecks(e);
    const open = [0, 1, 2, 1];
    let step = 0;
    const fake = (n: number) =>
      ({
        incidents: { all: () => Array.from({ length: n }, (_, i) => ({ id: `I${i}`, priority: 'P1', status: 'open' })) },
        alerts: { active: () => [] },
        registry: { stats: () => ({ by_liveness: { OFFLINE: 3 } }) },
      }) as unknown as Platform;
    for (const n of open) live.step(3_600_000 * ++step, { platform: fake(n) });
    const r = evaluateExpectations(e, facts(), index, live);
    expect(r[0]).toMatchObject({ status: 'failed', decided_ms: 3 * 3_600_000, measured: '2' });
    expect(r[0]!.message).toBe('open_incidents.P1 was 2 at +3h, expected always ≤ 1 (worst 2)');
    expect(r[1]).toMatchObject({ status: 'passed', measured: 'worst 3' });
  });
});
