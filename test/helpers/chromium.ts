/**
 * Debian's Chromium for the browser tests. Locally a missing /usr/bin/chromium skips them with one
 * line ("skipping: chromium not found (apt-get install -y chromium)"); under CI=true it fails.
 */
import { existsSync } from 'node:fs';
import { CHROMIUM_PATH, launchChromium, type HeadlessChromium } from '../../harness/view/chromium.ts';
import { requireProgram } from './external-programs.ts';

/** The executable to drive, or undefined when the browser tests must skip. */
export function requireChromium(): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  return requireProgram('chromium', 'chromium');
}

export async function startChromium(executable_path: string): Promise<HeadlessChromium> {
  return launchChromium({ executable_path });
}
