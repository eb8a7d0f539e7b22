/**
 * The viewer bundle is built, not committed: `npm run build`, or on demand by `msp-twin view` and
 * `run --view` when viewer/dist is missing or older than any viewer source. Builds go to a
 * temporary directory and are swapped in, under a lock, so two processes (two test files, a CLI
 * and a test) never serve or build a half-written bundle.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MspError } from '../../common/errors.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const VIEWER_DIR = join(REPO_ROOT, 'viewer');
export const DIST_DIR = join(VIEWER_DIR, 'dist');
const LOCK_DIR = join(tmpdir(), 'msp-twin-viewer-build.lock');
const LOCK_STALE_MS = 5 * 60_000;
const LOCK_WAIT_MS = 180_000;

/** Files whose change makes the bundle stale (the pixi.js and mqtt versions count: they are bundled). */
function sources(): string[] {
  const out = [join(VIEWER_DIR, 'index.html'), join(VIEWER_DIR, 'vite.config.ts'), join(REPO_ROOT, 'node_modules/pixi.js/package.json'), join(REPO_ROOT, 'node_modules/mqtt/package.json')];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(join(VIEWER_DIR, 'src'));
  walk(join(REPO_ROOT, 'platform/contract'));
  return out;
}

function mtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

export interface BuildState {
  readonly fresh: boolean;
  readonly reason: string;
}

export function viewerBuildState(): BuildState {
  const built = mtime(join(DIST_DIR, 'index.html'));
  if (built === 0) return { fresh: false, reason: 'no bundle yet' };
  const newest = Math.max(...sources().map(mtime));
  return newest > built ? { fresh: false, reason: 'sources changed since the last build' } : { fresh: true, reason: 'up to date' };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms)); // wall-clock: waiting for another process's build
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = performance.now() + LOCK_WAIT_MS; // wall-clock: bounded wait for another build
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      break;
    } catch {
      const held = mtime(LOCK_DIR);
      if (held > 0 && Date.now() - held > LOCK_STALE_MS) rmSync(LOCK_DIR, { recursive: true, force: true }); // wall-clock: a crashed builder's lock
      if (performance.now() > deadline) throw new MspError('VIEW_BUILD_LOCKED', `another viewer build held ${LOCK_DIR} for ${LOCK_WAIT_MS / 1000} s`);
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

/** Builds the bundle now (vite, the same config as `npm run build`). */
export async function buildViewer(): Promise<void> {
  const tmp = `${DIST_DIR}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const { build } = await import('vite');
  await build({ configFile: join(VIEWER_DIR, 'vite.config.ts'), logLevel: 'error', build: { outDir: tmp, emptyOutDir: true } });
  rmSync(DIST_DIR, { recursive: true, force: true });
  renameSync(tmp, DIST_DIR);
}

/** Builds when missing or stale; returns what it did, for one line of output. */
export async function ensureViewerBuilt(on_log: (line: string) => void = () => {}): Promise<{ built: boolean; ms: number }> {
  if (viewerBuildState().fresh) return { built: false, ms: 0 };
  return withLock(async () => {
    const state = viewerBuildState(); // another process may have built it while we waited
    if (state.fresh) return { built: false, ms: 0 };
    on_log(`viewer: building the bundle (${state.reason})…`);
    const t0 = performance.now(); // wall-clock: reporting build time
    await buildViewer();
    if (!existsSync(join(DIST_DIR, 'index.html'))) throw new MspError('VIEW_BUILD_FAILED', 'vite produced no index.html');
    return { built: true, ms: Math.round(performance.now() - t0) }; // wall-clock: as above
  });
}
