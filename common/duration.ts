import { z } from 'zod';
import { describeValue } from './describe-value.ts';
import { MspError } from './errors.ts';

/**
 * The one duration grammar of msp-twin: scenario files, rollout plans (scenario and API), fault
 * parameters and CLI flags all read durations through this module. Simulated time is integer milliseconds everywhere, so
 * parsing is exact (BigInt arithmetic, no float rounding) and anything that is not a whole,
 * non-negative, safe-integer number of milliseconds is rejected instead of silently rounded —
 * a rounded duration would make two "identical" runs diverge.
 *
 * Accepted forms:
 *   500ms  30s  15m  36h  7d  2w  1.5h      single unit (decimals allowed if they land on whole ms)
 *   1h30m  1d 12h  2w 3d                    compounds, largest unit first, each unit at most once
 *   03:00  2d 03:00  2d 03:00:30  00:00:01.5   day-clock form: [days/weeks] H:MM[:SS[.fff]]
 *
 * A bare number (`90`, `"90"`) is refused with "did you mean 90s?": one room once read it as
 * seconds and another as milliseconds, so `at: 90` and `install: 90` in one rollout meant
 * 90 s and 90 ms. A unit says which.
 */

export type DurationErrorCode = 'DURATION_INVALID';

export const DURATION_EXPECTED = 'expected a duration like "90m", "36h", "7d" or "2d 03:00"';

export class DurationError extends MspError {
  declare readonly code: DurationErrorCode;
  readonly input: string | number;
  /** The specific rule broken (`durations cannot be negative`), undefined for plain garbage. */
  readonly detail: string | undefined;

  constructor(input: string | number, detail?: string) {
    super('DURATION_INVALID', `invalid duration ${describeValue(input)}: ${DURATION_EXPECTED}${detail === undefined ? '' : ` (${detail})`}`, { code_in_message: false });
    this.name = 'DurationError';
    this.input = input;
    this.detail = detail;
  }
}

const UNIT_MS = {
  w: 604_800_000n,
  d: 86_400_000n,
  h: 3_600_000n,
  m: 60_000n,
  s: 1_000n,
  ms: 1n,
} as const;
type Unit = keyof typeof UNIT_MS;
// Largest first: compounds must follow this order so `1h 1h` or `30m 1h` (likely typos) fail.
const UNIT_ORDER: readonly Unit[] = ['w', 'd', 'h', 'm', 's', 'ms'];

const MAX_MS = BigInt(Number.MAX_SAFE_INTEGER);

// Sticky regexes so the tokenizer can report exactly where parsing stopped.
const UNIT_TOKEN = /\s*(\d+(?:\.\d+)?)([a-zA-Zµ]+)/y;
const CLOCK_TOKEN = /\s*(\d+):(\d\d)(?::(\d\d)(?:\.(\d{1,3}))?)?/y;
const BARE_NUMBER = /^\d+(?:\.\d+)?$/;

function isUnit(u: string): u is Unit {
  return Object.hasOwn(UNIT_MS, u);
}

/** `digits[.frac] * unit_ms` exactly, or undefined when it is not a whole number of ms. */
function scaleDecimal(decimal: string, unit_ms: bigint): bigint | undefined {
  const [int_part = '0', frac_part = ''] = decimal.split('.');
  const scale = 10n ** BigInt(frac_part.length);
  const numerator = BigInt(int_part + frac_part) * unit_ms;
  return numerator % scale === 0n ? numerator / scale : undefined;
}

function finish(input: string | number, total: bigint): number {
  if (total > MAX_MS) throw new DurationError(input, 'too large (max about 285,000 years)');
  return Number(total);
}

/** The hint for a number written without a unit: the reader most likely meant seconds. */
function needsUnit(input: string | number): DurationError {
  return new DurationError(input, `a duration needs a unit: did you mean "${String(input).trim()}s"?`);
}

/**
 * Integer milliseconds for a duration string.
 * @throws DurationError (code DURATION_INVALID) for anything malformed, unit-less, negative,
 * fractional-ms or beyond Number.MAX_SAFE_INTEGER ms — never returns NaN or a negative number.
 */
