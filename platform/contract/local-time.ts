// Civil (wall-clock) time for a simulated instant in an IANA timezone.
//
// Occupancy, weather and daylight all depend on local time, and the simulator asks for it
// millions of times per run. Intl.DateTimeFormat#formatToParts costs microseconds and allocates,
// so it is only used to learn a zone's UTC offset; the offset is cached per UTC hour and every
// calendar field is then derived arithmetically. The cache only memoises a pure function, so
// results never depend on call order or on when the cache was last cleared.

export interface LocalTime {
  year: number;
  month: number /* 1-12 */;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number /* 0=Sunday..6 */;
  day_of_year: number /* 1..366 */;
  minute_of_day: number;
  offset_min: number /* local − UTC */;
}

const MS_PER_SECOND = 1_000;
const MS_PER_MINUTE = 60_000;
const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;
// Bounded so a months-long run over many zones cannot grow memory without limit; at ~100 bytes
// per entry this is ~10 MB, and one entry covers a zone for a whole simulated hour.
const OFFSET_CACHE_LIMIT = 100_000;
// Marks an hour that contains an offset transition; its details live in ZoneCache.transitions.
const MIXED_HOUR = Number.NaN;

interface Transition {
  at_ms: number;
  before_ms: number;
  after_ms: number;
}

interface ZoneCache {
  formatter: Intl.DateTimeFormat;
  /** Most recent uniform hour looked up, so runs of queries skip the Map entirely. */
  last_hour: number;
  last_offset_ms: number;
  /** UTC hour index → offset (ms) for the whole hour, or MIXED_HOUR. */
  hours: Map<number, number>;
  transitions: Map<number, Transition>;
}

const zones = new Map<string, ZoneCache>();
let cached_hours = 0;
// Simulations mostly ask about the same zone repeatedly; skipping the string-keyed lookup helps.
let last_timezone: string | undefined;
let last_zone: ZoneCache | undefined;

function zoneCache(timezone: string): ZoneCache {
  if (timezone === last_timezone && last_zone !== undefined) return last_zone;
  let zone = zones.get(timezone);
  if (zone === undefined) {
    zone = { formatter: makeFormatter(timezone), last_hour: Number.NaN, last_offset_ms: 0, hours: new Map(), transitions: new Map() };
    zones.set(timezone, zone);
  }
  last_timezone = timezone;
  last_zone = zone;
  return zone;
}

function makeFormatter(timezone: string): Intl.DateTimeFormat {
  // Offset-style names ("+05:00") are accepted by newer ICU builds but are not IANA zones, and a
  // scenario that uses them would behave differently across Node versions.
  if (typeof timezone !== 'string' || !/^[A-Za-z]/.test(timezone)) {
    throw new RangeError(`Unknown IANA timezone ${JSON.stringify(timezone)}`);
  }
  try {
    // Pin calendar, numbering system and hour cycle so parsing never depends on locale defaults
    // (h23 avoids the "24:00" midnight that hour12:false produces on some ICU versions).
    return new Intl.DateTimeFormat('en-US-u-ca-gregory-nu-latn', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new RangeError(`Unknown IANA timezone ${JSON.stringify(timezone)}`);
  }
}

/** Date.UTC, but without its legacy mapping of years 0–99 to 1900–1999. */
function utcFromFields(year: number, month0: number, day: number, hour: number, minute: number, second: number): number {
  if (year >= 0 && year < 100) {
    // The Gregorian calendar repeats exactly every 400 years (146,097 days).
    return Date.UTC(year + 400, month0, day, hour, minute, second) - 146_097 * MS_PER_DAY;
  }
  return Date.UTC(year, month0, day, hour, minute, second);
}

/** Offset (ms) of `timezone` at the whole second containing utc_ms, straight from ICU. */
function rawOffsetMs(zone: ZoneCache, utc_ms: number): number {
  const second_ms = Math.floor(utc_ms / MS_PER_SECOND) * MS_PER_SECOND;
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const part of zone.formatter.formatToParts(second_ms)) {
    switch (part.type) {
      case 'year': year = Number(part.value); break;
      case 'month': month = Number(part.value); break;
      case 'day': day = Number(part.value); break;
      case 'hour': hour = Number(part.value) % 24; break;
      case 'minute': minute = Number(part.value); break;
      case 'second': second = Number(part.value); break;
      default: break;
    }
  }
  return utcFromFields(year, month - 1, day, hour, minute, second) - second_ms;
}

