/**
 * `platform_restart` over a real broker (docs/mqtt.md, "Platform restart: the broker's queue"):
 * the platform's persistent session (clean: false, QoS 1) loses its connection, the broker queues
 * what the devices publish meanwhile, and the restarted platform reconnects with the same client
 * id and drains the queue — on the embedded aedes and on a stock Mosquitto whose offline queue
 * holds 1,000 messages. The trace must be the memory bus's, whose persistent session queues the
 * same way, and the messages must really have come out of the broker's queue.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runScenario, type MqttMode, type RunSummary } from '../../harness/run/run-scenario.ts';
import { setUpMqtt } from '../../harness/run/mqtt-setup.ts';
import { DEFAULT_DEV_SECRET } from '../../platform/contract/credentials.ts';
import { generatePortfolio } from '../../sim/world/generate.ts';
import { parseScenario } from '../../harness/scenario/scenario.ts';
import { requireProgram, startMosquitto } from '../helpers/external-programs.ts';

const MIN = 60_000;
const mosquitto_bin = requireProgram('mosquitto', 'mosquitto');

// The flagship with its platform down for 15 minutes: about 5,000 device messages arrive while it
// is down, five times what a stock Mosquitto queues for one offline session.
const FLAGSHIP = parseScenario(
  `${readFileSync('scenarios/commercial-portfolio.yaml', 'utf8')}\ntimeline:\n  - { id: crash, at: 20m, action: outage.start, outage: platform_restart, for: 15m }\n`,
  'commercial-portfolio+platform-restart.yaml',
);
const SPAN_MS = 45 * MIN;

interface Line {
  t: number;
  k: string;
  kind?: string;
  s?: string;
  n?: number;
}

interface Traced {
  summary: RunSummary;
  lines: Line[];
}

async function run(broker: 'memory' | { url: string; mode: MqttMode; embedded?: boolean; protocol_version?: 4 | 5 }): Promise<Traced> {
  const raw: string[] = [];
  const trace_sink = (l: string): number => raw.push(l);
  if (broker === 'memory') {
    const summary = await runScenario(FLAGSHIP, { duration_ms: SPAN_MS, trace_sink });
    return { summary, lines: raw.map((l) => JSON.parse(l) as Line) };
  }
  const portfolio = generatePortfolio(FLAGSHIP.name, FLAGSHIP.fleet);
  const setup = broker.embedded
    ? await setUpMqtt({ mode: broker.mode, protocol_version: 4, secret: DEFAULT_DEV_SECRET, ws_port: null }, portfolio)
    : undefined;
  try {
    const summary = await runScenario(FLAGSHIP, {
      duration_ms: SPAN_MS,
      transport: 'mqtt',
      mqtt: setup ? setup.mqtt : { transport: { url: broker.url, keepalive_s: 0, protocol_version: broker.protocol_version ?? 4 }, mode: broker.mode },
      trace_sink,
    });
    return { summary, lines: raw.map((l) => JSON.parse(l) as Line) };
  } finally {
    await setup?.close();
  }
}

/** Messages the platform received in steps that ended while it was down: what the broker had to queue. */
function publishedWhileDown(lines: readonly Line[]): { messages: number; steps: number; touching: number } {
  const edge = (s: string): number => lines.find((l) => l.k === 'fault' && l.kind === 'platform_restart' && l.s === s)!.t;
  const down = edge('start');
  const up = edge('end');
  const sum = (ls: readonly Line[]): number => ls.reduce((a, l) => a + (l.n ?? 0), 0);
  const steps = lines.filter((l) => l.k === 'rx' && l.t > down && l.t <= up);
  // With the step the platform came back in (it ends after `up`).
  const touching = lines.filter((l) => l.k === 'rx' && l.t > down && l.t < up + MIN);
  return { messages: sum(steps), steps: steps.filter((l) => (l.n ?? 0) > 0).length, touching: sum(touching) };
}

let memory: Promise<Traced> | undefined;
const memoryRun = (): Promise<Traced> => (memory ??= run('memory'));

function expectDrainedThroughTheQueue(r: Traced, reference: Traced): void {
  expect(r.summary.trace_hash).toBe(reference.summary.trace_hash);
  expect(r.summary.received_by_monitor).toBe(r.summary.messages + r.summary.wills);
  const down = publishedWhileDown(r.lines);
  // Thousands of messages went through the session queue: more than a stock broker holds at once.
  expect(down.messages).toBeGreaterThan(1_000);
  // Every one of them reached the platform's next connection out of the broker's queue: it was
  // offline while they were published and acknowledged, and came back to its kept session.
  expect(r.summary.faults.platform_queued_delivered).toBe(down.messages);
  expect(r.summary.faults.platform_session_resumes).toBeGreaterThanOrEqual(down.steps);
}

describe('platform_restart: the broker queues for the platform\'s persistent session', () => {
  it('on the memory bus the session queues while the platform is down and drains when it resumes', async () => {
    const r = await memoryRun();
    const down = publishedWhileDown(r.lines);
    expect(down.messages).toBeGreaterThan(1_000);
    // The bus session drops at the moment of the crash and resumes at the moment of the restart
    // (both mid-step), so the queue carries what was published in between: not the crash step's
    // earlier messages, but the restart step's earlier ones.
    expect(r.summary.faults.platform_queued_delivered).toBeGreaterThan(0.9 * down.messages);
    expect(r.summary.faults.platform_queued_delivered).toBeLessThanOrEqual(down.touching);
    expect(r.summary.faults.platform_session_resumes).toBeGreaterThanOrEqual(down.steps);
    // The platform processed nothing while down and took the backlog when it came back.
    expect(r.summary.faults.platform_backlog_max).toBeGreaterThan(1_000);
  }, 240_000);

  it('embedded aedes, per-device: same trace as memory, every message of the downtime drained from the queue', async () => {
    expectDrainedThroughTheQueue(await run({ url: '', mode: 'per-device', embedded: true }), await memoryRun());
  }, 240_000);

  it.skipIf(!mosquitto_bin)('stock Mosquitto (default max_queued_messages 1000), gateway: same trace as memory, drained from the queue', async () => {
    const broker = await startMosquitto({ stock: true });
    try {
      expectDrainedThroughTheQueue(await run({ url: broker.url, mode: 'gateway' }), await memoryRun());
    } finally {
      await broker.stop();
    }
  }, 240_000);

  it.skipIf(!mosquitto_bin)('stock Mosquitto, MQTT 5 (session expiry instead of clean: false), gateway: the same', async () => {
    const broker = await startMosquitto({ stock: true });
    try {
      expectDrainedThroughTheQueue(await run({ url: broker.url, mode: 'gateway', protocol_version: 5 }), await memoryRun());
    } finally {
      await broker.stop();
    }
  }, 240_000);
});
