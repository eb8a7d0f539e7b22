/**
 * Viewer frame rate in headless Chromium on software GL (DESIGN.md §5: 10,000 devices ≥ 40 fps,
 * 50,000 ≥ 20 fps), with state changes every frame: the bench page (viewer/src/sources/
 * bench-source.ts) changes a twentieth of the fleet per frame through the same fold and renderer
 * a replay uses, on the portfolio page where every device is on screen at once.
 *
 * Each size is also measured as a bare pixi ParticleContainer of the same number of dots in the
 * same browser, so the figure can be read against what the machine does at all right now: the
 * 2-core machines this runs on are shared, and absolute fps moves with their load.
 */
import type { Page } from 'playwright-core';
import { DIST_DIR, ensureViewerBuilt } from '../view/build.ts';
import { launchChromium } from '../view/chromium.ts';
import { startViewServer } from '../view/server.ts';
import { MspError } from '../../common/errors.ts';

export const TARGET_FPS: Readonly<Record<number, number>> = { 10_000: 40, 50_000: 20 };

export interface ViewerFps {
  readonly devices: number;
  /** Rendered frames per second over the measurement window. */
  readonly fps: number;
  /** Navigation start → first frame with every device drawn (bundle, pixi init, layout included). */
  readonly first_frame_ms: number;
  /** The same dots in a bare ParticleContainer, same browser, same window. */
  readonly bare_fps: number;
  readonly bare_first_frame_ms: number;
  readonly changes_per_frame: number;
}

export interface ViewerBenchResult {
  readonly viewport: { width: number; height: number };
  readonly gl_renderer: string;
  readonly measure_ms: number;
  readonly sizes: readonly ViewerFps[];
}

interface BenchHook {
  ready: boolean;
  error: string | null;
  frames(): number;
  firstFrameMs(): number | null;
  benchChanges(): number;
  glRenderer?(): string;
}
type W = { __mspTwin: BenchHook };

async function measure(page: Page, url: string, warmup_ms: number, measure_ms: number): Promise<{ fps: number; first_frame_ms: number; changes: number; frames: number; gl: string }> {
  await page.goto(url);
  await page.waitForFunction(() => {
    const h = (globalThis as unknown as Partial<W>).__mspTwin;
    return h !== undefined && (h.error !== null || (h.ready && h.firstFrameMs() !== null));
  }, null, { timeout: 120_000 });
  const error = await page.evaluate(() => (globalThis as unknown as W).__mspTwin.error);
  if (error) throw new MspError('VIEWER_BENCH_PAGE', `${error}`);
  await page.waitForTimeout(warmup_ms);
  const a = await page.evaluate(() => ({ f: (globalThis as unknown as W).__mspTwin.frames(), c: (globalThis as unknown as W).__mspTwin.benchChanges(), t: performance.now() }));
  await page.waitForTimeout(measure_ms);
  const b = await page.evaluate(() => ({ f: (globalThis as unknown as W).__mspTwin.frames(), c: (globalThis as unknown as W).__mspTwin.benchChanges(), t: performance.now() }));
  const first = await page.evaluate(() => (globalThis as unknown as W).__mspTwin.firstFrameMs() ?? -1);
  const gl = await page.evaluate(() => (globalThis as unknown as W).__mspTwin.glRenderer?.() ?? '');
  const frames = b.f - a.f;
  return { fps: (frames * 1000) / (b.t - a.t), first_frame_ms: Math.round(first), changes: b.c - a.c, frames, gl };
}

export async function benchViewer(options: { sizes?: readonly number[]; warmup_ms?: number; measure_ms?: number; viewport?: { width: number; height: number }; on_log?: (line: string) => void } = {}): Promise<ViewerBenchResult> {
  const sizes = options.sizes ?? [10_000, 50_000];
  const warmup_ms = options.warmup_ms ?? 2_000;
  const measure_ms = options.measure_ms ?? 6_000;
  const viewport = options.viewport ?? { width: 1280, height: 800 };
  const log = options.on_log ?? (() => {});
  const built = await ensureViewerBuilt(log);
  if (built.built) log(`viewer: bundle built in ${(built.ms / 1000).toFixed(1)} s`);
  const server = await startViewServer({ dist_dir: DIST_DIR, title: 'bench', mode: 'bench' });
  const chrome = await launchChromium();
  try {
    const out: ViewerFps[] = [];
    let gl_renderer = '';
    // One throwaway load first: the first navigation also pays for compiling the bundle and
    // SwiftShader's shaders, which is not what "time to first frame" at a fleet size is about.
    const warm = await chrome.browser.newPage({ viewport });
    await measure(warm, `${server.url}?bench=1000`, 200, 200).catch(() => undefined);
    await warm.close();
    for (const n of sizes) {
      const page = await chrome.browser.newPage({ viewport });
      try {
        const viewer = await measure(page, `${server.url}?bench=${n}`, warmup_ms, measure_ms);
        if (viewer.changes === 0) throw new MspError('VIEWER_BENCH_STATIC', 'the bench page changed no state while measured');
        gl_renderer = viewer.gl;
        const bare = await measure(page, `${server.url}?bench=${n}&bare=1`, warmup_ms, measure_ms);
        out.push({
          devices: n,
          fps: Math.round(viewer.fps * 10) / 10,
          first_frame_ms: viewer.first_frame_ms,
          bare_fps: Math.round(bare.fps * 10) / 10,
          bare_first_frame_ms: bare.first_frame_ms,
          changes_per_frame: Math.round(viewer.changes / Math.max(1, viewer.frames)),
        });
        log(`viewer: ${n.toLocaleString('en-US')} devices: ${viewer.fps.toFixed(1)} fps (bare ParticleContainer ${bare.fps.toFixed(1)} fps), first frame ${viewer.first_frame_ms} ms`);
      } finally {
        await page.close();
      }
    }
    return { viewport, gl_renderer, measure_ms, sizes: out };
  } finally {
    await chrome.close();
    await server.close();
  }
}
