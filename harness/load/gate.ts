import { UsageError } from '../errors.ts';

/**
 * Performance regression gates for CI: compare a run's metrics with a stored baseline, each
 * within a tolerance, and say which got worse. Pure: parsing, comparing and rendering only; the
 * command does the file I/O. A metric regresses when it moved the wrong way by more than both its
 * relative tolerance and its absolute noise floor; the floor stops a 0.4 ms → 0.5 ms latency
 * (+25 %, but within the 1 ms resolution of payload timestamps) from failing a build.
 */
export type Better = 'lower' | 'higher';

export interface MetricDef {
  readonly better: Better;
  /** Gated by default; the others are recorded and shown, and gated only when given a tolerance. */
  readonly gated: boolean;
  /** Smallest change that can count as a regression, in the metric's own unit. */
  readonly floor: number;
  readonly help: string;
}

const latency = (help: string, gated: boolean, floor = 1): MetricDef => ({ better: 'lower', gated, floor, help });

/** Every metric a load run reports, named units-last; docs/load.md lists them too. */
export const METRICS: Readonly<Record<string, MetricDef>> = {
  throughput_msgs_per_s: { better: 'higher', gated: false, floor: 0, help: 'achieved device publish rate over the hold' },
  throughput_ratio_to_target: { better: 'higher', gated: true, floor: 0.02, help: 'achieved / target publish rate' },
  ceiling_msgs_per_s: { better: 'higher', gated: false, floor: 0, help: "broker's raw fan-in ceiling measured before the run" },
  throughput_ratio_to_ceiling: { better: 'higher', gated: false, floor: 0.01, help: 'achieved rate / ceiling' },
  ingest_latency_p50_ms: latency('device publish → platform ingested, p50', true),
  ingest_latency_p90_ms: latency('… p90', true),
  ingest_latency_p99_ms: latency('… p99', true),
  ingest_latency_p999_ms: latency('… p99.9', false),
  ingest_latency_max_ms: latency('… max', false),
  alert_latency_p50_ms: latency('leak probe publish → alert raised, p50', true),
  alert_latency_p99_ms: latency('… p99', true),
  ack_latency_p99_ms: latency('QoS 1 publish → PUBACK, p99 (generator side)', true),
  connect_rate_per_s: { better: 'higher', gated: true, floor: 0, help: 'connections established per second during the ramp' },
  connect_latency_p99_ms: latency('CONNECT → CONNACK, p99', false),
  connect_failures: { better: 'lower', gated: true, floor: 0, help: 'connections that failed to establish' },
  connections_dropped: { better: 'lower', gated: true, floor: 0, help: 'established connections lost before the ramp-down' },
  qos1_lost: { better: 'lower', gated: true, floor: 0, help: 'QoS 1 messages acknowledged by the broker but never delivered to the platform' },
  http_requests_per_s: { better: 'higher', gated: true, floor: 0, help: 'platform API requests per second under autocannon' },
  http_latency_p50_ms: latency('platform API response time, p50', true, 0.5),
  http_latency_p99_ms: latency('… p99', true, 0.5),
  http_errors: { better: 'lower', gated: true, floor: 0, help: 'non-2xx responses, errors and timeouts' },
  generator_send_delay_p99_ms: latency('how late the generator sent against its schedule, p99', false),
  generator_loop_lag_p99_ms: latency("the generator's worst process event-loop lag, p99", false),
  platform_cpu_ratio: { better: 'lower', gated: false, floor: 0.05, help: "platform process CPU over the hold (1 = one core)" },
  platform_rss_peak_mib: { better: 'lower', gated: false, floor: 16, help: 'platform process peak resident memory' },
};

export type Metrics = Readonly<Record<string, number>>;

export const BASELINE_FORMAT = 'msp-twin-load-baseline';

export interface Baseline {
  readonly format: typeof BASELINE_FORMAT;
  readonly version: 1;
  /** The load shape the figures came from; comparing different shapes is flagged. */
  readonly plan: Readonly<Record<string, unknown>>;
  readonly metrics: Metrics;
}

export function makeBaseline(plan: Readonly<Record<string, unknown>>, metrics: Metrics): Baseline {
  return { format: BASELINE_FORMAT, version: 1, plan, metrics };
}

export function parseBaseline(text: string, file: string): Baseline {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError('LOAD_BAD_BASELINE', `${file} is not JSON`);
  }
  const b = value as Partial<Baseline>;
  if (b?.format !== BASELINE_FORMAT || b.version !== 1 || typeof b.metrics !== 'object' || b.metrics === null) {
    throw new UsageError('LOAD_BAD_BASELINE', `${file} is not a load baseline (want "format": "${BASELINE_FORMAT}", "version": 1, "metrics"; write one with --save-baseline)`);
  }
  for (const [name, v] of Object.entries(b.metrics)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new UsageError('LOAD_BAD_BASELINE', `${file}: metric ${name} is not a finite number`);
  }
  return { format: BASELINE_FORMAT, version: 1, plan: (b.plan ?? {}) as Record<string, unknown>, metrics: b.metrics };
}

export interface Tolerances {
  readonly default_ratio: number;
  readonly per_metric: Readonly<Record<string, number>>;
}

function parsePercent(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)%?$/.exec(text.trim());
  if (!m) throw new UsageError('LOAD_BAD_TOLERANCE', `${what} takes a percentage such as 10% or 25.5%, got "${text}"`);
  return Number(m[1]) / 100;
}

