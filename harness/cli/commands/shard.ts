import { serveShardOverBroker, shardCredentials } from '../../run/shards/broker-link.ts';
import { UsageError } from '../../errors.ts';
import { withTls } from '../../run/mqtt-setup.ts';
import { ExitCode } from '../exit-codes.ts';
import type { CliIo } from '../io.ts';

export interface ShardArgs {
  broker: string;
  run: string;
  /** This shard's index; a Kubernetes Indexed Job's pod has it as JOB_COMPLETION_INDEX. */
  shard_index?: number | undefined;
  secret: string;
  username?: string | undefined;
  password?: string | undefined;
  /** TLS for an mqtts:// or wss:// broker, as `run`'s flags. */
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  insecure?: boolean | undefined;
}

/**
 * `msp-twin shard`: one shard of a run coordinated through a broker (docs/scale-out.md, "Across
 * machines"). It waits for its coordinator (`msp-twin run … --shards N --shard-broker URL`), which
 * sends it the scenario, seed and its share of the sites; it exits when the run ends.
 */
export async function shardCommand(args: ShardArgs, io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const from_env = env.JOB_COMPLETION_INDEX;
  const index = args.shard_index ?? (from_env !== undefined && from_env !== '' ? Number(from_env) : undefined);
  if (index === undefined || !Number.isInteger(index) || index < 0) {
    throw new UsageError('RUN_SHARDS', `msp-twin shard needs --shard-index or JOB_COMPLETION_INDEX (a whole number ≥ 0), got ${args.shard_index ?? from_env ?? 'neither'}`);
  }
  const shared = args.username !== undefined ? { username: args.username, ...(args.password !== undefined ? { password: args.password } : {}) } : undefined;
  // TLS files are read before anything is printed, so a wrong path is the only line of output.
  const transport = { url: args.broker, credentials: shardCredentials(args.secret, shared), keepalive_s: 0, ...withTls(args) };
  io.stderr.write(`shard ${index} of run ${args.run}: waiting for the coordinator on ${args.broker}\n`);
  await serveShardOverBroker({
    transport,
    run: args.run,
    index,
    on_log: (line) => void io.stderr.write(`${line}\n`),
  });
  io.stderr.write(`shard ${index} of run ${args.run}: done\n`);
  return ExitCode.ok;
}
