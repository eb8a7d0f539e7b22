import { round } from '../../../platform/contract/canonical-json.ts';
import { holdSetpoints, minutesToOccupied, occupiedWindow, scheduledSetpoints, type Setpoints } from '../hvac-schedule.ts';
import type { BuildingType } from '../../world/occupancy.ts';
import type { HvacMode } from '../../world/thermal.ts';
import type { Cycling } from '../../world/world-state.ts';
import { scheduleDay } from '../../world/holidays.ts';
import { differs, type DeviceTwin, type KindBehaviour, type Values } from '../twin.ts';

/** A schedule the operator put on the controller (timeline `schedule` action). */
export interface ZoneSchedule {
  readonly type: BuildingType;
  /** Run every day as a Sunday: a holiday, setback all day. */
  readonly holiday: boolean;
}

// Outdoor-temperature lockouts as controls contractors set them: no heating above 20 °C (68 °F)
// outside, no compressor cooling below 10 °C (50 °F); below that a unit with an economizer still
// cools with outdoor air. Outdoor air under 10 °C is colder than the 12.8 °C supply-air minimum,
// so the economizer mixes it down to that supply temperature at full airflow: full sensible
// capacity. (An earlier half-capacity share let a cold-climate zone overshoot its cooling setpoint
// by over a kelvin on a mild winter afternoon, which real economizers do not do; the
// world-devices property found it.)
const HEAT_LOCKOUT_ABOVE_C = 20;
const COMPRESSOR_LOCKOUT_BELOW_C = 10;
const ECONOMIZER_SHARE = 1;
// Equipment supply-air limits: cooling coils leave air at ≥ 12.8 °C (55 °F, Guideline 36's
// minimum cooling supply-air setpoint); heating supply air is held ≤ 35 °C so warm air does not
// stratify at the ceiling (Guideline 36 caps zone discharge air at ~11 K above space temperature;
// unit heaters and furnaces run hotter, so 35 °C is the cap for every model here).
export const SUPPLY_MIN_C = 12.8;
export const SUPPLY_MAX_C = 35;
/** Optimal start: minutes per kelvin of recovery, slower when it is cold outside; at most 3 h early. */
const OPTIMAL_START_MAX_MIN = 180;
/**
 * A home thermostat's cycle: on at setpoint − 0.5 K, off at setpoint + 0.5 K (a 1 K differential,
 * common thermostat default), and at least 5 minutes on and 5 off (the compressor protection
 * timers of heat pumps and the minimum run of furnaces).
 */
export const HOME_CYCLING: Readonly<Cycling> = { differential_k: 0.5, min_on_ms: 5 * 60_000, min_off_ms: 5 * 60_000 };
/** Hysteresis around the deadband's middle when choosing which setpoint to show. */
const DISPLAY_HYSTERESIS_K = 0.2;

function minutesPerKelvin(heating: boolean, outdoor_c: number): number {
  return heating ? 12 + 0.6 * Math.max(0, 10 - outdoor_c) : 15;
}

/** The thermostat's own sensor error against the room (it sits on a wall, near a door or a duct). */
function sensorOffset(twin: DeviceTwin): number {
  let offset = twin.local.sensor_offset_c as number | undefined;
  if (offset === undefined) {
    offset = Math.max(-1, Math.min(1, twin.rng.normal(0, 0.35)));
    twin.local.sensor_offset_c = offset;
  }
  return offset;
}

/** Scheduled setpoints, with optimal start bringing occupied setpoints forward to reach them in time. */
function activeSetpoints(twin: DeviceTwin, now_ms: number, temperature_c: number, outdoor_c: number): Setpoints {
  const override = twin.local.setpoint_override_c as number | undefined;
  if (override !== undefined) return holdSetpoints(override);
  const zone = twin.zone!;
  const schedule = (twin.local.schedule_override as ZoneSchedule | undefined) ?? { type: zone.building_type, holiday: false };
  // A federal holiday is a Sunday for an office (holidays.ts); a `schedule` action makes any day one.
  const real = scheduleDay(schedule.type, twin.host.world.local(zone.site, now_ms));
  const local = schedule.holiday ? { ...real, weekday: 0 } : real;
  const now = scheduledSetpoints(schedule.type, local);
  if (now.occupied) return now;
  const minutes = minutesToOccupied(schedule.type, local);
  if (!Number.isFinite(minutes)) return now;
  const start = occupiedWindow(schedule.type, local.weekday)![0];
  const next = scheduledSetpoints(schedule.type, { ...local, minute_of_day: start, hour: Math.floor(start / 60), minute: start % 60 });
  // Once a warm-up or cool-down has started it runs until occupancy, as the sequence latches it.
  if (((twin.local.optimal_start_until_ms as number | undefined) ?? -Infinity) > now_ms) return next;
  const heating = temperature_c < next.heat_c;
  const error_k = heating ? next.heat_c - temperature_c : Math.max(0, temperature_c - next.cool_c);
  const lead_min = Math.min(OPTIMAL_START_MAX_MIN, error_k * minutesPerKelvin(heating, outdoor_c));
  if (error_k > 0 && minutes <= lead_min) {
    twin.local.optimal_start_until_ms = now_ms + minutes * 60_000;
    return next;
  }
  return now;
}

/**
 * HVAC zone controller, Guideline 36 style: heating and cooling setpoints with a deadband,
 * occupied/unoccupied modes from the building's schedule with optimal start, outdoor-air lockouts,
 * PI loops (integrated by the zone model), supply air within the equipment's limits. It reports
 * its own sensor's reading (offset from the room), the setpoint of the loop in charge, the mode
 * and the signed output. A failing compressor shows as in the field: the loop saturates while
 * the zone drifts away.
 */
