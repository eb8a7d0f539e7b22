/**
 * Exact interval arithmetic on integer milliseconds, half-open [start, end).
 *
 * An `IntervalSet` is normalised: sorted by start, every interval non-empty, and no two touching
 * or overlapping (touching ones are merged, so [0,5) ∪ [5,9) is [0,9)). Every function here takes
 * and returns normalised sets, which makes equality of sets plain deep equality and every length
 * an exact integer sum. All operations are linear merges (O(n + m)), no floating point.
 */
import type { SlaContract } from './contract.ts';
import { localTime, zonedToUtcMs } from '../contract/local-time.ts';

export type Interval = readonly [start_ms: number, end_ms: number];
export type IntervalSet = readonly Interval[];

const DAY_MS = 86_400_000;

/** Normalises any list of intervals (unsorted, overlapping, empty ones) into a set: their union. */
export function normalize(intervals: readonly Interval[]): IntervalSet {
  const sorted = intervals.filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: Array<[number, number]> = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && s <= last[1]) {
      if (e > last[1]) last[1] = e;
    } else {
      out.push([s, e]);
    }
  }
  return out;
}

export function union(a: IntervalSet, b: IntervalSet): IntervalSet {
  return normalize([...a, ...b]);
}

export function intersect(a: IntervalSet, b: IntervalSet): IntervalSet {
  const out: Array<[number, number]> = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const s = Math.max(x[0], y[0]);
    const e = Math.min(x[1], y[1]);
    if (e > s) out.push([s, e]);
    // Advance whichever ends first; the other may still overlap the next one.
    if (x[1] < y[1]) i++;
    else j++;
  }
  return out;
}

/** a \ b */
export function subtract(a: IntervalSet, b: IntervalSet): IntervalSet {
  const out: Array<[number, number]> = [];
  let j = 0;
  for (const [s0, e] of a) {
    let s = s0;
    while (j < b.length && b[j]![1] <= s) j++;
    let k = j;
    while (k < b.length && b[k]![0] < e) {
      const [bs, be] = b[k]!;
      if (bs > s) out.push([s, bs]);
      s = Math.max(s, be);
      if (s >= e) break;
      k++;
    }
    if (s < e) out.push([s, e]);
  }
  return out;
}

export function totalMs(a: IntervalSet): number {
  let sum = 0;
  for (const [s, e] of a) sum += e - s;
  return sum;
}

/** a ∩ [from_ms, to_ms) */
export function clip(a: IntervalSet, from_ms: number, to_ms: number): IntervalSet {
  if (to_ms <= from_ms) return [];
  return intersect(a, [[from_ms, to_ms]]);
}

/** Whether instant t lies in the set (binary search). */
export function containsMs(a: IntervalSet, t: number): boolean {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [s, e] = a[mid]!;
    if (t < s) hi = mid - 1;
    else if (t >= e) lo = mid + 1;
    else return true;
  }
  return false;
}

/**
 * The local calendar days (as offsets from the local date of `from_ms`) that can contribute to
 * [from_ms, to_ms): callback gets (year, month, day-of-month possibly overflowing, weekday).
 * zonedToUtcMs normalises an overflowing day like Date.UTC, so no calendar arithmetic is needed.
 */
function forEachLocalDay(timezone: string, from_ms: number, to_ms: number, before_days: number, fn: (y: number, m: number, d: number, weekday: number) => void): void {
  const lt = localTime(timezone, from_ms);
  const first = -before_days;
  // Local days are 23–25 h long, so +2 covers the last partial day whatever the offset.
  const last = Math.ceil((to_ms - from_ms) / DAY_MS) + 2;
  for (let k = first; k <= last; k++) {
    fn(lt.year, lt.month, lt.day + k, (((lt.weekday + k) % 7) + 7) % 7);
  }
}

/** The contract's agreed service hours over [from_ms, to_ms) in `timezone`, before maintenance. */
export function serviceHours(contract: SlaContract, timezone: string, from_ms: number, to_ms: number): IntervalSet {
  if (to_ms <= from_ms) return [];
  const sh = contract.service_hours;
  if (sh.kind === '24x7') return [[from_ms, to_ms]];
  const days = new Set(sh.days);
  const out: Array<[number, number]> = [];
  forEachLocalDay(timezone, from_ms, to_ms, 1, (y, m, d, weekday) => {
    if (!days.has(weekday)) return;
    // Wall-clock bounds: on a DST day an 08:00–18:00 window is still 08:00–18:00 on the wall,
    // so its length in ms changes by the shift (the business hours the client actually had).
    const s = zonedToUtcMs(timezone, y, m, d, Math.floor(sh.start_min / 60), sh.start_min % 60);
    const e = zonedToUtcMs(timezone, y, m, d, Math.floor(sh.end_min / 60), sh.end_min % 60);
    out.push([s, e]);
  });
  return clip(normalize(out), from_ms, to_ms);
}

/** A weekly site-local window: opens at start_min on each listed weekday (0 = Sunday), lasts duration_ms. */
export interface WeeklyWindow {
  readonly days: readonly number[];
  readonly start_min: number;
  readonly duration_ms: number;
}

/**
 * The occurrences of weekly windows over [from_ms, to_ms) in `timezone`, merged. Used by SLA
 * maintenance windows and by the rollout engine's download/install windows, so both agree on
 * what "Tuesday 22:00 for 4 h in the site's local time" means across DST changes.
 */
export function weeklyWindowIntervals(windows: readonly WeeklyWindow[], timezone: string, from_ms: number, to_ms: number): IntervalSet {
  if (to_ms <= from_ms || windows.length === 0) return [];
  const out: Array<[number, number]> = [];
  // Look back far enough to catch a window that opened before the period and is still open.
  const before_days = Math.ceil(Math.max(...windows.map((w) => w.duration_ms)) / DAY_MS) + 1;
  for (const w of windows) {
    const days = new Set(w.days);
    forEachLocalDay(timezone, from_ms, to_ms, before_days, (y, m, d, weekday) => {
      if (!days.has(weekday)) return;
      const s = zonedToUtcMs(timezone, y, m, d, Math.floor(w.start_min / 60), w.start_min % 60);
      out.push([s, s + w.duration_ms]);
    });
  }
  return clip(normalize(out), from_ms, to_ms);
}

/** The maintenance windows that apply to `site_id` over [from_ms, to_ms), site-local. */
export function maintenanceWindows(contract: SlaContract, timezone: string, from_ms: number, to_ms: number, site_id: string): IntervalSet {
  const mine = contract.maintenance_windows.filter((w) => w.sites === undefined || w.sites.includes(site_id));
  return weeklyWindowIntervals(mine, timezone, from_ms, to_ms);
}

/**
 * Agreed service time of a site over [from_ms, to_ms): service hours minus maintenance windows,
 * both evaluated in the site's local time (DST-correct through core/local-time).
 */
export function serviceTime(contract: SlaContract, timezone: string, from_ms: number, to_ms: number, site_id: string): IntervalSet {
  return subtract(serviceHours(contract, timezone, from_ms, to_ms), maintenanceWindows(contract, timezone, from_ms, to_ms, site_id));
}
