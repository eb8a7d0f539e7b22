/**
 * Service hours and weekly windows against hand-written tables and Intl (test/helpers/wall-clock),
 * never against the functions under test: a bug in the window arithmetic must not be able to
 * produce its own expected values.
 */
import { describe, expect, it } from 'vitest';
import type { SlaContract } from '../../platform/sla/contract.ts';
import { defaultContract } from '../../platform/sla/contract.ts';
import { clip, containsMs, intersect, maintenanceWindows, normalize, serviceHours, serviceTime, subtract, totalMs, union, weeklyWindowIntervals } from '../../platform/sla/intervals.ts';
import { businessHoursByIntl, wallClock, weeklyWindowsByIntl } from '../helpers/wall-clock.ts';

const MIN = 60_000;
const HOUR = 3_600_000;
const utc = (iso: string): number => Date.parse(`${iso}Z`);

const business = (days: number[], start_min: number, end_min: number): SlaContract => ({ ...defaultContract(), service_hours: { kind: 'business', days, start_min, end_min } });

describe('business hours end exactly at end_min', () => {
  // Mon–Fri 08:00–18:00 in New York, Friday 2026-03-06 (EST, UTC−5) to Tuesday 2026-03-10 (EDT, UTC−4).
  const c = business([1, 2, 3, 4, 5], 8 * 60, 18 * 60);
  const tz = 'America/New_York';
  const from = utc('2026-03-06T05:00');
  const to = utc('2026-03-10T04:00');

  it('business hours end exactly at 18:00 local (hand-written table across the March DST change)', () => {
    expect(serviceHours(c, tz, from, to)).toEqual([
      [utc('2026-03-06T13:00'), utc('2026-03-06T23:00')], // Fri 08:00–18:00 EST
      [utc('2026-03-09T12:00'), utc('2026-03-09T22:00')], // Mon 08:00–18:00 EDT
    ]);
    // The last agreed minute is 17:59; 18:00 is already out.
    const st = serviceTime(c, tz, from, to, 'site');
    expect(containsMs(st, utc('2026-03-06T22:59'))).toBe(true);
    expect(containsMs(st, utc('2026-03-06T23:00'))).toBe(false);
    expect(containsMs(st, utc('2026-03-06T12:59'))).toBe(false);
    expect(containsMs(st, utc('2026-03-06T13:00'))).toBe(true);
  });

  it('every minute of four days is in service exactly when Intl says the local weekday and minute are inside the hours', () => {
    const st = serviceTime(c, tz, from, to, 'site');
    let inside = 0;
    for (let t = from; t < to; t += MIN) {
      const w = wallClock(tz, t);
      const want = [1, 2, 3, 4, 5].includes(w.weekday) && w.minute_of_day >= 8 * 60 && w.minute_of_day < 18 * 60;
      if (want) inside++;
      if (containsMs(st, t) !== want) expect.fail(`${new Date(t).toISOString()}: in service ${String(!want)}, Intl says ${String(want)}`);
    }
    expect(inside).toBe(2 * 10 * 60);
  });

  it('a day ending at midnight (end_min 1440) ends at the next local midnight, 23 h later on the spring-forward Sunday', () => {
    const sunday = business([0], 0, 1440);
    expect(serviceHours(sunday, tz, utc('2026-03-08T00:00'), utc('2026-03-10T00:00'))).toEqual([[utc('2026-03-08T05:00'), utc('2026-03-09T04:00')]]);
  });
});

