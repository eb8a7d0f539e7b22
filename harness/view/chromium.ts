/**
 * Headless Chromium for the viewer's end-to-end tests and benchmark: Debian's own build at
 * /usr/bin/chromium driven by playwright-core (which never downloads a browser). The flags are
 * exactly the project's list plus the two a controller cannot do without: a fresh profile
 * directory, and the pipe playwright talks to the browser over.
 *
 * --disable-gpu leaves WebGL to SwiftShader (ANGLE on Vulkan/SwiftShader in Chromium 156): pixi's
 * WebGL2 renderer works on it without --use-angle or --enable-unsafe-swiftshader (measured; the
 * console's deprecation notice about automatic software fallback is expected).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface HeadlessChromium {
  readonly browser: Browser;
  close(): Promise<void>;
}

export async function launchChromium(options: { executable_path?: string; timeout_ms?: number } = {}): Promise<HeadlessChromium> {
  const profile = mkdtempSync(join(tmpdir(), 'msp-twin-chromium-'));
  try {
    const browser = await chromium.launch({
      executablePath: options.executable_path ?? CHROMIUM_PATH,
      // Our flags only: playwright's defaults would add a dozen more.
      ignoreDefaultArgs: true,
      args: [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, '--remote-debugging-pipe'],
      timeout: options.timeout_ms ?? 60_000,
    });
    return {
      browser,
      close: async () => {
        await browser.close().catch(() => {});
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}
