import type { LocalTime } from '../../platform/contract/local-time.ts';
import type { BuildingType } from '../world/occupancy.ts';

/**
 * Setpoint schedules a building operator would program, by building use and local time. Outside
 * occupied hours the zone floats to a setback that depends on the season (heat to 16.5 °C when it
 * is cold out, cool only above 28 °C when it is warm).
 */
const OCCUPIED_SETPOINT_C = 22;

function occupiedHours(type: BuildingType, local: LocalTime): boolean {
  const m = local.minute_of_day;
  const weekday = local.weekday >= 1 && local.weekday <= 5;
  switch (type) {
    case 'office':
      return weekday && m >= 6 * 60 + 30 && m < 19 * 60;
    case 'clinic':
      return true;
    case 'retail':
      return local.weekday === 0 ? m >= 10 * 60 && m < 18 * 60 + 30 : m >= 9 * 60 && m < 21 * 60 + 30;
    case 'multifamily':
    case 'home':
      return m >= 6 * 60 && m < 23 * 60;
  }
}

export function scheduledSetpoint(type: BuildingType, local: LocalTime, outdoor_c: number): number {
  if (occupiedHours(type, local)) return type === 'clinic' ? 22.5 : OCCUPIED_SETPOINT_C;
  if (type === 'multifamily' || type === 'home') return 19;
  return outdoor_c < 18 ? 16.5 : 28;
}
