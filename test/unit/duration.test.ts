import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DurationError, formatDuration, parseDuration, zDuration } from '../../common/duration.ts';

const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

function rejects(input: string | number): DurationError {
  try {
    parseDuration(input);
  } catch (err) {
    expect(err).toBeInstanceOf(DurationError);
    return err as DurationError;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30 * S],
    ['15m', 15 * M],
    ['36h', 36 * H],
    ['7d', 7 * D],
    ['2w', 14 * D],
    ['1h30m', H + 30 * M],
    ['1d 12h', D + 12 * H],
    ['1d 2h 3m 4s 5ms', D + 2 * H + 3 * M + 4 * S + 5],
    ['1.5h', 1.5 * H],
    ['0.25s', 250],
    ['2d 03:00', 2 * D + 3 * H],
    ['03:00', 3 * H],
    ['36:00', 36 * H],
    ['2d 03:00:30', 2 * D + 3 * H + 30 * S],
    ['00:00:01.5', 1_500],
    ['1w 2d 23:59', 9 * D + 23 * H + 59 * M],
    ['  45s  ', 45 * S],
    ['0s', 0],
  ] as const)('%s → %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it('refuses a bare number with a did-you-mean: one grammar, a unit always', () => {
    for (const bare of [90, '90', ' 90 ', 0.5, '0']) {
      const err = rejects(bare);
      expect(err.code).toBe('DURATION_INVALID');
      expect(err.detail).toBe(`a duration needs a unit: did you mean "${String(bare).trim()}s"?`);
    }
  });

  it.each([
    ['banana', undefined],
    ['', 'empty string'],
    ['   ', 'empty string'],
    ['-5m', 'durations cannot be negative'],
    ['5 m', undefined],
    ['5mins', 'unknown unit "mins" (use ms, s, m, h, d or w)'],
    ['36H', 'unknown unit "H" (use ms, s, m, h, d or w)'],
    ['30m 1h', 'units must go from largest to smallest, each at most once ("h" is out of place)'],
    ['1h 1h', 'units must go from largest to smallest, each at most once ("h" is out of place)'],
    ['0.5ms', 'not a whole number of milliseconds'],
    ['0.0001', 'a duration needs a unit: did you mean "0.0001s"?'],
    ['1h 03:00', 'an H:MM clock can only follow days or weeks'],
    ['03:00 1d', 'the H:MM clock part must come last'],
    ['1d 24:00', 'hour 24 is out of range 0-23 after days'],
    ['03:60', 'minute 60 is out of range 00-59'],
    ['03:00:75', 'second 75 is out of range 00-59'],
    ['3:0', undefined],
    ['1e3s', 'unknown unit "e" (use ms, s, m, h, d or w)'],
    ['99999999999999999999d', 'too large (max about 285,000 years)'],
  ] as const)('rejects %j', (input, detail) => {
    const err = rejects(input);
    expect(err.code).toBe('DURATION_INVALID');
    expect(err.detail).toBe(detail);
    expect(err.message).toContain('expected a duration like "90m", "36h", "7d" or "2d 03:00"');
  });

  it('rejects numbers: negative ones as negative, the rest for want of a unit', () => {
    expect(rejects(-1).detail).toBe('durations cannot be negative');
    expect(rejects(Number.NaN).detail).toBe('a duration needs a unit: did you mean "NaNs"?');
    expect(rejects(1e300).detail).toMatch(/needs a unit/);
  });

  it('never returns NaN, a negative or a non-integer for any string: it throws instead', () => {
    const durationish = fc.stringMatching(/^[-+ 0-9.:a-z]{0,16}$/);
    fc.assert(
      fc.property(fc.oneof(fc.string(), durationish), (input) => {
        let ms: number;
        try {
          ms = parseDuration(input);
        } catch (err) {
          return err instanceof DurationError;
        }
        return Number.isSafeInteger(ms) && ms >= 0;
      }),
      { numRuns: 5_000 },
    );
  });

  it('never returns NaN, a negative or a non-integer for any number: it throws instead', () => {
    fc.assert(
      fc.property(fc.double(), (input) => {
        let ms: number;
        try {
          ms = parseDuration(input);
        } catch (err) {
          return err instanceof DurationError;
        }
        return Number.isSafeInteger(ms) && ms >= 0;
      }),
      { numRuns: 5_000 },
    );
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [45 * S, '45s'],
    [D + 2 * H + 3 * M, '1d 2h 3m'],
    [1_500, '1s 500ms'],
    [14 * D, '14d'],
    [7, '7ms'],
  ] as const)('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('rejects values that are not non-negative integer ms', () => {
    expect(() => formatDuration(-1)).toThrow(DurationError);
    expect(() => formatDuration(1.5)).toThrow(DurationError);
    expect(() => formatDuration(Number.NaN)).toThrow(DurationError);
  });

  it('round-trips through parseDuration for any non-negative integer ms', () => {
    fc.assert(
      fc.property(fc.oneof(fc.nat(), fc.maxSafeNat(), fc.integer({ min: 0, max: 30 * D })), (ms) => {
        return parseDuration(formatDuration(ms)) === ms;
      }),
      { numRuns: 5_000 },
    );
  });
});

describe('zDuration', () => {
  const schema = z.strictObject({ every: zDuration });

  it('transforms strings to ms and refuses numbers with a did-you-mean', () => {
    expect(schema.parse({ every: '2d 03:00' })).toEqual({ every: 2 * D + 3 * H });
    const bare = schema.safeParse({ every: 90 });
    expect(bare.error?.issues[0]?.message).toBe('expected a duration like "90m", "36h", "7d" or "2d 03:00", got 90 (a duration needs a unit: did you mean "90s"?)');
  });

  it('reports the expected form and the offending value', () => {
    const bad = schema.safeParse({ every: 'banana' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues).toMatchObject([
      { code: 'custom', path: ['every'], message: 'expected a duration like "90m", "36h", "7d" or "2d 03:00", got "banana"' },
    ]);
    const negative = schema.safeParse({ every: '-1h' });
    expect(negative.error?.issues[0]?.message).toBe(
      'expected a duration like "90m", "36h", "7d" or "2d 03:00", got "-1h" (durations cannot be negative)',
    );
    const wrong_type = schema.safeParse({ every: [1] });
    expect(wrong_type.error?.issues[0]?.message).toBe('expected a duration like "90m", "36h", "7d" or "2d 03:00", got a list');
  });
});
