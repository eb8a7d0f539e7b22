import { describe, expect, it } from 'vitest';
import { ChildRpc } from '../../harness/load/rpc.ts';
import { processShard, SHARD_ENV, SHARD_NODE_FLAGS } from '../../harness/run/shards/pool.ts';
import { childPids, HAS_PROC, startEnvironment } from '../helpers/child-processes.ts';

/**
 * Node flags for forked children (harness/load/rpc.ts): a shard gets a larger V8 nursery
 * (harness/run/shards/pool.ts, SHARD_NODE_FLAGS), which a forked process can be given although
 * `npx msp-twin` itself cannot.
 */
describe('ChildRpc node flags', () => {
  it('starts the child with the flags it is given, after tsx\'s loader', async () => {
    const rpc = new ChildRpc('echo', new URL('../helpers/rpc-echo-child.ts', import.meta.url), undefined, 'RUN_SHARD', SHARD_NODE_FLAGS);
    try {
      const argv = await rpc.call<string[]>('exec_argv', {}, 30_000);
      for (const flag of SHARD_NODE_FLAGS) expect(argv).toContain(flag);
      expect(argv.indexOf('--import')).toBeLessThan(argv.indexOf(SHARD_NODE_FLAGS[0]!));
    } finally {
      await rpc.stop();
    }
  }, 60_000);

  it('starts a shard with its allocator settings in its environment, and other children without them', async () => {
    const names = Object.keys(SHARD_ENV);
    expect(names.length).toBeGreaterThan(0);
    const shard = new ChildRpc('echo', new URL('../helpers/rpc-echo-child.ts', import.meta.url), undefined, 'RUN_SHARD', SHARD_NODE_FLAGS, SHARD_ENV);
    const other = new ChildRpc('echo', new URL('../helpers/rpc-echo-child.ts', import.meta.url));
    try {
      expect(await shard.call<Array<string | null>>('env', { names }, 30_000)).toEqual(names.map((n) => SHARD_ENV[n]));
      // The rest of the environment is inherited as it would be without the settings.
      expect(await shard.call<Array<string | null>>('env', { names: ['PATH'] }, 30_000)).toEqual([process.env.PATH ?? null]);
      expect(await other.call<Array<string | null>>('env', { names }, 30_000)).toEqual(names.map((n) => process.env[n] ?? null));
    } finally {
      await Promise.all([shard.stop(), other.stop()]);
    }
  }, 60_000);

  // /proc/<pid>/environ holds the environment a process was started with (Linux only).
  it.skipIf(!HAS_PROC)('forks every shard of a run with those settings', async () => {
    const before = new Set(childPids());
    const link = processShard('shard 0/1');
    try {
      const forked = childPids().filter((pid) => !before.has(pid));
      expect(forked).toHaveLength(1);
      const environ = startEnvironment(forked[0]!);
      for (const [name, value] of Object.entries(SHARD_ENV)) expect(environ).toContain(`${name}=${value}`);
    } finally {
      await link.close();
    }
  }, 60_000);

  it('shards get a 64 MB nursery; other children get no extra flags', async () => {
    expect(SHARD_NODE_FLAGS).toEqual(['--max-semi-space-size=64']);
    const rpc = new ChildRpc('echo', new URL('../helpers/rpc-echo-child.ts', import.meta.url));
    try {
      const argv = await rpc.call<string[]>('exec_argv', {}, 30_000);
      expect(argv.some((a) => a.startsWith('--max-semi-space-size'))).toBe(false);
    } finally {
      await rpc.stop();
    }
  }, 60_000);
});
