import mqtt, { type MqttClient } from 'mqtt';
import { startEmbeddedBroker } from '../broker/embedded-broker.ts';
import { setUpMqtt } from '../run/mqtt-setup.ts';
import { runScenario, type MqttMode } from '../run/run-scenario.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { generatePortfolio } from '../../sim/world/generate.ts';
import { DEFAULT_DEV_SECRET } from '../../platform/contract/credentials.ts';
import { startBrokerNode } from '../load/broker-node.ts';
import { blast, measureCeiling } from '../load/ceiling.ts';

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
  /** Where the broker ran: in this process (as lockstep's embedded broker does) or in its own (as `msp-twin load` runs it). */
  readonly broker: 'in-process' | 'own-process';
}

/**
 * The embedded broker's raw fan-in ceiling: N pipelined publishers → one subscriber, JSON
 * telemetry, measured by harness/load/ceiling.ts — the method `msp-twin load` calibrates with. The
 * broker runs either in this process (where lockstep runs it) or in its own process (where the
 * load section runs it, and where it is fastest on a multi-core machine).
 */
export async function measureFanIn(opts: { publishers: number; messages: number; qos: 0 | 1; timeout_ms: number; broker?: 'in-process' | 'own-process' }): Promise<FanInResult> {
  const where = opts.broker ?? 'in-process';
  const broker = where === 'in-process' ? await startEmbeddedBroker({ port: 0, ws_port: null }) : await startBrokerNode(0, { port: 0, auth: null });
  try {
    const ids = Array.from({ length: opts.publishers }, (_, i) => `bench-pub-${i}`);
    const r = await measureCeiling({
      url: broker.url,
      subscriber: { clientId: 'bench-sub' },
      publishers: opts.publishers,
      messages: opts.messages,
      qos: opts.qos,
      timeout_ms: opts.timeout_ms,
      blast: () => blast({ url: broker.url, client_ids: ids, messages: opts.messages, qos: opts.qos, options: (id) => ({ clientId: id }) }),
    });
    return { publishers: opts.publishers, messages: r.received, qos: opts.qos, msgs_per_s: r.msgs_per_s, broker: where };
  } finally {
    if ('close' in broker) await broker.close();
    else await broker.stop();
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

/**
 * The largest per-device fleet held: `target` MQTT.js clients (one socket each) against the
 * broker running in its own process. Two processes keep each side's sockets under the 20,000
 * open files one process may hold here (10,000 devices need 10,000 on each side).
 */
export async function measureConnections(target: number, opts: { in_flight: number; timeout_ms: number }): Promise<ConnectionsResult> {
  const node = await startBrokerNode(0, { port: 0, auth: null });
  const clients: MqttClient[] = [];
  let failures = 0;
  try {
    const url = node.url;
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
    await node.stop();
  }
}
