import { serveRpc } from '../../load/rpc.ts';
import { ShardSimulator, type ShardCommand, type ShardInit } from './shard-sim.ts';

/**
 * A shard's process (forked by ShardPool): builds its ShardSimulator on `init`, then runs one
 * lockstep step per `step` request. It reads no clock and no randomness of its own; everything
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
  step: (a: { until_ms: number; commands: readonly ShardCommand[] }) => need().step(a.until_ms, a.commands),
  finish: (a: { device_ids: readonly string[] }) => need().finish(a.device_ids),
});
