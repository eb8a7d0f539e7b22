import { cpus } from 'node:os';
import type { Registry } from 'prom-client';
import { loadMetrics, type LoadLiveView } from '../metrics/load-metrics.ts';
import { startMetricsServer, type MetricsServer } from '../metrics/serve.ts';
import { inProcessAgents, sleepMs, spawnAgents, wallEpochMs, type AgentHost } from './agent-host.ts';
import type { ConnectResult, HoldResult } from './agents.ts';
import { startBrokerNode, type BrokerNode, type BrokerNodeStatus } from './broker-node.ts';
import { measureCeiling, type CeilingResult } from './ceiling.ts';
import { type ClientConfig, clientOptions } from './client-options.ts';
import { buildLoadFleet, type ConnectionMode } from './fleet.ts';
import { latencyHistogram, mergeEncoded, summarize, type LatencySummary } from './histogram.ts';
import { spawnHttpLoad, type HttpLoadHost, type HttpLoadResult } from './http-load.ts';
import { runDeadlineMs } from './pacing.ts';
import { PlatformHost, type PlatformFigures } from './platform-host.ts';
import { UsageMeter, type ProcessUsage } from './process-usage.ts';
import { brokerNodeOf, shardUnits, workerUnits, type ShardSpec } from './shard.ts';
import { checkOpenFiles, openFileLimit } from './limits.ts';
import { LoadError } from './errors.ts';

/**
 * The coordinator of `msp-twin load`: starts the broker nodes (or uses `--broker`), the generator
 * workers and the HTTP load process; calibrates the broker's fan-in ceiling; starts the platform
 * under test; then ramps connections up, holds the publish rate, ramps down, and gathers every
 * figure into one report. Bounded: each phase has a deadline, the whole run has one, and every
 * process it started is stopped on the way out whatever happened.
 */
export interface LoadPlan {
  readonly seed: string;
  readonly devices: number;
  readonly mode: ConnectionMode;
  readonly per_gateway: number;
  readonly connect_rate_per_s: number;
  readonly rate_per_s: number;
  readonly duration_ms: number;
  readonly alert_rate_per_s: number;
  readonly qos: 0 | 1;
  /** 0 = device agents in this process. */
  readonly workers: number;
  readonly broker: { readonly kind: 'embedded'; readonly nodes: number; readonly auth: boolean } | { readonly kind: 'external'; readonly url: string };
  readonly client: ClientConfig;
  readonly shard: ShardSpec;
  /** Run the platform under test here (false: it runs elsewhere, e.g. `msp-twin platform`). */
  readonly platform: boolean;
  readonly calibrate: { readonly publishers: number; readonly messages: number } | null;
  /** HTTP load on the platform API during the hold; `url` overrides the embedded platform's. */
  readonly http: { readonly connections: number; readonly rate_per_s: number; readonly paths: readonly string[]; readonly url?: string | undefined } | null;
  /** Test-only platform slowdown (platform-host.ts). */
  readonly inject_platform_delay_ms: number;
  readonly metrics_port: number | null;
  /** Interface for the metrics endpoint: loopback unless told otherwise (0.0.0.0 in a pod). */
  readonly metrics_host?: string | undefined;
  readonly max_in_flight: number;
  /** Epoch ms at which the hold starts (shards of one run hold together); undefined = right after the ramp. */
  readonly hold_at_ms?: number | undefined;
}

export interface LoadDeps {
  /** One progress line (stderr). */
  readonly say: (line: string) => void;
}

export interface ProcessFigure extends ProcessUsage {
  readonly label: string;
}

export interface LoadReport {
  readonly connections: number;
  readonly devices: number;
  readonly ceiling: CeilingResult | null;
  readonly connect: { readonly connected: number; readonly failures: number; readonly failure_samples: readonly string[]; readonly elapsed_ms: number; readonly rate_per_s: number; readonly latency: LatencySummary };
  readonly settle: { readonly devices_registered: number | null; readonly elapsed_ms: number };
  /** Summed over the workers; the latencies from their merged histograms. */
  readonly hold: Omit<HoldResult, 'ack_latency' | 'send_delay'> & { readonly achieved_per_s: number; readonly ack: LatencySummary; readonly send_delay: LatencySummary };
  readonly dropped: number;
  readonly platform: (PlatformFigures & { readonly received_in_hold: number; readonly qos1_received_in_hold: number; readonly qos1_lost: number }) | null;
  readonly http: (Omit<HttpLoadResult, 'latency'> & { readonly latency: LatencySummary; readonly url: string }) | null;
  readonly brokers: ReadonlyArray<{ readonly url: string; readonly stats: BrokerNodeStatus['stats'] }>;
  readonly processes: readonly ProcessFigure[];
  readonly warnings: readonly string[];
  readonly metrics_url: string | null;
}

