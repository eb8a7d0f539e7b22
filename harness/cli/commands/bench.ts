import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchSimulation } from '../../bench/sim-bench.ts';
import { loadScenario } from '../../scenario/scenario.ts';
import { ExitCode } from '../exit-codes.ts';
import { int, table } from '../format.ts';
import { resolveScenarioPath } from '../scenario-path.ts';
import type { CliIo } from './run.ts';

/** DESIGN.md §5: 4,000 devices × 30 days in ≤ 60 s ⇒ 2,000 device-days per wall second; ≤ 1 KB per device. */
const TARGET_DEVICE_DAYS_PER_S = 2_000;
const TARGET_BYTES_PER_DEVICE = 1_024;

export async function benchCommand(args: { days: number; out: string }, io: CliIo): Promise<number> {
  const wall = (): number => performance.now(); // wall-clock: benchmarks measure real time
  const scenario = loadScenario(resolveScenarioPath('commercial-portfolio'));
  io.stderr.write(`bench: flagship fleet over ${args.days} simulated days on the in-memory bus…\n`);
  if (!(globalThis as { gc?: unknown }).gc) io.stderr.write('bench: run with node --expose-gc (npm run bench does) for exact heap figures\n');
  const r = await benchSimulation(scenario, args.days, wall);
  const rows: Array<[string, string, string, string]> = [
    ['metric', 'value', 'target', 'ratio to target'],
    ['devices', int(r.devices), '≥ 4,000', ''],
    ['simulated span', `${r.sim_days} d`, '', ''],
    ['wall time', `${r.wall_s.toFixed(1)} s`, '', ''],
    ['events / wall s', int(r.events_per_wall_s), '', ''],
    ['device messages / wall s', int(r.messages_per_wall_s), '', ''],
    ['device-days / wall s', int(r.device_days_per_wall_s), int(TARGET_DEVICE_DAYS_PER_S), (r.device_days_per_wall_s / TARGET_DEVICE_DAYS_PER_S).toFixed(2)],
    ['heap bytes / device (built)', int(r.heap_bytes_per_device_built), `≤ ${int(TARGET_BYTES_PER_DEVICE)}`, (TARGET_BYTES_PER_DEVICE / Math.max(1, r.heap_bytes_per_device_built)).toFixed(2)],
    ['heap bytes / device (running)', int(r.heap_bytes_per_device_running), `≤ ${int(TARGET_BYTES_PER_DEVICE)}`, (TARGET_BYTES_PER_DEVICE / Math.max(1, r.heap_bytes_per_device_running)).toFixed(2)],
  ];
  io.stdout.write(table(rows, '') + '\n');
  mkdirSync(args.out, { recursive: true });
  const file = join(args.out, 'sim.json');
  writeFileSync(file, JSON.stringify({ node: process.version, results: [r], targets: { device_days_per_wall_s: TARGET_DEVICE_DAYS_PER_S, heap_bytes_per_device: TARGET_BYTES_PER_DEVICE } }, null, 2) + '\n');
  io.stdout.write(`wrote ${file}\n`);
  return ExitCode.ok;
}
