import type { FleetSpec } from '../../sim/world/fleet-spec.ts';
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
}

/** The seed used when neither the file nor the command line names one. */
export const DEFAULT_SEED = '1';

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
  };
}

export function loadScenario(path: string): Scenario {
  return resolve(path, loadYamlFile(path, ScenarioFileSchema));
}

export function parseScenario(text: string, file = '<inline>'): Scenario {
  return resolve(file, parseYamlWithSchema(text, file, ScenarioFileSchema));
}