describe('weekly windows open at the local wall-clock time on DST days', () => {
  const sunday_22h_2h = [{ days: [0], start_min: 22 * 60, duration_ms: 2 * HOUR }];

  it('weekly window Sunday 22:00 for 2 h in New York across the March and November changes (hand-written table)', () => {
    expect(weeklyWindowIntervals(sunday_22h_2h, 'America/New_York', utc('2026-03-01T00:00'), utc('2026-03-17T00:00'))).toEqual([
      [utc('2026-03-02T03:00'), utc('2026-03-02T05:00')], // Sun 1 Mar 22:00 EST
      [utc('2026-03-09T02:00'), utc('2026-03-09T04:00')], // Sun 8 Mar 22:00 EDT: the DST day itself
      [utc('2026-03-16T02:00'), utc('2026-03-16T04:00')], // Sun 15 Mar 22:00 EDT
    ]);
    expect(weeklyWindowIntervals(sunday_22h_2h, 'America/New_York', utc('2026-10-25T00:00'), utc('2026-11-03T00:00'))).toEqual([
      [utc('2026-10-26T02:00'), utc('2026-10-26T04:00')], // Sun 25 Oct 22:00 EDT
      [utc('2026-11-02T03:00'), utc('2026-11-02T05:00')], // Sun 1 Nov 22:00 EST: the DST day itself
    ]);
  });

  it('weekly window Sunday 22:00 in Berlin on the last Sunday of March (hand-written table)', () => {
    expect(weeklyWindowIntervals(sunday_22h_2h, 'Europe/Berlin', utc('2026-03-22T00:00'), utc('2026-03-31T00:00'))).toEqual([
      [utc('2026-03-22T21:00'), utc('2026-03-22T23:00')], // 22:00 CET
      [utc('2026-03-29T20:00'), utc('2026-03-29T22:00')], // 22:00 CEST, the DST day
    ]);
  });

  it('a window in the skipped hour opens when the clock is reset (02:30 → 03:30 EDT), and one in the repeated hour opens the first time', () => {
    const at_0230 = [{ days: [0], start_min: 2 * 60 + 30, duration_ms: HOUR }];
    expect(weeklyWindowIntervals(at_0230, 'America/New_York', utc('2026-03-08T00:00'), utc('2026-03-09T00:00'))).toEqual([[utc('2026-03-08T07:30'), utc('2026-03-08T08:30')]]);
    const at_0130 = [{ days: [0], start_min: 90, duration_ms: HOUR }];
    expect(weeklyWindowIntervals(at_0130, 'America/New_York', utc('2026-11-01T00:00'), utc('2026-11-02T00:00'))).toEqual([[utc('2026-11-01T05:30'), utc('2026-11-01T06:30')]]);
  });

  it('many windows, zones and start minutes agree with the Intl oracle over a year of Sundays-to-Saturdays', () => {
    const zones = ['America/New_York', 'Europe/Berlin', 'Australia/Sydney', 'America/Los_Angeles', 'UTC'];
    const from = utc('2026-01-01T00:00');
    const to = utc('2027-01-01T00:00');
    let checked = 0;
    for (const tz of zones) {
      for (const [i, start_min] of [0, 90, 150, 22 * 60, 23 * 60 + 59].entries()) {
        const w = [{ days: [i % 7, (i + 3) % 7], start_min, duration_ms: (i + 1) * 97 * MIN }];
        const got = weeklyWindowIntervals(w, tz, from, to);
        expect(got, `${tz} ${start_min}`).toEqual(weeklyWindowsByIntl(w, tz, from, to));
        checked += got.length;
      }
      const hours = businessHoursByIntl([1, 2, 3, 4, 5], 7 * 60 + 30, 19 * 60, tz, from, to);
      expect(serviceHours(business([1, 2, 3, 4, 5], 7 * 60 + 30, 19 * 60), tz, from, to), tz).toEqual(hours);
      checked += hours.length;
    }
    expect(checked).toBeGreaterThan(5 * (5 * 100 + 250));
  });
});

