import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Platform } from '../../platform/core/platform.ts';
import { DurablePlatform } from '../../platform/store/durable.ts';
import { SqliteStore } from '../../platform/store/sqlite-store.ts';
import { orderStep } from '../../platform/core/step-order.ts';

/**
 * The durable store's cost (docs/durability.md): the same recorded stream through the platform
 * in memory, then through the platform on an SQLite store — committed per message (the production
 * path: a PUBACK waits for its commit) and per one-minute batch (the simulator's lockstep step) —
 * and the store's size per device-day.
 */
export interface StoreBench {
  readonly messages: number;
  readonly devices: number;
  readonly span_days: number;
  readonly memory_msgs_per_s: number;
  readonly per_message_msgs_per_s: number;
  readonly per_step_msgs_per_s: number;
  /** Durable per-message rate ÷ in-memory rate (target ≥ 0.7). */
  readonly per_message_ratio: number;
  readonly per_step_ratio: number;
  /** Database bytes after the run (snapshots hourly, two kept), per device and simulated day. */
  readonly bytes_per_device_day: number;
}

export interface RecordedMessage {
  readonly t: number;
  readonly topic: string;
  readonly payload: string;
}

function seconds(t0: number): number {
  return (performance.now() - t0) / 1000; // wall-clock: benchmark timing
}

export function benchStore(recorded: readonly RecordedMessage[]): StoreBench {
  const devices = new Set(recorded.map((m) => m.topic.split('/')[3])).size;
  const span_days = recorded.length > 0 ? (recorded[recorded.length - 1]!.t - recorded[0]!.t) / 86_400_000 : 0;
  // A warm-up pass first, so the in-memory rate is not measured on a cold JIT (it runs first).
  const warm = new Platform({ journal: () => {} });
  for (const m of recorded) warm.receive(m.topic, m.payload, m.t);
  // In memory, message by message (the production host's path without --data).
  const memory = new Platform({ journal: () => {} });
  let t0 = performance.now(); // wall-clock: benchmark timing
  for (const m of recorded) memory.receive(m.topic, m.payload, m.t);
  const memory_s = seconds(t0);

  const dir = mkdtempSync(join(tmpdir(), 'msp-twin-store-bench-'));
  try {
    const store = new SqliteStore(join(dir, 'per-message'));
    const durable = DurablePlatform.openWith(store, {}, () => {});
    t0 = performance.now(); // wall-clock: benchmark timing
    for (const m of recorded) {
      durable.platform.receive(m.topic, m.payload, m.t);
      durable.commit();
    }
    const per_message_s = seconds(t0);
    const bytes = store.stats().bytes;
    store.close();

    const step_store = new SqliteStore(join(dir, 'per-step'));
    const stepped = DurablePlatform.openWith(step_store, {}, () => {});
    const step_ms = 60_000;
    t0 = performance.now(); // wall-clock: benchmark timing
    let batch: RecordedMessage[] = [];
    let step_end = recorded[0] ? Math.ceil((recorded[0].t + 1) / step_ms) * step_ms : 0;
    for (const m of recorded) {
      while (m.t >= step_end) {
        stepped.platform.applyStep(orderStep(batch, step_end), step_end);
        stepped.commit();
        batch = [];
        step_end += step_ms;
      }
      batch.push(m);
    }
    stepped.platform.applyStep(orderStep(batch, step_end), step_end);
    stepped.commit();
    const per_step_s = seconds(t0);
    step_store.close();

    const rate = (s: number): number => Math.round(recorded.length / Math.max(1e-6, s));
    return {
      messages: recorded.length,
      devices,
      span_days,
      memory_msgs_per_s: rate(memory_s),
      per_message_msgs_per_s: rate(per_message_s),
      per_step_msgs_per_s: rate(per_step_s),
      per_message_ratio: Math.round((memory_s / per_message_s) * 100) / 100,
      per_step_ratio: Math.round((memory_s / per_step_s) * 100) / 100,
      bytes_per_device_day: devices > 0 && span_days > 0 ? Math.round(bytes / devices / span_days) : 0,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
