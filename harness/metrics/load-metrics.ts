import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { AgentProgress } from '../load/agents.ts';
import type { LatencySummary } from '../load/histogram.ts';
import type { ProcessUsage } from '../load/process-usage.ts';

/**
 * Prometheus metrics of the load generator (`--metrics-port`): what it was asked to do, what it
 * did so far (summed over its worker processes), the latency quantiles from its HDR histograms,
 * and each process's CPU, memory and event-loop lag, so a Grafana panel shows whether the
 * generator itself was saturated. Everything is read from a live view at scrape time.
 */
export interface LoadLiveView {
  readonly phase: string;
  readonly target_connections: number;
  readonly target_rate_per_s: number;
  readonly ceiling_msgs_per_s: number | null;
  readonly hosts: ReadonlyArray<{ readonly label: string; readonly progress: AgentProgress }>;
  readonly latency: Readonly<Record<string, LatencySummary | undefined>>;
  readonly processes: readonly ProcessUsage[];
}

const PHASES = ['starting', 'calibrate', 'connect', 'settle', 'hold', 'ramp-down', 'done'] as const;

export function loadMetrics(view: () => LoadLiveView): Registry {
  const r = new Registry();
  collectDefaultMetrics({ register: r, prefix: 'msp_load_coordinator_' });
  new Gauge({
    name: 'msp_load_phase',
    help: 'Current phase of the load run (1 on the current one).',
    labelNames: ['phase'],
    registers: [r],
    collect() {
      const p = view().phase;
      for (const phase of PHASES) this.set({ phase }, phase === p ? 1 : 0);
    },
  });
  new Gauge({ name: 'msp_load_target_connections', help: 'Connections this generator opens.', registers: [r], collect() { this.set(view().target_connections); } });
  new Gauge({ name: 'msp_load_target_rate_msgs_per_second', help: 'Target device publish rate of this generator.', registers: [r], collect() { this.set(view().target_rate_per_s); } });
  new Gauge({
    name: 'msp_load_ceiling_msgs_per_second',
    help: "Broker fan-in ceiling measured before the run (NaN until calibrated).",
    registers: [r],
    collect() {
      this.set(view().ceiling_msgs_per_s ?? Number.NaN);
    },
  });
  const sum = (f: (p: AgentProgress) => number): number => view().hosts.reduce((n, h) => n + f(h.progress), 0);
  // Counters in meaning, exported as gauges because the source of truth is the workers' own
  // running totals (a worker restart is a new run, so they never go down within one).
  const totals: Array<[string, string, (p: AgentProgress) => number]> = [
    ['msp_load_connections', 'Connections up now.', (p) => p.connected],
    ['msp_load_connect_failures_total', 'Connections that failed to establish.', (p) => p.failures],
    ['msp_load_connections_dropped_total', 'Established connections lost before the ramp-down.', (p) => p.dropped],
    ['msp_load_messages_sent_total', 'Device messages published (telemetry and events).', (p) => p.sent],
    ['msp_load_messages_acked_total', 'QoS 1 messages acknowledged by the broker.', (p) => p.acked],
    ['msp_load_alert_probes_total', 'Leak probes injected.', (p) => p.alerts],
  ];
  for (const [name, help, f] of totals) new Gauge({ name, help, registers: [r], collect() { this.set(sum(f)); } });
  new Gauge({
    name: 'msp_load_latency_seconds',
    help: 'Latency quantiles from the run\'s HDR histograms (path: ingest, alert, ack, connect, http, send_delay).',
    labelNames: ['path', 'quantile'],
    registers: [r],
    collect() {
      this.reset();
      for (const [path, s] of Object.entries(view().latency)) {
        if (!s || s.count === 0) continue;
        const q: Array<[string, number]> = [['0.5', s.p50_ms], ['0.9', s.p90_ms], ['0.99', s.p99_ms], ['0.999', s.p999_ms], ['1', s.max_ms]];
        for (const [quantile, ms] of q) this.set({ path, quantile }, ms / 1000);
      }
    },
  });
  const perProcess: Array<[string, string, (u: ProcessUsage) => number]> = [
    ['msp_load_process_cpu_ratio', 'CPU over wall time in the current window (1 = one core).', (u) => u.cpu_ratio],
    ['msp_load_process_resident_memory_bytes', 'Resident memory.', (u) => u.rss_bytes],
    ['msp_load_process_event_loop_lag_p99_seconds', 'Event-loop lag p99 in the current window.', (u) => u.loop_lag_p99_ms / 1000],
  ];
  for (const [name, help, f] of perProcess) {
    new Gauge({
      name,
      help,
      labelNames: ['process', 'role'],
      registers: [r],
      collect() {
        this.reset();
        for (const u of view().processes) this.set({ process: `${u.role}-${u.pid}`, role: u.role }, f(u));
      },
    });
  }
  return r;
}
