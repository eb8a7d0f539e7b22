import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Platform } from '../../platform/core/platform.ts';
import { orderStep } from '../../platform/core/step-order.ts';
import { DurablePlatform, type DurabilityOptions } from '../../platform/store/durable.ts';
import { SqliteStore } from '../../platform/store/sqlite-store.ts';

/**
 * The durable store's cost (docs/durability.md, "Cost"): the same recorded stream through the
 * platform in memory and through the platform on an SQLite store, in alternating rounds (the
 * machine's load moves; each figure is the median of its rounds, and each ratio compares figures
 * of the same run):
 *
 * - message by message: in memory (the host without --data) against group commit (the host with
 *   --data: messages applied one by one, one commit per group of `group` messages, the PUBACKs
 *   released after it — a group is bounded by what the broker has in flight, 20 in Mosquitto's
 *   default) and against a commit per message (a trickle, where every group has one message);
 * - per one-minute step (the simulator's lockstep): in memory against a commit per step.
 *
 * Then one pass of group commit with an fsync per commit (`--fsync always`, power-loss safe).
 * Snapshots are not in the timed loops: in production they come once an hour of wall time,
 * while a replay at full speed crosses an hour of platform time every few milliseconds. Their
 * cost is measured alone (`snapshot_ms`: one snapshot plus compaction of the final state).
 * Store size: written per device-day with no compaction, and held after the run with the
 * defaults (hourly snapshots, two kept, the journal from the older on, the audit log whole).
 */
export interface StoreBench {
  readonly messages: number;
  readonly devices: number;
  readonly span_days: number;
  readonly rounds: number;
  readonly group: number;
  readonly memory_msgs_per_s: number;
  readonly group_msgs_per_s: number;
  /** Durable group-commit rate ÷ in-memory rate (target ≥ 0.7). */
  readonly group_ratio: number;
  readonly per_message_msgs_per_s: number;
  readonly per_message_ratio: number;
  readonly memory_step_msgs_per_s: number;
  readonly per_step_msgs_per_s: number;
  readonly per_step_ratio: number;
  /** Group commit with an fsync per commit (`--fsync always`), one pass after the rounds. */
  readonly fsync_group_msgs_per_s: number;
  readonly fsync_group_ratio: number;
  readonly snapshot_ms: number;
  /** Database bytes per device and simulated day with no compaction (journal + hourly snapshots). */
  readonly written_bytes_per_device_day: number;
  /** Database bytes per device after the run with the default retention (bounded, not per day). */
  readonly held_bytes_per_device: number;
}

export interface RecordedMessage {
  readonly t: number;
  readonly topic: string;
  readonly payload: string;
}

/** Mosquitto's default `max_inflight_messages`: the most QoS 1 messages one group can hold. */
export const DEFAULT_GROUP = 20;
const STEP_MS = 60_000;
const NO_SNAPSHOTS: DurabilityOptions = { snapshot_every_ms: Number.POSITIVE_INFINITY };

