import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { startEmbeddedBroker } from '../broker/embedded-broker.ts';
import { setUpMqtt } from '../run/mqtt-setup.ts';
import { runScenario, type MqttMode } from '../run/run-scenario.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { generatePortfolio } from '../../sim/world/generate.ts';
import { DEFAULT_DEV_SECRET } from '../broker/credentials.ts';

/**
 * MQTT benchmarks. Every figure is taken on this machine in this run, so ratios between them
 * (lockstep throughput over the broker's raw ceiling) survive a noisy machine better than any
 * absolute number. All servers bind loopback; every loop is bounded in count and time.
 */
export interface FanInResult {
  readonly publishers: number;
  readonly messages: number;
  readonly qos: 0 | 1;
  readonly msgs_per_s: number;
}

const sample_payload = JSON.stringify({ v: 1, id: 'nyc-tower-1-f03-env-004', seq: 17, ts: 1772427600000, battery_pct: 87.4, rssi_dbm: -71, values: { temperature_c: 21.43, humidity_pct: 41.2 } });

/** The embedded broker's raw fan-in ceiling: N publishers → one subscriber, JSON telemetry. */
export async function measureFanIn(opts: { publishers: number; messages: number; qos: 0 | 1; timeout_ms: number }): Promise<FanInResult> {
  const broker = await startEmbeddedBroker({ port: 0, ws_port: null });
  const clients: MqttClient[] = [];
  try {
    const sub = await mqtt.connectAsync(broker.url, { clientId: 'bench-sub', reconnectPeriod: 0 });
    clients.push(sub);
    await sub.subscribeAsync('bench/#', { qos: opts.qos });
    const pubs = await Promise.all(Array.from({ length: opts.publishers }, (_, i) => mqtt.connectAsync(broker.url, { clientId: `bench-pub-${i}`, reconnectPeriod: 0 })));
    clients.push(...pubs);
    let received = 0;
    const done = new Promise<void>((resolve) => {
      sub.on('message', () => {
        if (++received === opts.messages) resolve();
      });
    });
    const per_publisher = Math.ceil(opts.messages / opts.publishers);
    const t0 = performance.now(); // wall-clock: benchmark timing
    // Publish in bursts with a yield between them, so the publishers do not starve the broker
    // of the event loop (they share this process) and the figure is a sustained rate.
    const burst = 200;
    await Promise.all(
      pubs.map(async (p, i) => {
        for (let sent = 0; sent < per_publisher; ) {
          const n = Math.min(burst, per_publisher - sent);
          for (let k = 0; k < n; k++) p.publish(`bench/${i}/telemetry`, sample_payload, { qos: opts.qos });
          sent += n;
          await new Promise((r) => setImmediate(r));
        }
      }),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise((r) => (timer = setTimeout(r, opts.timeout_ms)))]); // wall-clock: bound the measurement
    clearTimeout(timer);
    const elapsed_s = (performance.now() - t0) / 1000; // wall-clock: benchmark timing
    return { publishers: opts.publishers, messages: received, qos: opts.qos, msgs_per_s: Math.round(received / elapsed_s) };
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await broker.close();
  }
}

export interface LockstepResult {
  readonly mode: MqttMode | 'memory';
  readonly sim_hours: number;
  readonly messages: number;
  readonly wall_s: number;
  readonly msgs_per_s: number;
  readonly connections: number | null;
  readonly trace_hash: string;
}

export async function measureLockstep(scenario: Scenario, hours: number, mode: MqttMode | 'memory'): Promise<LockstepResult> {
  const duration_ms = hours * 3_600_000;
  if (mode === 'memory') {
    const s = await runScenario(scenario, { duration_ms });
    return { mode, sim_hours: hours, messages: s.messages, wall_s: s.wall_ms / 1000, msgs_per_s: Math.round((s.messages * 1000) / s.wall_ms), connections: null, trace_hash: s.trace_hash };
  }
  const setup = await setUpMqtt({ mode, protocol_version: 4, secret: DEFAULT_DEV_SECRET, ws_port: null }, generatePortfolio(scenario.name, scenario.fleet));
  try {
    const s = await runScenario(scenario, { duration_ms, transport: 'mqtt', mqtt: setup.mqtt });
    return { mode, sim_hours: hours, messages: s.messages, wall_s: s.wall_ms / 1000, msgs_per_s: Math.round((s.messages * 1000) / s.wall_ms), connections: s.connections, trace_hash: s.trace_hash };
  } finally {
    await setup.close();
  }
}

export interface ConnectionsResult {
  readonly target: number;
  readonly held: number;
  readonly connect_s: number;
  readonly connections_per_s: number;
  readonly failures: number;
}

const BIN = fileURLToPath(new URL('../../bin/msp-twin.js', import.meta.url));

/** Starts `msp-twin broker --open` in a child process and resolves its TCP port. */
async function brokerProcess(timeout_ms: number): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [BIN, 'broker', '--open', '--port', '0', '--ws-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`BENCH_BROKER: no broker URL within ${timeout_ms} ms: ${out}`)), timeout_ms); // wall-clock: bounded start
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /mqtt:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`BENCH_BROKER: broker exited with ${code}: ${out}`)));
  });
  return { child, port };
}

/**
 * The largest per-device fleet held: `target` MQTT.js clients (one socket each) against the
 * broker running in its own process. Two processes keep each side's sockets under the 20,000
 * open files one process may hold here (10,000 devices need 10,000 on each side).
 */
export async function measureConnections(target: number, opts: { in_flight: number; timeout_ms: number }): Promise<ConnectionsResult> {
  const { child, port } = await brokerProcess(15_000);
  const clients: MqttClient[] = [];
  let failures = 0;
  try {
    const url = `mqtt://127.0.0.1:${port}`;
    const t0 = performance.now(); // wall-clock: benchmark timing
    const deadline = t0 + opts.timeout_ms;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < target && performance.now() < deadline) { // wall-clock: bounded loop
        const id = next++;
        try {
          clients.push(await mqtt.connectAsync(url, { clientId: `bench-dev-${id}`, reconnectPeriod: 0, keepalive: 0, connectTimeout: 30_000 }));
        } catch {
          failures++;
        }
      }
    };
    await Promise.all(Array.from({ length: opts.in_flight }, worker));
    const connect_s = (performance.now() - t0) / 1000; // wall-clock: benchmark timing
    const held = clients.filter((c) => c.connected).length;
    return { target, held, connect_s, connections_per_s: Math.round(held / connect_s), failures };
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    child.kill('SIGTERM');
  }
}
