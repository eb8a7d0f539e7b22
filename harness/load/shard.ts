import { stringHash32 } from '../../sim/world/hash-noise.ts';
import { UsageError } from '../errors.ts';
import type { LoadFleet, LoadUnit } from './fleet.ts';

/**
 * Splitting the fleet: across machines (`--shard i/n`, e.g. the pods of a Kubernetes Indexed
 * Job), across worker processes on one machine, and across embedded broker nodes. The unit of
 * every split is a connection (a device, or a gateway with its floor), so a gateway and its
 * children always land together. Shard membership is a stable hash of (seed, client id), never a
 * position: every pod computes its share alone from the same flags, and growing the fleet never
 * moves an existing unit to another shard.
 */
export interface ShardSpec {
  /** 0-based, as Kubernetes' JOB_COMPLETION_INDEX. */
  readonly index: number;
  readonly count: number;
}

export const MAX_SHARDS = 10_000;
export const WHOLE_FLEET: ShardSpec = { index: 0, count: 1 };

export function parseShard(text: string): ShardSpec {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new UsageError('LOAD_BAD_SHARD', `--shard takes INDEX/COUNT with a 0-based index, e.g. 0/4, got "${text}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS) throw new UsageError('LOAD_BAD_SHARD', `--shard count must be 1…${MAX_SHARDS}, got ${count}`);
  if (index >= count) throw new UsageError('LOAD_BAD_SHARD', `--shard index must be below the count (0…${count - 1}), got ${index}`);
  return { index, count };
}

/** Which of `count` shards a connection belongs to. */
export function shardOf(seed: string, client_id: string, count: number): number {
  return count === 1 ? 0 : stringHash32(`${seed}/shard/${client_id}`) % count;
}

/** This shard's connections, in fleet order. */
export function shardUnits(fleet: LoadFleet, shard: ShardSpec): LoadUnit[] {
  return fleet.units.filter((u) => shardOf(fleet.spec.seed, u.client_id, shard.count) === shard.index);
}

/** One local worker's share of a shard: round robin, so workers differ by at most one connection. */
export function workerUnits(units: readonly LoadUnit[], worker: number, workers: number): LoadUnit[] {
  return units.filter((_, i) => i % workers === worker);
}

/** Which embedded broker node a connection uses (independent of shard and worker counts). */
export function brokerNodeOf(client_id: string, nodes: number): number {
  return nodes === 1 ? 0 : stringHash32(`node/${client_id}`) % nodes;
}
