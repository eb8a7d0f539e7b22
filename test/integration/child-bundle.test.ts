import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bundledChild, defaultChildBundleDeps, type ChildBundleDeps } from '../../harness/load/child-bundle.ts';
import { ChildRpc } from '../../harness/load/rpc.ts';
import { SHARD_NODE_FLAGS } from '../../harness/run/shards/pool.ts';

/**
 * A forked child's TypeScript entry bundled into one JavaScript file (harness/load/child-bundle.ts),
 * so shards start without tsx: the bundle must run as the sources do, be reused while its inputs
 * are unchanged, be made again after an edit, and give way to the TypeScript entry when it cannot
 * be made.
 */
describe('bundled child processes', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'msp-twin-bundle-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  let projects = 0;
  /** A tiny project: entry.ts imports dep.ts, whose constant the test edits. */
  const project = (value: number): string => {
    const root = join(scratch, `project-${++projects}`);
    mkdirSync(root);
    writeFileSync(join(root, 'dep.ts'), `export const VALUE: number = ${value};\n`);
    writeFileSync(join(root, 'entry.ts'), `import { VALUE } from './dep.ts';\nexport const answer = (): number => VALUE * 2;\n`);
    return root;
  };

  const counting = (cache_dir: string): ChildBundleDeps & { builds: number } => {
    const deps = {
      cache_dir,
      builds: 0,
      bundle: (entry: string, outfile: string, root: string) => {
        deps.builds++;
        return defaultChildBundleDeps.bundle(entry, outfile, root);
      },
    };
    return deps;
  };

  it('reuses the cached bundle while its inputs are unchanged and bundles again after an edit', async () => {
    const root = project(21);
    const entry = pathToFileURL(join(root, 'entry.ts'));
    const deps = counting(join(root, 'cache'));

    const first = await bundledChild(entry, deps, root, new Map());
    expect(first?.pathname).toMatch(/\.mjs$/);
    expect(deps.builds).toBe(1);
    const mod = (await import(`${first!.href}?v=1`)) as { answer: () => number };
    expect(mod.answer()).toBe(42);

    // A new run (its own memo) with the sources as they were: no build.
    const again = await bundledChild(entry, deps, root, new Map());
    expect(again?.href).toBe(first?.href);
    expect(deps.builds).toBe(1);

    // An imported file changes: the next run bundles again and gets the new code.
    writeFileSync(join(root, 'dep.ts'), 'export const VALUE: number = 50;\n');
    const edited = await bundledChild(entry, deps, root, new Map());
    expect(deps.builds).toBe(2);
    expect(readFileSync(edited!, 'utf8')).toContain('50');
    const mod2 = (await import(`${edited!.href}?v=2`)) as { answer: () => number };
    expect(mod2.answer()).toBe(100);
  }, 60_000);

  it('bundles again over a manifest it cannot read, and leaves no half-built file behind', async () => {
    const root = project(3);
    const entry = pathToFileURL(join(root, 'entry.ts'));
    const deps = counting(join(root, 'cache'));
    const first = await bundledChild(entry, deps, root, new Map());
    writeFileSync(first!.pathname.replace(/\.mjs$/, '.json'), '{ not json');
    const again = await bundledChild(entry, deps, root, new Map());
    expect(again?.href).toBe(first?.href);
    expect(deps.builds).toBe(2);
    expect(readdirSync(deps.cache_dir).filter((f) => f.startsWith('.'))).toEqual([]);
  }, 60_000);

  it('builds once per run however many shards ask at the same time', async () => {
    const root = project(7);
    const entry = pathToFileURL(join(root, 'entry.ts'));
    const deps = counting(join(root, 'cache'));
    const memo = new Map<string, Promise<URL | undefined>>();
    const urls = await Promise.all([1, 2, 3].map(() => bundledChild(entry, deps, root, memo)));
    expect(new Set(urls.map((u) => u?.href)).size).toBe(1);
    expect(deps.builds).toBe(1);
  }, 60_000);

  it('gives no bundle when it cannot be made, so the caller forks the TypeScript entry instead', async () => {
    const root = project(1);
    const entry = pathToFileURL(join(root, 'entry.ts'));
    const failing: ChildBundleDeps = { cache_dir: join(root, 'cache'), bundle: () => Promise.reject(new Error('esbuild failed')) };
    expect(await bundledChild(entry, failing, root, new Map())).toBeUndefined();
    // A cache "directory" that is a file cannot be written.
    writeFileSync(join(root, 'not-a-dir'), '');
    expect(await bundledChild(entry, { ...defaultChildBundleDeps, cache_dir: join(root, 'not-a-dir', 'cache') }, root, new Map())).toBeUndefined();
  }, 60_000);

  it('a bundled child runs without tsx and answers over RPC with the flags it was given', async () => {
    const cache_dir = join(defaultChildBundleDeps.cache_dir, `test-${process.pid}`);
    try {
      const url = await bundledChild(new URL('../helpers/rpc-echo-child.ts', import.meta.url), { ...defaultChildBundleDeps, cache_dir }, undefined, new Map());
      expect(url?.pathname).toMatch(/\.mjs$/);
      const rpc = new ChildRpc('echo', url!, undefined, 'RUN_SHARD', SHARD_NODE_FLAGS);
      try {
        const argv = await rpc.call<string[]>('exec_argv', {}, 30_000);
        expect(argv).toEqual(SHARD_NODE_FLAGS);
      } finally {
        await rpc.stop();
      }
    } finally {
      rmSync(cache_dir, { recursive: true, force: true });
    }
  }, 60_000);
});
