import { DEFAULT_DEV_SECRET } from '../../platform/contract/credentials.ts';
import { DEFAULT_HTTP_PATHS } from '../load/http-load.ts';
import { openFileLimit } from '../load/limits.ts';
import { reportMetrics } from '../load/report.ts';
import { runLoad, type LoadPlan, type LoadReport } from '../load/run-load.ts';
import { WHOLE_FLEET } from '../load/shard.ts';
import { CEILING_CALIBRATION } from '../load/ceiling.ts';

/**
 * The load section of `npm run bench` (docs/performance.md): 10,000 live per-device connections holding
 * 2,000 msg/s (device → platform p99 ≤ 25 ms), 100,000 virtual devices behind 1,000 gateway
 * connections, and a multi-process run that holds more connections than one process may open.
 * Each is one `msp-twin load` run, ceiling calibrated in the same run.
 */
export const TARGET_LIVE_CONNECTIONS = 10_000;
export const TARGET_LIVE_RATE_PER_S = 2_000;
export const TARGET_LIVE_P99_MS = 25;
export const TARGET_GATEWAY_DEVICES = 100_000;

export function benchLoadPlan(over: Partial<LoadPlan>): LoadPlan {
  return {
    seed: 'bench',
    devices: 2_000,
    mode: 'per-device',
    per_gateway: 100,
    connect_rate_per_s: 1_000,
    rate_per_s: TARGET_LIVE_RATE_PER_S,
    duration_ms: 30_000,
    alert_rate_per_s: 5,
    qos: 1,
    workers: 1,
    broker: { kind: 'embedded', nodes: 1, auth: true },
    client: { auth: 'fleet', secret: DEFAULT_DEV_SECRET, protocol_version: 4, keepalive_s: 60 },
    shard: WHOLE_FLEET,
    platform: true,
    calibrate: { ...CEILING_CALIBRATION },
    http: { connections: 10, rate_per_s: 200, paths: [...DEFAULT_HTTP_PATHS] },
    inject_platform_delay_ms: 0,
    metrics_port: null,
    max_in_flight: 200,
    ...over,
  };
}

export interface LoadBenchRun {
  readonly name: string;
  readonly connections: number;
  readonly devices: number;
  readonly connected: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly warnings: readonly string[];
  readonly processes: LoadReport['processes'];
}

async function one(name: string, plan: LoadPlan, say: (s: string) => void): Promise<LoadBenchRun> {
  const r = await runLoad(plan, { say: (s) => say(`${name}: ${s}`) });
  return { name, connections: r.connections, devices: r.devices, connected: r.connect.connected, metrics: reportMetrics(r), warnings: r.warnings, processes: r.processes };
}

export async function benchLoad(say: (s: string) => void): Promise<{ live: LoadBenchRun; gateway: LoadBenchRun; multi: LoadBenchRun; fd_limit: number | null }> {
  say(`load: ${TARGET_LIVE_CONNECTIONS.toLocaleString('en-US')} per-device connections at ${TARGET_LIVE_RATE_PER_S.toLocaleString('en-US')} msg/s for 30 s…`);
  const live = await one('live-10k', benchLoadPlan({ devices: TARGET_LIVE_CONNECTIONS }), say);
  say(`load: ${TARGET_GATEWAY_DEVICES.toLocaleString('en-US')} virtual devices behind 1,000 gateway connections at ${TARGET_LIVE_RATE_PER_S.toLocaleString('en-US')} msg/s for 30 s…`);
  const gateway = await one('gateway-100k', benchLoadPlan({ devices: TARGET_GATEWAY_DEVICES, mode: 'gateway', per_gateway: 100, connect_rate_per_s: 500 }), say);
  // More connections than one process may open: 3 generator workers and 2 broker nodes split them.
  const limit = openFileLimit();
  const beyond = (limit ?? 20_000) + 2_000;
  say(`load: ${beyond.toLocaleString('en-US')} connections over 3 worker processes and 2 broker nodes (one process may open ${limit?.toLocaleString('en-US') ?? 'unlimited'} files)…`);
  const multi = await one(
    'multi-process',
    benchLoadPlan({ devices: beyond, workers: 3, broker: { kind: 'embedded', nodes: 2, auth: true }, rate_per_s: 1_000, duration_ms: 10_000, connect_rate_per_s: 1_500, http: null, calibrate: null, alert_rate_per_s: 0 }),
    say,
  );
  return { live, gateway, multi, fd_limit: limit ?? null };
}
