/**
 * The viewer end to end, in Debian's headless Chromium: a replay of a recorded scenario (state at
 * given simulated times compared against an independent fold of the trace file, device details
 * on click, the scrubber backward and forward, the incident jump) and a live run (a gateway's last
 * will shown within a second). Screenshots land in out/e2e/ (gitignored) for people to look at.
 *
 * One file so the bundle check, the recorded run and the browser are shared and nothing here
 * competes with itself for the machine's two cores.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEV_SECRET, rolePassword, VIEWER_USERNAME } from '../../platform/contract/credentials.ts';
import { main } from '../../harness/cli/main.ts';
import type { HeadlessChromium } from '../../harness/view/chromium.ts';
import { ensureViewerBuilt } from '../../harness/view/build.ts';
import { requireChromium, startChromium } from '../helpers/chromium.ts';
import { foldAt, type TraceLine } from './trace-fold.ts';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/msp-twin.js');
const ARTIFACTS = join(ROOT, 'out/e2e');
const CHROMIUM = requireChromium();

interface Snapshot {
  t_ms: number;
  devices: number;
  by_status: Record<string, number>;
  by_liveness: Record<string, number>;
  statuses: Record<string, string>;
  active_alerts: string[];
  incidents: Record<string, string>;
  selected: string | null;
}

/** Spawns the CLI and resolves once `pattern` shows up on stdout or stderr. */
function spawnCli(args: string[], pattern: RegExp, timeout_ms = 60_000): Promise<{ child: ChildProcess; match: RegExpExecArray; output: () => string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern} from msp-twin ${args.join(' ')}:\n${output}`)), timeout_ms);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const m = pattern.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m, output: () => output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`msp-twin ${args.join(' ')} exited (${code}) before printing ${pattern}:\n${output}`));
    });
  });
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function openViewer(chrome: HeadlessChromium, url: string, viewport: { width: number; height: number }): Promise<Page> {
  const page = await chrome.browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => (globalThis as unknown as Partial<W>).__mspTwin?.ready === true || (globalThis as unknown as Partial<W>).__mspTwin?.error !== null, null, { timeout: 60_000 });
  const error = await page.evaluate(() => (globalThis as unknown as W).__mspTwin.error);
  expect(error, errors.join('\n')).toBeNull();
  return page;
}

/** The page's test hook (viewer/src/main.ts); the casts vanish when the function is sent to the page. */
interface TwinHook {
  ready: boolean;
  error: string | null;
  snapshot(): Snapshot;
  seek(t: number): void;
  navigate(nav: unknown): Promise<void>;
  select(id: string): void;
  screenPosition(id: string): { x: number; y: number } | null;
  settle(): Promise<void>;
  connection?(): string;
  offlineSeenAt(id: string): number | null;
  device(id: string): { state: string; status: string } | null;
}
type W = { __mspTwin: TwinHook };

const snapshot = (page: Page): Promise<Snapshot> => page.evaluate(() => (globalThis as unknown as W).__mspTwin.snapshot());

function expectSameState(snap: Snapshot, lines: readonly TraceLine[]): void {
  const want = foldAt(lines, snap.t_ms);
  expect(snap.devices, `devices at ${snap.t_ms}`).toBe(want.devices);
  expect(snap.by_status).toEqual(want.by_status);
  expect(snap.by_liveness).toEqual(want.by_liveness);
  for (const [id, status] of want.statuses) expect(snap.statuses[id], `status of ${id} at ${snap.t_ms}`).toBe(status);
  expect(snap.active_alerts).toEqual(want.active_alerts);
  expect(snap.incidents).toEqual(want.incidents);
}

describe.skipIf(CHROMIUM === undefined)('viewer in headless Chromium', () => {
  let chrome: HeadlessChromium;
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // Built once per test run (a no-op when viewer/dist is fresh); the CLI below then finds it fresh.
    await ensureViewerBuilt();
    chrome = await startChromium(CHROMIUM!);
  }, 120_000);
  afterAll(async () => {
    await chrome?.close();
  });

  describe('replay of a recorded scenario (outages: a gateway down 2 h, a leak)', () => {
    let run_dir: string;
    let lines: TraceLine[];
    let view: ChildProcess | undefined;
    let url: string;
    let start_ms: number;
    let end_ms: number;
    let page: Page;

    beforeAll(async () => {
      run_dir = mkdtempSync(join(tmpdir(), 'msp-twin-e2e-'));
      const quiet = { write: () => true };
      const code = await main(['run', 'test/fixtures/outages.yaml', '--transport', 'memory', '--out', run_dir, '--json'], { stdout: quiet, stderr: quiet });
      expect(code).toBeLessThanOrEqual(1); // 1 = an expectation of the scenario failed; the trace is still whole
      lines = readFileSync(join(run_dir, 'trace.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as TraceLine);
      const run = lines[0]!;
      start_ms = run.start_ms as number;
      end_ms = run.end_ms as number;
      const started = await spawnCli(['view', '--trace', run_dir, '--port', '0', '--no-build'], /viewer: (http:\/\/127\.0\.0\.1:\d+\/)/);
      view = started.child;
      url = started.match[1]!;
      page = await openViewer(chrome, `${url}?t=${start_ms + 4 * 3_600_000 + 20 * 60_000}`, { width: 1280, height: 800 });
    }, 120_000);

    afterAll(async () => {
      await page?.close();
      await stop(view);
      if (run_dir) rmSync(run_dir, { recursive: true, force: true });
    });

    it('shows the device count and states the trace implies at a given simulated time', async () => {
      const snap = await snapshot(page);
      expect(snap.t_ms).toBe(start_ms + 4 * 3_600_000 + 20 * 60_000);
      expectSameState(snap, lines);
      // Mid-outage: the floor behind the dead gateway is down and there is something to look at.
      expect(snap.by_status.offline ?? 0).toBeGreaterThan(5);
      expect(snap.by_status.alerting ?? 0).toBeGreaterThan(0);
      // The clock shows the simulated time in the site's zone (New York, 10:20 on 3 March 2026).
      await expect.poll(() => page.locator('[data-testid="clock"]').textContent()).toBe('10:20:00');
    });

    it('at the end of the run agrees with the platform\'s own final liveness counts', async () => {
      await page.evaluate((t) => (globalThis as unknown as W).__mspTwin.seek(t), end_ms);
      const snap = await snapshot(page);
      expectSameState(snap, lines);
      const summary = JSON.parse(readFileSync(join(run_dir, 'summary.json'), 'utf8')) as { platform: { devices_by_liveness: Record<string, number> } };
      const nonzero = Object.fromEntries(Object.entries(summary.platform.devices_by_liveness).filter(([, n]) => n > 0));
      expect(snap.by_liveness).toEqual(nonzero);
    });

    it('opens a device\'s details when it is clicked on the floor plan', async () => {
      await page.evaluate((t) => (globalThis as unknown as W).__mspTwin.seek(t), start_ms + 4 * 3_600_000 + 20 * 60_000);
      await page.evaluate(() => (globalThis as unknown as W).__mspTwin.navigate({ level: 'floor', building: 'hq', floor: 'hq-f01' }));
      const id = 'hq-f01-gw-001';
      const pos = await page.evaluate((d) => (globalThis as unknown as W).__mspTwin.screenPosition(d), id);
      expect(pos).not.toBeNull();
      const { x, y } = pos as { x: number; y: number };
      await page.mouse.click(x, y);
      const details = page.locator('[data-testid="details"]');
      await expect.poll(() => details.isVisible()).toBe(true);
      await expect.poll(() => page.locator('[data-testid="details-id"]').textContent()).toBe(id);
      const birth = foldAt(lines, start_ms + 4 * 3_600_000 + 20 * 60_000).births.get(id)!;
      const text = (await details.textContent()) ?? '';
      expect(text).toContain(String(birth.model));
      expect(text).toContain(String(birth.fw));
      expect(text).toContain('Last telemetry');
      const want = foldAt(lines, start_ms + 4 * 3_600_000 + 20 * 60_000).statuses.get(id);
      expect(await page.locator('[data-testid="details-status"]').getAttribute('data-status')).toBe(want);
      // Its alert is listed, and its last telemetry values arrive (fetched back from the trace by range).
      await expect.poll(async () => (await details.textContent()) ?? '').toContain('Gateway offline');
      await expect.poll(async () => (await details.textContent()) ?? '').toContain('uptime_s');
      await page.screenshot({ path: join(ARTIFACTS, 'viewer-replay-floor-1280x800.png') });
      expect(statSync(join(ARTIFACTS, 'viewer-replay-floor-1280x800.png')).size).toBeGreaterThan(10_000);
    });

    it('the scrubber moves the state backward and forward in simulated time', async () => {
      const scrubber = page.locator('[data-testid="scrubber"]');
      const box = (await scrubber.boundingBox())!;
      // Chromium's range thumb is 16 px: values map onto [left + 8, right - 8].
      const clickAt = async (t: number): Promise<Snapshot> => {
        const f = (t - start_ms) / (end_ms - start_ms);
        await page.mouse.click(box.x + 8 + f * (box.width - 16), box.y + box.height / 2);
        return snapshot(page);
      };
      const during = await snapshot(page);
      const before = await clickAt(start_ms + 2 * 3_600_000);
      expect(before.t_ms).toBeLessThan(during.t_ms);
      expect(Math.abs(before.t_ms - (start_ms + 2 * 3_600_000))).toBeLessThan(5 * 60_000);
      expectSameState(before, lines);
      expect(before.by_status.offline ?? 0).toBe(0);
      const again = await clickAt(start_ms + 4 * 3_600_000 + 20 * 60_000);
      expect(again.t_ms).toBeGreaterThan(before.t_ms);
      expectSameState(again, lines);
      expect(again.by_status.offline ?? 0).toBeGreaterThan(5);
      // The same simulated time always renders the same state, however we got there.
      await page.evaluate((t) => (globalThis as unknown as W).__mspTwin.seek(t), again.t_ms);
      const direct = await snapshot(page);
      expect(direct.statuses).toEqual(again.statuses);
      // Play moves time forward; pause stops it.
      await page.selectOption('[data-testid="speed"]', '3600');
      await page.click('[data-testid="play"]');
      await page.waitForTimeout(700);
      await page.click('[data-testid="play"]');
      const played = await snapshot(page);
      expect(played.t_ms).toBeGreaterThan(again.t_ms + 10 * 60_000);
      expectSameState(played, lines);
    });

    it('"Next incident" jumps to the next incident\'s opening and shows where it is', async () => {
      await page.evaluate((t) => (globalThis as unknown as W).__mspTwin.seek(t), start_ms);
      await page.click('[data-testid="next-incident"]');
      const snap = await snapshot(page);
      const first = lines.find((l) => l.k === 'p.inc')!;
      expect(snap.t_ms).toBe(first.t);
      expectSameState(snap, lines);
      expect(Object.keys(snap.incidents)).toContain(first.id);
      await page.screenshot({ path: join(ARTIFACTS, 'viewer-replay-incident-1280x800.png') });
    });

    it('looks right at 1920×1080: portfolio, building and floor pages (screenshots in out/e2e/)', async () => {
      // The same page at the bigger size (reloading the trace would only cost time).
      const big = page;
      await big.evaluate(() => (globalThis as unknown as W).__mspTwin.select(''));
      await big.evaluate((t) => (globalThis as unknown as W).__mspTwin.seek(t), start_ms + 4 * 3_600_000 + 20 * 60_000);
      await big.setViewportSize({ width: 1920, height: 1080 });
      await big.evaluate(() => (globalThis as unknown as W).__mspTwin.navigate({ level: 'portfolio' }));
      try {
        await big.evaluate(() => (globalThis as unknown as W).__mspTwin.settle());
        await big.screenshot({ path: join(ARTIFACTS, 'viewer-replay-portfolio-1920x1080.png') });
        await big.evaluate(() => (globalThis as unknown as W).__mspTwin.navigate({ level: 'building', building: 'hq' }));
        await big.screenshot({ path: join(ARTIFACTS, 'viewer-replay-building-1920x1080.png') });
        await big.evaluate(() => (globalThis as unknown as W).__mspTwin.navigate({ level: 'floor', building: 'hq', floor: 'hq-f01' }));
        await big.evaluate(() => (globalThis as unknown as W).__mspTwin.select('hq-f01-gw-001'));
        await big.evaluate(() => (globalThis as unknown as W).__mspTwin.settle());
        await big.waitForTimeout(300);
        await big.screenshot({ path: join(ARTIFACTS, 'viewer-replay-floor-1920x1080.png') });
        // No panel overlaps another: the side panels sit right of the stage, the time bar under it.
        const rect = (sel: string) => big.locator(sel).first().boundingBox();
        const stage = (await rect('#stage'))!;
        const side = (await rect('aside.side'))!;
        const bar = (await rect('footer.timebar'))!;
        expect(stage.x + stage.width).toBeLessThanOrEqual(side.x + 0.5);
        expect(stage.y + stage.height).toBeLessThanOrEqual(bar.y + 0.5);
      } finally {
        await big.setViewportSize({ width: 1280, height: 800 });
      }
      for (const f of ['viewer-replay-portfolio-1920x1080.png', 'viewer-replay-building-1920x1080.png', 'viewer-replay-floor-1920x1080.png']) expect(statSync(join(ARTIFACTS, f)).size).toBeGreaterThan(10_000);
    });
  });

  describe('live: msp-twin run --speed 30 --view', () => {
    it('shows a gateway going offline within a second of its last will', async () => {
      const page = await chrome.browser.newPage({ viewport: { width: 1280, height: 800 } });
      let run: ChildProcess | undefined;
      let sub: mqtt.MqttClient | undefined;
      try {
        const started = await spawnCli(['run', 'test/e2e/fixtures/live-gateway-down.yaml', '--speed', '30', '--view'], /viewer: (http:\/\/127\.0\.0\.1:\d+\/)/);
        run = started.child;
        const broker = /broker: embedded (mqtt:\/\/127\.0\.0\.1:\d+)/.exec(started.output())![1]!;
        // A second read-only client, to time the will as the broker sends it.
        sub = await mqtt.connectAsync(broker, { username: VIEWER_USERNAME, password: rolePassword(DEFAULT_DEV_SECRET, 'viewer'), clientId: 'e2e-will-timer', reconnectPeriod: 0 });
        let will_at: number | null = null;
        sub.on('message', (_topic, payload) => {
          const p = JSON.parse(payload.toString('utf8')) as { state?: string; reason?: string };
          if (p.state === 'offline' && p.reason === 'will' && will_at === null) will_at = Date.now();
        });
        await sub.subscribeAsync('msp/v1/nyc/hq-f01-gw-001/state', { qos: 0 });
        await page.goto(started.match[1]!);
        await page.waitForFunction(() => (globalThis as unknown as Partial<W>).__mspTwin?.ready === true && (globalThis as unknown as W).__mspTwin.connection?.() === 'connected', null, { timeout: 30_000 });
        // The retained births give the whole fleet at once.
        await page.waitForFunction(() => ((globalThis as unknown as W).__mspTwin.snapshot()).devices === 30, null, { timeout: 15_000 });
        expect(will_at, 'the page must be watching before the gateway dies (8 simulated minutes at ×30)').toBeNull();
        await page.evaluate(() => (globalThis as unknown as W).__mspTwin.navigate({ level: 'floor', building: 'hq', floor: 'hq-f01' }));
        await page.waitForFunction(() => (globalThis as unknown as W).__mspTwin.offlineSeenAt('hq-f01-gw-001') !== null, null, { timeout: 40_000 });
        const seen_at = (await page.evaluate(() => (globalThis as unknown as W).__mspTwin.offlineSeenAt('hq-f01-gw-001'))) as number;
        await expect.poll(() => will_at, { timeout: 5_000 }).not.toBeNull();
        expect(Math.abs(seen_at - will_at!), `the page saw the will ${seen_at - will_at!} ms after the test's own subscriber`).toBeLessThan(1_000);
        const device = (await page.evaluate(() => (globalThis as unknown as W).__mspTwin.device('hq-f01-gw-001'))) as { state: string; status: string };
        expect(device.state).toBe('offline');
        expect(['offline', 'alerting']).toContain(device.status);
        // The platform's decisions arrive too (server-sent): the outage incident opens.
        await page.waitForFunction(() => Object.keys(((globalThis as unknown as W).__mspTwin.snapshot()).incidents).length > 0, null, { timeout: 20_000 });
        await page.evaluate(() => (globalThis as unknown as W).__mspTwin.settle());
        await page.waitForTimeout(500); // the side panels refresh four times a second
        await page.screenshot({ path: join(ARTIFACTS, 'viewer-live-floor-1280x800.png') });
      } finally {
        await sub?.endAsync().catch(() => {});
        await page.close();
        await stop(run);
      }
    });
  });
});