export function parseDuration(input: string | number): number {
  if (typeof input === 'number') {
    if (Number.isFinite(input) && input < 0) throw new DurationError(input, 'durations cannot be negative');
    throw needsUnit(input);
  }
  if (typeof input !== 'string') throw new DurationError(input);

  const text = input.trim();
  if (text === '') throw new DurationError(input, 'empty string');
  if (text.startsWith('-')) throw new DurationError(input, 'durations cannot be negative');
  if (BARE_NUMBER.test(text)) throw needsUnit(input);

  let total = 0n;
  let pos = 0;
  let last_unit_index = -1;
  let saw_clock = false;
  while (pos < text.length) {
    if (saw_clock) throw new DurationError(input, 'the H:MM clock part must come last');

    CLOCK_TOKEN.lastIndex = pos;
    const clock = CLOCK_TOKEN.exec(text);
    if (clock !== null) {
      const [, hours = '0', minutes = '0', seconds = '0', millis = ''] = clock;
      // After days the clock is a time of day; on its own `36:00` simply means 36 hours.
      if (last_unit_index >= 0 && UNIT_ORDER[last_unit_index] !== 'd' && UNIT_ORDER[last_unit_index] !== 'w') {
        throw new DurationError(input, 'an H:MM clock can only follow days or weeks');
      }
      if (last_unit_index >= 0 && Number(hours) >= 24) throw new DurationError(input, `hour ${hours} is out of range 0-23 after days`);
      if (Number(minutes) >= 60) throw new DurationError(input, `minute ${minutes} is out of range 00-59`);
      if (Number(seconds) >= 60) throw new DurationError(input, `second ${seconds} is out of range 00-59`);
      total +=
        BigInt(hours) * UNIT_MS.h +
        BigInt(minutes) * UNIT_MS.m +
        BigInt(seconds) * UNIT_MS.s +
        BigInt(millis.padEnd(3, '0') || '0');
      saw_clock = true;
      pos = CLOCK_TOKEN.lastIndex;
      continue;
    }

    UNIT_TOKEN.lastIndex = pos;
    const token = UNIT_TOKEN.exec(text);
    if (token === null) throw new DurationError(input);
    const [, amount = '', unit = ''] = token;
    if (!isUnit(unit)) throw new DurationError(input, `unknown unit "${unit}" (use ms, s, m, h, d or w)`);
    const unit_index = UNIT_ORDER.indexOf(unit);
    if (unit_index <= last_unit_index) {
      throw new DurationError(input, `units must go from largest to smallest, each at most once ("${unit}" is out of place)`);
    }
    const ms = scaleDecimal(amount, UNIT_MS[unit]);
    if (ms === undefined) throw new DurationError(input, 'not a whole number of milliseconds');
    total += ms;
    last_unit_index = unit_index;
    pos = UNIT_TOKEN.lastIndex;
  }
  return finish(input, total);
}

const FORMAT_UNITS: readonly (readonly [string, number])[] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
];

/**
 * Compact form that parseDuration reads back exactly: `1d 2h 3m`, `45s`, `1s 500ms`, `0s`.
 * Days are the largest unit because `14d` reads more naturally in reports than `2w`.
 */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new DurationError(ms, 'formatDuration needs a non-negative integer number of milliseconds');
  }
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of FORMAT_UNITS) {
    const amount = Math.floor(rest / size);
    if (amount > 0) parts.push(`${amount}${unit}`);
    rest -= amount * size;
  }
  return parts.length === 0 ? '0s' : parts.join(' ');
}

/**
 * Zod field for durations: accepts a duration string, outputs integer ms (a number is refused
 * with a did-you-mean, as in parseDuration).
 * Failures are `custom` issues whose message names the expected form and the offending value,
 * so the scenario loader can print it verbatim after the key path.
 * With `.default()` pass milliseconds (zod 4 defaults skip parsing); with `.prefault()` a string.
 */
export const zDuration = z
  .custom<string | number>((value) => typeof value === 'string' || typeof value === 'number', {
    error: (issue) => `${DURATION_EXPECTED}, got ${describeValue(issue.input)}`,
  })
  .transform((value, ctx): number => {
    try {
      return parseDuration(value);
    } catch (err) {
      if (!(err instanceof DurationError)) throw err;
      const detail = err.detail === undefined ? '' : ` (${err.detail})`;
      ctx.addIssue({ code: 'custom', message: `${DURATION_EXPECTED}, got ${describeValue(value)}${detail}`, input: value });
      return z.NEVER;
    }
  });

/** A duration that must be longer than zero (a fault's `for:`, a process's `every:`, `--duration`). */
export const zPositiveDuration = zDuration.refine((ms) => ms > 0, { message: 'must be longer than 0 (e.g. "30s")' });

/** A positive duration from a CLI flag or an API field; the DurationError names the input. */
export function parsePositiveDuration(input: string | number): number {
  const ms = parseDuration(input);
  if (ms <= 0) throw new DurationError(input, 'must be longer than 0');
  return ms;
}

/**
 * A duration validated but kept as written. Plans travel as data — a scenario's `rollouts:`
 * entry, an API body, a queued operator action — and are parsed again where they are built;
 * keeping the text makes that second parse see exactly what the user wrote.
 */
export const zDurationText = z
  .custom<string | number>((value) => typeof value === 'string' || typeof value === 'number', {
    error: (issue) => `${DURATION_EXPECTED}, got ${describeValue(issue.input)}`,
  })
  .superRefine((value, ctx) => {
    try {
      parseDuration(value);
    } catch (err) {
      if (!(err instanceof DurationError)) throw err;
      ctx.addIssue({ code: 'custom', message: `${DURATION_EXPECTED}, got ${describeValue(value)}${err.detail === undefined ? '' : ` (${err.detail})`}`, input: value });
    }
  });

/** Milliseconds of an optional duration already checked by zDurationText. */
export function durationMs(value: string | number | undefined): number | undefined {
  return value === undefined ? undefined : parseDuration(value);
}
