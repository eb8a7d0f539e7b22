import mqtt from 'mqtt';
import { ALL_DEVICE_MESSAGES } from '../../platform/contract/topics.ts';
import { Platform } from '../../platform/core/platform.ts';
import { startEmbeddedBroker } from '../broker/embedded-broker.ts';
import { runScenario } from '../run/run-scenario.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { orderStep } from '../../platform/core/step-order.ts';

/**
 * Platform benchmarks: how many device messages per second the platform processes with every rule
 * on (replaying a recorded flagship run), and the wall-clock latency from a device publishing a
 * leak to the platform raising the alert, through a real broker in real time.
 */
export interface IngestBench {
  readonly messages: number;
  readonly wall_s: number;
  readonly msgs_per_s: number;
  readonly alerts: number;
}

/** The device messages of a run (no platform), in publish order: the platform benches replay them. */
export async function recordMessages(scenario: Scenario, hours: number): Promise<Array<{ t: number; topic: string; payload: string }>> {
  const recorded: Array<{ t: number; topic: string; payload: string }> = [];
  await runScenario(scenario, {
    duration_ms: hours * 3_600_000,
    platform: false,
    trace_sink: (line) => {
      if (!line.startsWith('{"c":')) return;
      const r = JSON.parse(line) as { k: string; t: number; topic: string; p: unknown };
      if (r.k === 'pub') recorded.push({ t: r.t, topic: r.topic, payload: JSON.stringify(r.p) });
    },
  });
  return recorded;
}

export async function benchIngest(scenario: Scenario, hours: number, recorded_messages?: ReadonlyArray<{ t: number; topic: string; payload: string }>): Promise<IngestBench> {
  const recorded = recorded_messages ?? (await recordMessages(scenario, hours));
  const platform = new Platform({ journal: () => {} });
  const step_ms = 60_000;
  const t0 = performance.now(); // wall-clock: benchmark timing
  let batch: Array<{ topic: string; payload: string }> = [];
  let step_end = recorded[0] ? Math.ceil((recorded[0].t + 1) / step_ms) * step_ms : 0;
  for (const m of recorded) {
    while (m.t >= step_end) {
      platform.applyStep(orderStep(batch, step_end), step_end);
      batch = [];
      step_end += step_ms;
    }
    batch.push(m);
  }
  platform.applyStep(orderStep(batch, step_end), step_end);
  const wall_s = (performance.now() - t0) / 1000; // wall-clock: benchmark timing
  return { messages: recorded.length, wall_s, msgs_per_s: Math.round(recorded.length / wall_s), alerts: platform.alerts.all().length };
}

export interface LatencyBench {
  readonly samples: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly max_ms: number;
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/** Leak events from 200 devices at ~`rate` per second through the embedded broker into a wall-clock platform. */
export async function benchAlertLatency(opts: { devices: number; events: number; rate_per_s: number }): Promise<LatencyBench> {
  const broker = await startEmbeddedBroker({ ws_port: null });
  const sent_at = new Map<string, number>();
  const latencies: number[] = [];
  const now = (): number => Date.now(); // wall-clock: real-time latency is the measurement
  const platform = new Platform({
    journal: (_t, kind, f) => {
      if (kind === 'p.alert' && f.type === 'leak' && f.s === 'firing') {
        const t = sent_at.get(String(f.d));
        if (t !== undefined) latencies.push(performance.now() - t); // wall-clock: latency sample
      }
    },
  });
  const sub = await mqtt.connectAsync(broker.url, { clientId: 'bench-platform', reconnectPeriod: 0 });
  sub.on('message', (topic, payload) => platform.receive(topic, payload, now()));
  await sub.subscribeAsync(ALL_DEVICE_MESSAGES, { qos: 1 });
  const pub = await mqtt.connectAsync(broker.url, { clientId: 'bench-devices', reconnectPeriod: 0 });
  try {
    for (let i = 0; i < opts.devices; i++) {
      const id = `bench-leak-${i}`;
      const birth = { v: 1, id, kind: 'leak', model: 'LEAK-W-20', serial: `B-${i}`, fw: '1.4.0', site: 's', building: 'b', floor: 'b-f01', zone: 'b-f01-z01', gateway: null, power: 'battery', caps: [], heartbeat_ms: 3_600_000, session: 1, seq: 0, ts: now() };
      pub.publish(`msp/v1/s/${id}/birth`, JSON.stringify(birth), { qos: 1 });
    }
    const interval_ms = 1000 / opts.rate_per_s;
    const seq = new Map<number, number>();
    for (let n = 0; n < opts.events; n++) {
      const i = n % opts.devices;
      const id = `bench-leak-${i}`;
      const s = (seq.get(i) ?? 0) + 1;
      seq.set(i, s + 1);
      // A detected leak, then its clearing, so every round raises a fresh alert.
      sent_at.set(id, performance.now()); // wall-clock: latency start
      pub.publish(`msp/v1/s/${id}/event`, JSON.stringify({ v: 1, id, seq: s & 0xff, ts: now(), type: 'leak_detected' }), { qos: 1 });
      pub.publish(`msp/v1/s/${id}/event`, JSON.stringify({ v: 1, id, seq: (s + 1) & 0xff, ts: now(), type: 'leak_cleared' }), { qos: 1 });
      await new Promise((r) => setTimeout(r, interval_ms)); // wall-clock: pacing the load
    }
    await new Promise((r) => setTimeout(r, 500)); // wall-clock: let the tail arrive
  } finally {
    await pub.endAsync(true);
    await sub.endAsync(true);
    await broker.close();
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  return { samples: sorted.length, p50_ms: Math.round(percentile(sorted, 0.5) * 100) / 100, p99_ms: Math.round(percentile(sorted, 0.99) * 100) / 100, max_ms: Math.round((sorted[sorted.length - 1] ?? 0) * 100) / 100 };
}
