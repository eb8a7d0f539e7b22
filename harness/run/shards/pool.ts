import { bundledChild } from '../../load/child-bundle.ts';
import { ChildRpc } from '../../load/rpc.ts';
import { NODE_FLAGS } from '../../cli/node-flags.ts';
import type { ShardAdvance, ShardCommand, ShardFinal, ShardInit } from './shard-sim.ts';
import { ShardSimulator } from './shard-sim.ts';

/** One shard as the coordinator drives it: in its own process, or (tests, one core) in this one. */
export interface ShardLink {
  init(init: ShardInit): Promise<{ next_at: number | null; devices: number }>;
  /** ShardSimulator.advance: the routed commands, then the window's steps up to `window_end_ms` (exclusive). */
  advance(window_end_ms: number, commands: readonly ShardCommand[]): Promise<ShardAdvance>;
  finish(device_ids: readonly string[]): Promise<ShardFinal>;
  close(): Promise<void>;
}

/** Building a flagship-sized shard (generating the portfolio, the twins) takes seconds on a loaded machine. */
const INIT_TIMEOUT_MS = 120_000;
/** A window of steps is at most a second or so of work; a shard that takes this long has hung. */
const STEP_TIMEOUT_MS = 120_000;

const WORKER = new URL('./shard-worker.ts', import.meta.url);

/**
 * A shard holds a window of steps (up to ~40,000 lines and messages) until it answers, and makes
 * the simulator's short-lived garbage besides: with V8's default 16 MB semi-spaces much of it
 * lived through two scavenges and was promoted. 64 MB semi-spaces let it die young: a sharded
 * 2-day flagship run took 0.82 of the wall time and CPU (4 pairs, docs/scale-out.md, "Cost");
 * 32 MB was 1.02× and 128 MB 1.08× the time of 64 MB. The same flags as the msp-twin process
 * itself (harness/cli/node-flags.ts).
 */
export const SHARD_NODE_FLAGS: readonly string[] = NODE_FLAGS;

/**
 * glibc's allocator, told to keep what a shard frees: every window a shard answers is serialized
 * into a buffer of several MB, which glibc by default takes from the kernel with mmap and gives
 * back on free, so each window's buffer was fresh pages to fault in. A 2-shard flagship day made
 * 197,000–204,000 minor page faults against 74,000–80,000 for one process; with these given to
 * the shards, 167,000 and 0.4–0.6 s less system time a simulated day, and 2 shards over 3 days
 * took 0.94 of the wall time and CPU (farm-bench, 4 pairs, spread 0.84–1.07; docs/scale-out.md
 * "Cost"). Given to the coordinator as well, no better (0.95). Allocations under 128 MB come from
 * the heap, which is trimmed back to the kernel above 256 MB free. Other C libraries ignore them.
 */
export const SHARD_ENV: Readonly<Record<string, string>> = Object.freeze({ MALLOC_MMAP_THRESHOLD_: String(128 * 1024 * 1024), MALLOC_TRIM_THRESHOLD_: String(256 * 1024 * 1024) });

/**
 * The module a shard's process runs: shard-worker.ts bundled into one JavaScript file, which
 * starts in a fifth of the CPU the TypeScript entry takes under tsx (harness/load/child-bundle.ts),
 * or the TypeScript entry itself when no bundle can be made.
 */
export async function shardWorkerModule(): Promise<URL> {
  return (await bundledChild(WORKER)) ?? WORKER;
}

/** A shard in a forked child process (harness/run/shards/shard-worker.ts) over IPC. */
export function processShard(label: string, worker: URL = WORKER): ShardLink {
  const rpc = new ChildRpc(label, worker, undefined, 'RUN_SHARD', SHARD_NODE_FLAGS, SHARD_ENV);
  return {
    init: (init) => rpc.call('init', init, INIT_TIMEOUT_MS),
    advance: (window_end_ms, commands) => rpc.call('advance', { window_end_ms, commands }, STEP_TIMEOUT_MS),
    finish: (device_ids) => rpc.call('finish', { device_ids }, STEP_TIMEOUT_MS),
    close: () => rpc.stop(),
  };
}

/** A shard in this process: the same code without the process boundary. */
export function inProcessShard(): ShardLink {
  let shard: ShardSimulator | undefined;
  return {
    init: async (init) => {
      shard = new ShardSimulator(init);
      return { next_at: shard.next_at, devices: shard.sim.twins.length };
    },
    advance: async (window_end_ms, commands) => shard!.advance(window_end_ms, commands),
    finish: async (device_ids) => shard!.finish(device_ids),
    close: async () => {},
  };
}
