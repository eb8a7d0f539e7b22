import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../harness/run/run-scenario.ts';
import type { Scenario } from '../../harness/scenario/scenario.ts';
import type { Alert } from '../../platform/core/model.ts';
import { faultClass } from '../../sim/faults/catalog.ts';
import { compilePlan, type FaultInstance, type TimelineStep } from '../../sim/faults/plan.ts';
import { ScopeIndex } from '../../sim/faults/scope.ts';
import { generatePortfolio } from '../../sim/world/generate.ts';
import { smallOffice, START_MS } from '../helpers/small-fleet.ts';

const MIN = 60_000;
const SPAN_MS = 4 * 60 * MIN;

// A two-floor office: two gateways, and every kind a fault class needs.
const fleet = smallOffice({ floors: 2, zones: 2 });
const portfolio = generatePortfolio('oracle', fleet);
const scope = new ScopeIndex(portfolio);
const ids = (kind: string): string[] => portfolio.devices.filter((d) => d.kind === kind).map((d) => d.id);

/** A random fault step; times on whole minutes so the broker's step-grid alignment is the identity. */
const stepArb = (i: number): fc.Arbitrary<TimelineStep> => {
  const at = fc.integer({ min: 0, max: 220 }).map((m) => m * MIN);
  const dur = fc.option(fc.integer({ min: 1, max: 180 }).map((m) => m * MIN), { nil: undefined });
  const id = `s${i}`;
  const dev = (kind: string) => fc.constantFrom(...ids(kind)).map((d) => ({ device: [d] }));
  const fault = (name: string, target: fc.Arbitrary<Record<string, string[]>>) =>
    fc.record({ at_ms: at, for_ms: dur, target }).map((r) => ({ id, action: 'fault.inject' as const, fault: name, with: {}, ...r, ...(r.for_ms === undefined ? { for_ms: undefined } : {}) }));
  const outage = (name: string, target: fc.Arbitrary<Record<string, string[]>>) =>
    fc.record({ at_ms: at, for_ms: dur, target }).map((r) => ({ id, action: 'outage.start' as const, outage: name, with: {}, ...r }));
  return fc
    .oneof(
      fault('leak', dev('leak')),
      fault('lock_jam', dev('lock')),
      fault('sensor_stuck', dev('env')),
      fault('firmware_crash', dev('occupancy')),
      fault('device_down', dev('hvac')),
      fault('packet_loss', fc.constant({ kind: ['occupancy'] })),
      fault('link_flapping', dev('lighting')),
      outage('gateway_down', dev('gateway')),
      outage('floor_power', fc.constantFrom({ floor: ['hq-f01'] }, { floor: ['hq-f02'] })),
      outage('site_uplink', fc.constant({ site: ['nyc'] })),
      outage('broker', fc.constant({})),
      outage('platform_restart', fc.constant({})),
    )
    .map((s) => Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) as TimelineStep);
};

const timelineArb = fc.integer({ min: 1, max: 4 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => stepArb(i))));

function scenarioOf(steps: readonly TimelineStep[]): Scenario {
  return {
    file: '<property>', name: 'oracle', description: '', seed: 'p', start_local: '', start_timezone: 'America/New_York', start_ms: START_MS,
    duration_ms: SPAN_MS, fleet, faults: [], platform: {}, firmware: [], rollouts: [], timeline: { steps, processes: [] }, expectations: [],
  };
}

/**
 * Whether an injected fault explains an alert, worked out here from the plan and the topology
 * (not by the oracle): the alert's device is one the fault reaches (everything for the broker or
 * the platform itself), and it fired while the fault was active or within its class's grace after.
 */
function explains(f: FaultInstance, a: Alert, end_ms: number): boolean {
  const reaches = f.scope === 'broker' || f.scope === 'platform' || scope.affected(f.fault, f.scope, f.on).includes(a.device_id);
  const until = Math.min(f.end_ms ?? end_ms, end_ms) + (faultClass(f.fault)?.grace_ms ?? 0);
  return reaches && a.started_ms >= f.start_ms && a.started_ms <= until;
}

describe('ground-truth oracle (property)', () => {
  it('for random fault timelines, the oracle\'s intervals are the injected plan; the same seed gives the same report', async () => {
    let with_attributed = 0;
    await fc.assert(
      fc.asyncProperty(timelineArb, fc.constantFrom('1', '2', 'x'), async (steps, seed) => {
        const scenario = scenarioOf(steps);
        const plan = compilePlan({ portfolio, seed, start_ms: START_MS, end_ms: START_MS + SPAN_MS, steps });
        let alerts_seen: Alert[] = [];
        const a = await runScenario(scenario, { seed, on_platform: (p) => (alerts_seen = p.alerts.all()) });
        const b = await runScenario(scenario, { seed });
        expect(b.trace_hash).toBe(a.trace_hash);
        expect(b.oracle).toEqual(a.oracle);

        const got = a.oracle!.faults.map((f) => ({ id: f.id, fault: f.fault, on: f.on, start_ms: f.start_ms, end_ms: f.end_ms }));
        // A fault still active when the run ends has no end line: the oracle calls it open.
        const want = plan.faults.map((f) => ({ id: f.id, fault: f.fault, on: f.on, start_ms: f.start_ms, end_ms: f.end_ms !== null && f.end_ms < START_MS + SPAN_MS ? f.end_ms : null }));
        expect(got).toEqual(want);

        // Every fault is decided one way or another, and the class table adds up.
        for (const c of a.oracle!.classes) expect(c.detected + c.missed + c.pending + c.not_applied + (c.scored ? 0 : c.injected)).toBe(c.injected);
        for (const f of a.oracle!.faults) {
          if (f.status === 'detected') expect(f.latency_ms).toBeGreaterThanOrEqual(0);
          else expect(f.latency_ms).toBeNull();
        }
        // Alerts against the injected plan: those an applied fault explains are attributed, every
        // other one is natural or false, and each false one really is unexplained by the plan.
        const applied = new Set(a.oracle!.faults.filter((f) => f.applied).map((f) => f.id));
        const end_ms = START_MS + SPAN_MS;
        const explained = (x: Alert): boolean => plan.faults.some((f) => applied.has(f.id) && explains(f, x, end_ms));
        const alerts = a.oracle!.alerts;
        const n_explained = alerts_seen.filter(explained).length;
        expect(alerts.total).toBe(alerts_seen.length);
        expect(alerts.attributed).toBe(n_explained);
        expect(alerts.natural + alerts.false).toBe(alerts_seen.length - n_explained);
        const by_id = new Map(alerts_seen.map((x) => [x.id, x]));
        for (const f of alerts.false_examples) expect(explained(by_id.get(f.id)!), f.id).toBe(false);
        // The per-fault alert counts add up to the attributed ones (each alert has one owner).
        expect(a.oracle!.faults.reduce((n, f) => n + f.alerts, 0)).toBe(n_explained);
        if (n_explained > 0) with_attributed++;
      }),
      { numRuns: 8 },
    );
    // Not vacuous: some runs had alerts the plan explains.
    expect(with_attributed).toBeGreaterThan(0);
  });
});
