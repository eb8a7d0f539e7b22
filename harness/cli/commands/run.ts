import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEVICE_KINDS } from '../../../platform/contract/messages.ts';
import { runScenario, type RunSummary } from '../../run/run-scenario.ts';
import { TraceFileWriter } from '../../run/trace-file.ts';
import { loadScenario, type Scenario } from '../../scenario/scenario.ts';
import { parseDuration } from '../../scenario/duration.ts';
import { ExitCode } from '../exit-codes.ts';
import { bytes, formatDuration, int, localStamp, table } from '../format.ts';
import { progressBar } from '../progress.ts';
import { resolveScenarioPath } from '../scenario-path.ts';

export interface RunArgs {
  scenario: string;
  seed?: string | number | undefined;
  duration?: string | undefined;
  transport: 'memory';
  out?: string | undefined;
  json: boolean;
}

export interface CliIo {
  stdout: NodeJS.WriteStream | { write(s: string): boolean; isTTY?: boolean };
  stderr: NodeJS.WriteStream | { write(s: string): boolean; isTTY?: boolean };
}

export function renderSummary(s: RunSummary, scenario: Scenario, command: string): string {
  const tz = scenario.start_timezone;
  const kinds = DEVICE_KINDS.filter((k) => (s.devices_by_kind[k] ?? 0) > 0);
  const lines = [
    `msp-twin run: ${s.scenario}  (seed ${s.seed}, ${s.transport} transport)`,
    `  simulated   ${localStamp(tz, s.start_ms)} → ${localStamp(tz, s.end_ms)} ${tz}  (${formatDuration(s.sim_span_ms)})`,
    `  wall time   ${(s.wall_ms / 1000).toFixed(1)} s  (${int(s.events)} events, ${int(s.events_per_wall_s)} events/s)`,
    `  fleet       ${int(s.devices)} devices in ${s.sites} sites, ${s.buildings} buildings`,
    '',
    table([['kind', 'devices', 'messages'], ...kinds.map((k) => [k, s.devices_by_kind[k] ?? 0, s.messages_by_kind[k] ?? 0]), ['total', s.devices, s.messages]]),
    '',
    table([['message class', 'count'], ...Object.entries(s.messages_by_class).map(([k, v]) => [k, v])]),
    '',
    `  delivered   ${int(s.received_by_monitor)} to the platform subscriber (incl. ${int(s.wills)} last wills)`,
    `  dropped     ${int(s.dropped.radio_loss)} radio loss, ${int(s.dropped.parent_down)} gateway down, ${int(s.dropped.outbox_full)} outbox full, ${int(s.dropped.reboot)} lost in reboots`,
    `  trace       ${int(s.trace_lines)} lines, ${bytes(s.trace_bytes)}`,
    `  trace hash  ${s.trace_hash}`,
    '',
    `Reproduce: ${command}`,
  ];
  return lines.join('\n') + '\n';
}

export async function runCommand(args: RunArgs, io: CliIo): Promise<number> {
  const path = resolveScenarioPath(args.scenario);
  const scenario = loadScenario(path);
  const duration_ms = args.duration !== undefined ? parseDuration(args.duration) : undefined;
  const seed = args.seed !== undefined ? String(args.seed) : undefined;
  let writer: TraceFileWriter | undefined;
  if (args.out !== undefined) {
    mkdirSync(args.out, { recursive: true });
    writer = new TraceFileWriter(join(args.out, 'trace.jsonl'));
  }
  const wall_clock_ms = (): number => performance.now(); // wall-clock: progress and wall-time reporting
  const bar = args.json ? { update: () => {}, done: () => {} } : progressBar(io.stderr as NodeJS.WriteStream, scenario.start_timezone, wall_clock_ms);
  let summary: RunSummary;
  try {
    summary = await runScenario(scenario, { seed, duration_ms, trace_sink: writer?.write, on_progress: bar.update, wall_clock_ms });
  } finally {
    bar.done();
    writer?.close();
  }
  const span = formatDuration(summary.sim_span_ms);
  const command = `msp-twin run ${args.scenario} --seed ${summary.seed} --duration "${span}"`;
  if (args.out !== undefined) writeFileSync(join(args.out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  if (args.json) {
    io.stdout.write(JSON.stringify({ ...summary, reproduce: command }) + '\n');
  } else {
    io.stdout.write(renderSummary(summary, scenario, command));
    if (args.out !== undefined) io.stdout.write(`Wrote ${join(args.out, 'trace.jsonl')} and ${join(args.out, 'summary.json')}\n`);
    if (args.duration === undefined) io.stdout.write(`Run longer: msp-twin run ${args.scenario} --duration 7d  (or 30d)\n`);
  }
  return ExitCode.ok;
}
