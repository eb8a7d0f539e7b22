import { mkdirSync, writeFileSync } from 'node:fs';
import { shardCredentials } from '../../run/shards/broker-link.ts';
import { autoShards, checkShardable } from '../../run/shards/coordinator.ts';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { DEVICE_KINDS } from '../../../platform/contract/messages.ts';
import { type MqttMode, type RunSummary, type TransportName } from '../../run/run-scenario.ts';
import { runChecked } from '../../expect/run-checked.ts';
import type { ExpectationResult } from '../../expect/evaluate.ts';
import { renderExpectations, renderOracle, renderStorms } from '../../expect/render.ts';
import { junitXml } from '../../report/junit.ts';
import { dirname } from 'node:path';
import { TraceFileWriter } from '../../run/trace-file.ts';
import { loadScenario, type Scenario } from '../../scenario/scenario.ts';
import { DurationError, parseDuration, parsePositiveDuration } from '../../../common/duration.ts';
import { durationProblem } from '../../scenario/bounds.ts';
import { UsageError } from '../../errors.ts';
import { setUpMqtt, withTls, type MqttSetup } from '../../run/mqtt-setup.ts';
import { unitsByDevice, writeReportFiles } from '../../report/report-files.ts';
import { worldDocument } from '../../report/world-doc.ts';
import type { SlaReport } from '../../../platform/sla/ledger.ts';
import { generatePortfolio } from '../../../sim/world/generate.ts';
import { ExitCode } from '../exit-codes.ts';
import { bytes, formatDuration, int, localStamp, table } from '../format.ts';
import { progressBar } from '../progress.ts';
import { resolveScenarioPath } from '../scenario-path.ts';
import { startRunViewer, type RunViewer } from '../../view/run-viewer.ts';
import { topologyDocument } from '../../view/topology-doc.ts';

export interface RunArgs {
  scenario: string;
  seed?: string | number | undefined;
  duration?: string | undefined;
  transport: TransportName;
  mqtt_mode: MqttMode;
  mqtt_version: 4 | 5;
  broker?: string | undefined;
  broker_port?: number | undefined;
  username?: string | undefined;
  password?: string | undefined;
  secret: string;
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  insecure?: boolean | undefined;
  broker_outage?: string[] | undefined;
  step?: string | undefined;
  /** Wall-clock limit for one lockstep step over MQTT. */
  step_timeout?: string | undefined;
  /** Lockstep flow control window (messages in flight toward the platform). */
  flow_window?: number | undefined;
  speed?: number | undefined;
  out?: string | undefined;
  /** Write the trace to this file (as --out does, without the reports). */
  record?: string | undefined;
  /** Write the expectations as JUnit XML to this file. */
  junit?: string | undefined;
  /** Serve the live viewer for this run (docs/viewer.md). */
  view?: boolean | undefined;
  /** The platform's durable store in this directory (SQLite; it must not hold a store yet). */
  data?: string | undefined;
  /** Simulator processes to split the portfolio over, by site (docs/scale-out.md). */
  shards?: number | undefined;
  /** The simulated NOC (default on). */
  noc?: boolean | undefined;
  /** Coordinate `msp-twin shard` processes through this broker instead of forking shards. */
  shard_broker?: string | undefined;
  shard_run?: string | undefined;
  json: boolean;
}

/** `--broker-outage 3h+10m`: starts 3 h into the run, lasts 10 minutes. */
export function parseOutage(text: string): { at_ms: number; duration_ms: number } {
  const m = /^(.+)\+(.+)$/.exec(text.trim());
  if (!m) throw new DurationError(text, 'a broker outage is written AT+FOR, e.g. "3h+10m"');
  return { at_ms: parseDuration(m[1]!.trim()), duration_ms: parsePositiveDuration(m[2]!.trim()) };
}

import type { CliIo } from '../io.ts';
export type { CliIo } from '../io.ts';

