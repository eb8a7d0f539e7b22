import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../harness/cli/main.ts';
import { buildLoadFleet } from '../../harness/load/fleet.ts';
import { shardUnits } from '../../harness/load/shard.ts';
import { requireProgram, startMosquitto } from '../helpers/external-programs.ts';

/**
 * `msp-twin load` end to end at CI size: real broker processes, worker processes, the real
 * platform and autocannon, a few seconds each. The full sizes (2,000 devices at 2,000 msg/s,
 * 10,000 connections, 100,000 gateway devices, > 20,000 connections over processes) are in
 * `npm run bench`; timed figures are never asserted here, only what a broken feature would change.
 */
interface Cli {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], on_stderr?: (line: string) => void): Promise<Cli> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (s: string) => ((stdout += s), true) },
    stderr: {
      write: (s: string) => {
        stderr += s;
        on_stderr?.(s);
        return true;
      },
    },
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

/** Metric names (without the _bucket/_count suffix Prometheus adds) that dashboards/msp-twin-load.json queries. */
function dashboardMetrics(prefix: string): string[] {
  const json = readFileSync(join(import.meta.dirname, '../../dashboards/msp-twin-load.json'), 'utf8');
  const names = new Set([...json.matchAll(new RegExp(`${prefix}[a-z0-9_]+`, 'g'))].map((m) => m[0]));
  expect(names.size).toBeGreaterThan(2);
  return [...names];
}

const SMALL = ['--connect-rate', '500', '--calibrate-messages', '5000', '--calibrate-publishers', '4', '--http-connections', '4', '--http-rate', '100'];

interface Saved {
  metrics: Record<string, number>;
  report: {
    connections: number;
    devices: number;
    platform: { devices: number; qos1_lost: number; alert: { count: number }; ingest: { count: number } } | null;
    hold: { sent: number; alerts_injected: number; acked_qos1: number };
    processes: Array<{ label: string; role: string }>;
    ceiling: { msgs_per_s: number; received: number } | null;
    http: { requests: number } | null;
  };
}

