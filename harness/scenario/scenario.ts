import type { FleetSpec } from '../../sim/world/fleet-spec.ts';
import type { ScriptedFault } from '../../sim/faults/scripted.ts';
import type { DeepPartial, MonitoringConfig } from '../../platform/monitoring/rules.ts';
import type { SlaContract } from '../../platform/sla/contract.ts';
import { zonedToUtcMs } from '../../sim/world/local-time.ts';
import { loadYamlFile, parseYamlWithSchema } from './load-yaml.ts';
import { parseLocalDateTime, ScenarioFileSchema, type ScenarioFile } from './schema.ts';

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
}

/** The seed used when neither the file nor the command line names one. */
export const DEFAULT_SEED = '1';

function platformConfig(raw: ScenarioFile): Scenario['platform'] {
  const out: { monitoring?: DeepPartial<MonitoringConfig>; contract?: Partial<SlaContract> } = {};
  const rules = raw.platform?.rules;
  if (rules) {
    const monitoring: Record<string, Record<string, unknown>> = {};
    for (const [name, o] of Object.entries(rules)) {
      if (!o) continue;
      const r: Record<string, unknown> = {};
      if (o.enabled !== undefined) r.enabled = o.enabled;
      if (o.severity !== undefined) r.severity = o.severity;
      if (o.for !== undefined) r.for_ms = o.for;
      if (o.raise_after !== undefined) r.raise_after = o.raise_after;
      if (o.clear_after !== undefined) r.clear_after = o.clear_after;
      monitoring[name] = r;
    }
    out.monitoring = monitoring as DeepPartial<MonitoringConfig>;
  }
  const c = raw.platform?.contract;
  if (c) {
    const contract: Partial<SlaContract> = {};
    if (c.availability_target !== undefined) contract.availability_target = c.availability_target;
    if (c.approved_firmware !== undefined) contract.approved_firmware = Object.fromEntries(Object.entries(c.approved_firmware).filter((e): e is [string, string] => e[1] !== undefined));
    out.contract = contract;
  }
  return out;
}

function resolve(file: string, raw: ScenarioFile): Scenario {
  const timezone = raw.start_timezone ?? raw.fleet.sites[0]!.timezone;
  // The schema already refused anything parseLocalDateTime rejects.
  const [y, mo, d, h, mi] = parseLocalDateTime(raw.start)!;
  return {
    file,
    name: raw.name,
    description: raw.description ?? '',
    seed: raw.seed === undefined ? DEFAULT_SEED : String(raw.seed),
    start_local: raw.start,
    start_timezone: timezone,
    start_ms: zonedToUtcMs(timezone, y, mo, d, h, mi),
    duration_ms: raw.duration,
    fleet: raw.fleet,
    faults: (raw.faults ?? []).map((f) => ({ kind: f.kind, device: f.device, at_ms: f.at, ...(f.duration !== undefined ? { duration_ms: f.duration } : {}) })),
    platform: platformConfig(raw),
  };
}

export function loadScenario(path: string): Scenario {
  return resolve(path, loadYamlFile(path, ScenarioFileSchema));
}

export function parseScenario(text: string, file = '<inline>'): Scenario {
  return resolve(file, parseYamlWithSchema(text, file, ScenarioFileSchema));
}