const CONNECT_TIMEOUT_MS = 30_000;
const SETTLE_MAX_MS = 30_000;
const DRAIN_MAX_MS = 10_000;
/** A generator process above these was itself the bottleneck (docs/load.md). */
const SATURATED_CPU_RATIO = 0.9;
const SATURATED_LAG_P99_MS = 50;
const SATURATED_SEND_DELAY_P99_MS = 50;
const CEILING_TIMEOUT_MS = 30_000;

function withDeadline<T>(p: Promise<T>, deadline_ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    // wall-clock: the run's overall bound
    timer = setTimeout(() => reject(new LoadError('LOAD_DEADLINE', `${what} did not finish by the run's deadline`)), Math.max(0, deadline_ms - wallEpochMs()));
  });
  return Promise.race([p, expired]).finally(() => clearTimeout(timer));
}

export async function runLoad(plan: LoadPlan, deps: LoadDeps): Promise<LoadReport> {
  const fleet = buildLoadFleet({ seed: plan.seed, devices: plan.devices, mode: plan.mode, per_gateway: plan.per_gateway });
  const units = shardUnits(fleet, plan.shard);
  const connections = units.length;
  const devices = units.reduce((n, u) => n + u.devices.length, 0);
  if (connections === 0) throw new LoadError('LOAD_EMPTY_SHARD', `shard ${plan.shard.index}/${plan.shard.count} of ${fleet.units.length} connections is empty`);
  const host_count = Math.max(1, plan.workers);
  const node_count = plan.broker.kind === 'embedded' ? plan.broker.nodes : 1;
  // Sockets per process, checked before a single one is opened (limits.ts says why and what to do).
  const per_worker = Math.max(...Array.from({ length: host_count }, (_, w) => workerUnits(units, w, host_count).length));
  const fd_limit = openFileLimit();
  checkOpenFiles(per_worker + (plan.workers === 0 ? node_count + 64 : 0), plan.workers === 0 ? 'the load process (--workers 0)' : 'one worker process', '--workers', fd_limit);
  if (plan.broker.kind === 'embedded') {
    const per_node = new Array<number>(node_count).fill(0);
    for (const u of units) per_node[brokerNodeOf(u.client_id, node_count)]!++;
    checkOpenFiles(Math.max(...per_node) + 64, 'one embedded broker node', '--broker-nodes', fd_limit);
  }
  const deadline = wallEpochMs() + runDeadlineMs({ connections, connect_rate_per_s: plan.connect_rate_per_s, duration_ms: plan.duration_ms });

  // The coordinator's role in the resource table: what else runs in its process.
  const role = plan.workers === 0 ? (plan.platform ? 'platform+generator' : 'generator') : plan.platform ? 'platform' : 'coordinator';
  const meter = new UsageMeter(role);
  const warnings: string[] = [];
  const brokers: BrokerNode[] = [];
  const hosts: AgentHost[] = [];
  let http: HttpLoadHost | undefined;
  let platform: PlatformHost | undefined;
  let metrics: MetricsServer | undefined;
  let phase = 'starting';
  let ceiling: CeilingResult | null = null;
  const live_latency: Record<string, LatencySummary | undefined> = {};
  let last_usage: ProcessUsage[] = [];
  const view = (): LoadLiveView => ({
    phase,
    target_connections: connections,
    target_rate_per_s: plan.rate_per_s,
    ceiling_msgs_per_s: ceiling?.msgs_per_s ?? null,
    hosts: hosts.map((h) => ({ label: h.label, progress: h.progress() })),
    latency: { ...live_latency, ...(platform ? (({ ingest, alert }) => ({ ingest, alert }))(platform.figures()) : {}) },
    processes: [meter.snapshot(), ...last_usage],
  });
  const registry: Registry = loadMetrics(view);

  try {
    // 1. Broker nodes, then (in parallel) the worker processes and the HTTP load process.
    let urls: string[];
    if (plan.broker.kind === 'embedded') {
      const auth = plan.broker.auth ? { secret: plan.client.secret, fleet: fleet.spec.mode === 'gateway' ? fleet.spec : null } : null;
      deps.say(`starting ${node_count} embedded broker node${node_count > 1 ? 's' : ''} (own process${node_count > 1 ? 'es' : ''})…`);
      brokers.push(...(await Promise.all(Array.from({ length: node_count }, (_, i) => startBrokerNode(i, { port: 0, auth })))));
      urls = brokers.map((b) => b.url);
    } else {
      urls = [plan.broker.url];
    }
    const configs = Array.from({ length: host_count }, (_, worker) => ({ fleet: fleet.spec, shard: plan.shard, worker, workers: host_count, broker_urls: urls, client: plan.client }));
    const phase_timeout_ms = Math.max(60_000, deadline - wallEpochMs());
    const want_http = plan.http !== null && (plan.platform || plan.http.url !== undefined);
    deps.say(plan.workers === 0 ? 'device agents run in this process (--workers 0)' : `starting ${plan.workers} generator worker process${plan.workers > 1 ? 'es' : ''}…`);
    const [agent_hosts, http_host] = await Promise.all([
      plan.workers === 0 ? Promise.resolve([inProcessAgents(configs[0]!)]) : Promise.all(configs.map((c) => spawnAgents(c, phase_timeout_ms))),
      want_http ? spawnHttpLoad() : Promise.resolve(undefined),
    ]);
    hosts.push(...agent_hosts);
    http = http_host;
    if (plan.metrics_port !== null) {
      metrics = await startMetricsServer({ host: plan.metrics_host ?? '127.0.0.1', port: plan.metrics_port, render: async () => ({ content_type: registry.contentType, body: await registry.metrics() }) });
      deps.say(`generator metrics at ${metrics.url}`);
    }

    // 2. The broker's fan-in ceiling, before the platform subscribes (calibration topics match its filter).
    if (plan.calibrate !== null && plan.calibrate.messages > 0) {
      phase = 'calibrate';
      const cal = plan.calibrate;
      deps.say(`calibrating: ${cal.publishers} publishers → 1 subscriber, ${cal.messages.toLocaleString('en-US')} messages at QoS ${plan.qos} through ${urls[0]}…`);
      const ids = Array.from({ length: cal.publishers }, (_, i) => `ldcal-${plan.shard.index}-${i}`);
      const per_host = hosts.map((_, h) => ids.filter((_, i) => i % hosts.length === h));
      const share = (h: number): number => Math.round((cal.messages * per_host[h]!.length) / ids.length);
      const sub_options = clientOptions(urls[0]!, plan.client)('msp-platform');
      ceiling = await withDeadline(
        measureCeiling({
          url: urls[0]!,
          subscriber: { ...sub_options, clientId: `msp-platform-ceiling-${plan.shard.index}` },
          publishers: cal.publishers,
          messages: per_host.reduce((n, _, h) => n + (per_host[h]!.length > 0 ? share(h) : 0), 0),
          qos: plan.qos,
          timeout_ms: CEILING_TIMEOUT_MS,
          blast: async () => {
            const sent = await Promise.all(hosts.map((host, h) => (per_host[h]!.length > 0 ? host.calibrate({ url: urls[0]!, client_ids: per_host[h]!, messages: share(h), qos: plan.qos }) : Promise.resolve({ sent: 0 }))));
            return { sent: sent.reduce((n, s) => n + s.sent, 0) };
          },
        }),
        deadline,
        'calibration',
      );
      if (ceiling.timed_out) warnings.push(`calibration: the subscriber got ${ceiling.received.toLocaleString('en-US')} of ${ceiling.sent.toLocaleString('en-US')} messages within ${CEILING_TIMEOUT_MS / 1000} s; the ceiling is a lower bound`);
      else if (ceiling.received < ceiling.sent) warnings.push(`calibration: the broker delivered ${ceiling.received.toLocaleString('en-US')} of ${ceiling.sent.toLocaleString('en-US')} messages and dropped the rest (a subscriber queue limit, e.g. Mosquitto's max_queued_messages); the ceiling counts what was delivered`);
    }

    // 3. The platform under test.
    if (plan.platform) {
      platform = await PlatformHost.start({ urls, client: plan.client, api_port: 0, inject_delay_ms: plan.inject_platform_delay_ms });
      if (plan.inject_platform_delay_ms > 0) warnings.push(`test-only platform slowdown in effect: ${plan.inject_platform_delay_ms} ms per message and per HTTP request`);
    }

    // 4. Ramp up.
    phase = 'connect';
    deps.say(`connecting ${connections.toLocaleString('en-US')} ${plan.mode === 'gateway' ? `gateway connections (${devices.toLocaleString('en-US')} devices)` : 'devices'} at ${plan.connect_rate_per_s}/s…`);
    const ticker = setInterval(() => {
      const p = view().hosts.reduce((n, h) => n + h.progress.connected, 0);
      if (phase === 'connect') deps.say(`  ${p.toLocaleString('en-US')} connected`);
    }, 5_000); // wall-clock: progress lines
    let connect_results: ConnectResult[];
    try {
      connect_results = await withDeadline(
        Promise.all(hosts.map((h) => h.connect({ rate_per_s: plan.connect_rate_per_s / hosts.length, max_in_flight: Math.max(1, Math.ceil(plan.max_in_flight / hosts.length)), timeout_ms: CONNECT_TIMEOUT_MS }))),
        deadline,
        'the connection ramp',
      );
    } finally {
      clearInterval(ticker);
    }
    const connected = connect_results.reduce((n, r) => n + r.connected, 0);
    const connect_failures = connect_results.reduce((n, r) => n + r.failures, 0);
    const connect_elapsed_ms = Math.max(1, ...connect_results.map((r) => r.elapsed_ms));
    const connect_latency = summarize(mergeEncoded(latencyHistogram(), connect_results.map((r) => r.connect_latency)));
    live_latency.connect = connect_latency;
    const devices_up = connect_results.reduce((n, r) => n + r.devices, 0);
    if (connected === 0) throw new LoadError('LOAD_NO_CONNECTIONS', `no connection could be established (${connect_results.flatMap((r) => r.failure_samples).slice(0, 3).join('; ')})`);

    // 5. Settle: the platform has registered every connected device's birth before measuring.
    phase = 'settle';
    const settle0 = wallEpochMs();
    if (platform) {
      while (platform.devices() < devices_up && wallEpochMs() - settle0 < SETTLE_MAX_MS) await sleepMs(50);
      if (platform.devices() < devices_up) warnings.push(`settle: the platform registered ${platform.devices()} of ${devices_up} births within ${SETTLE_MAX_MS / 1000} s`);
    }
    const settle = { devices_registered: platform ? platform.devices() : null, elapsed_ms: Math.round(wallEpochMs() - settle0) };

    // 6. Hold, with the HTTP load alongside.
    phase = 'hold';
    await Promise.all([...hosts.map((h) => h.resetUsage()), ...brokers.map((b) => b.resetUsage()), http?.resetUsage()]);
    meter.reset();
    const start_at_ms = plan.hold_at_ms !== undefined && plan.hold_at_ms > wallEpochMs() ? plan.hold_at_ms : wallEpochMs() + 250;
    if (plan.hold_at_ms !== undefined && plan.hold_at_ms <= wallEpochMs()) warnings.push('--hold-at was already past when the ramp finished; the hold started at once');
    deps.say(`holding ${plan.rate_per_s.toLocaleString('en-US')} msg/s for ${plan.duration_ms / 1000} s${http ? ` with ${plan.http!.connections} HTTP connections on the platform API` : ''}…`);
    const received_before = platform ? sumTelemetryEvents(platform.figures().received) : 0;
    platform?.measure(true);
    const qos1_before = platform?.received_qos1 ?? 0;
    const http_url = plan.http?.url ?? platform?.api_url;
    const http_run = http && http_url
      ? (async () => {
          await sleepMs(Math.max(0, start_at_ms - wallEpochMs()));
          return http!.run({ url: http_url, paths: plan.http!.paths, connections: plan.http!.connections, rate_per_s: plan.http!.rate_per_s, duration_ms: plan.duration_ms });
        })()
      : Promise.resolve(undefined);
    const [hold_results, http_result] = await withDeadline(
      Promise.all([
        Promise.all(
          hosts.map((h) =>
            h.hold({ start_at_ms, duration_ms: plan.duration_ms, rate_per_s: plan.rate_per_s / hosts.length, alert_rate_per_s: plan.alert_rate_per_s / hosts.length, qos: plan.qos, max_alert_cycles: 2 }),
          ),
        ),
        http_run,
      ]),
      deadline,
      'the hold',
    );
    // Usage over the hold, before the ramp-down changes the picture.
    const usages: ProcessFigure[] = [];
    usages.push({ ...meter.snapshot(), label: 'coordinator' });
    for (const h of hosts) {
      const u = await h.usage();
      if (u) usages.push({ ...u, label: h.label });
    }
    if (http) usages.push({ ...(await http.usage()), label: 'http-load' });
    const broker_status = await Promise.all(brokers.map((b) => b.status()));
    for (const [i, s] of broker_status.entries()) usages.push({ ...s.usage, label: `broker-${i}` });
    last_usage = usages.slice(1);

    // 7. Drain: QoS 1 messages the broker acknowledged reach the platform, or count as lost.
    const hold = foldHold(hold_results);
    let platform_figures: LoadReport['platform'] = null;
    if (platform) {
      const drain0 = wallEpochMs();
      while (platform.received_qos1 - qos1_before < hold.acked_qos1 && wallEpochMs() - drain0 < DRAIN_MAX_MS) await sleepMs(20);
      platform.measure(false);
      const f = platform.figures();
      const qos1_received = platform.received_qos1 - qos1_before;
      platform_figures = { ...f, received_in_hold: sumTelemetryEvents(f.received) - received_before, qos1_received_in_hold: qos1_received, qos1_lost: Math.max(0, hold.acked_qos1 - qos1_received) };
    }

    // 8. Ramp down.
    phase = 'ramp-down';
    deps.say(`ramping down at ${plan.connect_rate_per_s}/s…`);
    await withDeadline(Promise.all(hosts.map((h) => h.rampDown({ rate_per_s: plan.connect_rate_per_s / hosts.length, timeout_ms: 5_000 }))), deadline, 'the ramp-down');
    phase = 'done';
    const dropped = hosts.reduce((n, h) => n + h.progress().dropped, 0);

    const http_figures = http_result && http_url ? { ...http_result, latency: summarize(mergeEncoded(latencyHistogram(), [http_result.latency])), url: http_url } : null;
    const report: LoadReport = {
      connections,
      devices,
      ceiling,
      connect: { connected, failures: connect_failures, failure_samples: connect_results.flatMap((r) => r.failure_samples).slice(0, 5), elapsed_ms: connect_elapsed_ms, rate_per_s: Math.round((connected * 1000) / connect_elapsed_ms), latency: connect_latency },
      settle,
      hold,
      dropped,
      platform: platform_figures,
      http: http_figures,
      brokers: broker_status.map((s) => ({ url: s.url, stats: s.stats })),
      processes: usages,
      warnings,
      metrics_url: metrics?.url ?? null,
    };
    return { ...report, warnings: [...warnings, ...diagnose(report, plan)] };
  } finally {
    phase = 'done';
    meter.stop();
    await Promise.allSettled([metrics?.close(), platform?.close(), ...hosts.map((h) => h.close()), http?.close()]);
    await Promise.allSettled(brokers.map((b) => b.stop()));
  }
}