function offsetMs(zone: ZoneCache, utc_ms: number): number {
  const hour_index = Math.floor(utc_ms / MS_PER_HOUR);
  if (hour_index === zone.last_hour) return zone.last_offset_ms;
  const cached = zone.hours.get(hour_index);
  if (cached !== undefined) {
    if (cached === cached) {
      // not MIXED_HOUR (NaN)
      zone.last_hour = hour_index;
      zone.last_offset_ms = cached;
      return cached;
    }
    const transition = zone.transitions.get(hour_index);
    if (transition !== undefined) return utc_ms < transition.at_ms ? transition.before_ms : transition.after_ms;
  }
  return fillHour(zone, hour_index, utc_ms);
}

function fillHour(zone: ZoneCache, hour_index: number, utc_ms: number): number {
  if (cached_hours >= OFFSET_CACHE_LIMIT) {
    for (const z of zones.values()) {
      z.last_hour = Number.NaN;
      z.hours.clear();
      z.transitions.clear();
    }
    cached_hours = 0;
  }
  const start_ms = hour_index * MS_PER_HOUR;
  const last_second_ms = start_ms + MS_PER_HOUR - MS_PER_SECOND;
  const before_ms = rawOffsetMs(zone, start_ms);
  const after_ms = rawOffsetMs(zone, last_second_ms);
  cached_hours++;
  if (before_ms === after_ms) {
    zone.hours.set(hour_index, before_ms);
    return before_ms;
  }
  // Transitions are not always on UTC hour boundaries (St John's, Lord Howe, Chatham change at
  // :30 or :45 UTC), so locate the first second with the new offset by bisection.
  let lo_s = start_ms / MS_PER_SECOND; // has before_ms
  let hi_s = last_second_ms / MS_PER_SECOND; // has a different offset
  while (hi_s - lo_s > 1) {
    const mid_s = Math.floor((lo_s + hi_s) / 2);
    if (rawOffsetMs(zone, mid_s * MS_PER_SECOND) === before_ms) lo_s = mid_s;
    else hi_s = mid_s;
  }
  const transition: Transition = { at_ms: hi_s * MS_PER_SECOND, before_ms, after_ms };
  zone.hours.set(hour_index, MIXED_HOUR);
  zone.transitions.set(hour_index, transition);
  return utc_ms < transition.at_ms ? before_ms : after_ms;
}

/** UTC offset (local − UTC) in minutes; cheaper than localTime when only the offset is needed. */
export function utcOffsetMinutes(timezone: string, utc_ms: number): number {
  return offsetMs(zoneCache(timezone), utc_ms) / MS_PER_MINUTE;
}

// Days before each month in a common year, for day_of_year.
const DAYS_BEFORE_MONTH = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334] as const;

/**
 * Fills `out` with the local time of utc_ms in timezone and returns it. Hot loops can reuse one
 * object instead of allocating per call. Throws RangeError for an unknown timezone.
 */
export function localTimeInto(timezone: string, utc_ms: number, out: LocalTime): LocalTime {
  const offset_ms = offsetMs(zoneCache(timezone), utc_ms);
  const local_ms = utc_ms + offset_ms;
  const days = Math.floor(local_ms / MS_PER_DAY);
  const ms_of_day = local_ms - days * MS_PER_DAY;
  const hour = Math.floor(ms_of_day / MS_PER_HOUR);
  const minute_of_day = Math.floor(ms_of_day / MS_PER_MINUTE);
  if (days !== memo_days) civilFromDays(days);
  out.year = memo_year;
  out.month = memo_month;
  out.day = memo_day;
  out.hour = hour;
  out.minute = minute_of_day - hour * 60;
  out.second = Math.floor(ms_of_day / MS_PER_SECOND) - minute_of_day * 60;
  out.weekday = memo_weekday;
  out.day_of_year = memo_day_of_year;
  out.minute_of_day = minute_of_day;
  out.offset_min = offset_ms / MS_PER_MINUTE;
  return out;
}

