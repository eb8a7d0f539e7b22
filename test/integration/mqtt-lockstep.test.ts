import { describe, expect, it } from 'vitest';
import { BirthPayload, EventPayload, StatePayload, TelemetryPayload } from '../../platform/contract/messages.ts';
import { parseDeviceTopic } from '../../platform/contract/topics.ts';
import { main } from '../../harness/cli/main.ts';
import { setUpMqtt } from '../../harness/run/mqtt-setup.ts';
import { runScenario, type MqttMode, type RunOptions, type RunSummary } from '../../harness/run/run-scenario.ts';
import { loadScenario } from '../../harness/scenario/scenario.ts';
import { DEFAULT_DEV_SECRET } from '../../platform/contract/credentials.ts';
import { generatePortfolio } from '../../sim/world/generate.ts';
import { mosquittoSub, requireProgram, startMosquitto } from '../helpers/external-programs.ts';

const FIXTURE = 'test/fixtures/small-office.yaml';
const scenario = loadScenario(FIXTURE);
const portfolio = generatePortfolio(scenario.name, scenario.fleet);

interface Traced {
  summary: RunSummary;
  lines: string[];
}

async function run(transport: 'memory' | MqttMode, extra: Partial<RunOptions> = {}): Promise<Traced> {
  const lines: string[] = [];
  if (transport === 'memory') {
    const summary = await runScenario(scenario, { ...extra, trace_sink: (l) => lines.push(l) });
    return { summary, lines };
  }
  // The embedded broker with per-device credentials and ACLs on: the run must pass them.
  const setup = await setUpMqtt({ mode: transport, protocol_version: 4, secret: DEFAULT_DEV_SECRET, ws_port: null }, portfolio);
  try {
    const summary = await runScenario(scenario, {
      ...extra,
      transport: 'mqtt',
      mqtt: setup.mqtt,
      ...(setup.broker ? { broker_control: setup.broker } : {}),
      trace_sink: (l) => lines.push(l),
    });
    const stats = setup.broker!.stats;
    expect(stats.auth_refused + stats.publish_refused + stats.subscribe_refused, 'ACL refusals in a clean run').toBe(0);
    return { summary, lines };
  } finally {
    await setup.close();
  }
}

describe('lockstep over real MQTT (embedded aedes, per-device credentials and ACLs)', () => {
  it('gives the in-memory trace hash, byte for byte, in per-device and gateway mode', async () => {
    const memory = await run('memory');
    const per_device = await run('per-device');
    const gateway = await run('gateway');
    expect(memory.summary.wills).toBeGreaterThan(0); // crashes happened: wills are part of the steps
    expect(per_device.summary.connections).toBe(portfolio.devices.length);
    expect(gateway.summary.connections).toBe(portfolio.devices.filter((d) => d.kind === 'gateway').length);
    expect(per_device.lines).toEqual(memory.lines);
    expect(per_device.summary.trace_hash).toBe(memory.summary.trace_hash);
    expect(gateway.summary.trace_hash).toBe(memory.summary.trace_hash);
    // Every step's messages reached the platform side: received = published + wills.
    expect(per_device.summary.received_by_monitor).toBe(per_device.summary.messages + per_device.summary.wills);
  });

  it('survives a real broker stop/start: devices reconnect with jittered backoff, nothing is lost, the hash repeats', async () => {
    const outage = { broker_outages: [{ at_ms: 3 * 3_600_000, duration_ms: 10 * 60_000 }] };
    const a = await run('per-device', outage);
    const b = await run('per-device', outage);
    const memory = await run('memory', outage);
    expect(a.summary.broker_outages).toBe(1);
    expect(b.summary.trace_hash).toBe(a.summary.trace_hash);
    expect(a.summary.trace_hash).toBe(memory.summary.trace_hash);
    // Store and forward held everything; every QoS 1 message the devices published arrived.
    expect(a.summary.dropped.outbox_full).toBe(0);
    expect(a.summary.received_by_monitor).toBe(a.summary.messages + a.summary.wills);
    // The reconnect storm is spread out: successful reconnects after the broker came back are
    // at many distinct moments over more than a few seconds, not all at once.
    const recs = a.lines.map((l) => JSON.parse(l) as { k: string; t: number; s?: string; ok?: boolean });
    const up_at = recs.find((r) => r.k === 'broker' && r.s === 'up')!.t;
    const reconnects = recs.filter((r) => r.k === 'connect' && r.ok === true && r.t >= up_at && r.t < up_at + 600_000).map((r) => r.t);
    expect(reconnects.length).toBeGreaterThanOrEqual(portfolio.devices.length - 2);
    expect(new Set(reconnects).size).toBeGreaterThan(reconnects.length / 2);
    expect(Math.max(...reconnects) - Math.min(...reconnects)).toBeGreaterThan(5_000);
    const failed = recs.filter((r) => r.k === 'connect' && r.ok === false);
    expect(failed.length).toBeGreaterThan(0); // attempts during the outage were refused and retried
  });
});

const mosquitto_bin = requireProgram('mosquitto', 'mosquitto');
const sub_bin = requireProgram('mosquitto_sub', 'mosquitto-clients');

