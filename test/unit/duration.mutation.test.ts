import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as ZodModule from 'zod';
import type * as Module from '../../common/duration.ts';
import type { DurationError as DurationErrorType } from '../../common/duration.ts';

// Each test loads the module afresh (vi.resetModules, then import), so its zod schemas and
// module-level tables are built inside the test: mutation testing credits a test only with code
// that runs inside it (docs/testing.md, "hybrid" static mutants). zod is loaded in the same step:
// after resetModules the module gets its own zod copy, and a schema mixing two copies fails.
let z: typeof ZodModule.z;
let DURATION_EXPECTED: typeof Module.DURATION_EXPECTED;
let DurationError: typeof Module.DurationError;
let durationMs: typeof Module.durationMs;
let formatDuration: typeof Module.formatDuration;
let parseDuration: typeof Module.parseDuration;
let parsePositiveDuration: typeof Module.parsePositiveDuration;
let zDuration: typeof Module.zDuration;
let zDurationText: typeof Module.zDurationText;
let zPositiveDuration: typeof Module.zPositiveDuration;
beforeEach(async () => {
  vi.resetModules();
  ({ z } = await import('zod'));
  ({
    DURATION_EXPECTED,
    DurationError,
    durationMs,
    formatDuration,
    parseDuration,
    parsePositiveDuration,
    zDuration,
    zDurationText,
    zPositiveDuration,
  } = await import('../../common/duration.ts'));
});
type DurationError = DurationErrorType;

// Cases that kill the mutants StrykerJS left alive in common/duration.ts (docs/testing.md,
// "Mutation testing"). Every expected value is written out by hand: milliseconds from the unit
// sizes (1 h = 3,600,000 ms), messages as a user reads them.

const EXPECTED = 'expected a duration like "90m", "36h", "7d" or "2d 03:00"';