describe('interval algebra on hand-written cases', () => {
  it('normalize sorts, drops empty and inverted intervals, merges overlapping and touching ones', () => {
    expect(normalize([[10, 12], [0, 3]])).toEqual([[0, 3], [10, 12]]);
    expect(normalize([[5, 5], [7, 3]])).toEqual([]);
    expect(normalize([[0, 5], [5, 9]])).toEqual([[0, 9]]);
    expect(normalize([[0, 20], [5, 6]])).toEqual([[0, 20]]);
    expect(normalize([[4, 6], [0, 5], [20, 30], [8, 9], [9, 10]])).toEqual([[0, 6], [8, 10], [20, 30]]);
    expect(normalize([[3, 4], [1, 2], [2, 3]])).toEqual([[1, 4]]);
  });

  it('union, intersect, subtract and clip', () => {
    expect(union([[0, 2]], [[1, 5], [7, 8]])).toEqual([[0, 5], [7, 8]]);
    expect(intersect([[0, 10]], [[1, 2], [3, 4]])).toEqual([[1, 2], [3, 4]]);
    expect(intersect([[1, 2], [3, 4]], [[0, 10]])).toEqual([[1, 2], [3, 4]]);
    expect(intersect([[0, 5], [6, 9]], [[4, 7]])).toEqual([[4, 5], [6, 7]]);
    expect(subtract([[0, 10]], [[2, 3], [5, 6]])).toEqual([[0, 2], [3, 5], [6, 10]]);
    expect(subtract([[0, 10]], [[5, 10]])).toEqual([[0, 5]]);
    expect(subtract([[0, 10]], [[0, 10]])).toEqual([]);
    expect(subtract([[0, 10], [20, 30]], [[8, 22]])).toEqual([[0, 8], [22, 30]]);
    expect(subtract([[5, 10]], [[0, 1], [2, 6]])).toEqual([[6, 10]]);
    expect(subtract([[5, 10], [12, 14]], [[0, 1], [11, 12], [13, 20]])).toEqual([[5, 10], [12, 13]]);
    expect(clip([[0, 10], [20, 30]], 5, 25)).toEqual([[5, 10], [20, 25]]);
    expect(clip([[0, 10]], 5, 5)).toEqual([]);
    expect(clip([[0, 10]], 6, 5)).toEqual([]);
  });

  it('totalMs and containsMs', () => {
    expect(totalMs([[0, 3], [10, 14]])).toBe(7);
    expect(totalMs([])).toBe(0);
    const a = [[0, 3], [10, 14], [20, 21]] as const;
    expect([-1, 0, 2, 3, 9, 10, 13, 14, 20, 21].map((t) => containsMs(a, t))).toEqual([false, true, true, false, false, true, true, false, true, false]);
  });
});

describe('service hours, maintenance windows and service time: edges', () => {
  const tz = 'America/New_York';
  const from = utc('2026-03-03T05:00'); // Tuesday 00:00 EST

  it('an empty or inverted period has no service hours and no windows', () => {
    for (const c of [defaultContract(), business([2], 0, 600)]) {
      expect(serviceHours(c, tz, from, from)).toEqual([]);
      expect(serviceHours(c, tz, from + HOUR, from)).toEqual([]);
    }
    expect(weeklyWindowIntervals([{ days: [2], start_min: 0, duration_ms: HOUR }], tz, from, from)).toEqual([]);
    expect(weeklyWindowIntervals([], tz, from, from + 7 * 24 * HOUR)).toEqual([]);
  });

  it('24×7 service hours are the whole period', () => {
    expect(serviceHours(defaultContract(), tz, from, from + 5 * HOUR)).toEqual([[from, from + 5 * HOUR]]);
  });

  it('a window longer than a day that opened before the period still counts, next to a short one', () => {
    // Sunday 00:00 for 4 days (until Thursday 00:00), and Thursday 00:00 for 1 h; from Wednesday
    // 00:00, three local days after the long one opened.
    const w = [
      { days: [0], start_min: 0, duration_ms: 96 * HOUR },
      { days: [4], start_min: 0, duration_ms: HOUR },
    ];
    const wednesday = from + 24 * HOUR;
    expect(weeklyWindowIntervals(w, tz, wednesday, wednesday + 48 * HOUR)).toEqual([[wednesday, wednesday + 25 * HOUR]]);
  });

  it('maintenance windows apply to the sites they name, and service time is service hours minus them', () => {
    const c: SlaContract = {
      ...business([2], 8 * 60, 18 * 60),
      maintenance_windows: [
        { days: [2], start_min: 12 * 60, duration_ms: HOUR, sites: ['a'] },
        { days: [2], start_min: 9 * 60, duration_ms: HOUR },
      ],
    };
    const to = from + 24 * HOUR;
    expect(maintenanceWindows(c, tz, from, to, 'a')).toEqual([[utc('2026-03-03T14:00'), utc('2026-03-03T15:00')], [utc('2026-03-03T17:00'), utc('2026-03-03T18:00')]]);
    expect(maintenanceWindows(c, tz, from, to, 'b')).toEqual([[utc('2026-03-03T14:00'), utc('2026-03-03T15:00')]]);
    expect(serviceTime(c, tz, from, to, 'a')).toEqual([[utc('2026-03-03T13:00'), utc('2026-03-03T14:00')], [utc('2026-03-03T15:00'), utc('2026-03-03T17:00')], [utc('2026-03-03T18:00'), utc('2026-03-03T23:00')]]);
    expect(serviceTime(c, tz, from, to, 'b')).toEqual([[utc('2026-03-03T13:00'), utc('2026-03-03T14:00')], [utc('2026-03-03T15:00'), utc('2026-03-03T23:00')]]);
  });
});
