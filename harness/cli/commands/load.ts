import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '../../errors.ts';
import { MAX_LOAD_DEVICES } from '../../load/fleet.ts';
import { compare, gateTableRows, junitXml, makeBaseline, parseBaseline, parseTolerances, planDifferences } from '../../load/gate.ts';
import { DEFAULT_HTTP_PATHS } from '../../load/http-load.ts';
import { planFields, renderReport, reportMetrics } from '../../load/report.ts';
import { runLoad, type LoadPlan } from '../../load/run-load.ts';
import { parseShard } from '../../load/shard.ts';
import { parseDuration } from '../../../common/duration.ts';
import { ExitCode } from '../exit-codes.ts';
import { table } from '../format.ts';
import type { CliIo } from '../io.ts';

export interface LoadArgs {
  devices: number;
  mqtt_mode: 'per-device' | 'gateway';
  per_gateway: number;
  connect_rate: number;
  rate: number;
  duration: string;
  alert_rate: number;
  qos: 0 | 1;
  workers: number;
  broker?: string | undefined;
  broker_nodes: number;
  open: boolean;
  mqtt_version: 4 | 5;
  username?: string | undefined;
  password?: string | undefined;
  secret: string;
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  insecure?: boolean | undefined;
  shard: string;
  platform: boolean;
  calibrate_messages: number;
  calibrate_publishers: number;
  http_connections: number;
  http_rate: number;
  http_path?: string[] | undefined;
  api_url?: string | undefined;
  metrics_port?: number | undefined;
  metrics_host: string;
  hold_at?: string | undefined;
  seed: string;
  max_in_flight: number;
  inject_platform_delay_ms: number;
  baseline?: string | undefined;
  save_baseline?: string | undefined;
  max_regression?: string[] | undefined;
  out: string;
  json: boolean;
}

const MAX_WORKERS = 64;
const MAX_BROKER_NODES = 16;
const MAX_DURATION_MS = 24 * 3_600_000;

function positive(name: string, v: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isFinite(v) || v <= 0 || v > max) throw new UsageError('LOAD_BAD_OPTION', `--${name} must be a number above 0${max < Number.MAX_SAFE_INTEGER ? ` and at most ${max.toLocaleString('en-US')}` : ''}, got ${v}`);
}

function wholeInRange(name: string, v: number, min: number, max: number): void {
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new UsageError('LOAD_BAD_OPTION', `--${name} must be a whole number ${min}…${max.toLocaleString('en-US')}, got ${v}`);
}

function parseHoldAt(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(n)) throw new UsageError('LOAD_BAD_OPTION', `--hold-at takes an ISO time (2026-03-02T10:00:00Z) or epoch ms, got "${text}"`);
  return n;
}

