import { writeSync } from 'node:fs';

/**
 * Fault injection for the crash tests (docs/durability.md, "Tests"): named points inside the
 * store's transactions where the process can kill itself with SIGKILL, so a test can prove that a
 * `kill -9` landing exactly there — not merely somewhere near — loses nothing and applies nothing
 * twice. A timed `kill -9` from outside almost never hits a window that lasts a millisecond.
 *
 * INERT UNLESS SET: the environment variable `MSP_TWIN_CRASH_AT=<point>[:<n>]` arms one point, to
 * fire the n-th time (default 1) this process reaches it. Nothing else reads it; without it
 * `crashPoint` is one comparison. It is a test hook, not an operator setting.
 */
export const CRASH_POINTS = {
  /** Inside the snapshot's transaction: the snapshot row is written, the transaction not committed. */
  'snapshot': 'inside the snapshot transaction (snapshot row written, not committed)',
  /** Inside compaction's transaction: old snapshots and journal deleted, not committed. */
  'compaction': 'inside the compaction transaction (old snapshots and journal deleted, not committed)',
  /** Inside a group commit's transaction: the batch's journal rows written, not committed (no PUBACK sent). */
  'commit': 'inside a journal commit transaction (rows written, not committed)',
} as const;

export type CrashPoint = keyof typeof CRASH_POINTS;

/** The environment variable that arms a crash point. */
export const CRASH_AT_ENV = 'MSP_TWIN_CRASH_AT';

interface Armed {
  readonly point: CrashPoint;
  readonly nth: number;
  seen: number;
}

function parseArmed(spec: string | undefined): Armed | null {
  if (spec === undefined || spec === '') return null;
  const [point, nth = '1'] = spec.split(':');
  if (!(point! in CRASH_POINTS) || !/^[1-9]\d*$/.test(nth)) {
    throw new Error(`${CRASH_AT_ENV}=${spec}: expected <point>[:<n>] with point one of ${Object.keys(CRASH_POINTS).join(', ')} (a test-only fault-injection hook)`);
  }
  return { point: point as CrashPoint, nth: Number(nth), seen: 0 };
}

const armed = parseArmed(process.env[CRASH_AT_ENV]);

/**
 * Called by the store at each named point. When this point is armed and reached for the n-th time,
 * says so on stderr (synchronously: the line is the test's proof of where the kill landed) and
 * sends this process SIGKILL — no cleanup, no exit handlers, exactly as `kill -9` from outside.
 */
export function crashPoint(point: CrashPoint, detail: string): void {
  if (armed === null || armed.point !== point) return;
  armed.seen++;
  if (armed.seen !== armed.nth) return;
  writeSync(2, `fault injection: SIGKILL ${CRASH_POINTS[point]}: ${detail}\n`);
  process.kill(process.pid, 'SIGKILL');
}
