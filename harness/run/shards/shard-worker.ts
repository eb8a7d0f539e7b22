import { serveRpc } from '../../load/rpc.ts';
import { ShardSimulator, type ShardCommand, type ShardInit } from './shard-sim.ts';

/**
 * A shard's process (forked by ShardPool): builds its ShardSimulator on `init`, then runs the
 * lockstep steps of one window per `advance` request. It reads no clock and no randomness of its own; everything
 * it does follows from the scenario, the seed and the commands its coordinator routes to it.
 */
let shard: ShardSimulator | undefined;

const need = (): ShardSimulator => {
  if (!shard) throw new Error('shard not initialised');
  return shard;
};

serveRpc({
  init: (init: ShardInit) => {
    shard = new ShardSimulator(init);
    return { next_at: shard.next_at, devices: shard.sim.twins.length };
  },
  advance: (a: { window_end_ms: number; commands: readonly ShardCommand[] }) => need().advance(a.window_end_ms, a.commands),
  finish: (a: { device_ids: readonly string[] }) => need().finish(a.device_ids),
});
