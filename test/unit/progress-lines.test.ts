/**
 * Where stderr is not a terminal (a CI log), a run longer than a simulated day says how far it has
 * got once a simulated day; a shorter run writes nothing there (harness/cli/progress.ts).
 */
import { describe, expect, it } from 'vitest';
import { progressBar } from '../../harness/cli/progress.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5);

function logOf(span_ms: number): string[] {
  const written: string[] = [];
  const stream = { isTTY: false, write: (s: string) => (written.push(s), true) } as unknown as NodeJS.WriteStream;
  let wall = 0;
  const bar = progressBar(stream, 'America/New_York', () => (wall += 250));
  for (let t = HOUR; t <= span_ms; t += HOUR) bar.update({ sim_ms: T0 + t, start_ms: T0, end_ms: T0 + span_ms, events: t / 1000, messages: t / 10_000 });
  if (span_ms % HOUR !== 0) bar.update({ sim_ms: T0 + span_ms, start_ms: T0, end_ms: T0 + span_ms, events: 1, messages: 1 });
  bar.done();
  return written;
}

describe('progress where stderr is not a terminal', () => {
  it('writes one line per simulated day of a run longer than a day, the last at the end', () => {
    const lines = logOf(60 * HOUR);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^progress: simulated day 1 of 3 done \(40 %\), 86,400 events, 8,640 msgs, \d+ s\n$/);
    expect(lines[1]).toMatch(/^progress: simulated day 2 of 3 done \(80 %\)/);
    // A partial last day is closed at the end, so the log never stops short of 100 %.
    expect(lines[2]).toMatch(/^progress: simulated day 3 of 3 done \(100 %\)/);
    expect(logOf(72 * HOUR)).toHaveLength(3);
    expect(logOf(72 * HOUR).at(-1)).toMatch(/^progress: simulated day 3 of 3 done \(100 %\)/);
    expect(logOf(61 * HOUR + HOUR / 2)).toHaveLength(3);
  });

  it('writes nothing for a run of a day or less', () => {
    expect(logOf(24 * HOUR)).toEqual([]);
    expect(logOf(6 * HOUR)).toEqual([]);
  });
});
