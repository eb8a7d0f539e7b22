// Synthetic outdoor weather: a deterministic function of (climate, seed, place, instant).
//
// Built from a seasonal cosine, an asymmetric diurnal cycle on the local clock, multi-day
// "fronts" and a little hourly jitter. Noise comes from hashed value noise, so any device may
// sample any instant in any order and gets the same answer.

import { hash2, valueNoise } from './hash-noise.ts';
import { utcOffsetMinutes } from '../../platform/contract/local-time.ts';
import { MS_PER_MINUTE, MS_PER_HOUR, MS_PER_DAY } from '../../common/time.ts';

export interface Climate {
  mean_c: number;
  seasonal_amplitude_c: number;
  diurnal_amplitude_c: number;
  humidity_mean_pct: number;
  latitude_deg: number /* negative = southern hemisphere, flips seasons */;
  /** Mean sky cover, 0 clear … 1 overcast (default 0.5). */
  cloud_mean?: number;
  /** A metro's monthly normals (climate-normals.ts); when present they replace the seasonal cosine. */
  normals?: MonthlyNormals;
}

/** Twelve values each, January first. */
export interface MonthlyNormals {
  /** Mean daily minimum and maximum, °C. */
  min_c: readonly number[];
  max_c: readonly number[];
  /** Mean relative humidity, %. */
  rh_pct: readonly number[];
  /** Mean sky cover, 0–1. */
  cloud: readonly number[];
}

export interface Outdoor {
  temperature_c: number;
  humidity_pct: number;
  dew_point_c: number;
  /** Sky cover now, 0 clear … 1 overcast: dims daylight and solar gain. */
  cloud_fraction: number;
}

const TWO_PI = 2 * Math.PI;
// Mean tropical year, so the seasonal phase does not drift over multi-year runs.
const YEAR_DAYS = 365.2425;
// Coldest day in the north ≈ 20 January (thermal lag behind the solstice): days since
// 1970-01-01 of 2000-01-20 12:00. Southern sites are half a year out of phase (≈ 20 July).
const COLDEST_NORTH_DAY = Date.UTC(2000, 0, 20, 12) / MS_PER_DAY;
const HALF_YEAR_DAYS = YEAR_DAYS / 2;
// Diurnal extremes on the local clock: minimum just before sunrise, maximum mid-afternoon.
const DIURNAL_MIN_HOUR = 5;
const DIURNAL_MAX_HOUR = 15;
const DIURNAL_RISE_H = DIURNAL_MAX_HOUR - DIURNAL_MIN_HOUR;
const DIURNAL_FALL_H = 24 - DIURNAL_RISE_H;
const FRONT_PERIOD_H = 36;
const FRONT_AMPLITUDE_C = 3;
const JITTER_PERIOD_H = 1;
const JITTER_AMPLITUDE_C = 0.4;
// Humidity noise is relative (a desert's RH wanders less in absolute terms than a coast's).
const HUMIDITY_FRONT_RELATIVE = 0.15;
const HUMIDITY_JITTER_RELATIVE = 0.03;
const HUMIDITY_MIN_PCT = 5;
const HUMIDITY_MAX_PCT = 100;
// The dew point sits at least this far below the night's minimum on all but foggy nights: an air
// mass's dew point is bounded by how cold the surface gets (dew and fog take the excess out).
const DEW_POINT_MARGIN_C = 1.0;
const CLOUD_FRONT_AMPLITUDE = 0.45;
const CLOUD_JITTER_AMPLITUDE = 0.2;
const CLOUD_JITTER_PERIOD_H = 4;
// Independent noise streams derived from the caller's seed.
const STREAM_FRONT = 1;
const STREAM_JITTER = 2;
const STREAM_HUMIDITY_FRONT = 3;
const STREAM_HUMIDITY_JITTER = 4;
const STREAM_CLOUD = 5;

// Sub-stream seeds for the most recent noise_seed. Deriving them costs four hashes, and callers
// usually sample one site many times in a row; the memo cannot change any result.
let memo_seed = Number.NaN;
let seed_front = 0;
let seed_jitter = 0;
let seed_humidity_front = 0;
let seed_humidity_jitter = 0;
let seed_cloud = 0;

function deriveSeeds(noise_seed: number): void {
  memo_seed = noise_seed;
  seed_front = hash2(noise_seed, STREAM_FRONT);
  seed_jitter = hash2(noise_seed, STREAM_JITTER);
  seed_humidity_front = hash2(noise_seed, STREAM_HUMIDITY_FRONT);
  seed_humidity_jitter = hash2(noise_seed, STREAM_HUMIDITY_JITTER);
  seed_cloud = hash2(noise_seed, STREAM_CLOUD);
}

const MONTH_DAYS = YEAR_DAYS / 12;

/** A monthly series at a day since 1970 (local), interpolated linearly between mid-month points. */
function monthly(values: readonly number[], local_day: number): number {
  const position = (((local_day % YEAR_DAYS) + YEAR_DAYS) % YEAR_DAYS) / MONTH_DAYS - 0.5; // 0 = mid-January
  const i = Math.floor(position);
  const f = position - i;
  const a = values[(i + 12) % 12] ?? 0;
  const b = values[(i + 13) % 12] ?? 0;
  return a + (b - a) * f;
}

