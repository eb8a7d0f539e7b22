/**
 * An independent oracle for site-local time in tests: built on `Intl.DateTimeFormat` and
 * `Date.UTC` only, never on platform/contract/local-time or platform/sla/intervals, so a test that
 * checks the platform's window and DST arithmetic against it is not checking a function against
 * itself. Deliberately naive (one formatter call per question, day-by-day loops): it only has to
 * be obviously right, not fast.
 */

const MIN_MS = 60_000;
const DAY_MS = 86_400_000;
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

export interface Wall {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  /** 0 = Sunday. */
  readonly weekday: number;
  readonly minute_of_day: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, year: 'numeric', month: 'numeric', day: 'numeric', weekday: 'short', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' });
    formatters.set(tz, f);
  }
  return f;
}

/** The wall clock in `tz` at instant `t` (to the minute), as Intl says. */
export function wallClock(tz: string, t: number): Wall {
  const parts = formatter(tz).formatToParts(t);
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)!.value;
  return {
    year: Number(get('year')),
    month: Number(get('month')),
    day: Number(get('day')),
    weekday: WEEKDAYS.indexOf(get('weekday')),
    minute_of_day: Number(get('hour')) * 60 + Number(get('minute')),
  };
}

/** Minutes the wall clock in `tz` is ahead of UTC at instant `t`. */
function offsetMin(tz: string, t: number): number {
  const w = wallClock(tz, t);
  const wall_as_utc = Date.UTC(w.year, w.month - 1, w.day) + w.minute_of_day * MIN_MS;
  return Math.round((wall_as_utc - Math.floor(t / MIN_MS) * MIN_MS) / MIN_MS);
}

/**
 * The instant the wall clock in `tz` reads y-m-d + minute_of_day (day may overflow, like Date.UTC).
 * Twice-read times (autumn) give the earlier instant; skipped times (spring) move forward by the
 * gap, as a person resetting a clock would (02:30 on the spring-forward night is 03:30).
 */
export function wallToUtc(tz: string, year: number, month: number, day: number, minute_of_day: number): number {
  const wall = Date.UTC(year, month - 1, day) + minute_of_day * MIN_MS;
  const early = offsetMin(tz, wall - DAY_MS);
  const late = offsetMin(tz, wall + DAY_MS);
  const candidates = [wall - early * MIN_MS, wall - late * MIN_MS].filter((t) => {
    const w = wallClock(tz, t);
    return Date.UTC(w.year, w.month - 1, w.day) + w.minute_of_day * MIN_MS === wall;
  });
  if (candidates.length > 0) return Math.min(...candidates);
  return wall - early * MIN_MS; // in the gap: the pre-change offset lands gap-length later on the wall
}

/** Sort, merge touching/overlapping, clip to [from, to): written out here so no platform code is involved. */
function mergeClip(list: Array<[number, number]>, from: number, to: number): Array<[number, number]> {
  const sorted = list.map(([s, e]): [number, number] => [Math.max(s, from), Math.min(e, to)]).filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [s, e] of sorted) {
    const last = out.at(-1);
    if (last !== undefined && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** Every local calendar date (and its weekday) from `before_days` before the date of `from` to a couple of days past `to`. */
function localDates(tz: string, from: number, to: number, before_days: number): Array<{ y: number; m: number; d: number; weekday: number }> {
  const first = wallClock(tz, from);
  const out: Array<{ y: number; m: number; d: number; weekday: number }> = [];
  const last_k = Math.ceil((to - from) / DAY_MS) + 2;
  for (let k = -before_days; k <= last_k; k++) {
    const date = new Date(Date.UTC(first.year, first.month - 1, first.day + k));
    out.push({ y: date.getUTCFullYear(), m: date.getUTCMonth() + 1, d: date.getUTCDate(), weekday: date.getUTCDay() });
  }
  return out;
}

/** Occurrences of weekly windows (open at start_min local time on each listed weekday, for duration_ms of real time) over [from, to). */
export function weeklyWindowsByIntl(windows: ReadonlyArray<{ days: readonly number[]; start_min: number; duration_ms: number }>, tz: string, from: number, to: number): Array<[number, number]> {
  const raw: Array<[number, number]> = [];
  for (const w of windows) {
    const before = Math.ceil(w.duration_ms / DAY_MS) + 1;
    for (const { y, m, d, weekday } of localDates(tz, from, to, before)) {
      if (!w.days.includes(weekday)) continue;
      const s = wallToUtc(tz, y, m, d, w.start_min);
      raw.push([s, s + w.duration_ms]);
    }
  }
  return mergeClip(raw, from, to);
}

/** Business hours (wall-clock start and end on each listed weekday) over [from, to). */
export function businessHoursByIntl(days: readonly number[], start_min: number, end_min: number, tz: string, from: number, to: number): Array<[number, number]> {
  const raw: Array<[number, number]> = [];
  for (const { y, m, d, weekday } of localDates(tz, from, to, 1)) {
    if (days.includes(weekday)) raw.push([wallToUtc(tz, y, m, d, start_min), wallToUtc(tz, y, m, d, end_min)]);
  }
  return mergeClip(raw, from, to);
}
