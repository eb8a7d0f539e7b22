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

/** Hours between sunrise and sunset (sun centre at the horizon); 0 in polar night, 24 in polar day. */
export function dayLengthHours(latitude_deg: number, day_of_year: number): number {
  const cos_hour_angle = -Math.tan(latitude_deg * DEG) * Math.tan(declinationRad(day_of_year));
  if (cos_hour_angle >= 1) return 0;
  if (cos_hour_angle <= -1) return 24;
  return (2 * Math.acos(cos_hour_angle)) / (15 * DEG);
}