/** Saturation vapour pressure over water (Magnus form, WMO coefficients), Pa. */
function saturationPa(temperature_c: number): number {
  return 611.2 * Math.exp((17.62 * temperature_c) / (243.12 + temperature_c));
}

function dewPointC(vapour_pa: number): number {
  const x = Math.log(Math.max(1e-3, vapour_pa) / 611.2);
  return (243.12 * x) / (17.62 - x);
}

/**
 * Diurnal shape in [-1, 1]: −1 at 05:00, +1 at 15:00, half-cosines in between so the curve and
 * its slope are continuous, with the slower evening cool-down real days show.
 */
function diurnalShape(hour_of_day: number): number {
  const since_min_h = hour_of_day >= DIURNAL_MIN_HOUR ? hour_of_day - DIURNAL_MIN_HOUR : hour_of_day + 24 - DIURNAL_MIN_HOUR;
  if (since_min_h <= DIURNAL_RISE_H) return -Math.cos((Math.PI * since_min_h) / DIURNAL_RISE_H);
  return Math.cos((Math.PI * (since_min_h - DIURNAL_RISE_H)) / DIURNAL_FALL_H);
}

/**
 * Outdoor temperature, relative humidity, dew point and sky cover at utc_ms. Without normals the
 * temperature stays within mean ± (seasonal + diurnal amplitude + 3.4 °C); with a metro's normals
 * it follows the month's mean minimum and maximum (± 3.4 °C of fronts and jitter). Humidity comes
 * from a vapour pressure held by the air mass and is bounded by the dew point, so it reaches 100 %
 * only on rare foggy nights. Throws RangeError for an unknown timezone.
 */
export function outdoorConditions(climate: Climate, noise_seed: number, timezone: string, utc_ms: number): Outdoor {
  const local_ms = utc_ms + utcOffsetMinutes(timezone, utc_ms) * MS_PER_MINUTE;
  const local_day = local_ms / MS_PER_DAY;
  const hour_of_day = (local_day - Math.floor(local_day)) * 24;

  let base_c: number;
  let diurnal_amplitude_c: number;
  let humidity_mean_pct: number;
  let cloud_mean: number;
  const normals = climate.normals;
  if (normals !== undefined) {
    const lo = monthly(normals.min_c, local_day);
    const hi = monthly(normals.max_c, local_day);
    base_c = (lo + hi) / 2;
    diurnal_amplitude_c = (hi - lo) / 2;
    humidity_mean_pct = monthly(normals.rh_pct, local_day);
    cloud_mean = monthly(normals.cloud, local_day);
  } else {
    const season_day = local_day - COLDEST_NORTH_DAY - (climate.latitude_deg < 0 ? HALF_YEAR_DAYS : 0);
    base_c = climate.mean_c - climate.seasonal_amplitude_c * Math.cos((TWO_PI * season_day) / YEAR_DAYS);
    diurnal_amplitude_c = climate.diurnal_amplitude_c;
    humidity_mean_pct = climate.humidity_mean_pct;
    cloud_mean = climate.cloud_mean ?? 0.5;
  }
  const diurnal_c = diurnal_amplitude_c * diurnalShape(hour_of_day);

  // Noise runs on UTC hours so a DST change cannot make the weather jump.
  const utc_h = utc_ms / MS_PER_HOUR;
  if (!Object.is(noise_seed, memo_seed)) deriveSeeds(noise_seed);
  const front_c = FRONT_AMPLITUDE_C * valueNoise(seed_front, utc_h / FRONT_PERIOD_H);
  const jitter_c = JITTER_AMPLITUDE_C * valueNoise(seed_jitter, utc_h / JITTER_PERIOD_H);
  const temperature_c = base_c + diurnal_c + front_c + jitter_c;

  // The air mass carries its moisture through the day: vapour pressure from the mean humidity at
  // the day's mean temperature, moved by fronts, capped by the dew point the night allows.
  const moisture = Math.max(
    0.05,
    1 + HUMIDITY_FRONT_RELATIVE * valueNoise(seed_humidity_front, utc_h / FRONT_PERIOD_H) + HUMIDITY_JITTER_RELATIVE * valueNoise(seed_humidity_jitter, utc_h / JITTER_PERIOD_H),
  );
  const night_min_c = base_c - diurnal_amplitude_c + front_c;
  const vapour_pa = Math.min((Math.min(100, humidity_mean_pct) / 100) * saturationPa(base_c) * moisture, saturationPa(night_min_c - DEW_POINT_MARGIN_C), saturationPa(temperature_c));
  const humidity_pct = (100 * vapour_pa) / saturationPa(temperature_c);

  const cloud_fraction = Math.min(
    1,
    Math.max(0, cloud_mean + CLOUD_FRONT_AMPLITUDE * valueNoise(seed_cloud, utc_h / FRONT_PERIOD_H) + CLOUD_JITTER_AMPLITUDE * valueNoise(seed_cloud ^ 0x9e3779b9, utc_h / CLOUD_JITTER_PERIOD_H)),
  );

  return {
    temperature_c,
    humidity_pct: Math.min(HUMIDITY_MAX_PCT, Math.max(HUMIDITY_MIN_PCT, humidity_pct)),
    dew_point_c: dewPointC(vapour_pa),
    cloud_fraction,
  };
}