function rejects(input: unknown): DurationError {
  try {
    parseDuration(input as string);
  } catch (err) {
    expect(err).toBeInstanceOf(DurationError);
    return err as DurationError;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe('DurationError', () => {
  it('names the input, the expected form and the rule, without the code in the text', () => {
    const err = rejects('-5m');
    expect(err.name).toBe('DurationError');
    expect(err.code).toBe('DURATION_INVALID');
    expect(err.input).toBe('-5m');
    expect(err.message).toBe(`invalid duration "-5m": ${EXPECTED} (durations cannot be negative)`);
    expect(DURATION_EXPECTED).toBe(EXPECTED);
  });

  it('plain garbage has no detail and no parentheses', () => {
    const err = rejects('banana');
    expect(err.detail).toBeUndefined();
    expect(err.message).toBe(`invalid duration "banana": ${EXPECTED}`);
  });

  it('a value that is neither string nor number is refused with no detail', () => {
    for (const v of [null, true, { h: 1 }]) {
      const err = rejects(v);
      expect(err.detail).toBeUndefined();
      expect(err.input).toBe(v);
    }
  });
});

describe('parseDuration edges', () => {
  it('numbers: only finite negatives are "negative"; zero and infinities want a unit', () => {
    expect(rejects(0).detail).toBe('a duration needs a unit: did you mean "0s"?');
    expect(rejects(-0.5).detail).toBe('durations cannot be negative');
    expect(rejects(Number.POSITIVE_INFINITY).detail).toBe('a duration needs a unit: did you mean "Infinitys"?');
    expect(rejects(Number.NEGATIVE_INFINITY).detail).toBe('a duration needs a unit: did you mean "-Infinitys"?');
  });

  it('the negative check looks at the trimmed text', () => {
    expect(rejects('  -5m').detail).toBe('durations cannot be negative');
    expect(rejects('  -5').detail).toBe('durations cannot be negative');
  });

  it('a bare decimal wants a unit, but a number followed by anything else is not bare', () => {
    expect(rejects('1.5').detail).toBe('a duration needs a unit: did you mean "1.5s"?');
    expect(rejects('1.').detail).toBeUndefined();
    expect(rejects('x90').detail).toBeUndefined();
    expect(rejects('90x').detail).toBe('unknown unit "x" (use ms, s, m, h, d or w)');
  });

  it('the largest safe number of ms is accepted, one more is too large', () => {
    expect(parseDuration('9007199254740991ms')).toBe(9_007_199_254_740_991);
    expect(rejects('9007199254740992ms').detail).toBe('too large (max about 285,000 years)');
  });

  it('clock fields: 23 h, 59 min and 59 s are the last values allowed after days', () => {
    expect(parseDuration('1d 23:59:59')).toBe(86_400_000 + 23 * 3_600_000 + 59 * 60_000 + 59_000);
    expect(parseDuration('23:00')).toBe(23 * 3_600_000);
    expect(parseDuration('24:00')).toBe(24 * 3_600_000);
    expect(rejects('1d 25:00').detail).toBe('hour 25 is out of range 0-23 after days');
    expect(rejects('00:61').detail).toBe('minute 61 is out of range 00-59');
    expect(rejects('00:00:60').detail).toBe('second 60 is out of range 00-59');
  });

  it('clock fractions are milliseconds padded on the right', () => {
    expect(parseDuration('00:00:01.05')).toBe(1_050);
    expect(parseDuration('00:00:00.123')).toBe(123);
    expect(parseDuration('00:00:00.001')).toBe(1);
    expect(parseDuration('00:00:02')).toBe(2_000);
    expect(parseDuration('00:07')).toBe(7 * 60_000);
    expect(parseDuration('1:00')).toBe(3_600_000);
  });

  it('a clock may follow weeks, with or without days, and adds to them', () => {
    expect(parseDuration('1w 03:00')).toBe(7 * 86_400_000 + 3 * 3_600_000);
    expect(parseDuration('1w 1d 00:30')).toBe(8 * 86_400_000 + 30 * 60_000);
    expect(rejects('1w 24:00').detail).toBe('hour 24 is out of range 0-23 after days');
  });

  it('a clock may not follow minutes, seconds or milliseconds either', () => {
    for (const text of ['5m 03:00', '5s 03:00', '5ms 03:00']) {
      expect(rejects(text).detail).toBe('an H:MM clock can only follow days or weeks');
    }
  });

  it('anything after the clock is refused, even whitespace-separated clocks', () => {
    expect(rejects('03:00 03:00').detail).toBe('the H:MM clock part must come last');
    expect(rejects('1d 03:00 5m').detail).toBe('the H:MM clock part must come last');
  });

  it('every unit in order, each exactly its size', () => {
    expect(parseDuration('1w')).toBe(604_800_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1m')).toBe(60_000);
    expect(parseDuration('1s')).toBe(1_000);
    expect(parseDuration('1ms')).toBe(1);
    expect(parseDuration('1w1d1h1m1s1ms')).toBe(604_800_000 + 86_400_000 + 3_600_000 + 60_000 + 1_000 + 1);
    expect(rejects('1s 1m').detail).toBe('units must go from largest to smallest, each at most once ("m" is out of place)');
    expect(rejects('1ms 1s').detail).toBe('units must go from largest to smallest, each at most once ("s" is out of place)');
  });

  it('units are plain own keys: inherited names and µs are unknown', () => {
    expect(rejects('5constructor').detail).toBe('unknown unit "constructor" (use ms, s, m, h, d or w)');
    expect(rejects('5µs').detail).toBe('unknown unit "µs" (use ms, s, m, h, d or w)');
    expect(rejects('5toString').detail).toBe('unknown unit "toString" (use ms, s, m, h, d or w)');
  });

  it('decimals are exact: whole milliseconds pass, anything finer is refused', () => {
    expect(parseDuration('0.001s')).toBe(1);
    expect(parseDuration('1.25s')).toBe(1_250);
    expect(parseDuration('2.5m')).toBe(150_000);
    expect(parseDuration('0.5w')).toBe(302_400_000);
    expect(rejects('0.0005s').detail).toBe('not a whole number of milliseconds');
    expect(rejects('1.0001s').detail).toBe('not a whole number of milliseconds');
  });

  it('garbage after a valid part is refused with no detail', () => {
    expect(rejects('5m !').detail).toBeUndefined();
    expect(rejects('5m-').detail).toBeUndefined();
  });
});

describe('formatDuration edges', () => {
  it('each unit alone and mixed', () => {
    expect(formatDuration(86_400_000)).toBe('1d');
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatDuration(60_000)).toBe('1m');
    expect(formatDuration(1_000)).toBe('1s');
    expect(formatDuration(1)).toBe('1ms');
    expect(formatDuration(86_400_000 + 1)).toBe('1d 1ms');
    expect(formatDuration(3_661_001)).toBe('1h 1m 1s 1ms');
    expect(formatDuration(999)).toBe('999ms');
  });

  it('the largest safe integer is formatted, one past it is refused with the rule', () => {
    expect(formatDuration(Number.MAX_SAFE_INTEGER)).toBe('104249991d 8h 59m 991ms');
    const err = (() => {
      try {
        formatDuration(Number.MAX_SAFE_INTEGER + 1);
      } catch (e) {
        return e as DurationError;
      }
      throw new Error('not refused');
    })();
    expect(err.detail).toBe('formatDuration needs a non-negative integer number of milliseconds');
    expect(err.input).toBe(Number.MAX_SAFE_INTEGER + 1);
    expect(formatDuration(0)).toBe('0s');
  });
});

describe('zPositiveDuration and parsePositiveDuration', () => {
  it('zero is refused, one millisecond passes', () => {
    const schema = z.strictObject({ for: zPositiveDuration });
    expect(schema.parse({ for: '1ms' })).toEqual({ for: 1 });
    const zero = schema.safeParse({ for: '0s' });
    expect(zero.success).toBe(false);
    expect(zero.error?.issues.map((i) => i.message)).toEqual(['must be longer than 0 (e.g. "30s")']);
  });

  it('parsePositiveDuration: the ms, or an error naming the input and the rule', () => {
    expect(parsePositiveDuration('1ms')).toBe(1);
    expect(parsePositiveDuration('2m')).toBe(120_000);
    let err: DurationError | undefined;
    try {
      parsePositiveDuration('0s');
    } catch (e) {
      err = e as DurationError;
    }
    expect(err).toBeInstanceOf(DurationError);
    expect(err?.detail).toBe('must be longer than 0');
    expect(err?.input).toBe('0s');
    expect(() => parsePositiveDuration('banana')).toThrow(DurationError);
  });
});

describe('zDuration details', () => {
  const schema = () => z.strictObject({ every: zDuration });

  it('non-strings and non-numbers fail the type check with the value described', () => {
    expect(schema().safeParse({ every: null }).error?.issues[0]?.message).toBe(`${EXPECTED}, got an empty value`);
    expect(schema().safeParse({ every: true }).error?.issues[0]?.message).toBe(`${EXPECTED}, got true`);
    expect(schema().safeParse({}).error?.issues[0]?.message).toBe(`${EXPECTED}, got nothing`);
  });

  it('a failed parse is one custom issue carrying the input', () => {
    const bad = schema().safeParse({ every: '5mins' });
    expect(bad.error?.issues).toHaveLength(1);
    expect(bad.error?.issues[0]).toMatchObject({ code: 'custom', path: ['every'], message: `${EXPECTED}, got "5mins" (unknown unit "mins" (use ms, s, m, h, d or w))` });
  });
});

describe('zDurationText', () => {
  const schema = () => z.strictObject({ at: zDurationText });

  it('keeps the text as written', () => {
    expect(schema().parse({ at: '2d 03:00' })).toEqual({ at: '2d 03:00' });
    expect(schema().parse({ at: ' 90m ' })).toEqual({ at: ' 90m ' });
  });

  it('refuses what parseDuration refuses, with the same message and detail', () => {
    const bad = schema().safeParse({ at: 'banana' });
    expect(bad.error?.issues).toHaveLength(1);
    expect(bad.error?.issues[0]).toMatchObject({ code: 'custom', path: ['at'], message: `${EXPECTED}, got "banana"` });
    expect(schema().safeParse({ at: 90 }).error?.issues[0]?.message).toBe(`${EXPECTED}, got 90 (a duration needs a unit: did you mean "90s"?)`);
    expect(schema().safeParse({ at: '-1h' }).error?.issues[0]?.message).toBe(`${EXPECTED}, got "-1h" (durations cannot be negative)`);
  });

  it('refuses other types with the value described', () => {
    expect(schema().safeParse({ at: [1] }).error?.issues[0]?.message).toBe(`${EXPECTED}, got a list`);
    expect(schema().safeParse({ at: { h: 1 } }).error?.issues[0]?.message).toBe(`${EXPECTED}, got a mapping`);
  });
});

describe('durationMs', () => {
  it('undefined stays undefined, text becomes ms', () => {
    expect(durationMs(undefined)).toBeUndefined();
    expect(durationMs('1m 30s')).toBe(90_000);
    expect(() => durationMs('nope')).toThrow(DurationError);
  });
});
