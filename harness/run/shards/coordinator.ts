import type { SimulationStats } from '../../../sim/simulation.ts';
import type { Portfolio } from '../../../sim/world/topology.ts';
import { UsageError } from '../../errors.ts';
import type { Scenario } from '../../scenario/scenario.ts';
import type { RunOptions } from '../run-types.ts';
import type { OtaFacts } from '../rollout-outcomes.ts';
import { inProcessShard, processShard, shardWorkerModule, type ShardLink } from './pool.ts';
import { brokerShards } from './broker-link.ts';
import { runShardedLockstep, type ShardedLockstepOptions } from './sharded-lockstep.ts';
import type { ShardFinal } from './shard-sim.ts';
import { assignSites } from './split.ts';
import { generatePortfolio } from '../../../sim/world/generate.ts';
import { nocWindowSteps } from './noc-world.ts';
import { DEFAULT_STEP_MS } from '../run-types.ts';

/** Bounded: more shards than this on one machine is a mistake, not a plan. */
export const MAX_SHARDS = 64;

/** Added to a refusal of `--shards 1`: until 2026-12-08 1 meant one process, which is 0 now. */
const ONE_PROCESS_HINT = '--shards 0 keeps the simulator in this process';

/** Why `--shards N` on the MQTT transport is refused (the CLI checks before it starts a broker). */
const SHARDS_MEMORY_ONLY = 'shards run on the in-memory bus only so far: add --transport memory';

/**
 * What a sharded run cannot do yet, each refused up front with RUN_SHARDS rather than giving a
 * different trace (docs/scale-out.md, "What shards cannot do yet"): device sessions over MQTT,
 * real time, and a NOC too quick to tell a shard in time.
 */
export function checkShardable(scenario: Scenario, options: RunOptions, with_platform: boolean): void {
  const n = options.shards ?? 0;
  const refuse = (why: string): never => {
    // One shard is a process of its own too; whoever asked for it may only have meant one simulator.
    const hint = n === 1 ? `; ${ONE_PROCESS_HINT}` : '';
    throw new UsageError('RUN_SHARDS', `${scenario.file}: --shards ${n}: ${why}${hint} (docs/scale-out.md)`);
  };
  if (!Number.isInteger(n) || n < 0 || n > MAX_SHARDS) refuse(`the shard count must be a whole number from 0 (the simulator in this process) to ${MAX_SHARDS}`);
  if (n === 0) return;
  if ((options.transport ?? 'memory') !== 'memory') refuse(SHARDS_MEMORY_ONLY);
  if (options.speed !== undefined) refuse('real-time mode has no lockstep steps to merge shards on');
  if (with_platform && options.noc !== false && nocWindowSteps(scenario.operations, options.step_ms ?? DEFAULT_STEP_MS) < 1) {
    refuse('the simulated NOC\'s technicians can arrive within a step of leaving (shortest travel and repair time); the coordinator must tell a shard a step ahead: run with --no-noc or lengthen them');
  }
  // Nothing in the timeline is refused: a broker outage is every shard's at once, on step
  // boundaries, each shard playing it on its own devices and the coordinator telling the platform
  // (runShards); a platform restart likewise (every shard takes the platform's session off its
  // bus, the coordinator holds the platform); actions on the platform are the coordinator's, as
  // the platform takes their steps (harness/run/platform-timeline.ts); an action on devices of
  // several sites is carried out by every shard on its own (FaultRuntime).
}

/** The reason `scenario` cannot run over `options.shards` shards (RUN_SHARDS's message), or null when it can. */
export function shardingRefusal(scenario: Scenario, options: RunOptions): string | null {
  try {
    checkShardable(scenario, options, true);
    return null;
  } catch (err) {
    if (err instanceof UsageError && err.code === 'RUN_SHARDS') return err.message;
    throw err;
  }
}

