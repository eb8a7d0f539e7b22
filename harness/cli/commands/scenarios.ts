import { basename } from 'node:path';
import { ScenarioError } from '../../scenario/errors.ts';
import { loadScenario } from '../../scenario/scenario.ts';
import { METRICS } from '../../expect/metrics.ts';
import { formatDuration } from '../../../common/duration.ts';
import { generatePortfolio } from '../../../sim/world/generate.ts';
import { ExitCode } from '../exit-codes.ts';
import { table } from '../format.ts';
import { bundledScenarioFiles } from '../scenario-path.ts';
import type { CliIo } from '../io.ts';

/**
 * The metrics a scenario's `expect:` may name (harness/expect/metrics.ts): `that:` ones are read at
 * the end of the run, `always:` ones on the live platform after every step. `<x>` is a placeholder
 * for an id of the scenario (a site, a priority, a fault class…).
 */
function metricsCommand(json: boolean, io: CliIo): number {
  const rows = METRICS.map((m) => ({ metric: m.pattern, unit: m.unit, in: m.live === true ? 'always' : 'that', meaning: m.describe }));
  if (json) io.stdout.write(JSON.stringify(rows) + '\n');
  else io.stdout.write(table([['metric', 'unit', 'in', 'meaning'], ...rows.map((r) => [r.metric, r.unit, `${r.in}:`, r.meaning])]) + '\n');
  return ExitCode.ok;
}

export function scenariosCommand(args: { json: boolean; metrics?: boolean }, io: CliIo): number {
  if (args.metrics === true) return metricsCommand(args.json, io);
  const rows: Array<{ name: string; file: string; devices: number; duration: string; description: string }> = [];
  let broken = 0;
  for (const file of bundledScenarioFiles()) {
    try {
      const s = loadScenario(file);
      const devices = generatePortfolio(s.name, s.fleet).devices.length;
      rows.push({ name: s.name, file: `scenarios/${basename(file)}`, devices, duration: formatDuration(s.duration_ms), description: s.description.split('\n')[0]!.trim() });
    } catch (err) {
      broken++;
      io.stderr.write(`${err instanceof ScenarioError ? err.message : String(err)}\n`);
    }
  }
  if (args.json) io.stdout.write(JSON.stringify(rows) + '\n');
  else io.stdout.write(table([['name', 'devices', 'default span', 'file'], ...rows.map((r) => [r.name, r.devices, r.duration, r.file])]) + '\n');
  return broken > 0 ? ExitCode.bad_input : ExitCode.ok;
}