describe('msp-twin load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'msp-twin-load-'));
  const baseline = join(dir, 'baseline.json');

  it('runs a bounded load on the embedded broker, prints latency, ceiling and resource tables, serves /metrics, saves a baseline', async () => {
    let scrape: Promise<string> | undefined;
    const r = await cli(['load', '--devices', '150', '--rate', '100', '--duration', '3s', '--alert-rate', '4', ...SMALL, '--metrics-port', '0', '--out', join(dir, 'a'), '--save-baseline', baseline], (line) => {
      const url = /generator metrics at (\S+)/.exec(line)?.[1];
      if (url && !scrape) scrape = new Promise((resolve) => setTimeout(resolve, 1_500)).then(() => fetch(url)).then((res) => res.text());
    });
    expect(r.code, r.stderr).toBe(0);
    for (const row of ['device → platform ingest', 'device → alert raised', 'publish → PUBACK (QoS 1)', 'CONNECT → CONNACK', 'HTTP API (autocannon)']) expect(r.stdout).toContain(row);
    expect(r.stdout).toMatch(/ceiling\s+[\d,]+ msg\/s broker fan-in/);
    expect(r.stdout).toMatch(/achieved [\d,]+ msg\/s \([\d.]+ % of target, [\d.]+ of ceiling\)/);
    expect(r.stdout).toMatch(/coordinator\s+platform/);
    expect(r.stdout).toMatch(/worker-1\s+generator/);
    expect(r.stdout).toMatch(/broker-0\s+broker/);

    const saved = JSON.parse(readFileSync(join(dir, 'a', 'load-report.json'), 'utf8')) as Saved;
    const p = saved.report.platform!;
    expect(saved.report.connections).toBe(150);
    expect(p.devices).toBe(150); // every birth registered by the real platform
    expect(p.qos1_lost).toBe(0);
    expect(saved.report.hold.acked_qos1).toBeGreaterThan(saved.report.hold.sent); // telemetry and probes, all QoS 1
    expect(saved.report.hold.alerts_injected).toBeGreaterThan(0);
    expect(p.alert.count).toBe(saved.report.hold.alerts_injected); // one alert per leak probe
    expect(p.ingest.count).toBe(saved.report.hold.acked_qos1);
    expect(saved.report.ceiling!.received).toBe(5_000);
    expect(saved.report.http!.requests).toBeGreaterThan(50);
    for (const k of ['ingest_latency_p99_ms', 'alert_latency_p99_ms', 'throughput_ratio_to_ceiling', 'http_latency_p99_ms', 'connect_rate_per_s']) expect(saved.metrics[k], k).toBeGreaterThan(0);

    const b = JSON.parse(readFileSync(baseline, 'utf8'));
    expect(b.format).toBe('msp-twin-load-baseline');
    expect(b.metrics).toEqual(saved.metrics);

    const text = await scrape!;
    expect(text).toMatch(/msp_load_target_connections 150/);
    // Every generator metric the shipped Grafana dashboard queries exists.
    for (const name of dashboardMetrics('msp_load_')) expect(text, name).toContain(`${name}`);
    expect(text).toMatch(/msp_load_phase\{phase="(connect|settle|hold|calibrate)"\} 1/);
    expect(text).toContain('msp_load_process_cpu_ratio');
  });

  it('fails the regression gate, naming the metric, when the platform is slowed down on purpose', async () => {
    const out = join(dir, 'slow');
    // 20 ms of busy work per message (and per API request): every sample gets at least 20 ms
    // slower, a margin that still shows past 10 % on a machine so loaded that the baseline's own
    // p50 was tens of milliseconds (8 ms did not, once, with a load average of 12 on 2 cores).
    const r = await cli(['load', '--devices', '150', '--rate', '100', '--duration', '3s', '--alert-rate', '4', ...SMALL, '--inject-platform-delay-ms', '20', '--baseline', baseline, '--max-regression', '10%', '--out', out]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/REGRESSION in .*ingest_latency_p50_ms/);
    expect(r.stdout).toMatch(/ingest_latency_p50_ms\s.*REGRESSED/);
    const gate = JSON.parse(readFileSync(join(out, 'gate.json'), 'utf8'));
    expect(gate.passed).toBe(false);
    expect(gate.failures).toContain('ingest_latency_p50_ms');
    expect(gate.failures).toContain('http_latency_p50_ms');
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<testcase classname="msp-twin.load" name="ingest_latency_p50_ms">\s*<failure message="ingest_latency_p50_ms regressed/);
  });

  it('spreads a sharded gateway fleet over worker processes and broker nodes; the platform hears every node', async () => {
    const r = await cli(['load', '--devices', '600', '--mqtt-mode', 'gateway', '--per-gateway', '30', '--shard', '1/2', '--workers', '2', '--broker-nodes', '2', '--rate', '100', '--duration', '2s', '--alert-rate', '2', '--calibrate-messages', '0', '--http-connections', '0', '--json', '--out', join(dir, 'g')]);
    expect(r.code, r.stderr).toBe(0);
    const { report } = JSON.parse(r.stdout) as Saved;
    const mine = shardUnits(buildLoadFleet({ seed: 'load', devices: 600, mode: 'gateway', per_gateway: 30 }), { index: 1, count: 2 });
    expect(report.connections).toBe(mine.length);
    expect(report.connections).toBeLessThan(20);
    expect(report.devices).toBe(mine.reduce((n, u) => n + u.devices.length, 0));
    expect(report.platform!.devices).toBe(report.devices);
    expect(report.platform!.qos1_lost).toBe(0);
    expect(report.processes.map((p) => p.label).sort()).toEqual(['broker-0', 'broker-1', 'coordinator', 'worker-1', 'worker-2']);
    expect(report.ceiling).toBeNull();
    expect(report.http).toBeNull();
  });

  // Whatever this host's open-file limit (CI runners often allow a million, which would need a
  // million-device plan to cross), the check runs in a child whose limit is lowered to a known
  // value: never a silent skip. Lowering a soft limit needs no privilege.
  const CHILD_FD_LIMIT = 4_096;
  it('refuses, before opening anything, a plan that puts more sockets in one process than it may open', () => {
    const devices = String(CHILD_FD_LIMIT + 1_000);
    const shown = Number(devices).toLocaleString('en-US');
    const bin = join(import.meta.dirname, '../../bin/msp-twin.js');
    const limited = (workers: string) =>
      spawnSync('sh', ['-c', `ulimit -n ${CHILD_FD_LIMIT} && exec "$0" "$@"`, process.execPath, bin, 'load', '--devices', devices, '--workers', workers, '--out', join(dir, 'x')], { encoding: 'utf8', timeout: 60_000 });
    const per_process = limited('1');
    expect(per_process.status, per_process.stderr).toBe(2);
    expect(per_process.stderr).toMatch(new RegExp(`one worker process would hold ${shown} sockets.*limit of ${CHILD_FD_LIMIT.toLocaleString('en-US')}.*raise --workers.*LOAD_TOO_MANY_CONNECTIONS`));
    const per_node = limited('3');
    expect(per_node.status, per_node.stderr).toBe(2);
    expect(per_node.stderr).toMatch(/one embedded broker node would hold .*raise --broker-nodes/);
  });

  it('rejects bad input with exit 2 and a stable code', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--shard', '2/2'], /LOAD_BAD_SHARD/],
      [['--mqtt-version', '5'], /needs --broker/],
      [['--rate', '0'], /--rate must be a number above 0/],
      [['--duration', '10 parsecs'], /invalid duration/],
      [['--baseline', join(dir, 'nope.json')], /cannot read the baseline .*LOAD_BAD_BASELINE/],
      [['--max-regression', 'lots'], /LOAD_BAD_TOLERANCE/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(['load', ...args, '--out', join(dir, 'bad')]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });

  const mosquitto = requireProgram('mosquitto', 'mosquitto');
  it.skipIf(!mosquitto)('drives an external broker (Mosquitto) with --broker', async () => {
    const broker = await startMosquitto();
    try {
      const r = await cli(['load', '--broker', broker.url, '--devices', '100', '--rate', '100', '--duration', '2s', '--workers', '0', ...SMALL, '--json', '--out', join(dir, 'm')]);
      expect(r.code, r.stderr).toBe(0);
      const { report, metrics } = JSON.parse(r.stdout) as Saved;
      expect(report.platform!.devices).toBe(100);
      expect(report.platform!.qos1_lost).toBe(0);
      expect(report.processes.map((p) => p.role)).toContain('platform+generator');
      expect(metrics.ceiling_msgs_per_s).toBeGreaterThan(0);
    } finally {
      await broker.stop();
    }
  });
});

