import type { FleetSpec } from '../../sim/world/fleet-spec.ts';
import type { ScriptedFault } from '../../sim/faults/scripted.ts';
import type { DeepPartial, MonitoringConfig } from '../../platform/monitoring/rules.ts';
import type { SlaContract } from '../../platform/sla/contract.ts';
import { checkIncidentPolicy, resolveIncidentPolicy } from './incident-policy-schema.ts';
import { DEFAULT_MODEL, modelById, modelIds } from '../../sim/devices/models.ts';
import { zonedToUtcMs } from '../../platform/contract/local-time.ts';
import { loadYamlFile, parseYamlWithSchema, type SemanticIssue } from './load-yaml.ts';
import { checkFirmwareEntries, checkRollouts, scenarioFirmware, type ScenarioFirmware } from './firmware-catalog.ts';
import { ScenarioFileSchema, type ScenarioFile } from './schema.ts';
import { parseLocalDateTime } from '../../platform/contract/local-time.ts';
import { readFileSync } from 'node:fs';
import { checkContract, contractFromScenario } from './contract-schema.ts';
import { scriptedSteps } from '../../sim/faults/scripted.ts';
import { generatePortfolio } from '../../sim/world/generate.ts';
import { resolveTimeline, type TimelineSpec } from './timeline.ts';
import { checkScenarioReferences } from './timeline-check.ts';
import { resolveExpectations, type Expectation } from '../expect/expectations.ts';
import { itemLines } from '../expect/positions.ts';
import { checkOperations, resolveOperations } from './operations-schema.ts';
import type { OperationsPolicy } from '../../sim/actors/operations.ts';
import { checkScenarioBounds } from './bounds.ts';

/** A validated scenario with its times resolved to epoch milliseconds. */
export interface Scenario {
  readonly file: string;
  readonly name: string;
  readonly description: string;
  readonly seed: string;
  readonly start_local: string;
  readonly start_timezone: string;
  readonly start_ms: number;
  readonly duration_ms: number;
  readonly fleet: FleetSpec;
  readonly faults: readonly ScriptedFault[];
  /** Monitoring overrides and contract terms for the platform (empty = the platform's defaults). */
  readonly platform: { monitoring?: DeepPartial<MonitoringConfig>; contract?: Partial<SlaContract> };
  /** The scenario's firmware catalog (the installed base is added when the fleet is generated). */
  readonly firmware: readonly ScenarioFirmware[];
  /** Rollouts the platform starts at `at_ms` after the start; `plan` is the engine's input shape. */
  readonly rollouts: ReadonlyArray<{ readonly at_ms: number | null; readonly plan: Record<string, unknown> }>;
  /** Timeline steps (the `faults:` shorthand first, as steps fault-1 …) and random fault processes. */
  readonly timeline: TimelineSpec;
  /** Checked during and at the end of the run (harness/expect). */
  readonly expectations: readonly Expectation[];
  /** The NOC and field-service policy and cost rates (defaults where the file says nothing; absent = the defaults). */
  readonly operations?: OperationsPolicy;
}

/** The seed used when neither the file nor the command line names one. */
export const DEFAULT_SEED = '1';

function platformConfig(raw: ScenarioFile): Scenario['platform'] {
  const out: { monitoring?: DeepPartial<MonitoringConfig>; contract?: Partial<SlaContract> } = {};
  const rules = raw.platform?.rules;
  const policy = resolveIncidentPolicy(raw.platform?.incident_policy, raw.platform?.contract?.clients ?? []);
  if (rules || policy) {
    const monitoring: Record<string, Record<string, unknown>> = {};
    if (policy) monitoring.incident_policy = policy;
    for (const [name, o] of Object.entries(rules ?? {})) {
      if (!o) continue;
      const r: Record<string, unknown> = {};
      if (o.enabled !== undefined) r.enabled = o.enabled;
      if (o.severity !== undefined) r.severity = o.severity;
      if (o.for !== undefined) r.for_ms = o.for;
      if (o.raise_after !== undefined) r.raise_after = o.raise_after;
      if (o.clear_after !== undefined) r.clear_after = o.clear_after;
      if (o.opens_incident !== undefined) r.opens_incident = o.opens_incident;
      monitoring[name] = r;
    }
    out.monitoring = monitoring as DeepPartial<MonitoringConfig>;
  }
  const c = raw.platform?.contract;
  if (c) out.contract = contractFromScenario(c);
  return out;
}