/** Flags → a validated plan; every problem is a one-line UsageError (exit 2). */
export function loadPlanFromArgs(a: LoadArgs): LoadPlan {
  wholeInRange('devices', a.devices, 1, MAX_LOAD_DEVICES);
  wholeInRange('per-gateway', a.per_gateway, 2, 10_000);
  positive('connect-rate', a.connect_rate, 100_000);
  positive('rate', a.rate, 1_000_000);
  if (!(a.alert_rate >= 0)) throw new UsageError('LOAD_BAD_OPTION', `--alert-rate must be 0 or more, got ${a.alert_rate}`);
  wholeInRange('workers', a.workers, 0, MAX_WORKERS);
  wholeInRange('broker-nodes', a.broker_nodes, 1, MAX_BROKER_NODES);
  wholeInRange('calibrate-messages', a.calibrate_messages, 0, 10_000_000);
  wholeInRange('calibrate-publishers', a.calibrate_publishers, 1, 1_000);
  wholeInRange('http-connections', a.http_connections, 0, 10_000);
  wholeInRange('http-rate', a.http_rate, 0, 1_000_000);
  wholeInRange('max-in-flight', a.max_in_flight, 1, 100_000);
  if (!(a.inject_platform_delay_ms >= 0 && a.inject_platform_delay_ms <= 10_000)) throw new UsageError('LOAD_BAD_OPTION', `--inject-platform-delay-ms must be 0…10000, got ${a.inject_platform_delay_ms}`);
  const duration_ms = parseDuration(a.duration);
  if (duration_ms < 1_000 || duration_ms > MAX_DURATION_MS) throw new UsageError('LOAD_BAD_OPTION', `--duration must be 1s…24h, got ${a.duration}`);
  if (a.broker !== undefined && a.broker_nodes > 1) throw new UsageError('LOAD_BAD_OPTION', '--broker-nodes starts embedded broker nodes; with --broker give the cluster\'s one address (its load balancer)');
  if (a.broker !== undefined && a.open) throw new UsageError('LOAD_BAD_OPTION', '--open is for the embedded broker; an external broker has its own authentication');
  if (a.broker === undefined && a.mqtt_version === 5) throw new UsageError('LOAD_BAD_OPTION', '--mqtt-version 5 needs --broker (the embedded aedes broker speaks MQTT 3.1.1)');
  if (a.broker !== undefined && !/^(mqtts?|wss?):\/\//.test(a.broker)) throw new UsageError('LOAD_BAD_OPTION', `--broker must be an mqtt://, mqtts://, ws:// or wss:// URL, got "${a.broker}"`);
  if (a.password !== undefined && a.username === undefined) throw new UsageError('LOAD_BAD_OPTION', '--password needs --username');
  const shard = parseShard(a.shard);
  const auth = a.broker === undefined ? (a.open ? 'none' : 'fleet') : a.username !== undefined ? 'shared' : 'fleet';
  const tls = a.ca || a.cert || a.key || a.insecure ? { ca: a.ca, cert: a.cert, key: a.key, insecure: a.insecure } : undefined;
  for (const [flag, path] of [['ca', a.ca], ['cert', a.cert], ['key', a.key]] as const) {
    if (path === undefined) continue;
    try {
      readFileSync(path);
    } catch (err) {
      throw new UsageError('LOAD_TLS_FILE', `cannot read --${flag} ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  return {
    seed: a.seed,
    devices: a.devices,
    mode: a.mqtt_mode,
    per_gateway: a.per_gateway,
    connect_rate_per_s: a.connect_rate,
    rate_per_s: a.rate,
    duration_ms,
    alert_rate_per_s: a.alert_rate,
    qos: a.qos,
    workers: a.workers,
    broker: a.broker === undefined ? { kind: 'embedded', nodes: a.broker_nodes, auth: !a.open } : { kind: 'external', url: a.broker },
    client: { auth, secret: a.secret, username: a.username, password: a.password, protocol_version: a.mqtt_version, keepalive_s: 60, tls },
    shard,
    platform: a.platform,
    calibrate: a.calibrate_messages > 0 ? { publishers: a.calibrate_publishers, messages: a.calibrate_messages } : null,
    http: a.http_connections > 0 ? { connections: a.http_connections, rate_per_s: a.http_rate, paths: a.http_path && a.http_path.length > 0 ? a.http_path : [...DEFAULT_HTTP_PATHS], url: a.api_url } : null,
    inject_platform_delay_ms: a.inject_platform_delay_ms,
    metrics_port: a.metrics_port ?? null,
    metrics_host: a.metrics_host,
    max_in_flight: a.max_in_flight,
    hold_at_ms: a.hold_at !== undefined ? parseHoldAt(a.hold_at) : undefined,
  };
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError('LOAD_BAD_BASELINE', `cannot read the ${what} ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

function writeFile(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/**
 * `msp-twin load`: one bounded load run, its report, and optionally the regression gate.
 * Exit 0, or 1 when the gate finds a regression (the offending metrics named), 2 for bad input.
 */
export async function loadCommand(args: LoadArgs, io: CliIo): Promise<number> {
  const plan = loadPlanFromArgs(args);
  const tolerances = parseTolerances(args.max_regression ?? []);
  // Read the baseline before spending minutes on a run, so a typo fails at once.
  const baseline = args.baseline !== undefined ? parseBaseline(readText(args.baseline, 'baseline'), args.baseline) : undefined;
  // A LoadError's code decides its exit class (common/errors.ts): the user's mistakes exit 2.
  const report = await runLoad(plan, { say: (line) => void io.stderr.write(`load: ${line}\n`) });
  const metrics = reportMetrics(report);
  const fields = planFields(plan);
  mkdirSync(args.out, { recursive: true });
  const report_file = join(args.out, 'load-report.json');
  writeFileSync(report_file, JSON.stringify({ plan: fields, metrics, report }, null, 2) + '\n');
  if (args.json) io.stdout.write(JSON.stringify({ plan: fields, metrics, report }) + '\n');
  else io.stdout.write(renderReport(report, plan));
  if (args.save_baseline !== undefined) {
    writeFile(args.save_baseline, JSON.stringify(makeBaseline(fields, metrics), null, 2) + '\n');
    io.stderr.write(`load: baseline saved to ${args.save_baseline}\n`);
  }
  if (baseline === undefined) {
    io.stderr.write(`load: wrote ${report_file}\n`);
    return ExitCode.ok;
  }
  const result = compare(baseline.metrics, metrics, tolerances);
  const differences = planDifferences(baseline.plan, fields);
  const gate_file = join(args.out, 'gate.json');
  const junit_file = join(args.out, 'junit.xml');
  writeFileSync(gate_file, JSON.stringify({ baseline: args.baseline, passed: result.passed, failures: result.failures, plan_differences: differences, rows: result.rows }, null, 2) + '\n');
  writeFileSync(junit_file, junitXml(result));
  const say = args.json ? io.stderr : io.stdout;
  say.write(`\nregression gate against ${args.baseline} (default tolerance ${(tolerances.default_ratio * 100).toFixed(0)} %):\n${table(gateTableRows(result))}\n`);
  if (differences.length > 0) say.write(`warning: the baseline was taken with a different load shape (${differences.join('; ')}); deltas may not mean what they seem\n`);
  io.stderr.write(`load: wrote ${report_file}, ${gate_file}, ${junit_file}\n`);
  if (!result.passed) {
    io.stderr.write(`load: REGRESSION in ${result.failures.join(', ')}\n`);
    return ExitCode.expectation_failed;
  }
  say.write('gate passed\n');
  return ExitCode.ok;
}
