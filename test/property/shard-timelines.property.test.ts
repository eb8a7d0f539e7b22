import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveScenarioPath } from '../../harness/cli/scenario-path.ts';
import { runScenario, type RunSummary } from '../../harness/run/run-scenario.ts';
import { loadScenario } from '../../harness/scenario/scenario.ts';

/**
 * Shard-exact traces for any timeline (docs/scale-out.md): random mixes of what a sharded run
 * must play where one simulator would — broker outages, platform restarts, a site's uplink,
 * repairs over both sites, an operator's acknowledgement, rollout pauses and resumes — at random
 * instants, often on the same minute so they collide with each other and with the step grid, on
 * a two-site fleet (rollout-uplink-outage: its rollout starts at 30 min), the simulated NOC on.
 * One simulator and two shards (in this process) must give the same trace, counts and NOC costs.
 * (120 timelines without the NOC and 60 with it passed when this was written; CI runs 12.)
 */
const MIN = 60_000;
const SPAN_MS = 150 * MIN;

/** What must not depend on the split (as test/integration/shards.test.ts compares). */
function comparable(s: RunSummary): unknown {
  return { hash: s.trace_hash, lines: s.trace_lines, events: s.events, messages: s.messages_by_class, dropped: s.dropped, wills: s.wills, faults: s.faults, rollouts: s.rollouts, platform: s.platform, steps: s.steps, store: s.store };
}

/** An instant in the run: on a whole minute (collisions) or anywhere. */
const instant = fc.oneof(
  fc.integer({ min: 1, max: SPAN_MS / MIN - 1 }).map((m) => m * MIN),
  fc.integer({ min: 1, max: SPAN_MS - 1 }),
);
const lasting = fc.integer({ min: 1, max: 40 }).map((m) => m * MIN + 0);

const step = fc.oneof(
  fc.record({ at_ms: instant, for_ms: lasting }).map((s) => ({ ...s, action: 'outage.start', outage: 'broker', target: {}, with: {} })),
  fc.record({ at_ms: instant, for_ms: lasting }).map((s) => ({ ...s, action: 'outage.start', outage: 'platform_restart', target: {}, with: {} })),
  fc.record({ at_ms: instant, for_ms: lasting }).map((s) => ({ ...s, action: 'outage.start', outage: 'site_uplink', target: { site: ['chi'] }, with: {} })),
  fc.record({ at_ms: instant }).map((s) => ({ ...s, action: 'operator.repair', target: { kind: ['leak'] }, by: 'tech' })),
  fc.record({ at_ms: instant }).map((s) => ({ ...s, action: 'operator.ack', by: 'desk' })),
  fc.record({ at_ms: instant }).map((s) => ({ ...s, action: 'operator.resolve', target: { site: ['nyc'] }, by: 'desk' })),
  fc.record({ at_ms: instant }).map((s) => ({ ...s, action: 'rollout.pause', rollout: 'env-330', reason: 'hold' })),
  fc.record({ at_ms: instant }).map((s) => ({ ...s, action: 'rollout.resume', rollout: 'env-330' })),
);

describe('shards: any timeline', () => {
  it('one simulator and two shards give the same trace, counts and costs for random timelines of outages, restarts and actions', { timeout: 300_000 }, async () => {
    const base = loadScenario(resolveScenarioPath('rollout-uplink-outage'));
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
        const timeline = steps.map((s, i) => ({ id: `s${i}`, ...s }));
        const scenario = { ...base, timeline: { ...base.timeline, steps: timeline as unknown as typeof base.timeline.steps } };
        const one = await runScenario(scenario, { duration_ms: SPAN_MS });
        const two = await runScenario(scenario, { duration_ms: SPAN_MS, shards: 2, shard_placement: 'in-process' });
        expect({ ...(comparable(two) as object), costs: two.costs }).toEqual({ ...(comparable(one) as object), costs: one.costs });
      }),
      { numRuns: 12 },
    );
  });
});