/**
 * Simulated work from which `msp-twin run` splits a run over two shards by itself when it can
 * (two cores or more, in-memory bus, no `--shards`): a shard costs about a second of CPU to start
 * and the first step's births, so below this the split gains little; a month of the flagship is
 * 135,000 device-days, one of its days 4,500 (docs/scale-out.md, "Shards by default").
 */
export const AUTO_SHARDS_DEVICE_DAYS = 10_000;

export interface ShardChoice {
  readonly shards: number;
  /** One line for the user: why this many. */
  readonly why: string;
}

/**
 * How many shards a run gets when the user did not say (`--shards`): two when the run is long
 * enough, the machine has the cores and the scenario can be split; else one. The trace is the
 * same either way, so this only decides the wall time.
 */
export function autoShards(scenario: Scenario, o: { readonly duration_ms: number; readonly cores: number; readonly options: RunOptions }): ShardChoice | null {
  const portfolio = generatePortfolio(scenario.name, scenario.fleet);
  const device_days = (portfolio.devices.length * o.duration_ms) / 86_400_000;
  if (device_days < AUTO_SHARDS_DEVICE_DAYS || o.cores < 2) return null;
  const refusal = shardingRefusal(scenario, { ...o.options, shards: 2 });
  const amount = `${Math.round(device_days).toLocaleString('en-US')} device-days`;
  if (refusal !== null) return { shards: 0, why: `shards: 1 process for ${amount}: ${refusal.replace(/^.*?--shards 2: /, '').replace(/ \(RUN_SHARDS\)$/, '')}` };
  return { shards: 2, why: `shards: 2 simulator processes for ${amount} on ${o.cores} cores, the trace of one (--shards 0 keeps one process; docs/scale-out.md)` };
}

export interface ShardedResult {
  readonly steps: number;
  readonly stats: SimulationStats;
  readonly faults: { readonly started: number; readonly not_applied: number; readonly actions: number };
  readonly ota_of: (device_id: string) => OtaFacts | undefined;
  /** What the shards' buses queued for the platform while a restart held its session down. */
  readonly platform_queued_delivered: number;
  /** Each shard's devices and its process's heap at the end (ShardFinal.heap_bytes). */
  readonly shards: ReadonlyArray<{ readonly devices: number; readonly heap_bytes: number }>;
}

/** Counters of every shard as one simulator's: sums, with the world's clock and the broker's outages (run by every shard) counted once. */
export function sumShardStats(finals: readonly ShardFinal[]): SimulationStats {
  const first = finals[0]!.stats;
  const out: SimulationStats = { events: 0, published: {}, published_by_kind: {}, dropped: { radio_loss: 0, parent_down: 0, outbox_full: 0, reboot: 0 }, broker_outages: first.broker_outages, wills: 0, commands: 0, world_ticks: first.world_ticks, broker_edges: first.broker_edges };
  for (const { stats: s } of finals) {
    out.events += s.events;
    out.wills += s.wills;
    out.commands += s.commands;
    for (const [k, v] of Object.entries(s.published)) out.published[k] = (out.published[k] ?? 0) + v;
    for (const [k, v] of Object.entries(s.published_by_kind)) out.published_by_kind[k as keyof typeof out.published_by_kind] = (out.published_by_kind[k as keyof typeof out.published_by_kind] ?? 0) + (v ?? 0);
    for (const k of Object.keys(out.dropped) as Array<keyof typeof out.dropped>) out.dropped[k] += s.dropped[k];
  }
  out.events -= (finals.length - 1) * (first.world_ticks + first.broker_edges);
  // A platform restart's events are played by every shard; only its owner's are one simulator's.
  for (const f of finals) out.events -= f.faults.echoes;
  return out;
}

/**
 * Starts the `options.shards` simulators of a run wherever `options.shard_placement` puts them:
 * forked processes (the default), this process, or shards that announce themselves on a broker.
 * A run calls this before it builds its own portfolio and platform, so forked processes start
 * (node, the worker's bundle: ~0.3 s each) while the coordinator works instead of after it. Each
 * link waits for its `init`; a failure surfaces where the links are awaited.
 */