function sumTelemetryEvents(received: Readonly<Record<string, number>>): number {
  return (received.telemetry ?? 0) + (received.event ?? 0);
}

function foldHold(results: readonly HoldResult[]): LoadReport['hold'] {
  const sum = (f: (r: HoldResult) => number): number => results.reduce((n, r) => n + f(r), 0);
  const elapsed_ms = Math.max(1, ...results.map((r) => r.elapsed_ms));
  const sent = sum((r) => r.sent);
  return {
    target: sum((r) => r.target),
    sent,
    elapsed_ms,
    achieved_per_s: Math.round((sent * 1000) / elapsed_ms),
    sent_qos1: sum((r) => r.sent_qos1),
    acked_qos1: sum((r) => r.acked_qos1),
    publish_errors: sum((r) => r.publish_errors),
    skipped_disconnected: sum((r) => r.skipped_disconnected),
    alerts_injected: sum((r) => r.alerts_injected),
    alerts_exhausted: results.some((r) => r.alerts_exhausted),
    ack: summarize(mergeEncoded(latencyHistogram(), results.map((r) => r.ack_latency))),
    send_delay: summarize(mergeEncoded(latencyHistogram(), results.map((r) => r.send_delay))),
  };
}

/**
 * Who was the bottleneck. A saturated generator (a worker's CPU near a full core, its event loop
 * late, or messages leaving late against their schedule) makes every figure of the run pessimistic
 * and says nothing about the broker; the report must say so before anyone reads the latencies.
 */
