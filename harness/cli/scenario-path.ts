import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The bundled scenario library, found relative to this file so the CLI works from any directory. */
export const SCENARIO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../scenarios');

/** Accepts a path, or the bare name of a bundled scenario (`commercial-portfolio`). */
export function resolveScenarioPath(arg: string): string {
  if (existsSync(arg)) return arg;
  const bundled = join(SCENARIO_DIR, arg.endsWith('.yaml') ? arg : `${arg}.yaml`);
  return existsSync(bundled) ? bundled : arg;
}

export function bundledScenarioFiles(): string[] {
  if (!existsSync(SCENARIO_DIR)) return [];
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(SCENARIO_DIR, f));
}