describe.skipIf(!mosquitto_bin || !sub_bin)('against Mosquitto (a broker we did not write), seen by mosquitto_sub', () => {
  it('runs with --broker and every message mosquitto_sub sees follows the contract; retained births and last wills are there', async () => {
    const memory = await run('memory');
    const expected = memory.summary.messages + memory.summary.wills;
    const mosq = await startMosquitto();
    try {
      const seen = mosquittoSub(mosq.port, 'msp/v1/+/+/+', { count: expected, timeout_ms: 90_000 });
      await new Promise((r) => setTimeout(r, 300)); // let mosquitto_sub subscribe before the run starts
      let out = '';
      const io = { stdout: { write: (s: string) => ((out += s), true) }, stderr: { write: () => true } };
      const code = await main(['run', FIXTURE, '--broker', mosq.url, '--json'], io);
      expect(code).toBe(0);
      const summary = JSON.parse(out) as RunSummary;
      expect(summary.trace_hash).toBe(memory.summary.trace_hash);
      const messages = await seen;
      expect(messages.length).toBe(expected);
      const schemas = { birth: BirthPayload, state: StatePayload, telemetry: TelemetryPayload, event: EventPayload };
      const wills = new Set<string>();
      for (const m of messages) {
        const topic = parseDeviceTopic(m.topic);
        expect(topic, m.topic).toBeDefined();
        const schema = schemas[topic!.message_class as keyof typeof schemas];
        const payload = JSON.parse(m.payload) as { reason?: string; id: string };
        expect(schema.safeParse(payload).success, `${m.topic} ${m.payload}`).toBe(true);
        expect(payload.id).toBe(topic!.device_id);
        if (topic!.message_class === 'state' && payload.reason === 'will') wills.add(payload.id);
      }
      // The wills the sim caused by killing connections were published by Mosquitto itself.
      const willed = new Set(memory.lines.map((l) => JSON.parse(l) as { k: string; c?: string }).filter((r) => r.k === 'will').map((r) => r.c!));
      expect(willed.size).toBeGreaterThan(0);
      expect([...wills].sort()).toEqual([...willed].sort());
      // Retained: every device's birth is held by the broker for late subscribers.
      const retained = await mosquittoSub(mosq.port, 'msp/v1/+/+/birth', { retained_only: true, count: portfolio.devices.length, timeout_ms: 10_000 });
      expect(retained).toHaveLength(portfolio.devices.length);
      expect(retained.every((m) => m.retained === true)).toBe(true);
    } finally {
      await mosq.stop();
    }
  });
});

describe('MQTT 5, real-time mode and the standalone broker', () => {
  it.skipIf(!mosquitto_bin)('MQTT 5 sessions (Mosquitto; aedes speaks 3.1.1 only) give the same hash as 3.1.1', async () => {
    const memory = await run('memory', { duration_ms: 6 * 3_600_000 });
    const mosq = await startMosquitto();
    try {
      const setup = await setUpMqtt({ broker: mosq.url, mode: 'per-device', protocol_version: 5, secret: DEFAULT_DEV_SECRET }, portfolio);
      const v5 = await runScenario(scenario, { duration_ms: 6 * 3_600_000, transport: 'mqtt', mqtt: setup.mqtt });
      await setup.close();
      expect(v5.trace_hash).toBe(memory.summary.trace_hash);
    } finally {
      await mosq.stop();
    }
  });

  it('real-time mode paces virtual time against the wall clock and publishes the sim clock', async () => {
    const setup = await setUpMqtt({ mode: 'gateway', protocol_version: 4, secret: DEFAULT_DEV_SECRET, ws_port: null }, portfolio);
    try {
      const speed = 3_600; // one simulated hour per wall second
      const t0 = performance.now();
      const s = await runScenario(scenario, { duration_ms: 2 * 3_600_000, transport: 'mqtt', mqtt: setup.mqtt, speed });
      const wall_ms = performance.now() - t0;
      // It cannot run ahead of the schedule: 2 simulated hours at ×3600 take at least 2 s.
      expect(wall_ms).toBeGreaterThanOrEqual(2_000 - 50);
      expect(s.speed).toBe(speed);
      expect(s.steps).toBe(0);
      expect(s.received_by_monitor).toBe(s.messages + s.wills); // loopback QoS 0 still arrives
      // The sim clock is retained on the broker for a platform that follows it.
      const mqtt = (await import('mqtt')).default;
      const { rolePassword } = await import('../../platform/contract/credentials.ts');
      const viewer = await mqtt.connectAsync(setup.url, { clientId: 'msp-viewer', username: 'msp-viewer', password: rolePassword(DEFAULT_DEV_SECRET, 'viewer'), reconnectPeriod: 0 });
      const clock = await new Promise<{ t_ms: number; speed: number }>((resolve) => {
        viewer.on('message', (_t, p) => resolve(JSON.parse(p.toString())));
        void viewer.subscribeAsync('msp/v1/$sim/clock');
      });
      await viewer.endAsync();
      expect(clock.speed).toBe(speed);
      expect(clock.t_ms).toBe(scenario.start_ms + 2 * 3_600_000);
    } finally {
      await setup.close();
    }
  });

  it('msp-twin broker runs standalone, accepts a device with its derived password and stops on SIGTERM', async () => {
    const { spawn } = await import('node:child_process');
    const { devicePassword } = await import('../../platform/contract/credentials.ts');
    const mqtt = (await import('mqtt')).default;
    const child = spawn(process.execPath, ['bin/msp-twin.js', 'broker', '--port', '0', '--ws-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /(mqtt:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m && /ws:\/\//.test(out)) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`broker exited ${code}: ${out}`)));
    });
    expect(out).toMatch(/ws:\/\/127\.0\.0\.1:\d+\/mqtt/);
    const ok = await mqtt.connectAsync(url, { clientId: 'dev-1', username: 'dev-1', password: devicePassword(DEFAULT_DEV_SECRET, 'dev-1'), reconnectPeriod: 0 });
    await ok.endAsync();
    await expect(mqtt.connectAsync(url, { clientId: 'dev-1', username: 'dev-1', password: 'wrong', reconnectPeriod: 0 })).rejects.toThrow();
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