// The calendar date of the most recent local day. Consecutive queries nearly always fall on the
// same day, and the date arithmetic costs more than everything else in localTime.
let memo_days = Number.NaN;
let memo_year = 0;
let memo_month = 0;
let memo_day = 0;
let memo_weekday = 0;
let memo_day_of_year = 0;

function civilFromDays(days: number): void {
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm): exact for all proleptic
  // Gregorian dates, no Date object needed.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1_460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy_from_march = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy_from_march + 2) / 153);
  const day = doy_from_march - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  memo_days = days;
  memo_year = year;
  memo_month = month;
  memo_day = day;
  memo_weekday = (((days + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
  memo_day_of_year = (DAYS_BEFORE_MONTH[month - 1] ?? 0) + day + (leap && month > 2 ? 1 : 0);
}

/** Local wall-clock fields of utc_ms in timezone. Throws RangeError for an unknown timezone. */
export function localTime(timezone: string, utc_ms: number): LocalTime {
  return localTimeInto(timezone, utc_ms, {
    year: 0,
    month: 0,
    day: 0,
    hour: 0,
    minute: 0,
    second: 0,
    weekday: 0,
    day_of_year: 0,
    minute_of_day: 0,
    offset_min: 0,
  });
}

/**
 * UTC instant of a local wall-clock time. Out-of-range fields normalise like Date.UTC (day 32 is
 * the 1st of the next month).
 * - DST gap (the wall time does not exist): shifted forward by the gap length, so 02:30 on a
 *   spring-forward night becomes 03:30 — what a person resetting a clock would mean (Temporal's
 *   "compatible" disambiguation).
 * - DST overlap (the wall time happens twice): the first (earlier) occurrence.
 */
export function zonedToUtcMs(timezone: string, year: number, month: number, day: number, hour: number, minute: number): number {
  const zone = zoneCache(timezone);
  const wall_ms = utcFromFields(year, month - 1, day, hour, minute, 0);
  if (!Number.isFinite(wall_ms)) {
    throw new RangeError(`Invalid local time ${year}-${month}-${day} ${hour}:${minute}`);
  }
  // The true instant is within ±14 h of wall_ms, so the offsets a day either side bracket it
  // (no zone changes offset twice within two days).
  const before_ms = offsetMs(zone, wall_ms - MS_PER_DAY);
  const after_ms = offsetMs(zone, wall_ms + MS_PER_DAY);
  const candidate_before = wall_ms - before_ms;
  const before_valid = offsetMs(zone, candidate_before) === before_ms;
  if (before_ms === after_ms) return candidate_before;
  const candidate_after = wall_ms - after_ms;
  const after_valid = offsetMs(zone, candidate_after) === after_ms;
  if (before_valid && after_valid) return Math.min(candidate_before, candidate_after);
  if (before_valid) return candidate_before;
  if (after_valid) return candidate_after;
  // Gap: applying the pre-transition offset lands after the transition, gap-length later on the wall.
  return candidate_before;
}

/** True when timezone is an IANA zone name that this runtime's ICU knows. */
export function isValidTimezone(timezone: string): boolean {
  if (typeof timezone !== 'string' || timezone.length === 0) return false;
  try {
    zoneCache(timezone);
    return true;
  } catch {
    return false;
  }
}

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})$/;

/** Splits "YYYY-MM-DD HH:mm" into numbers; undefined when the text is no real calendar date-time. */
export function parseLocalDateTime(text: string): [number, number, number, number, number] | undefined {
  const m = LOCAL_DATE_TIME.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  const days_in_month = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month || h > 23 || mi > 59) return undefined;
  return [y, mo, d, h, mi];
}

/** Whether the text is a real calendar date-time "YYYY-MM-DD HH:mm". */
export function isRealLocalDateTime(text: string): boolean {
  return parseLocalDateTime(text) !== undefined;
}
