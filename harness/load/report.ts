import { int, table } from '../cli/format.ts';
import type { Metrics } from './gate.ts';
import type { LatencySummary } from './histogram.ts';
import type { LoadPlan, LoadReport } from './run-load.ts';

/**
 * What a load run prints and stores: the flat metric set the regression gate compares (names as
 * in gate.ts METRICS), the plan fields that make two runs comparable, and the human report.
 */
const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;

export function reportMetrics(r: LoadReport): Metrics {
  const m: Record<string, number> = {
    throughput_msgs_per_s: r.hold.achieved_per_s,
    throughput_ratio_to_target: round(r.hold.target > 0 ? r.hold.sent / r.hold.target : 1),
    connect_rate_per_s: r.connect.rate_per_s,
    connect_latency_p99_ms: r.connect.latency.p99_ms,
    connect_failures: r.connect.failures,
    connections_dropped: r.dropped,
    generator_send_delay_p99_ms: r.hold.send_delay.p99_ms,
    generator_loop_lag_p99_ms: Math.max(0, ...r.processes.filter((p) => p.role === 'generator' || p.role === 'platform+generator').map((p) => p.loop_lag_p99_ms)),
  };
  if (r.hold.ack.count > 0) m.ack_latency_p99_ms = r.hold.ack.p99_ms;
  if (r.ceiling) {
    m.ceiling_msgs_per_s = r.ceiling.msgs_per_s;
    m.throughput_ratio_to_ceiling = round(r.hold.achieved_per_s / Math.max(1, r.ceiling.msgs_per_s), 4);
  }
  if (r.platform) {
    const i = r.platform.ingest;
    Object.assign(m, { ingest_latency_p50_ms: i.p50_ms, ingest_latency_p90_ms: i.p90_ms, ingest_latency_p99_ms: i.p99_ms, ingest_latency_p999_ms: i.p999_ms, ingest_latency_max_ms: i.max_ms, qos1_lost: r.platform.qos1_lost });
    if (r.platform.alert.count > 0) Object.assign(m, { alert_latency_p50_ms: r.platform.alert.p50_ms, alert_latency_p99_ms: r.platform.alert.p99_ms });
    const p = r.processes.find((x) => x.label === 'coordinator');
    if (p) Object.assign(m, { platform_cpu_ratio: p.cpu_ratio, platform_rss_peak_mib: Math.round(p.rss_peak_bytes / 2 ** 20) });
  }
  if (r.http) Object.assign(m, { http_requests_per_s: r.http.requests_per_s, http_latency_p50_ms: r.http.latency.p50_ms, http_latency_p99_ms: r.http.latency.p99_ms, http_errors: r.http.non_2xx + r.http.errors + r.http.timeouts });
  return m;
}

/** The load shape: a baseline from another shape is flagged when compared. */
export function planFields(plan: LoadPlan): Record<string, unknown> {
  return {
    devices: plan.devices,
    mode: plan.mode,
    per_gateway: plan.mode === 'gateway' ? plan.per_gateway : undefined,
    connect_rate_per_s: plan.connect_rate_per_s,
    rate_per_s: plan.rate_per_s,
    duration_ms: plan.duration_ms,
    alert_rate_per_s: plan.alert_rate_per_s,
    qos: plan.qos,
    workers: plan.workers,
    broker: plan.broker.kind === 'embedded' ? `embedded×${plan.broker.nodes}` : 'external',
    shard: `${plan.shard.index}/${plan.shard.count}`,
    http_connections: plan.http?.connections ?? 0,
    http_rate_per_s: plan.http?.rate_per_s ?? 0,
  };
}

const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const mib = (b: number): string => `${int(b / 2 ** 20)} MiB`;
const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

function latencyRow(name: string, s: LatencySummary | undefined): Array<string | number> | undefined {
  if (!s || s.count === 0) return undefined;
  return [name, ms(s.p50_ms), ms(s.p90_ms), ms(s.p99_ms), ms(s.p999_ms), ms(s.max_ms), s.count];
}

