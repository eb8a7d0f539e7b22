import { describe, expect, it } from 'vitest';
import { ChildRpc } from '../../harness/load/rpc.ts';
import { SHARD_NODE_FLAGS } from '../../harness/run/shards/pool.ts';

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
