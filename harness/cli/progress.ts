import type { RunProgress } from '../run/run-types.ts';
import { int, localStamp } from './format.ts';

/**
 * A one-line progress bar on a TTY (simulated time, % done, events per wall second); silent when
 * stderr is not a terminal so logs and CI output stay clean.
 */
export function progressBar(stream: NodeJS.WriteStream, timezone: string, now_ms: () => number): { update(p: RunProgress): void; done(): void } {
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
  const started = now_ms();
  let drawn = false;
  return {
    update(p) {
      const frac = (p.sim_ms - p.start_ms) / Math.max(1, p.end_ms - p.start_ms);
      const width = 24;
      const filled = Math.round(frac * width);
      const elapsed_s = Math.max(0.001, (now_ms() - started) / 1000);
      const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}%  sim ${localStamp(timezone, p.sim_ms)}  ${int(p.events / elapsed_s)} events/s  ${int(p.messages)} msgs`;
      stream.write(`\r${line}\x1b[K`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
