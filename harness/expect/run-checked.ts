import type { Platform } from '../../platform/core/platform.ts';
import type { SlaReport } from '../../platform/sla/ledger.ts';
import { ScopeIndex } from '../../sim/faults/scope.ts';
import type { Portfolio } from '../../sim/world/topology.ts';
import { runScenario, type RunOptions, type RunSummary } from '../run/run-scenario.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { evaluateExpectations, expectationsPassed, LiveChecks, type ExpectationResult } from './evaluate.ts';
import type { RunFacts } from './metrics.ts';
import { localTime } from '../../platform/contract/local-time.ts';

/**
 * Runs a scenario with its expectations: `always:` checks after every step, the rest on the
 * finished run. The CLI and the scenario tests both go through here, so CI asks exactly the
 * question `msp-twin run` answers.
 */
export interface CheckedRun {
  readonly summary: RunSummary;
  readonly report: SlaReport | undefined;
  readonly platform: Platform | undefined;
  readonly results: readonly ExpectationResult[];
  readonly passed: boolean;
}

/**
 * Rollout outcomes by id from the summary, whatever shape the patching module gives them: a map
 * keyed by rollout id, or a list of objects with an `id`.
 */
export function rolloutsOf(summary: RunSummary): RunFacts['rollouts'] {
  const r = (summary as unknown as { rollouts?: unknown }).rollouts;
  if (typeof r !== 'object' || r === null) return null;
  if (Array.isArray(r)) {
    const out: Record<string, Record<string, unknown>> = {};
    for (const x of r) if (x && typeof x === 'object' && typeof (x as { id?: unknown }).id === 'string') out[(x as { id: string }).id] = x as Record<string, unknown>;
    return out;
  }
  return r as Record<string, Record<string, unknown>>;
}

export async function runChecked(scenario: Scenario, options: RunOptions = {}): Promise<CheckedRun> {
  const live = new LiveChecks(scenario.expectations);
  let report: SlaReport | undefined;
  let platform: Platform | undefined;
  let portfolio: Portfolio | undefined;
  const summary = await runScenario(scenario, {
    ...options,
    ...(live.active || options.on_step
      ? {
          on_step: (t, v) => {
            live.step(t, v);
            options.on_step?.(t, v);
          },
        }
      : {}),
    on_platform: (p, sim, r) => {
      report = r;
      platform = p;
      portfolio = sim.config.portfolio;
      options.on_platform?.(p, sim, r);
    },
  });
  const facts: RunFacts = {
    summary,
    sla: report ?? null,
    oracle: summary.oracle,
    alerts: platform?.alerts.all() ?? [],
    incidents: platform?.incidents.all() ?? [],
    rollouts: rolloutsOf(summary),
    local_time: siteClock(scenario, portfolio),
  };
  const index = new ScopeIndex(portfolio ?? { name: scenario.name, sites: [], devices: [] });
  const results = evaluateExpectations(scenario.expectations, facts, index, live);
  return { summary, report, platform, results, passed: expectationsPassed(results) };
}

/** `2026-03-03 10:30 America/New_York`: in the device's site zone, or the scenario's start zone. */
function siteClock(scenario: Scenario, portfolio: Portfolio | undefined): (t_ms: number, device_id?: string) => string {
  const zone_of_site = new Map((portfolio?.sites ?? []).map((s) => [s.id, s.timezone]));
  const site_of_device = new Map((portfolio?.devices ?? []).map((d) => [d.id, d.site_id]));
  const p = (n: number): string => String(n).padStart(2, '0');
  return (t_ms, device_id) => {
    const site = device_id === undefined ? undefined : site_of_device.get(device_id);
    const zone = (site === undefined ? undefined : zone_of_site.get(site)) ?? scenario.start_timezone;
    const t = localTime(zone, t_ms);
    return `${t.year}-${p(t.month)}-${p(t.day)} ${p(t.hour)}:${p(t.minute)} ${zone}`;
  };
}
