// Outdoor daylight as a 0..1 fraction, for lux sensors and daylight-harvesting lighting.
//
// Derived from solar elevation, so day length follows latitude and season automatically:
// declination by Cooper's formula, hour angle from local clock time with solar noon taken as
// 12:00 (longitude within the zone and DST shift are ignored; both move noon by < ~1.5 h).

import type { LocalTime } from '../../platform/contract/local-time.ts';

const DEG = Math.PI / 180;
const MAX_DECLINATION_RAD = 23.44 * DEG;
// Twilight ramp in solar elevation: fully dark below −4° (between civil and nautical twilight),
// fully "day" above +6°. Expressed as sin(elevation) to avoid an asin per call.
const SIN_DARK = Math.sin(-4 * DEG);
const SIN_DAY = Math.sin(6 * DEG);
// Even overcast-ish low sun gives useful light; the rest scales with sin(elevation) (irradiance
// on a horizontal surface), reaching 1 with the sun overhead.
const DIFFUSE_SHARE = 0.35;

/** Solar declination (radians) for a day of the year (Cooper 1969). */
function declinationRad(day_of_year: number): number {
  return MAX_DECLINATION_RAD * Math.sin((2 * Math.PI * (284 + day_of_year)) / 365);
}

/** Sine of the solar elevation at a latitude, day of year and local solar hour. */
function sinElevation(latitude_deg: number, day_of_year: number, solar_hour: number): number {
  const phi = latitude_deg * DEG;
  const delta = declinationRad(day_of_year);
  const hour_angle = (solar_hour - 12) * 15 * DEG;
  return Math.sin(phi) * Math.sin(delta) + Math.cos(phi) * Math.cos(delta) * Math.cos(hour_angle);
}

/**
 * Daylight fraction in [0, 1]: 0 at night, a smooth (C¹) ramp through twilight, maximum at solar
 * noon, and a higher noon peak in summer than in winter.
 */
export function daylightFraction(latitude_deg: number, local: LocalTime): number {
  const solar_hour = local.hour + local.minute / 60 + local.second / 3600;
  const sin_el = sinElevation(latitude_deg, local.day_of_year, solar_hour);
  if (sin_el <= SIN_DARK) return 0;
  const x = sin_el >= SIN_DAY ? 1 : (sin_el - SIN_DARK) / (SIN_DAY - SIN_DARK);
  const twilight = x * x * (3 - 2 * x);
  return twilight * (DIFFUSE_SHARE + (1 - DIFFUSE_SHARE) * Math.max(0, sin_el));
}

/** The sun's hour angle moves 15° an hour: the fastest sin(elevation) can change, per ms, is cos(latitude) times this. */
const HOUR_ANGLE_RAD_PER_MS = (15 * DEG) / 3_600_000;

/**
 * An upper bound on how fast `daylightFraction` can change, per ms, anywhere in the next `span_ms`
 * from `local` (which must not cross a change of the zone's offset or a local midnight: callers
 * stay within a 5-minute bucket of UTC, and both fall on such boundaries). 0 when it stays dark.
 * A daylight-harvesting light uses it to know how long its rounded level cannot move.
 */
export function daylightRateBound(latitude_deg: number, local: LocalTime, span_ms: number): number {
  const solar_hour = local.hour + local.minute / 60 + local.second / 3600;
  const sin_el = sinElevation(latitude_deg, local.day_of_year, solar_hour);
  const sin_rate = Math.abs(Math.cos(latitude_deg * DEG)) * HOUR_ANGLE_RAD_PER_MS;
  const reach = sin_rate * span_ms;
  if (sin_el + reach <= SIN_DARK) return 0;
  // Above the twilight ramp only the sin(elevation) term moves; on it the ramp's slope (at most
  // 1.5 over its width) comes on top.
  const slope = sin_el - reach >= SIN_DAY ? 1 - DIFFUSE_SHARE : 1.5 / (SIN_DAY - SIN_DARK) + (1 - DIFFUSE_SHARE);
  return slope * sin_rate;
}

/** Hours between sunrise and sunset (sun centre at the horizon); 0 in polar night, 24 in polar day. */
export function dayLengthHours(latitude_deg: number, day_of_year: number): number {
  const cos_hour_angle = -Math.tan(latitude_deg * DEG) * Math.tan(declinationRad(day_of_year));
  if (cos_hour_angle >= 1) return 0;
  if (cos_hour_angle <= -1) return 24;
  return (2 * Math.acos(cos_hour_angle)) / (15 * DEG);
}

/**
 * Irradiance on a vertical facade, W/m² of glass, under a clear sky: beam (≈ 850 W/m² normal
 * incidence once the sun is above a few degrees, less through the long air path at low sun) times
 * the cosine of incidence on a facade facing `facade_deg` (0 = south, 90 = west, 180 = north,
 * −90 = east), plus sky-diffuse light (about a tenth of global horizontal). Solar noon is 12:00
 * local as for daylightFraction. Clouds are the caller's business.
 */
export function facadeIrradiance(latitude_deg: number, local: LocalTime, facade_deg: number): number {
  const solar_hour = local.hour + local.minute / 60 + local.second / 3600;
  const sin_el = sinElevation(latitude_deg, local.day_of_year, solar_hour);
  if (sin_el <= 0) return 0;
  const phi = latitude_deg * DEG;
  const delta = declinationRad(local.day_of_year);
  const hour_angle = (solar_hour - 12) * 15 * DEG;
  const f = facade_deg * DEG;
  // cos(incidence) on a vertical surface = cos(el)·cos(azimuth − facade), expanded so no azimuth
  // (and no asin/atan) is needed: cos(el)·sin(az) = cos δ·sin H; cos(el)·cos(az) = (sin el·sin φ − sin δ)/cos φ.
  const cos_phi = Math.max(1e-6, Math.cos(phi));
  const cos_incidence = Math.cos(delta) * Math.sin(hour_angle) * Math.sin(f) + ((sin_el * Math.sin(phi) - Math.sin(delta)) / cos_phi) * Math.cos(f);
  const beam = 850 * Math.min(1, sin_el / 0.1); // air mass: the low sun's beam is weak
  return beam * Math.max(0, cos_incidence) + 100 * sin_el;
}
