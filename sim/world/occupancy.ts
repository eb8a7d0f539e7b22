// Expected occupancy (fraction of capacity present) by building type and local time.
//
// Each profile is a piecewise-linear curve over the local day: the share of a zone's people who
// are in at that minute, averaged over zones and days. The simulator turns it into head counts
// of individual people (headCount below), so zones empty out, days differ and arrivals spread.
// Office profiles follow the shape of ASHRAE 90.1 Appendix G / COMNET occupancy schedules (9–17
// plateau, lunch dip, near zero at night and on weekends); residential ones follow the American
// Time Use Survey's at-home share (≈ 95 % at night, 40–60 % on weekday afternoons).
// Public holidays are not modelled.

import { hash3 } from './hash-noise.ts';
import type { LocalTime } from '../../platform/contract/local-time.ts';

export type BuildingType = 'office' | 'clinic' | 'retail' | 'multifamily' | 'home';

/** Knots as [minute_of_day, fraction, …]; first knot at 0 and last at 1440 for every profile. */
type Profile = Float64Array;

function profile(knots: ReadonlyArray<readonly [number, number]>): Profile {
  const out = new Float64Array(knots.length * 2);
  knots.forEach(([minute, fraction], i) => {
    out[2 * i] = minute;
    out[2 * i + 1] = fraction;
  });
  return out;
}

const h = (hour: number, minute = 0): number => hour * 60 + minute;

// Every profile starts and ends at its night value so consecutive days join without a step.
// An office's night is 0, not a trickle: a person is in while the schedule is above their
// threshold for the day, so a night value of 0.3 % kept one regular at the desk round the clock
// in about 4 % of zones (seen in a July plot: a zone occupied and lit from midnight to midnight).
const OFFICE_WEEKDAY = profile([
  [0, 0], [h(6), 0], [h(7), 0.05], [h(9), 0.85], // arrival ramp
  [h(12), 0.85], [h(12, 30), 0.55], [h(13), 0.55], [h(13, 30), 0.85], // lunch dip
  [h(16, 30), 0.85], [h(19), 0.05], [h(21), 0.02], [h(22), 0], [h(24), 0], // departures, cleaners
]);
// On a weekend most office zones stay empty; in the few where someone comes in they stay hours.
const OFFICE_WEEKEND = profile([
  [0, 0], [h(8), 0], [h(10), 0.05], [h(16), 0.05], [h(18), 0], [h(24), 0],
]);
const CLINIC = profile([
  [0, 0.35], [h(7), 0.35], [h(8), 0.75], [h(20), 0.75], [h(21), 0.35], [h(24), 0.35],
]);
// Staff arrive an hour before opening (~0.1), shoppers peak late afternoon/evening.
const RETAIL_WEEKDAY = profile([
  [0, 0], [h(8, 45), 0], [h(9), 0.1], [h(10), 0.1], [h(11), 0.25], [h(12, 30), 0.4], [h(14), 0.35],
  [h(17), 0.55], [h(19), 0.6], [h(20, 30), 0.45], [h(21), 0.12], [h(21, 30), 0.06], [h(22), 0], [h(24), 0],
]);
const RETAIL_SATURDAY = profile([
  [0, 0], [h(8, 45), 0], [h(9), 0.1], [h(10), 0.12], [h(11), 0.4], [h(13), 0.6], [h(15), 0.7],
  [h(18), 0.75], [h(20), 0.6], [h(21), 0.12], [h(21, 30), 0.06], [h(22), 0], [h(24), 0],
]);
const RETAIL_SUNDAY = profile([
  [0, 0], [h(9, 45), 0], [h(10), 0.1], [h(11), 0.12], [h(12), 0.45], [h(14), 0.65], [h(16), 0.7],
  [h(17, 30), 0.55], [h(18), 0.12], [h(18, 30), 0.06], [h(19), 0], [h(24), 0],
]);
const MULTIFAMILY_WEEKDAY = profile([
  [0, 0.93], [h(6, 30), 0.93], [h(9), 0.3], [h(17), 0.3], [h(19), 0.75], [h(22), 0.88], [h(24), 0.93],
]);
const MULTIFAMILY_WEEKEND = profile([
  [0, 0.93], [h(8), 0.93], [h(11), 0.6], [h(17), 0.55], [h(19), 0.75], [h(22), 0.88], [h(24), 0.93],
]);
// A single household empties more completely than a whole apartment block.
const HOME_WEEKDAY = profile([
  [0, 0.95], [h(6, 30), 0.95], [h(8, 30), 0.25], [h(17), 0.25], [h(18, 30), 0.85], [h(22), 0.93], [h(24), 0.95],
]);
const HOME_WEEKEND = profile([
  [0, 0.95], [h(8, 30), 0.95], [h(11), 0.75], [h(17), 0.7], [h(19), 0.85], [h(22), 0.93], [h(24), 0.95],
]);

