import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isValidTimezone, localTime, utcOffsetMinutes, zonedToUtcMs } from '../../platform/contract/local-time.ts';

const MINUTE_MS = 60_000;
const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number => Date.UTC(y, mo - 1, d, h, mi, s);

function wall(timezone: string, utc_ms: number): string {
  const t = localTime(timezone, utc_ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${t.year}-${pad(t.month)}-${pad(t.day)} ${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)} ${t.offset_min}`;
}

describe('localTime across DST transitions', () => {
  it('America/New_York springs forward at 07:00Z and falls back at 06:00Z (2024)', () => {
    expect(wall('America/New_York', utc(2024, 3, 10, 6, 59, 59))).toBe('2024-03-10 01:59:59 -300');
    expect(wall('America/New_York', utc(2024, 3, 10, 7))).toBe('2024-03-10 03:00:00 -240');
    expect(wall('America/New_York', utc(2024, 11, 3, 5, 59, 59))).toBe('2024-11-03 01:59:59 -240');
    expect(wall('America/New_York', utc(2024, 11, 3, 6))).toBe('2024-11-03 01:00:00 -300');
  });

  it('Europe/London switches to BST and back at 01:00Z (2024)', () => {
    expect(wall('Europe/London', utc(2024, 3, 31, 0, 59, 59))).toBe('2024-03-31 00:59:59 0');
    expect(wall('Europe/London', utc(2024, 3, 31, 1))).toBe('2024-03-31 02:00:00 60');
    expect(wall('Europe/London', utc(2024, 10, 27, 0, 59, 59))).toBe('2024-10-27 01:59:59 60');
    expect(wall('Europe/London', utc(2024, 10, 27, 1))).toBe('2024-10-27 01:00:00 0');
  });

  it('Australia/Sydney (southern hemisphere) ends DST in April and starts it in October (2024)', () => {
    expect(wall('Australia/Sydney', utc(2024, 4, 6, 15, 59, 59))).toBe('2024-04-07 02:59:59 660');
    expect(wall('Australia/Sydney', utc(2024, 4, 6, 16))).toBe('2024-04-07 02:00:00 600');
    expect(wall('Australia/Sydney', utc(2024, 10, 5, 15, 59, 59))).toBe('2024-10-06 01:59:59 600');
    expect(wall('Australia/Sydney', utc(2024, 10, 5, 16))).toBe('2024-10-06 03:00:00 660');
  });

  it('handles transitions that are not on a UTC hour boundary', () => {
    // St John's (−3:30 → −2:30) changes at 05:30Z; Lord Howe (+10:30 → +11) shifts by 30 min at 15:30Z.
    expect(wall('America/St_Johns', utc(2024, 3, 10, 5, 29, 59))).toBe('2024-03-10 01:59:59 -210');
    expect(wall('America/St_Johns', utc(2024, 3, 10, 5, 30))).toBe('2024-03-10 03:00:00 -150');
    expect(wall('Australia/Lord_Howe', utc(2024, 10, 5, 15, 29, 59))).toBe('2024-10-06 01:59:59 630');
    expect(wall('Australia/Lord_Howe', utc(2024, 10, 5, 15, 30))).toBe('2024-10-06 02:30:00 660');
    expect(utcOffsetMinutes('Asia/Kathmandu', utc(2024, 6, 1))).toBe(345);
  });
});

describe('localTime calendar fields', () => {
  it('computes weekday and day_of_year, including leap years and local-date rollover', () => {
    const cases: Array<[string, number, Partial<ReturnType<typeof localTime>>]> = [
      ['UTC', utc(1970, 1, 1), { weekday: 4, day_of_year: 1 }],
      ['UTC', utc(1969, 12, 31, 23, 59), { year: 1969, weekday: 3, day_of_year: 365, minute_of_day: 1439 }],
      ['UTC', utc(2024, 2, 29, 12), { month: 2, day: 29, weekday: 4, day_of_year: 60 }],
      ['UTC', utc(2024, 3, 1), { weekday: 5, day_of_year: 61 }],
      ['UTC', utc(2023, 3, 1), { weekday: 3, day_of_year: 60 }],
      ['UTC', utc(2024, 12, 31, 23), { weekday: 2, day_of_year: 366 }],
      ['UTC', utc(2000, 12, 31), { weekday: 0, day_of_year: 366 }],
      ['UTC', utc(2100, 3, 1), { weekday: 1, day_of_year: 60 }], // 2100 is not a leap year
      // New York is still on 31 Dec 2023 (a Sunday) at 03:00Z on 1 Jan.
      ['America/New_York', utc(2024, 1, 1, 3), { year: 2023, month: 12, day: 31, hour: 22, weekday: 0, day_of_year: 365, minute_of_day: 1320 }],
      // Sydney is already on Monday 1 Jan 2024 at 20:00Z on 31 Dec.
      ['Australia/Sydney', utc(2023, 12, 31, 20), { year: 2024, month: 1, day: 1, hour: 7, weekday: 1, day_of_year: 1 }],
    ];
    for (const [timezone, utc_ms, expected] of cases) {
      expect(localTime(timezone, utc_ms), `${timezone} ${new Date(utc_ms).toISOString()}`).toMatchObject(expected);
    }
  });

  it('matches Intl.DateTimeFormat for arbitrary instants and zones (1850–2100)', () => {
    const zones = [
      'UTC', 'America/New_York', 'Europe/London', 'Australia/Sydney', 'America/St_Johns', 'Australia/Lord_Howe',
      'Asia/Kathmandu', 'Pacific/Chatham', 'Pacific/Apia', 'America/Sao_Paulo', 'Europe/Moscow', 'Asia/Kolkata',
    ];
    const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
    const oracles = new Map(zones.map((tz) => [tz, new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    })]));
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.integer({ min: utc(1850, 1, 1), max: utc(2100, 1, 1) }), (timezone, utc_ms) => {
        const parts = Object.fromEntries(oracles.get(timezone)!.formatToParts(utc_ms).map((p) => [p.type, p.value]));
        const t = localTime(timezone, utc_ms);
        expect([t.year, t.month, t.day, t.hour, t.minute, t.second, weekdays[t.weekday]]).toEqual([
          Number(parts.year), Number(parts.month), Number(parts.day), Number(parts.hour) % 24, Number(parts.minute), Number(parts.second), parts.weekday,
        ]);
        expect(t.minute_of_day).toBe(t.hour * 60 + t.minute);
      }),
      { numRuns: 3000 },
    );
  });

  it('gives the same answer regardless of query order (cache is invisible)', () => {
    const instants = Array.from({ length: 200 }, (_, i) => utc(2024, 3, 9) + i * 7 * MINUTE_MS * 13);
    const forward = instants.map((t) => wall('America/New_York', t));
    const backward = [...instants].reverse().map((t) => wall('America/New_York', t)).reverse();
    expect(backward).toEqual(forward);
  });
});

describe('zonedToUtcMs', () => {
  it('converts ordinary wall times', () => {
    expect(zonedToUtcMs('America/New_York', 2024, 7, 4, 12, 0)).toBe(utc(2024, 7, 4, 16));
    expect(zonedToUtcMs('Australia/Sydney', 2024, 1, 1, 7, 0)).toBe(utc(2023, 12, 31, 20));
    expect(zonedToUtcMs('Asia/Kathmandu', 2024, 6, 1, 5, 45)).toBe(utc(2024, 6, 1));
  });

  it('shifts wall times inside a DST gap forward by the gap', () => {
    // 02:30 does not exist on 10 Mar 2024 in New York; it becomes 03:30 EDT.
    expect(zonedToUtcMs('America/New_York', 2024, 3, 10, 2, 30)).toBe(utc(2024, 3, 10, 7, 30));
    expect(wall('America/New_York', zonedToUtcMs('America/New_York', 2024, 3, 10, 2, 30))).toBe('2024-03-10 03:30:00 -240');
    expect(zonedToUtcMs('Europe/London', 2024, 3, 31, 1, 15)).toBe(utc(2024, 3, 31, 1, 15));
    expect(zonedToUtcMs('Australia/Sydney', 2024, 10, 6, 2, 0)).toBe(utc(2024, 10, 5, 16));
    // Samoa skipped 30 Dec 2011 entirely.
    expect(wall('Pacific/Apia', zonedToUtcMs('Pacific/Apia', 2011, 12, 30, 12, 0))).toBe('2011-12-31 12:00:00 840');
  });

  it('picks the first occurrence of a wall time inside a DST overlap', () => {
    expect(zonedToUtcMs('America/New_York', 2024, 11, 3, 1, 30)).toBe(utc(2024, 11, 3, 5, 30));
    expect(zonedToUtcMs('Europe/London', 2024, 10, 27, 1, 30)).toBe(utc(2024, 10, 27, 0, 30));
    expect(zonedToUtcMs('Australia/Sydney', 2024, 4, 7, 2, 30)).toBe(utc(2024, 4, 6, 15, 30));
  });

  it('round-trips with localTime', () => {
    const zones = ['UTC', 'America/New_York', 'Europe/London', 'Australia/Sydney', 'America/St_Johns', 'Australia/Lord_Howe', 'Pacific/Chatham'];
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.integer({ min: utc(1990, 1, 1), max: utc(2050, 1, 1) }), (timezone, utc_ms) => {
        const minute_ms = Math.floor(utc_ms / MINUTE_MS) * MINUTE_MS;
        const t = localTime(timezone, minute_ms);
        const back = zonedToUtcMs(timezone, t.year, t.month, t.day, t.hour, t.minute);
        // Equal, except for the second occurrence of an overlap, which maps to the first.
        if (back !== minute_ms) {
          expect(back).toBeLessThan(minute_ms);
          expect(minute_ms - back).toBeLessThanOrEqual(60 * MINUTE_MS);
          const again = localTime(timezone, back);
          expect([again.year, again.month, again.day, again.hour, again.minute]).toEqual([t.year, t.month, t.day, t.hour, t.minute]);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('timezone validation', () => {
  it('accepts IANA names and rejects anything else', () => {
    expect(isValidTimezone('America/New_York')).toBe(true);
    expect(isValidTimezone('Australia/Sydney')).toBe(true);
    expect(isValidTimezone('UTC')).toBe(true);
    expect(isValidTimezone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimezone('')).toBe(false);
    expect(isValidTimezone('+05:00')).toBe(false);
    expect(isValidTimezone('EST5EDT!')).toBe(false);
  });

  it('throws a RangeError when computing with an unknown zone', () => {
    expect(() => localTime('Mars/Olympus_Mons', 0)).toThrow(RangeError);
    expect(() => zonedToUtcMs('Not/AZone', 2024, 1, 1, 0, 0)).toThrow(/Unknown IANA timezone/);
  });
});
