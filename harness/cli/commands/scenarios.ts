import { basename } from 'node:path';
import { ScenarioError } from '../../scenario/errors.ts';
import { loadScenario } from '../../scenario/scenario.ts';
import { formatDuration } from '../../../common/duration.ts';
import { generatePortfolio } from '../../../sim/world/generate.ts';
import { ExitCode } from '../exit-codes.ts';
import { table } from '../format.ts';
import { bundledScenarioFiles } from '../scenario-path.ts';
import type { CliIo } from '../io.ts';

export function scenariosCommand(args: { json: boolean }, io: CliIo): number {
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
