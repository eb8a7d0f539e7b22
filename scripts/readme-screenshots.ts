/**
 * Regenerates the README's viewer screenshots (docs/img/): records the story fixture
 * (test/e2e/fixtures/story.yaml) in memory, serves it with `msp-twin view`, and photographs it in
 * Debian's headless Chromium (harness/view/chromium.ts: the project's flags, a fresh profile).
 *
 *   npx tsx scripts/readme-screenshots.ts [--out DIR]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../harness/cli/main.ts';
import { ensureViewerBuilt } from '../harness/view/build.ts';
import { launchChromium } from '../harness/view/chromium.ts';

const ROOT = join(import.meta.dirname, '..');
const out_at = process.argv.indexOf('--out');
const OUT = out_at > 0 ? process.argv[out_at + 1]! : join(ROOT, 'docs/img');

type Hook = { __mspTwin: { ready: boolean; error: string | null; navigate(n: unknown): Promise<void>; settle(): Promise<void>; select(id: string): void; selectIncident(id: string | null, seek?: boolean): void; showSummary(s: boolean): void; seek(t: number): void } };

async function run(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'msp-twin-shots-'));
  const quiet = { write: () => true };
  await main(['run', 'test/e2e/fixtures/story.yaml', '--transport', 'memory', '--out', dir], { stdout: quiet, stderr: quiet });
  await ensureViewerBuilt();
  const view = spawn(process.execPath, [join(ROOT, 'bin/msp-twin.js'), 'view', '--trace', dir, '--port', '0', '--no-build'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    view.stdout!.on('data', (c: Buffer) => {
      text += c.toString('utf8');
      const m = /viewer: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(text);
      if (m) resolve(m[1]!);
    });
    view.once('exit', (code) => reject(new Error(`msp-twin view exited (${code})`)));
  });
  const chrome = await launchChromium();
  try {
    const lines = readFileSync(join(dir, 'trace.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const power = lines.find((l) => l.k === 'p.inc' && String(l.scope).startsWith('gateway:store'))!;
    const gateway = lines.find((l) => l.k === 'p.inc' && String(l.scope).startsWith('gateway:tower'))!;
    const leak = lines.find((l) => l.k === 'p.inc' && String(l.scope).includes('leak'))!;
    const page = await chrome.browser.newPage({ viewport: { width: 1600, height: 900 } });
    const open = async (query: string): Promise<void> => {
      await page.goto(`${url}${query}`);
      await page.waitForFunction(() => (globalThis as unknown as Hook).__mspTwin?.ready === true || (globalThis as unknown as Hook).__mspTwin?.error !== null, null, { timeout: 60_000 });
      await page.evaluate(() => (globalThis as unknown as Hook).__mspTwin.settle());
      await page.waitForTimeout(600);
    };
    const shots: Array<[string, string, (() => Promise<void>) | null]> = [
      ['viewer-summary.png', '', null],
      // Two minutes into the gateway outage: the floor behind it hatched and outlined, the chain open.
      ['viewer-gateway-outage.png', `?at=${Number(gateway.t) + 5 * 60_000}`, async () => {
        await page.evaluate((id) => (globalThis as unknown as Hook).__mspTwin.selectIncident(id, false), String(gateway.id));
      }],
      ['viewer-power-cut.png', `?at=${Number(power.t) + 10 * 60_000}`, async () => {
        await page.evaluate((id) => (globalThis as unknown as Hook).__mspTwin.selectIncident(id, false), String(power.id));
      }],
      ['viewer-leak-chain.png', `?incident=${String(leak.id)}`, async () => {
        await page.evaluate((t) => (globalThis as unknown as Hook).__mspTwin.seek(t), Number(leak.t) + 5 * 60_000);
        await page.evaluate(() => (globalThis as unknown as Hook).__mspTwin.select('tower-f02-leak-001'));
      }],
    ];
    for (const [name, query, then] of shots) {
      await open(query);
      if (then) await then();
      await page.evaluate(() => (globalThis as unknown as Hook).__mspTwin.settle());
      await page.waitForTimeout(700);
      await page.screenshot({ path: join(OUT, name) });
      process.stdout.write(`${join(OUT, name)}\n`);
    }
  } finally {
    await chrome.close();
    view.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

run().catch((err: unknown) => {
  process.stderr.write(`screenshots: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