export const hvacController: KindBehaviour = {
  onSample(twin, now_ms) {
    const zone = twin.zone;
    if (!zone) return;
    const outdoor = twin.host.world.outdoor(zone.site, now_ms);
    const health = (twin.local.health as number | undefined) ?? 1;
    const offset_c = sensorOffset(twin);
    const sensed_c = zone.state.temperature_c + offset_c;
    const sp = activeSetpoints(twin, now_ms, sensed_c, outdoor.temperature_c);
    const heat_ok = outdoor.temperature_c <= HEAT_LOCKOUT_ABOVE_C;
    const compressor_ok = outdoor.temperature_c >= COMPRESSOR_LOCKOUT_BELOW_C;
    const economizer = twin.model.caps.includes('supply_temp_c');
    const cool_share = compressor_ok ? 1 : economizer ? ECONOMIZER_SHARE : 0;
    const mode: HvacMode = heat_ok ? (cool_share > 0 ? 'auto' : 'heat') : cool_share > 0 ? 'cool' : 'off';
    twin.local.occupied_mode = sp.occupied;
    // The loops act on the controller's sensor: the room settles offset_c away from the setpoint.
    zone.hvac = {
      heat_setpoint_c: sp.heat_c - offset_c,
      cool_setpoint_c: sp.cool_c - offset_c,
      mode,
      cooling_share: cool_share,
      health,
      ...(twin.model.hvac_control === 'on_off' ? { cycling: HOME_CYCLING } : {}),
    };
    twin.local.setpoints = sp;
  },
  measure(twin): Values {
    const zone = twin.zone;
    const room_c = zone?.state.temperature_c ?? 20;
    const sensed = room_c + ((twin.local.sensor_offset_c as number | undefined) ?? 0);
    const sp = (twin.local.setpoints as Setpoints | undefined) ?? { heat_c: 21, cool_c: 24, occupied: true };
    const capacity = zone?.params.hvac_capacity_w ?? 1;
    const power_w = zone?.last_hvac_power_w ?? 0;
    // An on/off unit reports its call (the relay), a modulating one its delivered share of capacity.
    const output = twin.model.hvac_control === 'on_off' ? (zone?.call === 'heat' ? 100 : zone?.call === 'cool' ? -100 : 0) : Math.max(-100, Math.min(100, Math.round((100 * power_w) / capacity)));
    // The setpoint shown is the one of the loop in charge: the nearer one, with a little hysteresis.
    const middle = (sp.heat_c + sp.cool_c) / 2;
    const shown_prev = twin.local.shown_loop as 'heat' | 'cool' | undefined;
    let shown: 'heat' | 'cool' = output > 0 ? 'heat' : output < 0 ? 'cool' : sensed < middle ? 'heat' : 'cool';
    if (output === 0 && shown_prev !== undefined && Math.abs(sensed - middle) < DISPLAY_HYSTERESIS_K) shown = shown_prev;
    twin.local.shown_loop = shown;
    const override = twin.local.setpoint_override_c as number | undefined;
    const setpoint = override ?? (shown === 'heat' ? sp.heat_c : sp.cool_c);
    // Occupied is "auto" whatever the plant's lockouts allow (those are plant points, not the
    // zone's mode); unoccupied shows whether the unit is off or running setback/setup.
    let mode: string;
    // An on/off unit cycling around a setback setpoint stays in that mode between its calls
    // (the thermostat's system mode), rather than flipping to "off" at every rest.
    const cycle_k = twin.model.hvac_control === 'on_off' ? HOME_CYCLING.differential_k + 0.5 : 0;
    if (sp.occupied) mode = 'auto';
    else if (output > 0 || sensed < sp.heat_c + cycle_k) mode = 'heat'; // night setback heating
    else if (output < 0 || sensed > sp.cool_c - cycle_k) mode = 'cool'; // night setup cooling
    else mode = 'off'; // unoccupied, floating in the wide band: the unit is off
    const zone_temp_c = round(sensed + twin.rng.normal(0, 0.05), 1);
    // Keys in canonical order, the optional ones where they sort.
    const values: Values = { cool_setpoint_c: override === undefined ? sp.cool_c : setpoint, heat_setpoint_c: override === undefined ? sp.heat_c : setpoint };
    if (twin.model.caps.includes('humidity_pct')) values.humidity_pct = round(zone?.state.humidity_pct ?? 45, 0);
    values.mode = mode;
    values.output_pct = output;
    values.setpoint_c = setpoint;
    if (twin.model.caps.includes('supply_temp_c')) values.supply_temp_c = round(supplyAir(room_c, output), 1);
    values.zone_temp_c = zone_temp_c;
    return values;
  },
  significant(prev, next, deadband) {
    return (
      differs(prev.zone_temp_c, next.zone_temp_c, deadband) ||
      differs(prev.setpoint_c, next.setpoint_c, 0.1) ||
      differs(prev.heat_setpoint_c, next.heat_setpoint_c, 0.1) ||
      differs(prev.cool_setpoint_c, next.cool_setpoint_c, 0.1) ||
      differs(prev.mode, next.mode, 1) ||
      differs(prev.output_pct, next.output_pct, 25)
    );
  },
};

/**
 * Discharge air for a signed output (%): the room's air moved towards the coil's limit in
 * proportion to the output, so it never leaves the equipment's range while the unit runs.
 */
export function supplyAir(room_c: number, output_pct: number): number {
  const f = Math.min(1, Math.abs(output_pct) / 100);
  if (output_pct > 0) return room_c >= SUPPLY_MAX_C ? room_c : room_c + f * (SUPPLY_MAX_C - room_c);
  if (output_pct < 0) return room_c <= SUPPLY_MIN_C ? room_c : room_c - f * (room_c - SUPPLY_MIN_C);
  return room_c;
}
