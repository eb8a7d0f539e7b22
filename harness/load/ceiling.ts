import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { TOPIC_ROOT } from '../../platform/contract/topics.ts';

/**
 * The broker's raw fan-in ceiling: N publishers blast JSON telemetry as fast as they can, one
 * subscriber (where the platform sits) counts. Measured on the same machine in the same run as
 * the load it calibrates, so "achieved / ceiling" survives a noisy or slower machine far better
 * than any absolute msg/s. Calibration publishers are device identities under their own site
 * (`ldcal`), so a broker with per-device ACLs accepts them and the platform never sees them.
 */
export const CEILING_SITE = 'ldcal';
export const CEILING_FILTER = `${TOPIC_ROOT}/${CEILING_SITE}/+/telemetry`;

/** A typical telemetry message (the flagship's env sensor), so bytes per message match a run. */
const SAMPLE_PAYLOAD = JSON.stringify({ v: 1, id: 'nyc-tower-1-f03-env-004', seq: 17, ts: 1772427600000, battery_pct: 87.4, rssi_dbm: -71, values: { temperature_c: 21.43, humidity_pct: 41.2 } });
/** Messages per publisher between yields: publishers must not starve their own process's socket I/O. */
const BURST = 200;
/** Silence after the last message that ends a measurement short of its count (the rest was dropped). */
const QUIET_MS = 2_000;

/**
 * The one calibration both bench sections (`mqtt` and `load`) use: 10 pipelined publishers (bursts
 * of 200 QoS 1 publishes without waiting for PUBACKs, so a window is always in flight) into one
 * subscriber. Lockstep's ratios are taken against this.
 */
export const CEILING_CALIBRATION = { publishers: 10, messages: 100_000 } as const;

export function ceilingTopic(client_id: string): string {
  return `${TOPIC_ROOT}/${CEILING_SITE}/${client_id}/telemetry`;
}

export interface BlastPlan {
  readonly url: string;
  readonly client_ids: readonly string[];
  /** Total over these publishers. */
  readonly messages: number;
  readonly qos: 0 | 1;
  readonly options: (client_id: string) => IClientOptions;
}

/** Connects the publishers, sends `messages` in bursts, then disconnects cleanly (flushing). */
export async function blast(plan: BlastPlan): Promise<{ sent: number }> {
  const clients: MqttClient[] = [];
  let sent = 0;
  try {
    clients.push(...(await Promise.all(plan.client_ids.map((id) => mqtt.connectAsync(plan.url, { ...plan.options(id), reconnectPeriod: 0 })))));
    const per = Math.floor(plan.messages / clients.length);
    const extra = plan.messages % clients.length;
    await Promise.all(
      clients.map(async (c, i) => {
        const topic = ceilingTopic(plan.client_ids[i]!);
        const total = per + (i < extra ? 1 : 0);
        for (let done = 0; done < total; ) {
          const n = Math.min(BURST, total - done);
          for (let k = 0; k < n; k++) c.publish(topic, SAMPLE_PAYLOAD, { qos: plan.qos });
          done += n;
          sent += n;
          await new Promise((r) => setImmediate(r));
        }
      }),
    );
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(false).catch(() => c.end(true))));
  }
  return { sent };
}

export interface CeilingResult {
  readonly publishers: number;
  readonly qos: 0 | 1;
  readonly sent: number;
  readonly received: number;
  readonly elapsed_ms: number;
  readonly msgs_per_s: number;
  /** True when the subscriber was still receiving at the deadline (the figure is a lower bound). */
  readonly timed_out: boolean;
}

export interface CeilingPlan {
  readonly url: string;
  readonly subscriber: IClientOptions;
  readonly publishers: number;
  readonly messages: number;
  readonly qos: 0 | 1;
  readonly timeout_ms: number;
  /** Starts the publishers (in this process or in generator workers); resolves when they are done. */
  readonly blast: () => Promise<{ sent: number }>;
}

export async function measureCeiling(plan: CeilingPlan): Promise<CeilingResult> {
  const sub = await mqtt.connectAsync(plan.url, { ...plan.subscriber, reconnectPeriod: 0 });
  try {
    await sub.subscribeAsync(CEILING_FILTER, { qos: plan.qos });
    let received = 0;
    let last = 0;
    sub.on('message', () => {
      last = performance.now(); // wall-clock: throughput timing
      received++;
    });
    const t0 = performance.now(); // wall-clock: throughput timing
    const blasted = await plan.blast();
    // Done when everything arrived, or nothing has for QUIET_MS after the publishers finished (a
    // broker may drop what a slow subscriber cannot take: Mosquitto's max_queued_messages), or at
    // the deadline.
    let timed_out = false;
    const blasted_at = performance.now(); // wall-clock: quiet period
    for (;;) {
      if (received >= plan.messages) break;
      const now = performance.now(); // wall-clock: quiet period and deadline
      if (now - Math.max(last, blasted_at) >= QUIET_MS) break;
      if (now - t0 >= plan.timeout_ms) {
        timed_out = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 20)); // wall-clock: polling the count
    }
    const elapsed_ms = Math.max(1, (received > 0 ? last : performance.now()) - t0); // wall-clock: throughput timing
    return { publishers: plan.publishers, qos: plan.qos, sent: blasted.sent, received, elapsed_ms: Math.round(elapsed_ms), msgs_per_s: Math.round((received * 1000) / elapsed_ms), timed_out };
  } finally {
    await sub.endAsync(true);
  }
}
