/**
 * Size bounds a scenario must fit before anything is generated (docs/scenarios.md, "Limits"):
 * a fleet that would not fit one process, a run too long to mean anything, a zero-length run,
 * and timeline steps that could never fire. Each is refused at its file:line (exit 2) in well
 * under a second, instead of hanging in generation or being silently ignored.
 */
import { countBuildingDevices, countFleetDevices } from '../../sim/world/fleet-count.ts';
import type { FleetSpec } from '../../sim/world/fleet-spec.ts';
import { parseLocalDateTime, zonedToUtcMs } from '../../platform/contract/local-time.ts';
import type { SemanticIssue } from './load-yaml.ts';
import type { StepTime } from './timeline-schema.ts';

/** Devices (gateways included) one process simulates; beyond it, split the fleet (docs/load.md). */
export const MAX_SCENARIO_DEVICES = 200_000;
/** Longest run: a little over a year, enough for annual SLA windows and seasonal weather. */
export const MAX_RUN_DURATION_MS = 400 * 86_400_000;

export interface BoundedScenario {
  readonly duration: number;
  readonly start_timezone?: string | undefined;
  readonly fleet: FleetSpec;
  readonly faults?: ReadonlyArray<{ readonly at: number }> | undefined;
  readonly rollouts?: ReadonlyArray<{ readonly at?: number | undefined }> | undefined;
  readonly timeline?: ReadonlyArray<{ readonly at: StepTime }> | undefined;
}

const int = (n: number): string => n.toLocaleString('en-US');
const days = (ms: number): string => `${+(ms / 86_400_000).toFixed(3)}d`;

/** The one check for a run's length, shared by the scenario file and `--duration`. */
export function durationProblem(duration_ms: number): string | undefined {
  if (duration_ms <= 0) return 'a run must last longer than 0';
  if (duration_ms > MAX_RUN_DURATION_MS) return `${days(duration_ms)} is longer than the limit of ${days(MAX_RUN_DURATION_MS)}`;
  return undefined;
}

/** The fleet's size, reported at the building that contributes most when it is over the limit. */
function fleetIssues(fleet: FleetSpec): SemanticIssue[] {
  const total = countFleetDevices(fleet);
  if (total <= MAX_SCENARIO_DEVICES) return [];
  let worst: { path: Array<string | number>; id: string; n: number } = { path: ['fleet'], id: '', n: -1 };
  fleet.sites.forEach((site, s) =>
    site.buildings.forEach((b, i) => {
      const n = countBuildingDevices(b, fleet);
      if (n > worst.n) worst = { path: ['fleet', 'sites', s, 'buildings', i], id: b.id, n };
    }),
  );
  return [
    {
      path: worst.path,
      message: `the fleet would have ${int(total)} devices, over the limit of ${int(MAX_SCENARIO_DEVICES)} per process (building "${worst.id}" alone has ${int(worst.n)}); use msp-twin load for larger fleets`,
    },
  ];
}

/**
 * A site-local step time is after the end only if it is after it in every site's timezone (which
 * site's clock applies depends on the step's target, resolved later against the fleet).
 */
function stepAfterEnd(at: StepTime, end_offset_ms: number, start_ms: number, timezones: readonly string[]): boolean {
  if ('offset_ms' in at) return at.offset_ms > end_offset_ms;
  const parts = parseLocalDateTime(at.local);
  if (parts === undefined) return false; // the timeline checks report a bad date
  const [y, mo, d, h, mi] = parts;
  return timezones.every((tz) => zonedToUtcMs(tz, y, mo, d, h, mi) - start_ms > end_offset_ms);
}

function describeAt(at: StepTime): string {
  return 'offset_ms' in at ? days(at.offset_ms) : `"${at.local}"`;
}

export function checkScenarioBounds(raw: BoundedScenario, start_ms: number): SemanticIssue[] {
  const issues: SemanticIssue[] = [];
  const problem = durationProblem(raw.duration);
  if (problem !== undefined) issues.push({ path: ['duration'], message: problem });
  issues.push(...fleetIssues(raw.fleet));
  if (problem !== undefined) return issues;

  const end = raw.duration;
  const timezones = [...new Set([raw.start_timezone ?? raw.fleet.sites[0]!.timezone, ...raw.fleet.sites.map((s) => s.timezone)])];
  const after = (what: string, at: string): string => `${what} at ${at} is after the run's end (duration ${days(end)}) and would never happen`;
  (raw.faults ?? []).forEach((f, i) => {
    if (f.at > end) issues.push({ path: ['faults', i, 'at'], message: after('this fault', days(f.at)) });
  });
  (raw.rollouts ?? []).forEach((r, i) => {
    if (r.at !== undefined && r.at > end) issues.push({ path: ['rollouts', i, 'at'], message: after('this rollout', days(r.at)) });
  });
  (raw.timeline ?? []).forEach((step, i) => {
    if (stepAfterEnd(step.at, end, start_ms, timezones)) issues.push({ path: ['timeline', i, 'at'], message: after('this step', describeAt(step.at)) });
  });
  return issues;
}
