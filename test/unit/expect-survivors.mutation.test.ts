import { describe, expect, it } from 'vitest';
import { evaluateExpectations, LiveChecks, type ExpectationResult } from '../../harness/expect/evaluate.ts';
import { resolveExpectations } from '../../harness/expect/expectations.ts';
import { matchMetric, parseValue, splitComparison, type Measured, type RunFacts } from '../../harness/expect/metrics.ts';
import type { OracleFault, OracleReport } from '../../harness/expect/oracle.ts';
import type { ExpectationFile } from '../../harness/expect/schema.ts';
import type { RunSummary } from '../../harness/run/run-types.ts';
import type { Alert, Incident } from '../../platform/core/model.ts';
import type { Platform } from '../../platform/core/platform.ts';
import { ScopeIndex } from '../../sim/faults/scope.ts';
import type { DeviceSpec, Portfolio } from '../../sim/world/topology.ts';

/**
 * Cases written after the first StrykerJS run of harness/expect/metrics.ts and evaluate.ts
 * (docs/testing.md), one per real survivor: ties between metric patterns, operators written
 * without spaces, the "none" paths when a section is missing, the earliest of several matching
 * alerts or incidents whatever their order, and the edges of the fault checks. Same hand-built
 * fleet as expect-evaluate.mutation.test.ts: F1 has gateway g1 with d1 and d2; F2 has g2 with d3.
 */
const MIN = 60_000;

function device(id: string, kind: DeviceSpec['kind'], floor: string, gateway: string | null): DeviceSpec {
  return { id, kind, model: 'm', serial: id, firmware: '1', site_id: 'S', building_id: 'B', floor_id: floor, zone_id: null, gateway_id: gateway, critical: false, tags: [] };
}

function index(): ScopeIndex {
  const devices = [device('d1', 'leak', 'F1', 'g1'), device('d2', 'leak', 'F1', 'g1'), device('d3', 'leak', 'F2', 'g2'), device('g1', 'gateway', 'F1', null), device('g2', 'gateway', 'F2', null)];
  return new ScopeIndex({ name: 't', sites: [], devices } as Portfolio);
}

function fault(over: Partial<OracleFault> = {}): OracleFault {
  return { id: 'F#1', source: 'gw', fault: 'gateway_down', scope: 'gateway', on: 'g1', start_ms: 10 * MIN, end_ms: 40 * MIN, applied: true, affected: 3, status: 'detected', detected_ms: null, latency_ms: null, detected_by: null, alerts: 0, ...over };
}

function alert(id: string, device_id: string, started_min: number): Alert {
  return { id, device_id, type: 'device_offline', started_ms: started_min * MIN, inhibited_by: null } as Alert;
}

function incident(id: string, opened_min: number, over: Partial<Incident> = {}): Incident {
  return { id, priority: 'P2', scope: { kind: 'device', id: 'zz' }, cause: 'device_offline', opened_ms: opened_min * MIN, device_ids: [], ...over } as Incident;
}

function facts(faults: OracleFault[] | null, over: Partial<RunFacts> = {}): RunFacts {
  const summary = { start_ms: 0, end_ms: 100 * MIN, platform: null } as unknown as RunSummary;
  const oracle = faults === null ? null : ({ faults, sla: null, classes: [] } as unknown as OracleReport);
  return { summary, sla: null, oracle, alerts: [], incidents: [], rollouts: null, ...over };
}

function one(file: ExpectationFile, f: RunFacts): ExpectationResult {
  return evaluateExpectations(resolveExpectations([file]), f, index())[0]!;
}

function measure(name: string, f: RunFacts): Measured {
  const m = matchMetric(name)!;
  return m.def.get(f, m.args);
}

describe('metric survivors', () => {
  it('between two patterns with as many fixed segments, the one listed first wins', () => {
    // `oracle.false_alerts.<alert>` and `oracle.<class>.detected` both have two fixed segments.
    expect(matchMetric('oracle.false_alerts.detected')).toMatchObject({ def: { pattern: 'oracle.false_alerts.<alert>' }, args: ['detected'] });
  });

  it('operators need no spaces around them', () => {
    expect(splitComparison('a=1')).toEqual({ metric: 'a', op: '=', value_text: '1' });
    expect(splitComparison('x!=2')).toEqual({ metric: 'x', op: '!=', value_text: '2' });
  });

  it('percentages take any number of decimals', () => {
    expect(parseValue('ratio', '12.25%')).toBe(0.1225);
    expect(parseValue('ratio', '99.995%')).toBeCloseTo(0.99995, 12);
  });

  it('a missing oracle SLA section, or a missing oracle or platform, is "none", not a crash', () => {
    const none = { none: 'the run had no platform in the loop', verdict: 'skip' };
    const no_sla = facts([]);
    for (const name of ['oracle.sla.error_pct', 'oracle.sla.true_downtime_device_min', 'oracle.sla.measured_downtime_device_min']) {
      expect([name, measure(name, no_sla)]).toEqual([name, none]);
    }
    for (const f of [no_sla, facts(null)]) {
      expect(measure('oracle.sla.error_pct.building.b1', f)).toEqual({ none: 'not measured in this run', verdict: 'skip' });
      expect(measure('oracle.sla.detection_max.leak', f)).toEqual({ none: 'no detected down episode of a leak device', verdict: 'skip' });
    }
    expect(measure('sla.credit_pct.client.c1', facts(null))).toEqual({ none: 'no client "c1" in the contract', verdict: 'fail' });
    expect(measure('truck_rolls', facts(null))).toEqual({ none: 'no simulated NOC in this run', verdict: 'skip' });
    expect(measure('repairs', facts(null))).toEqual({ none: 'no simulated NOC in this run', verdict: 'skip' });
  });
});

