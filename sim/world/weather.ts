// Synthetic outdoor weather: a deterministic function of (climate, seed, place, instant).
//
// Built from a seasonal cosine, an asymmetric diurnal cycle on the local clock, multi-day
// "fronts" and a little hourly jitter. Noise comes from hashed value noise, so any device may
// sample any instant in any order and gets the same answer.

import { hash2, valueNoise } from './hash-noise.ts';
import { utcOffsetMinutes } from '../../platform/contract/local-time.ts';

export interface Climate {
  mean_c: number;
  seasonal_amplitude_c: number;
  diurnal_amplitude_c: number;
  humidity_mean_pct: number;
  latitude_deg: number /* negative = southern hemisphere, flips seasons */;
}

export interface Outdoor {
  temperature_c: number;
  humidity_pct: number;
}

const MS_PER_MINUTE = 60_000;
const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;
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
// Relative humidity falls ≈ 6 %/K as air warms at constant moisture content (Clausius–Clapeyron
// slope of saturation vapour pressure near 15 °C), which is why afternoons are drier.
const RH_PER_KELVIN = 0.06;
const HUMIDITY_MIN_PCT = 5;
const HUMIDITY_MAX_PCT = 100;
// Independent noise streams derived from the caller's seed.
const STREAM_FRONT = 1;
const STREAM_JITTER = 2;
const STREAM_HUMIDITY_FRONT = 3;
const STREAM_HUMIDITY_JITTER = 4;

// Sub-stream seeds for the most recent noise_seed. Deriving them costs four hashes, and callers
// usually sample one site many times in a row; the memo cannot change any result.
let memo_seed = Number.NaN;
let seed_front = 0;
let seed_jitter = 0;
let seed_humidity_front = 0;
let seed_humidity_jitter = 0;

function deriveSeeds(noise_seed: number): void {
  memo_seed = noise_seed;
  seed_front = hash2(noise_seed, STREAM_FRONT);
  seed_jitter = hash2(noise_seed, STREAM_JITTER);
  seed_humidity_front = hash2(noise_seed, STREAM_HUMIDITY_FRONT);
  seed_humidity_jitter = hash2(noise_seed, STREAM_HUMIDITY_JITTER);
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
 * Outdoor temperature and relative humidity at utc_ms. Temperature stays within
 * mean ± (seasonal + diurnal amplitude + 3.4 °C); humidity within [5, 100] %.
 * Throws RangeError for an unknown timezone.
 */
export function outdoorConditions(climate: Climate, noise_seed: number, timezone: string, utc_ms: number): Outdoor {
  const local_ms = utc_ms + utcOffsetMinutes(timezone, utc_ms) * MS_PER_MINUTE;
  const local_day = local_ms / MS_PER_DAY;
  const hour_of_day = (local_day - Math.floor(local_day)) * 24;

  const season_day = local_day - COLDEST_NORTH_DAY - (climate.latitude_deg < 0 ? HALF_YEAR_DAYS : 0);
  const seasonal_c = -climate.seasonal_amplitude_c * Math.cos((TWO_PI * season_day) / YEAR_DAYS);
  const diurnal_c = climate.diurnal_amplitude_c * diurnalShape(hour_of_day);

  // Noise runs on UTC hours so a DST change cannot make the weather jump.
  const utc_h = utc_ms / MS_PER_HOUR;
  if (!Object.is(noise_seed, memo_seed)) deriveSeeds(noise_seed);
  const front_c = FRONT_AMPLITUDE_C * valueNoise(seed_front, utc_h / FRONT_PERIOD_H);
  const jitter_c = JITTER_AMPLITUDE_C * valueNoise(seed_jitter, utc_h / JITTER_PERIOD_H);

  const humidity_pct =
    climate.humidity_mean_pct *
    Math.exp(-RH_PER_KELVIN * diurnal_c) *
    (1 +
      HUMIDITY_FRONT_RELATIVE * valueNoise(seed_humidity_front, utc_h / FRONT_PERIOD_H) +
      HUMIDITY_JITTER_RELATIVE * valueNoise(seed_humidity_jitter, utc_h / JITTER_PERIOD_H));

  return {
    temperature_c: climate.mean_c + seasonal_c + diurnal_c + front_c + jitter_c,
    humidity_pct: Math.min(HUMIDITY_MAX_PCT, Math.max(HUMIDITY_MIN_PCT, humidity_pct)),
  };
}