/** Profiles indexed by weekday, 0 = Sunday. */
const PROFILES: Readonly<Record<BuildingType, readonly Profile[]>> = {
  office: [OFFICE_WEEKEND, OFFICE_WEEKDAY, OFFICE_WEEKDAY, OFFICE_WEEKDAY, OFFICE_WEEKDAY, OFFICE_WEEKDAY, OFFICE_WEEKEND],
  clinic: [CLINIC, CLINIC, CLINIC, CLINIC, CLINIC, CLINIC, CLINIC],
  retail: [RETAIL_SUNDAY, RETAIL_WEEKDAY, RETAIL_WEEKDAY, RETAIL_WEEKDAY, RETAIL_WEEKDAY, RETAIL_WEEKDAY, RETAIL_SATURDAY],
  multifamily: [MULTIFAMILY_WEEKEND, MULTIFAMILY_WEEKDAY, MULTIFAMILY_WEEKDAY, MULTIFAMILY_WEEKDAY, MULTIFAMILY_WEEKDAY, MULTIFAMILY_WEEKDAY, MULTIFAMILY_WEEKEND],
  home: [HOME_WEEKEND, HOME_WEEKDAY, HOME_WEEKDAY, HOME_WEEKDAY, HOME_WEEKDAY, HOME_WEEKDAY, HOME_WEEKEND],
};

function evaluate(knots: Profile, minute: number): number {
  // ≤ 14 knots: a linear scan beats a binary search here.
  let prev_minute = knots[0] ?? 0;
  let prev_value = knots[1] ?? 0;
  for (let i = 2; i < knots.length; i += 2) {
    const knot_minute = knots[i] ?? 0;
    const knot_value = knots[i + 1] ?? 0;
    if (minute <= knot_minute) {
      return prev_value + ((knot_value - prev_value) * (minute - prev_minute)) / (knot_minute - prev_minute);
    }
    prev_minute = knot_minute;
    prev_value = knot_value;
  }
  return prev_value;
}

/** Expected fraction of capacity present, in [0, 1]. Throws RangeError for an unknown type. */
export function occupancyFraction(building_type: BuildingType, local: LocalTime): number {
  // hasOwn, not `in`/indexing alone: a stray "toString" from untyped scenario input must not
  // resolve to an Object.prototype member.
  if (!Object.hasOwn(PROFILES, building_type)) throw new RangeError(`Unknown building type ${JSON.stringify(building_type)}`);
  const knots = PROFILES[building_type][local.weekday];
  if (knots === undefined) throw new RangeError(`Invalid weekday ${local.weekday}`);
  return evaluate(knots, local.minute_of_day + local.second / 60);
}

/**
 * Share of zones anyone uses at all on a day of this kind: most office zones are shut on a
 * weekend. The profile's average is kept: the zones that are in use hold proportionally more.
 */
export function zoneInUseShare(building_type: BuildingType, weekday: number): number {
  if (building_type === 'office') return weekday === 0 || weekday === 6 ? 0.12 : 0.97;
  if (building_type === 'multifamily' || building_type === 'home') return 0.97; // away for the day or travelling
  return 1;
}

const TWO_POW_32 = 4_294_967_296;
/** Share of the scheduled people who are briefly elsewhere (a meeting, an errand) in any slot. */
const AWAY_SHARE = 0.08;

/**
 * People in a zone: each of its `capacity` regulars has a threshold drawn per day (hash of zone,
 * day, person); the person is in while the schedule's fraction is above it, so the earliest
 * arrivals are the last to leave, and the expected count is exactly capacity × fraction. Each
 * present person is also briefly away in a few slots. Pure function of its arguments.
 */
export function headCount(
  zone_hash: number,
  capacity: number,
  fraction: number,
  in_use: boolean,
  person_day: number,
  slot: number,
  awake: boolean,
): number {
  if (!in_use || fraction <= 0) return 0;
  // Fewer step out when nearly everyone is expected in, so the mean stays capacity × fraction.
  const f = Math.min(1, fraction);
  const away = awake ? Math.min(AWAY_SHARE, 1 - f) : 0;
  const p = away > 0 ? f / (1 - away) : f;
  let count = 0;
  for (let i = 0; i < capacity; i++) {
    if (hash3(zone_hash, person_day, i) / TWO_POW_32 >= p) continue;
    if (away > 0 && hash3(zone_hash ^ 0x5bd1e995, slot, i) / TWO_POW_32 < away) continue;
    count++;
  }
  return count;
}