export function renderReport(r: LoadReport, plan: LoadPlan): string {
  const out: string[] = [];
  const broker = plan.broker.kind === 'embedded' ? `embedded broker (${plan.broker.nodes} node${plan.broker.nodes > 1 ? 's' : ''}, own process${plan.broker.nodes > 1 ? 'es' : ''})` : plan.broker.url;
  const shard = plan.shard.count > 1 ? `, shard ${plan.shard.index}/${plan.shard.count}` : '';
  out.push(
    `msp-twin load: ${int(r.devices)} devices over ${int(r.connections)} ${plan.mode === 'gateway' ? 'gateway ' : ''}connections${shard}, ${int(plan.rate_per_s)} msg/s for ${plan.duration_ms / 1000} s at QoS ${plan.qos}, ${broker}, ${plan.workers === 0 ? 'agents in-process' : `${plan.workers} worker process${plan.workers > 1 ? 'es' : ''}`}`,
  );
  const ceiling = r.ceiling;
  if (ceiling) out.push(`  ceiling     ${int(ceiling.msgs_per_s)} msg/s broker fan-in (${ceiling.publishers} publishers → 1 subscriber, QoS ${ceiling.qos}, ${int(ceiling.received)} messages, measured just now)`);
  else out.push('  ceiling     not measured (--calibrate-messages 0)');
  const ratio = (x: number): string => (ceiling ? `, ${(x / Math.max(1, ceiling.msgs_per_s)).toFixed(3)} of ceiling` : '');
  out.push(
    `  connect     ${int(r.connect.connected)} of ${int(r.connections)} in ${(r.connect.elapsed_ms / 1000).toFixed(1)} s (${int(r.connect.rate_per_s)}/s), ${int(r.connect.failures)} failed, ${int(r.dropped)} dropped later`,
    `  throughput  target ${int(plan.rate_per_s)} msg/s, achieved ${int(r.hold.achieved_per_s)} msg/s (${pct(r.hold.target > 0 ? r.hold.sent / r.hold.target : 1)} of target${ratio(r.hold.achieved_per_s)}); ${int(r.hold.sent)} sent in ${(r.hold.elapsed_ms / 1000).toFixed(1)} s`,
  );
  if (r.platform) {
    const p = r.platform;
    // Telemetry plus each probe's detected and cleared events.
    const sent_all = r.hold.sent + 2 * r.hold.alerts_injected;
    const delivered_per_s = (p.received_in_hold * 1000) / Math.max(1, r.hold.elapsed_ms);
    out.push(
      `  delivered   ${int(p.received_in_hold)} telemetry and events reached the platform, ${int(delivered_per_s)} msg/s${ratio(delivered_per_s)} (${pct(sent_all > 0 ? p.received_in_hold / sent_all : 1)} of sent); ${int(p.rejected)} rejected by ingest`,
      `  QoS 1       ${int(r.hold.acked_qos1)} acknowledged by the broker, ${int(p.qos1_received_in_hold)} delivered, ${int(p.qos1_lost)} lost; ${int(r.hold.publish_errors)} publish errors`,
      `  alerts      ${int(r.hold.alerts_injected)} leak probes, ${int(p.alert.count)} alerts raised; platform knows ${int(p.devices)} devices`,
    );
  } else {
    out.push(`  QoS 1       ${int(r.hold.acked_qos1)} of ${int(r.hold.sent_qos1)} acknowledged by the broker (the platform runs elsewhere: read its /metrics)`);
  }
  out.push('');
  const rows = [
    latencyRow('device → platform ingest', r.platform?.ingest),
    latencyRow('device → alert raised', r.platform?.alert),
    latencyRow('publish → PUBACK (QoS 1)', r.hold.ack),
    latencyRow('CONNECT → CONNACK', r.connect.latency),
    latencyRow('generator send delay', r.hold.send_delay),
    latencyRow('HTTP API (autocannon)', r.http?.latency),
  ].filter((x): x is Array<string | number> => x !== undefined);
  out.push(table([['latency (ms)', 'p50', 'p90', 'p99', 'p99.9', 'max', 'samples'], ...rows]));
  if (r.http) out.push('', `  HTTP        ${int(r.http.requests)} requests, ${int(r.http.requests_per_s)} req/s, ${int(r.http.non_2xx + r.http.errors + r.http.timeouts)} failed (non-2xx, errors, timeouts), on ${r.http.url}`);
  out.push('', table([['process', 'role', 'pid', 'CPU (cores)', 'RSS peak', 'loop lag p99', 'loop lag max'], ...r.processes.map((p) => [p.label, p.role, String(p.pid), p.cpu_ratio.toFixed(2), mib(p.rss_peak_bytes), `${ms(p.loop_lag_p99_ms)} ms`, `${ms(p.loop_lag_max_ms)} ms`])]));
  out.push('  (CPU, lag: over the hold; 1.00 = one core busy)');
  if (r.warnings.length > 0) out.push('', ...r.warnings.map((w) => `warning: ${w}`));
  return out.join('\n') + '\n';
}