describe('evaluate survivors', () => {
  it('the earliest of several matching alerts counts, whichever comes first in the list', () => {
    const e: ExpectationFile = { alert: 'device_offline', for_fault: 'gw', within: 5 * MIN };
    const early_first = one(e, facts([fault()], { alerts: [alert('a', 'd1', 11), alert('b', 'd2', 13), alert('c', 'd1', 12)] }));
    const early_last = one(e, facts([fault()], { alerts: [alert('b', 'd2', 13), alert('c', 'd1', 12), alert('a', 'd1', 11)] }));
    expect([early_first.measured, early_last.measured]).toEqual(['1m after onset', '1m after onset']);
  });

  it('the earliest of several matching incidents counts, whichever comes first; one after the deadline alone fails', () => {
    const e: ExpectationFile = { incident: { cause: 'gateway_down' }, for_fault: 'gw', within: 5 * MIN };
    const i = (id: string, t: number) => incident(id, t, { cause: 'gateway_down', device_ids: ['d1'] });
    expect(one(e, facts([fault()], { incidents: [i('a', 12), i('b', 14), i('c', 13)] }))).toMatchObject({ status: 'passed', measured: '2m after onset' });
    expect(one(e, facts([fault()], { incidents: [i('b', 14), i('a', 12), i('c', 13)] }))).toMatchObject({ status: 'passed', measured: '2m after onset' });
    expect(one(e, facts([fault()], { incidents: [i('late', 16)] }))).toMatchObject({ status: 'failed', measured: 'none' });
  });

  it('an incident on the faulty gateway itself counts for the devices behind it', () => {
    const f = facts([fault()], { incidents: [incident('i', 12, { scope: { kind: 'gateway', id: 'g1' } })] });
    expect(one({ incident: 'P2', for_fault: 'gw', within: 5 * MIN, devices: 'behind' }, f).status).toBe('passed');
  });

  it('a broker or platform fault counts any matching incident, a site-wide one with no device list included', () => {
    for (const scope of ['broker', 'platform'] as const) {
      const f = facts([fault({ fault: scope, scope, on: scope })], { incidents: [incident('i', 12, { scope: { kind: 'site', id: 'S' } })] });
      for (const devices of ['affected', 'behind'] as const) expect([scope, devices, one({ incident: 'P2', for_fault: 'gw', within: 5 * MIN, devices }, f).status]).toEqual([scope, devices, 'passed']);
    }
  });

  it('a device fault has nothing behind it: an alert on the device itself is not behind', () => {
    const f = facts([fault({ fault: 'device_down', scope: 'device', on: 'd1' })], { alerts: [alert('a', 'd1', 11)] });
    expect(one({ alert: 'device_offline', for_fault: 'gw', within: 5 * MIN, devices: 'behind' }, f).status).toBe('failed');
    expect(one({ alert: 'device_offline', for_fault: 'gw', within: 5 * MIN, devices: 'targets' }, f).status).toBe('passed');
    expect(one({ no_alert: 'any', for_fault: 'gw' }, f).status).toBe('passed');
  });

  it('no_alert: an alert exactly at the onset counts; offenders at one instant are listed by id', () => {
    expect(one({ no_alert: 'any', for_fault: 'gw' }, facts([fault()], { alerts: [alert('a', 'd1', 10)] }))).toMatchObject({ status: 'failed', decided_ms: 10 * MIN });
    for (const order of [['c', 'a', 'b'], ['b', 'c', 'a'], ['a', 'b', 'c'], ['c', 'b', 'a']]) {
      const r = one({ no_alert: 'any', for_fault: 'gw' }, facts([fault()], { alerts: order.map((id) => alert(id, 'd1', 20)) }));
      expect(r.message).toBe('3 uninhibited alert(s) on the behind devices: a at +20m, b at +20m, c at +20m');
    }
    expect(one({ no_alert: 'any', for_fault: 'gw' }, facts([]))).toMatchObject({ status: 'skipped', measured: 'n/a' });
  });

  it('live checks: no state for an entry that is not an always: check; a metric the platform cannot give reads NaN', () => {
    const e = resolveExpectations([{ that: 'messages >= 0' }, { always: 'messages >= 0' }]);
    const live = new LiveChecks(e);
    expect(live.state(0)).toBeUndefined();
    const platform = { incidents: { all: () => [] }, alerts: { active: () => [] }, registry: { stats: () => ({ by_liveness: {} }) } } as unknown as Platform;
    live.step(MIN, { platform });
    expect(live.state(1)).toEqual({ first_violation_ms: MIN, first_violation_value: Number.NaN, worst: Number.NaN, samples: 1 });
    // An empty registry has no OFFLINE or UNREACHABLE count: 0.
    const zero = new LiveChecks(resolveExpectations([{ always: 'offline_devices <= 0' }, { always: 'unreachable_devices <= 0' }]));
    zero.step(MIN, { platform });
    expect([zero.state(0)?.worst, zero.state(1)?.worst]).toEqual([0, 0]);
  });
});