/** `--max-regression 10%` (every metric) and `--max-regression NAME=25%` (one metric), repeatable. */
export function parseTolerances(values: readonly string[]): Tolerances {
  let default_ratio = 0.1;
  const per_metric: Record<string, number> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq < 0) {
      default_ratio = parsePercent(v, '--max-regression');
      continue;
    }
    const name = v.slice(0, eq).trim();
    if (!(name in METRICS)) throw new UsageError('LOAD_BAD_TOLERANCE', `--max-regression: unknown metric "${name}" (known: ${Object.keys(METRICS).join(', ')})`);
    per_metric[name] = parsePercent(v.slice(eq + 1), `--max-regression ${name}=`);
  }
  return { default_ratio, per_metric };
}

export type GateStatus = 'ok' | 'improved' | 'regressed' | 'missing' | 'new' | 'info';

export interface GateRow {
  readonly metric: string;
  readonly baseline: number | null;
  readonly current: number | null;
  readonly delta: number | null;
  /** Relative change, current vs baseline (null when the baseline is 0 or absent). */
  readonly delta_ratio: number | null;
  /** The largest worsening allowed, in the metric's unit (null when not gated). */
  readonly allowed: number | null;
  readonly status: GateStatus;
}

export interface GateResult {
  readonly passed: boolean;
  readonly rows: readonly GateRow[];
  /** Names of the metrics that failed the gate (regressed or missing), in table order. */
  readonly failures: readonly string[];
}

export function compare(baseline: Metrics, current: Metrics, tolerances: Tolerances): GateResult {
  const names = [...new Set([...Object.keys(METRICS), ...Object.keys(baseline), ...Object.keys(current)])].filter((n) => n in baseline || n in current);
  const rows: GateRow[] = [];
  for (const metric of names) {
    const def = METRICS[metric];
    const b = baseline[metric];
    const c = current[metric];
    const tolerance = tolerances.per_metric[metric] ?? (def?.gated ? tolerances.default_ratio : undefined);
    const gated = def !== undefined && tolerance !== undefined;
    if (b === undefined) {
      rows.push({ metric, baseline: null, current: c ?? null, delta: null, delta_ratio: null, allowed: null, status: 'new' });
      continue;
    }
    if (c === undefined) {
      rows.push({ metric, baseline: b, current: null, delta: null, delta_ratio: null, allowed: null, status: gated ? 'missing' : 'info' });
      continue;
    }
    const delta = c - b;
    const delta_ratio = b !== 0 ? delta / Math.abs(b) : null;
    if (!gated) {
      rows.push({ metric, baseline: b, current: c, delta, delta_ratio, allowed: null, status: 'info' });
      continue;
    }
    const worse = def.better === 'lower' ? delta : -delta;
    const allowed = Math.max(tolerance * Math.abs(b), def.floor);
    const status: GateStatus = worse > allowed ? 'regressed' : worse < -allowed ? 'improved' : 'ok';
    rows.push({ metric, baseline: b, current: c, delta, delta_ratio, allowed, status });
  }
  const failures = rows.filter((r) => r.status === 'regressed' || r.status === 'missing').map((r) => r.metric);
  return { passed: failures.length === 0, rows, failures };
}

function num(v: number | null): string {
  if (v === null) return '–';
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3);
}

/** Rows for harness/cli/format.ts `table`. */
export function gateTableRows(result: GateResult): string[][] {
  const head = ['metric', 'baseline', 'current', 'delta', 'delta %', 'allowed', 'status'];
  const body = result.rows.map((r) => [
    r.metric,
    num(r.baseline),
    num(r.current),
    r.delta === null ? '–' : `${r.delta > 0 ? '+' : ''}${num(r.delta)}`,
    r.delta_ratio === null ? '–' : `${r.delta_ratio > 0 ? '+' : ''}${(r.delta_ratio * 100).toFixed(1)} %`,
    r.allowed === null ? '' : `±${num(r.allowed)}`,
    r.status === 'regressed' || r.status === 'missing' ? r.status.toUpperCase() : r.status,
  ]);
  return [head, ...body];
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JUnit XML: one test case per gated metric, so CI systems show a regression like a failed test. */
export function junitXml(result: GateResult, suite = 'msp-twin load regression gate'): string {
  const cases = result.rows.filter((r) => r.status !== 'info' && r.status !== 'new');
  const failures = cases.filter((r) => r.status === 'regressed' || r.status === 'missing');
  const lines = [`<?xml version="1.0" encoding="UTF-8"?>`, `<testsuites tests="${cases.length}" failures="${failures.length}">`, `  <testsuite name="${xml(suite)}" tests="${cases.length}" failures="${failures.length}">`];
  for (const r of cases) {
    const name = xml(r.metric);
    if (r.status === 'regressed') {
      const msg = `${r.metric} regressed: ${num(r.baseline)} → ${num(r.current)} (allowed ±${num(r.allowed)})`;
      lines.push(`    <testcase classname="msp-twin.load" name="${name}">`, `      <failure message="${xml(msg)}">${xml(METRICS[r.metric]?.help ?? '')}</failure>`, `    </testcase>`);
    } else if (r.status === 'missing') {
      lines.push(`    <testcase classname="msp-twin.load" name="${name}">`, `      <failure message="${xml(`${r.metric} is in the baseline but this run did not measure it`)}"/>`, `    </testcase>`);
    } else {
      lines.push(`    <testcase classname="msp-twin.load" name="${name}"/>`);
    }
  }
  lines.push('  </testsuite>', '</testsuites>');
  return lines.join('\n') + '\n';
}

/** Plan fields that differ between baseline and run: the comparison is apples to oranges there. */
export function planDifferences(baseline: Readonly<Record<string, unknown>>, current: Readonly<Record<string, unknown>>): string[] {
  const keys = [...new Set([...Object.keys(baseline), ...Object.keys(current)])].sort();
  return keys.filter((k) => JSON.stringify(baseline[k]) !== JSON.stringify(current[k])).map((k) => `${k}: ${JSON.stringify(baseline[k])} → ${JSON.stringify(current[k])}`);
}