export function diagnose(r: LoadReport, plan: Pick<LoadPlan, 'workers' | 'platform'>): string[] {
  const out: string[] = [];
  const generators = r.processes.filter((p) => p.role === 'generator' || p.role === 'platform+generator');
  const hot = generators.filter((p) => p.cpu_ratio >= SATURATED_CPU_RATIO || p.loop_lag_p99_ms >= SATURATED_LAG_P99_MS);
  const late = r.hold.send_delay.p99_ms >= SATURATED_SEND_DELAY_P99_MS;
  const ratio = r.hold.target > 0 ? r.hold.sent / r.hold.target : 1;
  if (hot.length > 0 || late) {
    const who = hot.map((p) => `${p.label}: CPU ${p.cpu_ratio.toFixed(2)} of a core, event-loop lag p99 ${p.loop_lag_p99_ms.toFixed(1)} ms`).join('; ');
    out.push(
      `the LOAD GENERATOR was the bottleneck (${[who, late ? `messages left ${r.hold.send_delay.p99_ms.toFixed(1)} ms late (p99) against their schedule` : ''].filter(Boolean).join('; ')}): ` +
        `throughput and latency figures include the generator's own delay, not the broker's or the platform's — ${plan.workers === 0 ? 'run the agents in worker processes (--workers N)' : 'add --workers or spread the fleet over machines (--shard i/n)'}`,
    );
  } else if (ratio < 0.95) {
    out.push(`the system under test did not keep up: ${(ratio * 100).toFixed(1)} % of the target rate was sent while the generator had headroom`);
  }
  const total_cpu = r.processes.reduce((n, p) => n + p.cpu_ratio, 0);
  // Late timers with an idle CPU: the process was runnable but not running; someone else had the cores.
  const starved = r.processes.filter((p) => p.loop_lag_p99_ms >= SATURATED_LAG_P99_MS && p.cpu_ratio < 0.5);
  if (starved.length > 0 && total_cpu < 0.9 * cpus().length) {
    out.push(`the machine was busy with other work: ${starved.map((p) => `${p.label} had event-loop lag p99 ${p.loop_lag_p99_ms.toFixed(1)} ms at only ${p.cpu_ratio.toFixed(2)} of a core`).join('; ')}; every latency of this run is inflated by it — rerun on a quiet machine`);
  }
  if (total_cpu >= 0.9 * cpus().length) out.push(`the machine was CPU-bound: this run's processes used ${total_cpu.toFixed(2)} of ${cpus().length} cores; absolute figures are machine-limited, ratios to the ceiling less so`);
  if (r.connect.failures > 0) out.push(`${r.connect.failures} connection${r.connect.failures > 1 ? 's' : ''} failed: ${r.connect.failure_samples.join('; ')}`);
  if (r.dropped > 0) out.push(`${r.dropped} established connection${r.dropped > 1 ? 's were' : ' was'} lost before the ramp-down`);
  if (r.hold.alerts_exhausted) out.push('fewer leak probes than asked for: each leak sensor raises at most 2 alerts a run (a third would be held as flapping); add devices or lower --alert-rate');
  if (plan.platform && r.platform && r.platform.qos1_lost > 0) out.push(`${r.platform.qos1_lost} QoS 1 message${r.platform.qos1_lost > 1 ? 's' : ''} acknowledged by the broker never reached the platform`);
  return out;
}
