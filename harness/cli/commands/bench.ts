import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { measureConnections, measureFanIn, measureLockstep } from '../../bench/mqtt-bench.ts';
import { benchAtScale, benchMonth, benchShards, benchSimulation } from '../../bench/sim-bench.ts';
import { benchAlertLatency, benchIngest, recordMessages } from '../../bench/platform-bench.ts';
import { benchStore } from '../../bench/store-bench.ts';
import { CEILING_CALIBRATION } from '../../load/ceiling.ts';
import { benchLoad, TARGET_GATEWAY_DEVICES, TARGET_LIVE_CONNECTIONS, TARGET_LIVE_P99_MS, TARGET_LIVE_RATE_PER_S } from '../../bench/load-bench.ts';
import { benchViewer, TARGET_FPS } from '../../bench/viewer-bench.ts';
import { loadScenario } from '../../scenario/scenario.ts';
import { UsageError } from '../../errors.ts';
import { ExitCode } from '../exit-codes.ts';
import { int, table } from '../format.ts';
import { resolveScenarioPath } from '../scenario-path.ts';
import type { CliIo } from '../io.ts';

/** docs/performance.md: 4,000 devices × 30 days in ≤ 60 s ⇒ 2,000 device-days per wall second; ≤ 1 KB per device. */
const TARGET_DEVICE_DAYS_PER_S = 2_000;
const TARGET_BYTES_PER_DEVICE = 1_024;
/** Issue 19: a running fleet with the platform's state (registry, monitoring, SLA) in the same heap. */
const TARGET_RUNNING_BYTES_PER_DEVICE = 4_096;
/** Lockstep throughput over the broker's QoS 1 fan-in ceiling, both measured in the same bench run. */
const TARGET_LOCKSTEP_GATEWAY_RATIO = 0.8;
const TARGET_LOCKSTEP_PER_DEVICE_RATIO = 0.5;
const TARGET_CONNECTIONS = 10_000;
/** Issue 17: durable ingest keeps at least this share of the in-memory rate. */
const TARGET_STORE_RATIO = 0.7;
/** Issue 19: two shards give at least this many times one shard's device-days per wall second. */
const TARGET_SHARD_SPEEDUP = 1.6;
/** Issue 19: one simulator process beside the platform's, flagship, in-memory bus. */
const TARGET_ONE_SHARD_DEVICE_DAYS_PER_S = 1_000;
/** Issue 19: garbage collection below 5 % of a run. */
const TARGET_GC_SHARE = 0.05;
/** Issue 19: a 100,000-device portfolio simulates a day with the platform in the loop in under 10 minutes with 2 shards. */
const TARGET_SCALE_DAY_WALL_S = 600;
/** Issue 19: a month of the flagship with the plain command (`--duration 30d --transport memory`) in ≤ 3 minutes. */
const TARGET_MONTH_WALL_S = 180;

export type BenchSection = 'sim' | 'mqtt' | 'platform' | 'store' | 'load' | 'viewer';

type Row = [string, string, string, string];

