import autocannon from 'autocannon';
import { encodeHistogram, latencyHistogram, recordMs } from './histogram.ts';
import { UsageMeter, type ProcessUsage } from './process-usage.ts';
import { ChildRpc, serveRpc } from './rpc.ts';

/**
 * HTTP load on the platform API while the fleet runs: dashboards and NOC tools poll it in
 * production. autocannon drives it from a process of its own, so its event loop competes with
 * neither the platform's nor the device generator's, and every response time (fractional ms, from
 * autocannon's own hrtime) goes into an HDR histogram in µs like the MQTT latencies, so the two
 * tables read the same.
 */
/**
 * What a NOC wall and its dashboards poll. Device listings are left out of the default mix: they
 * cost O(fleet) per request today (the registry is snapshotted whole), which at 100,000 devices
 * would make the HTTP load, not the MQTT load, decide every figure; add them with --http-path.
 */
export const DEFAULT_HTTP_PATHS = ['/api/v1/health', '/api/v1/alerts?status=firing', '/api/v1/incidents?status=open'] as const;

export interface HttpLoadPlan {
  readonly url: string;
  readonly paths: readonly string[];
  readonly connections: number;
  /** Requests per second over all connections, as dashboards poll; 0 = as fast as the API answers. */
  readonly rate_per_s: number;
  readonly duration_ms: number;
}

export interface HttpLoadResult {
  readonly requests: number;
  readonly requests_per_s: number;
  readonly non_2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  /** Encoded HDR histogram, µs. */
  readonly latency: string;
}

export async function runHttpLoad(plan: HttpLoadPlan): Promise<HttpLoadResult> {
  const h = latencyHistogram();
  let non_2xx = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: plan.url,
        connections: plan.connections,
        duration: Math.max(1, Math.round(plan.duration_ms / 1000)),
        requests: plan.paths.map((path) => ({ method: 'GET' as const, path })),
        timeout: 10,
        ...(plan.rate_per_s > 0 ? { overallRate: plan.rate_per_s } : {}),
      },
      (err, r) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(r)),
    );
    instance.on('response', (_client, status, _bytes, response_ms) => {
      if (status >= 200 && status < 300) recordMs(h, response_ms);
      else non_2xx++;
    });
  });
  return {
    requests: result.requests.total,
    requests_per_s: Math.round((result.requests.total * 1000) / Math.max(1, result.duration * 1000)),
    non_2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latency: encodeHistogram(h),
  };
}

export interface HttpLoadHost {
  readonly pid: number;
  run(plan: HttpLoadPlan): Promise<HttpLoadResult>;
  usage(): Promise<ProcessUsage>;
  resetUsage(): Promise<void>;
  close(): Promise<void>;
}

export async function spawnHttpLoad(): Promise<HttpLoadHost> {
  const rpc = new ChildRpc('http-load', new URL('./entry/http.ts', import.meta.url));
  await rpc.call('ping', {}, 60_000);
  return {
    pid: rpc.pid,
    run: (plan) => rpc.call('run', plan, plan.duration_ms + 60_000),
    usage: () => rpc.call('usage', {}, 10_000),
    resetUsage: () => rpc.call('resetUsage', {}, 10_000),
    close: () => rpc.stop(),
  };
}

/** Child side (harness/load/entry/http.ts). */
export function serveHttpLoad(): void {
  const meter = new UsageMeter('http-load');
  serveRpc(
    {
      ping: () => true,
      run: (plan: HttpLoadPlan) => runHttpLoad(plan),
      usage: () => meter.snapshot(),
      resetUsage: () => meter.reset(),
    },
    async () => meter.stop(),
  );
}
