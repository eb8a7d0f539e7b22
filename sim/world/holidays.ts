/**
 * US federal holidays (5 U.S.C. 6103), computed for any year rather than tabled: five fixed dates
 * and six "nth weekday of the month" rules. A fixed holiday that falls on a Saturday is observed on
 * the Friday before, one on a Sunday on the Monday after (the OPM rule employers follow), so New
 * Year's Day 2028, a Saturday, is observed on Friday 31 December 2027. Pure and deterministic.
 */
import type { LocalTime } from '../../platform/contract/local-time.ts';
import type { BuildingType } from './occupancy.ts';

export interface Holiday {
  /** Observed date, local calendar. */
  year: number;
  month: number;
  day: number;
  name: string;
}

/** 0 = Sunday … 6 = Saturday, for a proleptic Gregorian date. */
function weekdayOf(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The nth (1-based) given weekday of a month, or the last one for n = -1. */
function nthWeekday(year: number, month: number, weekday: number, n: number): number {
  if (n > 0) {
    const first = weekdayOf(year, month, 1);
    return 1 + ((weekday - first + 7) % 7) + (n - 1) * 7;
  }
  const last_day = daysInMonth(year, month);
  const last = weekdayOf(year, month, last_day);
  return last_day - ((last - weekday + 7) % 7);
}

/** A fixed date moved off the weekend: Saturday → Friday, Sunday → Monday (may change month or year). */
function observed(year: number, month: number, day: number, name: string): Holiday {
  const wd = weekdayOf(year, month, day);
  const shift = wd === 6 ? -1 : wd === 0 ? 1 : 0;
  const d = new Date(Date.UTC(year, month - 1, day + shift));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), name };
}

const MONDAY = 1;
const THURSDAY = 4;

/** The holidays whose rule belongs to `year`, on their observed dates (New Year's may fall in year − 1). */
export function usFederalHolidays(year: number): Holiday[] {
  const on = (month: number, day: number, name: string): Holiday => ({ year, month, day, name });
  return [
    observed(year, 1, 1, "New Year's Day"),
    on(1, nthWeekday(year, 1, MONDAY, 3), 'Birthday of Martin Luther King, Jr.'),
    on(2, nthWeekday(year, 2, MONDAY, 3), "Washington's Birthday"),
    on(5, nthWeekday(year, 5, MONDAY, -1), 'Memorial Day'),
    // Juneteenth became a federal holiday in 2021.
    ...(year >= 2021 ? [observed(year, 6, 19, 'Juneteenth National Independence Day')] : []),
    observed(year, 7, 4, 'Independence Day'),
    on(9, nthWeekday(year, 9, MONDAY, 1), 'Labor Day'),
    on(10, nthWeekday(year, 10, MONDAY, 2), 'Columbus Day'),
    observed(year, 11, 11, 'Veterans Day'),
    on(11, nthWeekday(year, 11, THURSDAY, 4), 'Thanksgiving Day'),
    observed(year, 12, 25, 'Christmas Day'),
  ];
}

// Lookups by day come from every zone's every 5-minute slot: keep the last few years' sets.
const by_year = new Map<number, Map<number, string>>();

function observedIn(year: number): Map<number, string> {
  let days = by_year.get(year);
  if (days === undefined) {
    days = new Map();
    // Next year's New Year's Day may be observed on 31 December of this one.
    for (const h of [...usFederalHolidays(year), ...usFederalHolidays(year + 1)]) {
      if (h.year === year) days.set(h.month * 100 + h.day, h.name);
    }
    by_year.set(year, days);
  }
  return days;
}

/** The federal holiday observed on this local date, if any. */
export function usFederalHolidayOn(year: number, month: number, day: number): string | undefined {
  return observedIn(year).get(month * 100 + day);
}

/**
 * The day whose schedule a building keeps: offices close on federal holidays and run their Sunday
 * schedule (occupancy and HVAC setback). Clinics, stores and homes keep the calendar day.
 * Returns `local` itself when nothing changes (no allocation on ordinary days).
 */
export function scheduleDay(type: BuildingType, local: LocalTime): LocalTime {
  if (type !== 'office' || local.weekday === 0 || local.weekday === 6) return local;
  if (usFederalHolidayOn(local.year, local.month, local.day) === undefined) return local;
  return { ...local, weekday: 0 };
}