export async function benchCommand(args: { days: number; shard_days?: number; shard_pairs?: number; month_days?: number; scale_devices?: number; scale_hours?: number; out: string; only?: BenchSection[]; connections?: number }, io: CliIo): Promise<number> {
  // Checked before any section runs: the at-scale run comes last, after many minutes of others.
  const scale_hours = args.scale_hours ?? 24;
  const month_days = args.month_days ?? 0;
  const shard_pairs = args.shard_pairs ?? 3;
  if (!Number.isSafeInteger(shard_pairs) || shard_pairs < 1 || shard_pairs > 9) throw new UsageError('BENCH_SHARD_PAIRS', `--shard-pairs ${shard_pairs}: a whole number of pairs from 1 to 9`);
  if (!Number.isFinite(month_days) || month_days < 0 || month_days > 31) throw new UsageError('BENCH_MONTH', `--month-days ${month_days}: a number of simulated days from 0 (skip) to 31`);
  const scale_devices = args.scale_devices ?? 100_000;
  if (!Number.isSafeInteger(scale_devices) || scale_devices < 1 || scale_devices > 1_000_000) throw new UsageError('BENCH_SCALE', `--scale-devices ${scale_devices}: a whole number from 1 to 1,000,000`);
  if (!Number.isFinite(scale_hours) || scale_hours < 0 || scale_hours > 720) throw new UsageError('BENCH_SCALE', `--scale-hours ${scale_hours}: a number of simulated hours from 0 (skip) to 720`);
  const wall = (): number => performance.now(); // wall-clock: benchmarks measure real time
  const sections = new Set<BenchSection>(args.only && args.only.length > 0 ? args.only : ['sim', 'mqtt', 'platform', 'store', 'load', 'viewer']);
  const scenario = loadScenario(resolveScenarioPath('commercial-portfolio'));
  const rows: Row[] = [['metric', 'value', 'target', 'ratio to target']];
  const results: Record<string, unknown> = {};
  const say = (s: string): void => void io.stderr.write(`bench: ${s}\n`);

  if (sections.has('sim')) {
    say(`simulator: flagship fleet over ${args.days} simulated days on the in-memory bus…`);
    if (!(globalThis as { gc?: unknown }).gc) say('run with node --expose-gc (npm run bench does) for exact heap figures');
    const r = await benchSimulation(scenario, args.days, wall);
    results.sim = r;
    rows.push(
      ['devices', int(r.devices), '≥ 4,000', ''],
      [`sim: ${r.sim_days} d wall time`, `${r.wall_s.toFixed(1)} s`, '', ''],
      ['sim: events / wall s', int(r.events_per_wall_s), '', ''],
      ['sim: device messages / wall s', int(r.messages_per_wall_s), '', ''],
      ['sim: device-days / wall s', int(r.device_days_per_wall_s), int(TARGET_DEVICE_DAYS_PER_S), (r.device_days_per_wall_s / TARGET_DEVICE_DAYS_PER_S).toFixed(2)],
      ['sim: events / messages per device-day', `${int(r.events_per_device_day)} / ${int(r.messages_per_device_day)}`, '', ''],
      ['sim: garbage collection, share of wall time', `${(r.gc_share * 100).toFixed(1)} %`, `< ${TARGET_GC_SHARE * 100} %`, (TARGET_GC_SHARE / Math.max(0.001, r.gc_share)).toFixed(2)],
      ['sim: heap bytes / device (built)', int(r.heap_bytes_per_device_built), `≤ ${int(TARGET_BYTES_PER_DEVICE)}`, (TARGET_BYTES_PER_DEVICE / Math.max(1, r.heap_bytes_per_device_built)).toFixed(2)],
      // The simulator alone after a simulated day: what it grows by as it runs. The 1 KB target is
      // the built kernel's (the row above); the running target is the next row's, with the platform.
      ['sim: heap bytes / device (after a day, no platform)', int(r.heap_bytes_per_device_running), '', ''],
      ['sim + platform: heap bytes / device (end of run)', int(r.heap_bytes_per_device_with_platform), `≤ ${int(TARGET_RUNNING_BYTES_PER_DEVICE)}`, (TARGET_RUNNING_BYTES_PER_DEVICE / Math.max(1, r.heap_bytes_per_device_with_platform)).toFixed(2)],
    );
    // Three days, not one: 2 shards pay their start-up and the births (windows of one step) once,
    // ~2.4 s more than one process; a one-day ratio mostly measures that, while a soak or a month
    // runs at the steady state's (docs/scale-out.md, "Cost").
    const shard_days = args.shard_days ?? 3;
    say(`simulator: one process (--shards 0), 1 shard, --shards 2, then two one-process runs side by side, ${shard_pairs} time(s), flagship over ${shard_days} simulated day(s), NOC included (docs/scale-out.md)…`);
    const sh = await benchShards(scenario, shard_days, wall, shard_pairs);
    results.shards = sh;
    const times = (rs: readonly number[]): string => rs.map((r) => `${r.toFixed(2)}×`).join(', ');
    const pairs_note = (rs: readonly number[]): string => (rs.length > 1 ? ` (pairs ${times(rs)})` : '');
    rows.push(
      [`shards: 0 (one process), ${sh.sim_days} d, device-days / wall s`, `${int(sh.in_process.device_days_per_wall_s)} (${sh.in_process.wall_s.toFixed(1)} s)`, '', ''],
      // One simulator process beside the platform's: the "1 shard" (issue 19).
      [
        `shards: 1, ${sh.sim_days} d, device-days / wall s`,
        `${int(sh.one.device_days_per_wall_s)} (${sh.one.wall_s.toFixed(1)} s; ${sh.one_over_in_process.toFixed(2)}× one process${pairs_note(sh.pair_one_over_in_process)})`,
        `≥ ${int(TARGET_ONE_SHARD_DEVICE_DAYS_PER_S)}`,
        (sh.one.device_days_per_wall_s / TARGET_ONE_SHARD_DEVICE_DAYS_PER_S).toFixed(2),
      ],
      [
        `shards: 2, ${sh.sim_days} d, device-days / wall s`,
        `${int(sh.two.device_days_per_wall_s)} (${sh.two.wall_s.toFixed(1)} s; ${sh.two_over_in_process.toFixed(2)}× one process${pairs_note(sh.pair_two_over_in_process)})`,
        `≥ ${TARGET_SHARD_SPEEDUP} × 1 shard`,
        `${sh.speedup.toFixed(2)} × 1 shard (${(sh.speedup / TARGET_SHARD_SPEEDUP).toFixed(2)} of target)`,
      ],
      ...(sh.pair_speedups.length > 1 ? [[`shards: 2 over 1, each of ${sh.pair_speedups.length} pairs (the median above)`, times(sh.pair_speedups), '', ''] as Row] : []),
      // What two processes that share nothing get from this machine, measured beside each pair:
      // the ceiling the shards' ratios over one process are read against (docs/scale-out.md, "Cost").
      [
        'shards: two one-process runs side by side over one (this machine\'s 2-process ceiling)',
        `${sh.side_by_side.toFixed(2)}×${pairs_note(sh.pair_side_by_side)}`,
        '',
        `1 shard reaches ${(sh.one_over_in_process / Math.max(0.01, sh.side_by_side)).toFixed(2)} of it, 2 shards ${(sh.two_over_in_process / Math.max(0.01, sh.side_by_side)).toFixed(2)}`,
      ],
      ['shards: events / messages per device-day', `${int(sh.one.events_per_device_day)} / ${int(sh.one.messages_per_device_day)}`, '', ''],
      ['shards: one process, 1 shard and 2 shards, same hash', sh.same_hash ? 'yes' : 'NO', 'yes', ''],
    );
    if (month_days > 0) {
      say(`simulator: the plain command over ${month_days} simulated days (NOC included, 2 shards where the command picks them; --month-days 0 skips it)…`);
      const month = await benchMonth(scenario, month_days, wall);
      results.month = month;
      const target_s = (TARGET_MONTH_WALL_S * month_days) / 30;
      rows.push([`month: the plain command, ${month_days} d, wall time`, `${month.wall_s.toFixed(1)} s (${int(month.device_days_per_wall_s)} device-days / s)`, `≤ ${int(target_s)} s`, (target_s / Math.max(0.001, month.wall_s)).toFixed(2)]);
    }
    if (scale_hours > 0) {
      say(`simulator: the flagship scaled to ≥ ${int(scale_devices)} devices, ${scale_hours} simulated hour(s), --shards 2, no NOC (--scale-hours 0 skips it)…`);
      const big = await benchAtScale(scenario, { min_devices: scale_devices, hours: scale_hours, shards: 2 }, wall, say);
      results.scale = big;
      rows.push(
        [`scale: devices (flagship ×${big.factor}), 2 shards`, int(big.devices), '≥ 100,000', ''],
        [`scale: ${big.sim_hours} h wall time (first hour)`, `${big.wall_s.toFixed(1)} s (${big.first_hour_wall_s.toFixed(1)} s)`, '', ''],
        ['scale: device-days / wall s', int(big.device_days_per_wall_s), '', ''],
        [big.day_measured ? 'scale: the first simulated day, wall time' : `scale: a simulated day, projected from ${big.sim_hours} night hour(s) (low)`, `${int(big.day_wall_s)} s`, `≤ ${int(TARGET_SCALE_DAY_WALL_S)} s`, (TARGET_SCALE_DAY_WALL_S / Math.max(1, big.day_wall_s)).toFixed(2)],
        ['scale: coordinator heap bytes / device (platform side)', int(big.coordinator_heap_bytes_per_device), '', ''],
        ['scale: shard heap bytes / device (simulator side)', int(big.shard_heap_bytes_per_device), '', ''],
        ['scale: heap bytes / device, all processes', int(big.coordinator_heap_bytes_per_device + big.shard_heap_bytes_per_device), `≤ ${int(TARGET_RUNNING_BYTES_PER_DEVICE)}`, (TARGET_RUNNING_BYTES_PER_DEVICE / Math.max(1, big.coordinator_heap_bytes_per_device + big.shard_heap_bytes_per_device)).toFixed(2)],
      );
    }
  }

  if (sections.has('mqtt')) {
    say(`mqtt: raw fan-in ceiling of the embedded broker (${CEILING_CALIBRATION.publishers} pipelined publishers → 1 subscriber; the load section's method), broker in this process and in its own…`);
    const qos0 = await measureFanIn({ ...CEILING_CALIBRATION, messages: 2 * CEILING_CALIBRATION.messages, qos: 0, timeout_ms: 60_000 });
    const qos1_here = await measureFanIn({ ...CEILING_CALIBRATION, qos: 1, timeout_ms: 60_000, broker: 'in-process' });
    const qos1_own = await measureFanIn({ ...CEILING_CALIBRATION, qos: 1, timeout_ms: 60_000, broker: 'own-process' });
    // The broker's best: a ratio against a weak ceiling would prove nothing.
    const qos1 = qos1_own.msgs_per_s >= qos1_here.msgs_per_s ? qos1_own : qos1_here;
    say('mqtt: flagship 6 simulated hours in lockstep (memory, gateway, per-device)…');
    const memory = await measureLockstep(scenario, 6, 'memory');
    const gateway = await measureLockstep(scenario, 6, 'gateway');
    const per_device = await measureLockstep(scenario, 6, 'per-device');
    const same = gateway.trace_hash === memory.trace_hash && per_device.trace_hash === memory.trace_hash;
    const target = args.connections ?? TARGET_CONNECTIONS;
    say(`mqtt: opening ${int(target)} device connections against the broker in its own process…`);
    const conns = await measureConnections(target, { in_flight: 200, timeout_ms: 120_000 });
    // The ratios the design asks for: lockstep throughput over the broker's QoS 1 ceiling, both
    // measured here and now (lockstep publishes at QoS 1).
    const ratio = (x: number): number => Math.round((x / qos1.msgs_per_s) * 100) / 100;
    const ratios = { gateway: ratio(gateway.msgs_per_s), per_device: ratio(per_device.msgs_per_s), ceiling_msgs_per_s: qos1.msgs_per_s, ceiling_broker: qos1.broker };
    results.mqtt = { fan_in_qos0: qos0, fan_in_qos1: qos1, fan_in_qos1_in_process: qos1_here, fan_in_qos1_own_process: qos1_own, lockstep: { memory, gateway, per_device, same_hash: same, ratios_to_ceiling: ratios }, connections: conns };
    rows.push(
      ['mqtt: fan-in ceiling QoS 0 (broker in this process), msg/s', int(qos0.msgs_per_s), '', ''],
      ['mqtt: fan-in ceiling QoS 1, broker in this process / its own, msg/s', `${int(qos1_here.msgs_per_s)} / ${int(qos1_own.msgs_per_s)}`, '', ''],
      ['mqtt: lockstep memory, msg/s', int(memory.msgs_per_s), '', ''],
      ['mqtt: lockstep gateway (100 conns), msg/s', int(gateway.msgs_per_s), `≥ ${TARGET_LOCKSTEP_GATEWAY_RATIO} × QoS 1 ceiling`, `${ratios.gateway.toFixed(2)} of ceiling (${(ratios.gateway / TARGET_LOCKSTEP_GATEWAY_RATIO).toFixed(2)} of target)`],
      [`mqtt: lockstep per-device (${int(per_device.connections ?? 0)} conns), msg/s`, int(per_device.msgs_per_s), `≥ ${TARGET_LOCKSTEP_PER_DEVICE_RATIO} × QoS 1 ceiling`, `${ratios.per_device.toFixed(2)} of ceiling (${(ratios.per_device / TARGET_LOCKSTEP_PER_DEVICE_RATIO).toFixed(2)} of target)`],
      ['mqtt: memory = gateway = per-device hash', same ? 'yes' : 'NO', 'yes', ''],
      ['mqtt: connections held (per-device)', `${int(conns.held)} of ${int(conns.target)}`, `≥ ${int(TARGET_CONNECTIONS)}`, (conns.held / TARGET_CONNECTIONS).toFixed(2)],
      ['mqtt: connections opened / s', int(conns.connections_per_s), '', ''],
    );
  }

  if (sections.has('platform')) {
    say('platform: replaying 6 simulated hours of the flagship through every rule…');
    const recorded = await recordMessages(scenario, 6);
    const ingest = await benchIngest(scenario, 6, recorded);
    say('platform: leak → alert latency through the embedded broker in real time (1,000 events at 200/s)…');
    const latency = await benchAlertLatency({ devices: 200, events: 1_000, rate_per_s: 200 });
    results.platform = { ingest, latency };
    rows.push(
      ['platform: ingest with rules on, msg/s', int(ingest.msgs_per_s), '', ''],
      ['platform: telemetry→alert p50 (real time)', `${latency.p50_ms} ms`, '', ''],
      ['platform: telemetry→alert p99 (real time)', `${latency.p99_ms} ms`, '≤ 25 ms (DESIGN §5 device→platform)', (25 / Math.max(0.01, latency.p99_ms)).toFixed(2)],
    );
  }

  if (sections.has('store')) {
    say('store: recording 6 simulated hours of the flagship…');
    const recorded = await recordMessages(scenario, 6);
    say(`store: ${int(recorded.length)} messages through the platform in memory and on the durable store (SQLite), alternating rounds…`);
    const store = benchStore(recorded);
    results.store = store;
    rows.push(
      [`store: in memory, message by message, msg/s (median of ${store.rounds})`, int(store.memory_msgs_per_s), '', ''],
      [`store: SQLite, group commit ≤ ${store.group} (PUBACKs after commit), msg/s`, int(store.group_msgs_per_s), `≥ ${TARGET_STORE_RATIO} × in memory`, `${store.group_ratio.toFixed(2)} × in memory`],
      ['store: SQLite, commit per message (a trickle), msg/s', int(store.per_message_msgs_per_s), '', `${store.per_message_ratio.toFixed(2)} × in memory`],
      ['store: SQLite, group commit, --fsync always (one pass), msg/s', int(store.fsync_group_msgs_per_s), '', `${store.fsync_group_ratio.toFixed(2)} × in memory`],
      ['store: in memory, 1-minute lockstep steps, msg/s', int(store.memory_step_msgs_per_s), '', ''],
      ['store: SQLite, commit per 1-minute step (simulator), msg/s', int(store.per_step_msgs_per_s), `≥ ${TARGET_STORE_RATIO} × in memory`, `${store.per_step_ratio.toFixed(2)} × in memory`],
      [`store: one snapshot + compaction (${int(store.devices)} devices; hourly)`, `${int(store.snapshot_ms)} ms`, '', ''],
      ['store: written per device-day (no compaction)', `${int(store.written_bytes_per_device_day)} B`, '', ''],
      ['store: held per device (2 snapshots + journal since the older)', `${int(store.held_bytes_per_device)} B`, '', ''],
    );
  }

  if (sections.has('load')) {
    const r = await benchLoad(say);
    results.load = r;
    const m = (run: typeof r.live, k: string): number => run.metrics[k] ?? Number.NaN;
    const p99 = m(r.live, 'ingest_latency_p99_ms');
    rows.push(
      [`load: fan-in ceiling (broker process, QoS 1, ${CEILING_CALIBRATION.publishers} pipelined publishers), msg/s`, int(m(r.live, 'ceiling_msgs_per_s')), '', ''],
      [`load: live per-device connections held`, `${int(r.live.connected)} of ${int(r.live.connections)}`, `≥ ${int(TARGET_LIVE_CONNECTIONS)}`, (r.live.connected / TARGET_LIVE_CONNECTIONS).toFixed(2)],
      [`load: live, achieved msg/s`, int(m(r.live, 'throughput_msgs_per_s')), int(TARGET_LIVE_RATE_PER_S), `${m(r.live, 'throughput_ratio_to_target').toFixed(2)} of target, ${m(r.live, 'throughput_ratio_to_ceiling').toFixed(3)} of ceiling`],
      ['load: live, device→platform p50 / p99', `${m(r.live, 'ingest_latency_p50_ms')} / ${p99} ms`, `p99 ≤ ${TARGET_LIVE_P99_MS} ms`, (TARGET_LIVE_P99_MS / Math.max(0.01, p99)).toFixed(2)],
      ['load: live, device→alert p99', `${m(r.live, 'alert_latency_p99_ms')} ms`, '', ''],
      ['load: live, HTTP API p99 (200 req/s)', `${m(r.live, 'http_latency_p99_ms')} ms`, '', ''],
      [`load: gateway, virtual devices`, `${int(r.gateway.devices)} on ${int(r.gateway.connected)} conns`, `≥ ${int(TARGET_GATEWAY_DEVICES)}`, (r.gateway.devices / TARGET_GATEWAY_DEVICES).toFixed(2)],
      ['load: gateway, achieved msg/s, device→platform p99', `${int(m(r.gateway, 'throughput_msgs_per_s'))}, ${m(r.gateway, 'ingest_latency_p99_ms')} ms`, '', ''],
      [`load: multi-process connections held (3 workers, 2 broker nodes)`, `${int(r.multi.connected)} of ${int(r.multi.connections)}`, `> ${r.fd_limit === null ? 'one process' : int(r.fd_limit)} (one process's open files)`, r.fd_limit === null ? '' : (r.multi.connected / r.fd_limit).toFixed(2)],
    );
    for (const run of [r.live, r.gateway, r.multi]) for (const w of run.warnings) say(`${run.name}: warning: ${w}`);
  }

  if (sections.has('viewer')) {
    say('viewer: frames per second in headless Chromium (software GL), 10,000 and 50,000 devices, state changes every frame…');
    const r = await benchViewer({ on_log: say });
    results.viewer = r;
    for (const s of r.sizes) {
      const target = TARGET_FPS[s.devices];
      rows.push(
        [`viewer: ${int(s.devices)} devices, fps (bare ParticleContainer)`, `${s.fps.toFixed(1)} (${s.bare_fps.toFixed(1)})`, target !== undefined ? `≥ ${target}` : '', target !== undefined ? `${(s.fps / target).toFixed(2)}; ${(s.fps / Math.max(0.1, s.bare_fps)).toFixed(2)} of bare` : ''],
        [`viewer: ${int(s.devices)} devices, time to first frame`, `${int(s.first_frame_ms)} ms`, '', ''],
      );
    }
  }

  io.stdout.write(table(rows, '') + '\n');
  mkdirSync(args.out, { recursive: true });
  const file = join(args.out, 'bench.json');
  writeFileSync(file, JSON.stringify({ node: process.version, results, targets: { device_days_per_wall_s: TARGET_DEVICE_DAYS_PER_S, heap_bytes_per_device: TARGET_BYTES_PER_DEVICE, heap_bytes_per_device_with_platform: TARGET_RUNNING_BYTES_PER_DEVICE, lockstep_gateway_ratio: TARGET_LOCKSTEP_GATEWAY_RATIO, lockstep_per_device_ratio: TARGET_LOCKSTEP_PER_DEVICE_RATIO, connections: TARGET_CONNECTIONS, viewer_fps: TARGET_FPS, gc_share: TARGET_GC_SHARE } }, null, 2) + '\n');
  io.stdout.write(`wrote ${file}\n`);
  return ExitCode.ok;
}