export async function startShards(options: RunOptions): Promise<ShardLink[]> {
  const count = options.shards ?? 1;
  if (options.shard_placement === 'broker') {
    if (!options.shard_broker) throw new UsageError('RUN_SHARDS', 'shards placed on a broker need its address (shard_broker)');
    return brokerShards(options.shard_broker.transport, options.shard_broker.run, count);
  }
  if (options.shard_placement === 'in-process') return Array.from({ length: count }, () => inProcessShard());
  const worker = await shardWorkerModule();
  return Array.from({ length: count }, (_, i) => processShard(`shard ${i}/${count}`, worker));
}

/**
 * Runs the simulator part of a run over `options.shards` simulators, each holding whole sites,
 * and drives them in lockstep with the platform (which stays in this process, behind `complete`).
 */
export async function runShards(
  scenario: Scenario,
  portfolio: Portfolio,
  run: {
    readonly seed: string;
    readonly duration_ms: number;
    readonly step_ms: number;
    readonly ota_devices: () => readonly string[];
    /** Absolute, on the step grid: every shard plays each on its devices (brokerOutageEdges). */
    readonly broker_outages?: ReadonlyArray<{ readonly at_ms: number; readonly duration_ms: number }>;
  },
  lockstep: Omit<ShardedLockstepOptions, 'start_ms' | 'end_ms' | 'step_ms' | 'shard_of' | 'first_at'>,
  options: RunOptions,
  /** The shards, started as the run began (`startShards`); closed here. */
  started: Promise<ShardLink[]>,
): Promise<ShardedResult> {
  const count = options.shards ?? 1;
  const assignment = assignSites(portfolio, count);
  const site_of = new Map(portfolio.devices.map((d) => [d.id, d.site_id]));
  const links = await started;
  try {
    const firsts = await Promise.all(
      links.map((l, index) =>
        l.init({
          index,
          count,
          scenario_name: scenario.name,
          fleet: scenario.fleet,
          firmware: scenario.firmware,
          steps: scenario.timeline.steps,
          processes: scenario.timeline.processes,
          seed: run.seed,
          start_ms: scenario.start_ms,
          duration_ms: run.duration_ms,
          step_ms: run.step_ms,
          vitals: lockstep.noc !== undefined,
          broker_outages: run.broker_outages ?? [],
          platform: options.platform !== false,
        }),
      ),
    );
    const { steps } = await runShardedLockstep(links, {
      ...lockstep,
      start_ms: scenario.start_ms,
      end_ms: scenario.start_ms + run.duration_ms,
      step_ms: run.step_ms,
      first_at: firsts.map((f) => f.next_at),
      devices: firsts.reduce((n, f) => n + f.devices, 0),
      shard_of: (id) => {
        const site = site_of.get(id);
        return site === undefined ? undefined : assignment.get(site);
      },
    });
    const finals = await Promise.all(links.map((l) => l.finish(run.ota_devices())));
    const ota = new Map<string, OtaFacts>();
    for (const f of finals) for (const [id, v] of Object.entries(f.ota)) ota.set(id, v);
    const faults = { started: 0, not_applied: 0, actions: 0 };
    for (const f of finals) {
      faults.started += f.faults.started;
      faults.not_applied += f.faults.not_applied;
      faults.actions += f.faults.actions;
    }
    return { steps, stats: sumShardStats(finals), faults, platform_queued_delivered: finals.reduce((n, f) => n + f.platform_queued_delivered, 0), ota_of: (id) => ota.get(id), shards: finals.map((f) => ({ devices: f.devices, heap_bytes: f.heap_bytes })) };
  } finally {
    await Promise.all(links.map((l) => l.close()));
  }
}
