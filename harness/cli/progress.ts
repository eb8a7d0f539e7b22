import type { RunProgress } from '../run/run-types.ts';
import { int, localStamp } from './format.ts';

const DAY_MS = 86_400_000;

/**
 * A one-line progress bar on a TTY (simulated time, % done, events per wall second). When stderr
 * is not a terminal (a CI log, a file) a run of more than a simulated day writes one plain line per
 * simulated day instead: a month takes minutes, and a log that says nothing for minutes looks
 * hung. Shorter runs stay silent there, so logs and test output stay clean.
 */
export function progressBar(stream: NodeJS.WriteStream, timezone: string, now_ms: () => number): { update(p: RunProgress): void; done(): void } {
  if (!stream.isTTY) return dailyLines(stream, now_ms);
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

/** One line per completed simulated day (and one at the end), for runs longer than a day; nothing otherwise. */
function dailyLines(stream: NodeJS.WritableStream, now_ms: () => number): { update(p: RunProgress): void; done(): void } {
  const started = now_ms();
  let written_days = 0;
  return {
    update(p) {
      const span_ms = p.end_ms - p.start_ms;
      if (span_ms <= DAY_MS) return;
      const total = Math.ceil(span_ms / DAY_MS);
      // The end closes the last, partial day too (2.5 days end on "day 3 of 3", not on day 2).
      const days = p.sim_ms >= p.end_ms ? total : Math.floor((p.sim_ms - p.start_ms) / DAY_MS);
      if (days <= written_days) return;
      written_days = days;
      const elapsed_s = Math.max(0.001, (now_ms() - started) / 1000);
      stream.write(`progress: simulated day ${days} of ${total} done (${Math.round((100 * (p.sim_ms - p.start_ms)) / span_ms)} %), ${int(p.events)} events, ${int(p.messages)} msgs, ${elapsed_s.toFixed(0)} s\n`);
    },
    done() {},
  };
}
