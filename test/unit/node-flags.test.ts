import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_FLAGS } from '../../harness/cli/node-flags.ts';
import { SHARD_NODE_FLAGS } from '../../harness/run/shards/pool.ts';

const ROOT = join(import.meta.dirname, '../..');

describe('node flags', () => {
  it('start the launcher through its shebang, without a wrapper process', () => {
    const first = readFileSync(join(ROOT, 'bin/msp-twin.js'), 'utf8').split('\n')[0];
    expect(first).toBe(`#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`);
  });

  it('start every npm script that runs the launcher', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const launching = Object.entries(scripts).filter(([, cmd]) => cmd.includes('bin/msp-twin.js'));
    expect(launching.map(([name]) => name).sort()).toEqual(['bench', 'load', 'start']);
    for (const [, cmd] of launching) {
      const node_args = cmd.slice(0, cmd.indexOf('bin/msp-twin.js')).trim().split(/\s+/);
      expect(node_args[0]).toBe('node');
      for (const flag of NODE_FLAGS) expect(node_args).toContain(flag);
    }
  });

  it('start the container image (deploy/Dockerfile), whose shards and platform run without the shebang', () => {
    const entry = readFileSync(join(ROOT, 'deploy/Dockerfile'), 'utf8').match(/^ENTRYPOINT (\[.*\])$/m);
    expect(entry).not.toBeNull();
    expect(JSON.parse(entry![1]!)).toEqual(['node', ...NODE_FLAGS, 'bin/msp-twin.js']);
  });

  it('start the shard processes a run forks', () => {
    expect(SHARD_NODE_FLAGS).toEqual(NODE_FLAGS);
  });
});