/** Seconds are the resolution people read; milliseconds of an MTTA are noise. */
function toSecond(ms: number): number {
  return Math.round(ms / 1000) * 1000;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(3)} %`;
}

function platformLines(s: RunSummary): string[] {
  const p = s.platform;
  if (!p) return [];
  const byPriority = ['P1', 'P2', 'P3', 'P4'].map((k) => `${k} ${p.incidents_by_priority[k] ?? 0}`).join(', ');
  const lines = [
    `  platform    ${int(p.ingest_accepted)} messages ingested, ${int(p.ingest_rejected)} quarantined; liveness ${Object.entries(p.devices_by_liveness).map(([k, v]) => `${k.toLowerCase()} ${int(v)}`).join(', ')}`,
    `  alerts      ${int(p.alerts)} (${int(p.alerts_inhibited)} inhibited by topology outages)${Object.keys(p.alerts_by_type).length ? ': ' + Object.entries(p.alerts_by_type).map(([k, v]) => `${k} ${v}`).join(', ') : ''}`,
    `  incidents   ${byPriority}; ${int(p.incidents_open)} still open; MTTA ${p.mtta_ms === null ? '—' : formatDuration(toSecond(p.mtta_ms))}, MTTR ${p.mttr_ms === null ? '—' : formatDuration(toSecond(p.mttr_ms))}`,
    `  SLA         availability ${pct(p.availability)}, patch coverage ${pct(p.patch_coverage)}${p.credit ? `; service credit ${Number((p.credit.pct * 100).toFixed(3))} %${p.credit.amount !== null ? ` = ${p.credit.amount.toFixed(2)} ${p.credit.currency ?? ''}`.trimEnd() : ''}` : ''}`,
  ];
  const t = s.oracle?.sla;
  if (t) {
    const worst = t.detection_delay.filter((k) => k.max_ms !== null).sort((a, b) => b.max_ms! - a.max_ms! || (a.kind < b.kind ? -1 : 1))[0];
    lines.push(
      `  SLA truth   measured ${t.measured_downtime_device_min.toFixed(1)} vs true ${t.true_downtime_device_min.toFixed(1)} down device-minutes (error ${t.error_pct.toFixed(2)} %)${worst ? `; slowest detection ${formatDuration(toSecond(worst.max_ms!))} (${worst.kind})` : ''}`,
    );
  }
  if (p.noc) lines.push(`  NOC         ${p.noc.acknowledged} acknowledged (${p.noc.escalated} escalated), ${p.noc.truck_rolls} truck rolls (${p.noc.cancelled_visits} called off), ${p.noc.repairs} repairs, ${p.noc.batteries_replaced} batteries`);
  const c = s.costs;
  if (c) lines.push(`  costs       ${c.currency} ${c.total.toFixed(2)} for ${c.truck_rolls} truck rolls (${c.technician_hours} technician hours); ${c.avoided_truck_rolls} avoided against ${c.naive.truck_rolls} naive dispatches`);
  for (const r of p.rollouts) {
    const c = r.counts;
    const fails = Object.entries(r.failures).map(([k, v]) => `${k} ${v}`).join(', ');
    lines.push(`  rollout     ${r.id} ${r.firmware.model}@${r.firmware.version}: ${r.state}, wave ${r.wave + 1}/${r.waves.length}; ${c.succeeded} updated, ${c.failed} failed${fails ? ` (${fails})` : ''}, ${c.pending + c.retry_wait + c.downloading + c.downloaded + c.installing} in progress, ${c.cancelled} cancelled of ${r.targets}`);
    if (r.reason) lines.push(`              ${r.reason}`);
  }
  return lines;
}

export function renderSummary(s: RunSummary, scenario: Scenario, command: string, results: readonly ExpectationResult[] = []): string {
  const tz = scenario.start_timezone;
  const kinds = DEVICE_KINDS.filter((k) => (s.devices_by_kind[k] ?? 0) > 0);
  const lines = [
    `msp-twin run: ${s.scenario}  (seed ${s.seed}, ${s.transport === 'mqtt' ? `MQTT, ${s.mqtt_mode}, ${int(s.connections ?? 0)} connections` : 'in-memory bus'}, ${s.speed !== null ? `real time ×${s.speed}` : `${int(s.steps)} lockstep steps`}${s.shards > 0 ? `, ${s.shards} simulator process${s.shards > 1 ? 'es' : ''}` : ''})`,
    `  simulated   ${localStamp(tz, s.start_ms)} → ${localStamp(tz, s.end_ms)} ${tz}  (${formatDuration(s.sim_span_ms)})`,
    `  wall time   ${(s.wall_ms / 1000).toFixed(1)} s  (${int(s.events)} events, ${int(s.events_per_wall_s)} events/s)`,
    `  fleet       ${int(s.devices)} devices in ${s.sites} sites, ${s.buildings} buildings`,
    '',
    table([['kind', 'devices', 'messages'], ...kinds.map((k) => [k, s.devices_by_kind[k] ?? 0, s.messages_by_kind[k] ?? 0]), ['total', s.devices, s.messages]]),
    '',
    table([['message class', 'count'], ...Object.entries(s.messages_by_class).map(([k, v]) => [k, v])]),
    '',
    `  delivered   ${int(s.received_by_monitor)} to the platform subscriber (incl. ${int(s.wills)} last wills)${s.speed !== null ? `; telemetry at QoS 0; max lag ${formatDuration(s.max_lag_ms ?? 0)} behind schedule` : ''}`,
    `  dropped     ${int(s.dropped.radio_loss)} radio loss, ${int(s.dropped.parent_down)} gateway down, ${int(s.dropped.outbox_full)} outbox full, ${int(s.dropped.reboot)} lost in reboots`,
    `  trace       ${int(s.trace_lines)} lines, ${bytes(s.trace_bytes)}`,
    ...platformLines(s),
    ...(s.broker_outages > 0 ? [`  outages     ${s.broker_outages} broker outage(s); devices reconnected with jittered backoff`] : []),
    ...(s.faults.injected > 0 || s.faults.actions > 0 ? [`  timeline    ${int(s.faults.injected)} faults injected${s.faults.not_applied ? ` (${s.faults.not_applied} could not take hold)` : ''}, ${int(s.faults.actions)} actions`] : []),
    ...(s.oracle ? renderOracle(s.oracle) : []),
    ...(s.oracle ? renderStorms(s.oracle.storms) : []),
    ...renderExpectations(results, scenario.file),
    `  trace hash  ${s.trace_hash}`,
    '',
    `Reproduce: ${command}`,
  ];
  return lines.join('\n') + '\n';
}

export async function runCommand(args: RunArgs, io: CliIo): Promise<number> {
  const path = resolveScenarioPath(args.scenario);
  const scenario = loadScenario(path);
  const duration_ms = args.duration !== undefined ? parsePositiveDuration(args.duration) : undefined;
  const duration_problem = duration_ms !== undefined ? durationProblem(duration_ms) : undefined;
  if (duration_problem !== undefined) throw new UsageError('RUN_DURATION', `--duration ${args.duration}: ${duration_problem}`);
  const seed = args.seed !== undefined ? String(args.seed) : undefined;
  const writers: TraceFileWriter[] = [];
  if (args.out !== undefined) {
    mkdirSync(args.out, { recursive: true });
    writers.push(new TraceFileWriter(join(args.out, 'trace.jsonl')));
  }
  if (args.record !== undefined) {
    mkdirSync(dirname(args.record), { recursive: true });
    writers.push(new TraceFileWriter(args.record));
  }
  const trace_sink = writers.length === 0 ? undefined : writers.length === 1 ? writers[0]!.write : (line: string) => writers.forEach((w) => w.write(line));
  const wall_clock_ms = (): number => performance.now(); // wall-clock: progress and wall-time reporting
  const bar = args.json ? { update: () => {}, done: () => {} } : progressBar(io.stderr as NodeJS.WriteStream, scenario.start_timezone, wall_clock_ms);
  const outages = (args.broker_outage ?? []).map(parseOutage);
  const step_ms = args.step !== undefined ? parsePositiveDuration(args.step) : undefined;
  const step_timeout_ms = args.step_timeout !== undefined ? parsePositiveDuration(args.step_timeout) : undefined;
  if (args.flow_window !== undefined && !(Number.isInteger(args.flow_window) && args.flow_window > 0)) throw new UsageError('RUN_FLOW_WINDOW', `--flow-window must be a positive whole number of messages, got ${args.flow_window}`);
  if (step_timeout_ms !== undefined && !(step_timeout_ms > 0)) throw new UsageError('RUN_STEP_TIMEOUT', `--step-timeout must be positive, got ${args.step_timeout}`);
  if (args.speed !== undefined && !(args.speed > 0)) throw new UsageError('RUN_SPEED', `--speed must be a positive number of simulated seconds per second, got ${args.speed}`);
  if (args.speed !== undefined && outages.length > 0) throw new UsageError('RUN_OUTAGE_REALTIME', 'broker outages need lockstep step boundaries; drop --speed or --broker-outage');
  let setup: MqttSetup | undefined;
  let report: SlaReport | undefined;
  let summary: RunSummary;
  let results: readonly ExpectationResult[] = [];
  let viewer: RunViewer | undefined;
  let completed = false;
  try {
    // What a sharded run cannot do is refused here, before a broker is started and its devices
    // provisioned for nothing; runScenario checks the same again for library callers.
    if (args.shards !== undefined) {
      checkShardable(scenario, { transport: args.transport, shards: args.shards, ...(args.speed !== undefined ? { speed: args.speed } : {}), ...(step_ms !== undefined ? { step_ms } : {}), ...(args.noc === false ? { noc: false } : {}) }, true);
    }
    if (args.transport === 'mqtt') {
      if (args.mqtt_version === 5 && args.broker === undefined) {
        throw new UsageError('RUN_MQTT5_EMBEDDED', 'the embedded broker (aedes) speaks MQTT 3.1.1 only; use --mqtt-version 5 with --broker (Mosquitto, EMQX, HiveMQ)');
      }
      if (outages.length > 0 && args.broker !== undefined && args.broker !== 'mosquitto') {
        throw new UsageError('RUN_OUTAGE_EXTERNAL', 'broker outages need a broker the run starts itself (a run cannot stop an external one): drop --broker, or use --broker mosquitto');
      }
      setup = await setUpMqtt(
        {
          broker: args.broker,
          mode: args.mqtt_mode,
          protocol_version: args.mqtt_version,
          secret: args.secret,
          username: args.username,
          password: args.password,
          ca: args.ca,
          cert: args.cert,
          key: args.key,
          insecure: args.insecure,
          port: args.broker_port,
          on_log: (line) => void io.stderr.write(`${line}\n`),
        },
        generatePortfolio(scenario.name, scenario.fleet),
      );
      if (!args.json) io.stderr.write(`broker: ${setup.kind} ${setup.url}${setup.ws_url ? ` (WebSocket ${setup.ws_url})` : ''}, ${args.mqtt_mode} connections, MQTT ${args.mqtt_version === 5 ? '5' : '3.1.1'}\n`);
    }
    if (args.view) {
      if (args.transport !== 'mqtt') throw new UsageError('RUN_VIEW_MEMORY', 'the live viewer reads the broker: drop --transport memory (or replay afterwards: msp-twin view --trace DIR)');
      viewer = await startRunViewer({ scenario, portfolio: generatePortfolio(scenario.name, scenario.fleet), ws_url: setup?.ws_url ?? (setup?.kind === 'external' ? args.broker ?? null : null), secret: args.secret, username: args.username, password: args.password, say: (line) => void io.stderr.write(`${line}\n`) });
      io.stderr.write(`viewer: ${viewer.url}\n`);
      if (args.speed === undefined) io.stderr.write('viewer: tip: add --speed 60 to watch a simulated minute per second (lockstep runs as fast as it can)\n');
    }
    // Unasked, a long run on the in-memory bus uses a second core when the scenario can be split.
    let shards = args.shards;
    const plain_memory = args.transport === 'memory' && args.speed === undefined && args.shard_broker === undefined;
    if (shards === undefined && plain_memory) {
      const choice = autoShards(scenario, {
        duration_ms: duration_ms ?? scenario.duration_ms,
        cores: availableParallelism(),
        options: { transport: 'memory', ...(step_ms !== undefined ? { step_ms } : {}), ...(args.noc === false ? { noc: false } : {}) },
      });
      if (choice !== null) {
        shards = choice.shards;
        if (!args.json) io.stderr.write(`${choice.why}\n`);
      }
    }
    const checked = await runChecked(scenario, {
      seed,
      duration_ms,
      transport: args.transport,
      ...(setup ? { mqtt: setup.mqtt } : {}),
      ...(setup?.control ? { broker_control: setup.control } : {}),
      ...(step_ms !== undefined ? { step_ms } : {}),
      ...(step_timeout_ms !== undefined ? { step_timeout_ms } : {}),
      ...(args.flow_window !== undefined ? { window: args.flow_window } : {}),
      ...(args.speed !== undefined ? { speed: args.speed } : {}),
      broker_outages: outages,
      ...(args.data !== undefined ? { data_dir: args.data } : {}),
      ...(shards !== undefined ? { shards } : {}),
      ...(args.shard_broker !== undefined
        ? {
            shard_placement: 'broker' as const,
            shard_broker: {
              transport: { url: args.shard_broker, credentials: shardCredentials(args.secret, args.username !== undefined ? { username: args.username, ...(args.password !== undefined ? { password: args.password } : {}) } : undefined), keepalive_s: 0, ...withTls(args) },
              run: args.shard_run ?? 'run',
            },
          }
        : {}),
      ...(args.noc === false ? { noc: false } : {}),
      on_platform: (_platform, _sim, final_report) => {
        report = final_report;
      },
      trace_sink: viewer ? viewer.sink(trace_sink) : trace_sink,
      on_progress: bar.update,
      wall_clock_ms,
    });
    summary = checked.summary;
    results = checked.results;
    completed = true;
  } finally {
    bar.done();
    if (!completed) await viewer?.close();
    for (const w of writers) w.close();
    await setup?.close();
  }
  const span = formatDuration(summary.sim_span_ms);
  const command = `msp-twin run ${args.scenario} --seed ${summary.seed} --duration "${span}"${args.transport === 'memory' ? ' --transport memory' : ''}${args.mqtt_mode === 'gateway' && args.transport === 'mqtt' ? ' --mqtt-mode gateway' : ''}${outages.length ? args.broker_outage!.map((o) => ` --broker-outage ${o}`).join('') : ''}${args.noc === false ? ' --no-noc' : ''}`;
  if (args.out !== undefined) {
    writeFileSync(join(args.out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    const portfolio = generatePortfolio(scenario.name, scenario.fleet);
    writeFileSync(join(args.out, 'topology.json'), JSON.stringify(topologyDocument(portfolio, scenario)) + '\n');
    writeFileSync(join(args.out, 'world.json'), JSON.stringify(worldDocument(portfolio, summary.scenario, String(summary.seed), summary.start_ms, summary.end_ms)) + '\n');
    if (report) writeReportFiles(report, args.out, { scenario: summary.scenario, seed: summary.seed, trace_hash: summary.trace_hash, generated_for: `${localStamp(scenario.start_timezone, summary.start_ms)} → ${localStamp(scenario.start_timezone, summary.end_ms)} ${scenario.start_timezone}`, costs: summary.costs, truth: summary.oracle?.sla ?? null, units: unitsByDevice(portfolio) });
  }
  const failed = results.filter((r) => r.status === 'failed');
  if (args.junit !== undefined) {
    mkdirSync(dirname(args.junit), { recursive: true });
    writeFileSync(args.junit, junitXml({ scenario: summary.scenario, file: scenario.file, seed: summary.seed, trace_hash: summary.trace_hash, reproduce: command, wall_ms: summary.wall_ms, results }));
  }
  if (args.json) {
    io.stdout.write(JSON.stringify({ ...summary, expectations: results, passed: failed.length === 0, reproduce: command }) + '\n');
  } else {
    io.stdout.write(renderSummary(summary, scenario, command, results));
    if (args.out !== undefined) io.stdout.write(`Wrote ${join(args.out, 'trace.jsonl')}, summary.json, topology.json, world.json${report ? ', report.json, report.html, ledger.csv and credits.csv' : ''}\n`);
    if (args.duration === undefined && failed.length === 0) io.stdout.write(`Run longer: msp-twin run ${args.scenario} --duration 7d  (or 30d)\n`);
  }
  if (viewer) {
    // wall-clock: on a terminal the viewer stays up after the run until Ctrl-C
    const interrupted = (): Promise<void> => new Promise((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await viewer.finish(Boolean((io.stdout as { isTTY?: boolean }).isTTY), interrupted, (line) => void io.stderr.write(`${line}\n`));
  }
  if (failed.length > 0) {
    // On stderr as well, so a CI log shows why the step failed and how to get the same run again.
    io.stderr.write(`${failed.length} of ${results.length} expectation(s) failed (seed ${summary.seed}); first: ${failed[0]!.name}: ${failed[0]!.message}\nReproduce: ${command}\n`);
    return ExitCode.expectation_failed;
  }
  return ExitCode.ok;
}