function startOf(raw: ScenarioFile): { timezone: string; start_ms: number } {
  const timezone = raw.start_timezone ?? raw.fleet.sites[0]!.timezone;
  // The schema already refused anything parseLocalDateTime rejects.
  const [y, mo, d, h, mi] = parseLocalDateTime(raw.start)!;
  return { timezone, start_ms: zonedToUtcMs(timezone, y, mo, d, h, mi) };
}

/** Firmware versions a model can run in this scenario: its default, the fleet's mixes and explicit versions, the catalog. */
function knownFirmware(raw: ScenarioFile): Map<string, string[]> {
  const out = new Map<string, Set<string>>(modelIds().map((m) => [m, new Set([modelById(m).default_firmware])]));
  const add = (model: string, version: string): void => void out.get(model)?.add(version);
  for (const site of raw.fleet.sites) {
    for (const b of site.buildings) {
      for (const [model, mix] of Object.entries(b.firmware ?? {})) for (const version of Object.keys(mix ?? {})) add(model, version);
      for (const floor of b.layout ?? []) {
        for (const zone of floor.zones) for (const d of zone.devices) if (d.firmware !== undefined) add(d.model ?? b.models?.[d.kind] ?? DEFAULT_MODEL[d.kind], d.firmware);
      }
    }
  }
  for (const f of raw.firmware ?? []) add(f.model, f.version);
  return new Map([...out].map(([m, v]) => [m, [...v].sort()]));
}

/** Cross-field checks the schema cannot express, reported at file:line like schema errors. */
function semanticChecks(raw: ScenarioFile): SemanticIssue[] {
  const { timezone, start_ms } = startOf(raw);
  // First, and alone when they fail: the other checks generate the fleet.
  const bounds = checkScenarioBounds(raw, start_ms);
  if (bounds.length > 0) return bounds;
  const contract = checkContract(raw.platform?.contract).map((i) => ({ path: ['platform', 'contract', ...i.path], message: i.message }));
  return [...contract, ...checkFirmwareEntries(raw), ...checkRollouts(raw, timezone, start_ms), ...checkScenarioReferences(raw, timezone, start_ms), ...checkOperations(raw.operations, raw.fleet, knownFirmware(raw)), ...checkIncidentPolicy(raw.platform?.incident_policy, raw.fleet, raw.platform?.contract?.clients ?? [])];
}

function timelineOf(raw: ScenarioFile, start_timezone: string, start_ms: number): TimelineSpec {
  const legacy = scriptedSteps((raw.faults ?? []).map((f) => ({ kind: f.kind, device: f.device, at_ms: f.at, ...(f.duration !== undefined ? { duration_ms: f.duration } : {}) })));
  if (raw.timeline === undefined && raw.fault_processes === undefined) return { steps: legacy, processes: [] };
  // Site-local step times need the generated fleet (which site a step targets).
  const t = resolveTimeline({ portfolio: generatePortfolio(raw.name, raw.fleet), start_ms, start_timezone }, raw.timeline, raw.fault_processes);
  return { steps: [...legacy, ...t.steps], processes: t.processes };
}

function resolve(file: string, raw: ScenarioFile, text?: string): Scenario {
  const { timezone, start_ms } = startOf(raw);
  return {
    file,
    name: raw.name,
    description: raw.description ?? '',
    seed: raw.seed === undefined ? DEFAULT_SEED : String(raw.seed),
    start_local: raw.start,
    start_timezone: timezone,
    start_ms,
    duration_ms: raw.duration,
    fleet: raw.fleet,
    faults: (raw.faults ?? []).map((f) => ({ kind: f.kind, device: f.device, at_ms: f.at, ...(f.duration !== undefined ? { duration_ms: f.duration } : {}) })),
    platform: platformConfig(raw),
    firmware: scenarioFirmware(raw, timezone),
    rollouts: (raw.rollouts ?? []).map(({ at, ...plan }) => ({ at_ms: at ?? null, plan })),
    timeline: timelineOf(raw, timezone, start_ms),
    operations: resolveOperations(raw.operations),
    expectations: resolveExpectations(raw.expect, raw.expect && text !== undefined ? itemLines(text, 'expect') : []),
  };
}

export function loadScenario(path: string): Scenario {
  const raw = loadYamlFile(path, ScenarioFileSchema, semanticChecks);
  // Read again only for the expectations' source lines (reports point at them).
  return resolve(path, raw, raw.expect ? readFileSync(path, 'utf8') : undefined);
}

export function parseScenario(text: string, file = '<inline>'): Scenario {
  return resolve(file, parseYamlWithSchema(text, file, ScenarioFileSchema, semanticChecks), text);
}
