import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, version as esbuild_version } from 'esbuild';

/**
 * A forked child's TypeScript entry bundled into one ESM file, so the child starts without tsx.
 *
 * Under tsx's loader a shard spent about 0.6 s of CPU before its first step: tsx's own start and
 * some sixty modules, each resolved through a round trip to tsx's loader thread. The bundle loads
 * in about 0.12 s (docs/scale-out.md, "Cost"). It is cached in node_modules/.cache/msp-twin under
 * a key made of esbuild's version and every input file's path and content, so an edited source is
 * bundled again on the next run and an unchanged one costs a few file reads. Packages stay
 * external: the child imports them from node_modules as the sources do.
 *
 * Returns undefined when the bundle cannot be made or kept (no writable cache directory, a build
 * error): the caller then forks the TypeScript entry under tsx, which is slower but the same code.
 */
export interface ChildBundleDeps {
  readonly cache_dir: string;
  /** Bundles `entry_path` to `outfile`; returns the input files (relative to `root`). */
  readonly bundle: (entry_path: string, outfile: string, root: string) => Promise<string[]>;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const defaultChildBundleDeps: ChildBundleDeps = {
  cache_dir: join(ROOT, 'node_modules', '.cache', 'msp-twin'),
  bundle: async (entry_path, outfile, root) => {
    const result = await build({
      entryPoints: [entry_path],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: root,
    });
    return Object.keys(result.metafile.inputs).sort();
  },
};

interface Manifest {
  readonly key: string;
  readonly inputs: readonly string[];
}

/** Each input's path and content, and esbuild's version: what the bundle is a function of. */
function inputsKey(root: string, inputs: readonly string[]): string | undefined {
  const hash = createHash('sha256').update(`esbuild ${esbuild_version}\n`);
  for (const input of inputs) {
    const path = join(root, input);
    if (!existsSync(path)) return undefined;
    hash.update(`${input}\n`).update(readFileSync(path)).update('\n');
  }
  return hash.digest('hex');
}

/** In-flight and finished bundles of this process, by entry: one build per entry per run. */
const process_bundles = new Map<string, Promise<URL | undefined>>();

/**
 * The bundle of `entry` (a TypeScript module under `root`), made or found in the cache; undefined
 * when there is none. `memo` holds this process's answers (a test passes its own to act as a new run).
 */
export function bundledChild(entry: URL, deps: ChildBundleDeps = defaultChildBundleDeps, root = ROOT, memo = process_bundles): Promise<URL | undefined> {
  const key = `${entry.href} ${deps.cache_dir}`;
  let p = memo.get(key);
  if (p === undefined) {
    p = makeBundle(entry, deps, root).catch(() => undefined);
    memo.set(key, p);
  }
  return p;
}

async function makeBundle(entry: URL, deps: ChildBundleDeps, root: string): Promise<URL | undefined> {
  const entry_path = fileURLToPath(entry);
  const name = relative(root, entry_path).replace(/\.ts$/, '').replace(/[^A-Za-z0-9]+/g, '-');
  const outfile = join(deps.cache_dir, `${name}.mjs`);
  const manifest_file = join(deps.cache_dir, `${name}.json`);
  if (existsSync(outfile) && cachedKeyHolds(root, manifest_file)) return pathToFileURL(outfile);
  mkdirSync(deps.cache_dir, { recursive: true });
  // Built beside its final name and renamed into place, so a run starting meanwhile never forks a
  // half-written file; two runs bundling at once each rename a complete one.
  const tmp = join(dirname(outfile), `.${name}.${process.pid}.mjs`);
  try {
    const inputs = await deps.bundle(entry_path, tmp, root);
    const key = inputsKey(root, inputs);
    if (key === undefined) return undefined;
    renameSync(tmp, outfile);
    writeFileSync(manifest_file, JSON.stringify({ key, inputs } satisfies Manifest));
    return pathToFileURL(outfile);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Whether the manifest's key still matches its inputs; a missing or unreadable manifest means bundle again. */
function cachedKeyHolds(root: string, manifest_file: string): boolean {
  try {
    const manifest = JSON.parse(readFileSync(manifest_file, 'utf8')) as Manifest;
    return Array.isArray(manifest.inputs) && inputsKey(root, manifest.inputs) === manifest.key;
  } catch {
    return false;
  }
}
