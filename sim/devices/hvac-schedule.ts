import type { LocalTime } from '../../platform/contract/local-time.ts';
import type { BuildingType } from '../world/occupancy.ts';

/**
 * Setpoint schedules a building operator would program, by building use and local time, as the
 * pair of setpoints a Guideline 36 zone controls to: heat below the heating setpoint, cool above
 * the cooling setpoint, neither in the deadband between. Occupied 21/24 °C (ASHRAE 55 comfort in
 * winter and summer clothing); unoccupied 15.5/29.5 °C (Guideline 36's example setback and setup,
 * 60/85 °F) so a closed building floats and only protects itself. Homes use a night setback
 * instead of a closed building.
 */
export interface Setpoints {
  heat_c: number;
  cool_c: number;
  /** Occupied mode (fan on, comfort setpoints); false is unoccupied or night setback. */
  occupied: boolean;
}

export const OCCUPIED: Readonly<Setpoints> = { heat_c: 21, cool_c: 24, occupied: true };
export const UNOCCUPIED: Readonly<Setpoints> = { heat_c: 15.5, cool_c: 29.5, occupied: false };
const CLINIC: Readonly<Setpoints> = { heat_c: 21.5, cool_c: 23.5, occupied: true };
const HOME_DAY: Readonly<Setpoints> = { heat_c: 20.5, cool_c: 25, occupied: true };
const HOME_NIGHT: Readonly<Setpoints> = { heat_c: 18, cool_c: 26.5, occupied: false };

/** Minutes after midnight when occupied mode starts and ends on this local day, or null if it does not. */
export function occupiedWindow(type: BuildingType, weekday: number): readonly [number, number] | null {
  const weekdayish = weekday >= 1 && weekday <= 5;
  switch (type) {
    case 'office':
      return weekdayish ? [7 * 60, 19 * 60] : null;
    case 'clinic':
      return [0, 24 * 60];
    case 'retail':
      return weekday === 0 ? [9 * 60 + 30, 18 * 60 + 30] : [8 * 60 + 30, 21 * 60 + 30];
    case 'multifamily':
    case 'home':
      return [6 * 60, 22 * 60 + 30];
  }
}

export function scheduledSetpoints(type: BuildingType, local: LocalTime): Readonly<Setpoints> {
  if (type === 'clinic') return CLINIC;
  const window = occupiedWindow(type, local.weekday);
  const m = local.minute_of_day;
  const occupied = window !== null && m >= window[0] && m < window[1];
  if (type === 'multifamily' || type === 'home') return occupied ? HOME_DAY : HOME_NIGHT;
  return occupied ? OCCUPIED : UNOCCUPIED;
}

/** Minutes until occupied mode next starts today (Infinity when it does not start again today). */
export function minutesToOccupied(type: BuildingType, local: LocalTime): number {
  const window = occupiedWindow(type, local.weekday);
  if (window === null || local.minute_of_day >= window[0]) return Infinity;
  return window[0] - local.minute_of_day;
}

/** A single user setpoint (a thermostat hold) becomes a pair 1 K apart around it. */
export function holdSetpoints(setpoint_c: number): Setpoints {
  return { heat_c: setpoint_c - 0.5, cool_c: setpoint_c + 0.5, occupied: true };
}