function seconds(run: () => void): number {
  const t0 = performance.now(); // wall-clock: benchmark timing
  run();
  return (performance.now() - t0) / 1000; // wall-clock: benchmark timing
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function steps(recorded: readonly RecordedMessage[], apply: (batch: RecordedMessage[], step_end: number) => void): void {
  let batch: RecordedMessage[] = [];
  let step_end = recorded[0] ? Math.ceil((recorded[0].t + 1) / STEP_MS) * STEP_MS : 0;
  for (const m of recorded) {
    while (m.t >= step_end) {
      apply(batch, step_end);
      batch = [];
      step_end += STEP_MS;
    }
    batch.push(m);
  }
  apply(batch, step_end);
}

export function benchStore(recorded: readonly RecordedMessage[], options: { rounds?: number; group?: number } = {}): StoreBench {
  const rounds = options.rounds ?? 3;
  const group = options.group ?? DEFAULT_GROUP;
  const devices = new Set(recorded.map((m) => m.topic.split('/')[3])).size;
  const span_days = recorded.length > 0 ? (recorded[recorded.length - 1]!.t - recorded[0]!.t) / 86_400_000 : 0;
  const dir = mkdtempSync(join(tmpdir(), 'msp-twin-store-bench-'));
  let n = 0;
  const durable = (durability: DurabilityOptions = NO_SNAPSHOTS, synchronous: 'NORMAL' | 'FULL' = 'NORMAL'): { d: DurablePlatform; store: SqliteStore } => {
    const store = new SqliteStore(join(dir, `s${++n}`), { synchronous });
    return { d: DurablePlatform.openWith(store, {}, () => {}, durability), store };
  };
  const samples = { memory: [] as number[], group: [] as number[], single: [] as number[], memory_step: [] as number[], step: [] as number[] };
  try {
    // A warm-up pass of each path, so no figure is measured on a cold JIT.
    for (let round = -1; round < rounds; round++) {
      const memory = new Platform({ journal: () => {} });
      const t_memory = seconds(() => {
        for (const m of recorded) memory.receive(m.topic, m.payload, m.t);
      });
      const grouped = durable();
      const t_group = seconds(() => {
        let k = 0;
        for (const m of recorded) {
          grouped.d.platform.receive(m.topic, m.payload, m.t);
          if (++k % group === 0) grouped.d.commit();
        }
        grouped.d.commit();
      });
      grouped.store.close();
      const single = durable();
      const t_single = seconds(() => {
        for (const m of recorded) {
          single.d.platform.receive(m.topic, m.payload, m.t);
          single.d.commit();
        }
      });
      single.store.close();
      const memory_step = new Platform({ journal: () => {} });
      const t_memory_step = seconds(() => steps(recorded, (batch, end) => memory_step.applyStep(orderStep(batch, end), end)));
      const stepped = durable();
      const t_step = seconds(() =>
        steps(recorded, (batch, end) => {
          stepped.d.platform.applyStep(orderStep(batch, end), end);
          stepped.d.commit();
        }),
      );
      stepped.store.close();
      if (round < 0) continue;
      samples.memory.push(t_memory);
      samples.group.push(t_group);
      samples.single.push(t_single);
      samples.memory_step.push(t_memory_step);
      samples.step.push(t_step);
    }
    const fsynced = durable(NO_SNAPSHOTS, 'FULL');
    const t_fsync = seconds(() => {
      let k = 0;
      for (const m of recorded) {
        fsynced.d.platform.receive(m.topic, m.payload, m.t);
        if (++k % group === 0) fsynced.d.commit();
      }
      fsynced.d.commit();
    });
    fsynced.store.close();
    // Size and snapshot cost, untimed: production retention, then no compaction at all.
    const held = durable({});
    for (const m of recorded) {
      held.d.platform.receive(m.topic, m.payload, m.t);
      held.d.commit();
    }
    const snapshot_s = seconds(() => held.d.snapshot());
    const held_bytes = held.store.stats().bytes;
    held.store.close();
    const written = durable({ keep_snapshots: Number.MAX_SAFE_INTEGER });
    for (const m of recorded) {
      written.d.platform.receive(m.topic, m.payload, m.t);
      written.d.commit();
    }
    const written_bytes = written.store.stats().bytes;
    written.store.close();

    const rate = (s: number): number => Math.round(recorded.length / Math.max(1e-6, s));
    const ratio = (mem: number, dur: number): number => Math.round((mem / dur) * 100) / 100;
    const m = median(samples.memory);
    const ms = median(samples.memory_step);
    return {
      messages: recorded.length,
      devices,
      span_days,
      rounds,
      group,
      memory_msgs_per_s: rate(m),
      group_msgs_per_s: rate(median(samples.group)),
      group_ratio: ratio(m, median(samples.group)),
      per_message_msgs_per_s: rate(median(samples.single)),
      per_message_ratio: ratio(m, median(samples.single)),
      memory_step_msgs_per_s: rate(ms),
      per_step_msgs_per_s: rate(median(samples.step)),
      per_step_ratio: ratio(ms, median(samples.step)),
      fsync_group_msgs_per_s: rate(t_fsync),
      fsync_group_ratio: ratio(m, t_fsync),
      snapshot_ms: Math.round(snapshot_s * 1000),
      written_bytes_per_device_day: devices > 0 && span_days > 0 ? Math.round(written_bytes / devices / span_days) : 0,
      held_bytes_per_device: devices > 0 ? Math.round(held_bytes / devices) : 0,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