describe('platform /metrics', () => {
  it('exposes ingest counts and the publish → ingest latency histogram from a real message', async () => {
    const { Platform } = await import('../../platform/core/platform.ts');
    const { startHttpApi } = await import('../../platform/service/http-api.ts');
    const { platformApi } = await import('../../platform/service/platform-api.ts');
    const { PlatformMetrics } = await import('../../platform/service/metrics.ts');
    const metrics: InstanceType<typeof PlatformMetrics> = new PlatformMetrics(() => platform, { process_metrics: true });
    const platform = new Platform({ journal: (_t, k, f) => void metrics.onJournal(k, f) });
    const api = await startHttpApi(platformApi(platform, { immediate: true }), { metrics: () => metrics.render() });
    try {
      const ts = Date.now() - 5; // wall-clock: a message published 5 ms ago
      const birth = { v: 1, id: 'm-leak-1', kind: 'leak', model: 'LEAK-W-20', serial: 'S', fw: '1.0.0', site: 's', building: 'b', floor: 'f', zone: null, gateway: null, power: 'battery', caps: [], heartbeat_ms: 3_600_000, session: 1, seq: 0, ts };
      const leak = { v: 1, id: 'm-leak-1', seq: 1, ts, type: 'leak_detected' };
      for (const [cls, p] of [['birth', birth], ['event', leak]] as const) {
        const topic = `msp/v1/s/m-leak-1/${cls}`;
        const payload = JSON.stringify(p);
        metrics.ingest(topic, payload, () => platform.receive(topic, payload, Date.now())); // wall-clock: production mode
      }
      const text = await (await fetch(`${api.url}/metrics`)).text();
      expect(text).toMatch(/msp_platform_messages_received_total\{class="event"\} 1/);
      expect(text).toMatch(/msp_platform_ingest_latency_seconds_count\{class="birth"\} 1/);
      // 5 ms old when ingested: not in the ≤ 1 ms bucket, in the ≤ 1 s one.
      expect(text).toMatch(/msp_platform_ingest_latency_seconds_bucket\{le="0.001",class="event"\} 0/);
      expect(text).toMatch(/msp_platform_ingest_latency_seconds_bucket\{le="1",class="event"\} 1/);
      expect(text).toMatch(/msp_platform_alert_latency_seconds_count 1/);
      expect(text).toMatch(/msp_platform_alerts_active 1/);
      expect(text).toMatch(/msp_platform_ingest_messages\{outcome="accepted"\} 2/);
      expect(text).toContain('process_cpu_user_seconds_total');
      for (const name of dashboardMetrics('msp_platform_')) expect(text, name).toContain(`${name}`);
      // The JSON API is untouched by the new route.
      expect((await fetch(`${api.url}/api/v1/health`)).status).toBe(200);
    } finally {
      await api.close();
    }
  });

  it('msp-twin platform serves it next to its API, counting what it ingests from the broker', async () => {
    const { startEmbeddedBroker } = await import('../../harness/broker/embedded-broker.ts');
    const { AccessPolicy } = await import('../../harness/broker/access-policy.ts');
    const { DEFAULT_DEV_SECRET, devicePassword } = await import('../../platform/contract/credentials.ts');
    const { platformCommand } = await import('../../harness/cli/commands/platform.ts');
    const mqtt = (await import('mqtt')).default;
    const broker = await startEmbeddedBroker({ ws_port: null, policy: new AccessPolicy({ fleet_secret: DEFAULT_DEV_SECRET }) });
    let stop!: () => void;
    const until = new Promise<void>((r) => (stop = r));
    let out = '';
    let url_found!: (u: string) => void;
    const metrics_url = new Promise<string>((r) => (url_found = r));
    const io = {
      stdout: { write: (s: string) => ((out += s), /Prometheus metrics (\S+)/.test(out) && url_found(/Prometheus metrics (\S+)/.exec(out)![1]!), true) },
      stderr: { write: () => true },
    };
    const running = platformCommand({ broker: broker.url, secret: DEFAULT_DEV_SECRET, api_host: '127.0.0.1', api_port: 0, journal: false, allow_unprovisioned: true }, io, until);
    try {
      const url = await metrics_url;
      const id = 'm-env-1';
      const dev = await mqtt.connectAsync(broker.url, { clientId: id, username: id, password: devicePassword(DEFAULT_DEV_SECRET, id), reconnectPeriod: 0 });
      const birth = { v: 1, id, kind: 'env', model: 'ENV-TH-110', serial: 'S', fw: '1.0.0', site: 's', building: 'b', floor: 'f', zone: null, gateway: null, power: 'battery', caps: [], heartbeat_ms: 3_600_000, session: 1, seq: 0, ts: Date.now() }; // wall-clock: a real publish
      await dev.publishAsync(`msp/v1/s/${id}/birth`, JSON.stringify(birth), { qos: 1 });
      await dev.endAsync();
      let text = '';
      for (let i = 0; i < 100 && !/msp_platform_devices\{liveness="ONLINE"\} 1/.test(text); i++) {
        text = await (await fetch(url)).text();
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(text).toMatch(/msp_platform_devices\{liveness="ONLINE"\} 1/);
      expect(text).toMatch(/msp_platform_messages_received_total\{class="birth"\} 1/);
      expect(text).toMatch(/msp_platform_ingest_latency_seconds_count\{class="birth"\} 1/);
      expect(text).toContain('nodejs_eventloop_lag_p99_seconds');
    } finally {
      stop();
      expect(await running).toBe(0);
      await broker.close();
    }
  });
});
