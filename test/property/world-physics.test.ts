import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { daylightFraction, dayLengthHours } from '../../sim/world/daylight.ts';
import { hash32, stringHash32, valueNoise } from '../../sim/world/hash-noise.ts';
import type { LocalTime } from '../../platform/contract/local-time.ts';
import { localTime } from '../../platform/contract/local-time.ts';
import type { BuildingType } from '../../sim/world/occupancy.ts';
import { occupancyFraction } from '../../sim/world/occupancy.ts';
import type { HvacMode, ZoneInputs, ZoneThermalParams, ZoneThermalState } from '../../sim/world/thermal.ts';
import { advanceZone, defaultZoneThermal } from '../../sim/world/thermal.ts';
import type { Climate } from '../../sim/world/weather.ts';
import { outdoorConditions } from '../../sim/world/weather.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const utc = (y: number, mo: number, d: number, h = 0, mi = 0): number => Date.UTC(y, mo - 1, d, h, mi);
const float = (min: number, max: number): fc.Arbitrary<number> => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

// ---- Thermal --------------------------------------------------------------------------------

const modeArb: fc.Arbitrary<HvacMode> = fc.constantFrom('auto', 'heat', 'cool', 'off');

/** Default parameters with every coefficient perturbed over an order of magnitude or more. */
const paramsArb: fc.Arbitrary<ZoneThermalParams> = fc
  .record({
    area_m2: float(5, 5_000),
    r_scale: float(0.2, 5),
    c_scale: float(0.05, 10),
    capacity_scale: float(0, 3),
    gain_scale: float(0.05, 20),
    deadband_c: float(0, 2),
  })
  .map(({ area_m2, r_scale, c_scale, capacity_scale, gain_scale, deadband_c }) => {
    const base = defaultZoneThermal(area_m2);
    return {
      ...base,
      resistance_k_per_w: base.resistance_k_per_w * r_scale,
      capacitance_j_per_k: base.capacitance_j_per_k * c_scale,
      hvac_capacity_w: base.hvac_capacity_w * capacity_scale,
      hvac_gain_w_per_k: base.hvac_gain_w_per_k * gain_scale,
      deadband_c,
    };
  });

const stateArb: fc.Arbitrary<ZoneThermalState> = fc.record({ temperature_c: float(-20, 45), humidity_pct: float(5, 100) });

const inputsArb: fc.Arbitrary<ZoneInputs> = fc.record({
  outdoor_c: float(-30, 45),
  outdoor_humidity_pct: float(0, 100),
  setpoint_c: float(10, 30),
  hvac_mode: modeArb,
  hvac_health: float(0, 1),
  occupants: fc.integer({ min: 0, max: 500 }),
});

// Includes 0, sub-second, single sub-step, and multi-day steps.
const dtArb = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 60_000 }), fc.integer({ min: 1, max: 2 * DAY_MS }));

function runFor(params: ZoneThermalParams, state: ZoneThermalState, inputs: ZoneInputs, total_ms: number, tick_ms: number): ZoneThermalState {
  let s = state;
  for (let t = 0; t < total_ms; t += tick_ms) s = advanceZone(params, s, inputs, Math.min(tick_ms, total_ms - t)).state;
  return s;
}

describe('advanceZone', () => {
  it('keeps temperature between the coldest and hottest driving temperatures', () => {
    fc.assert(
      fc.property(paramsArb, stateArb, inputsArb, dtArb, (params, state, inputs, dt_ms) => {
        const { state: next, hvac_power_w } = advanceZone(params, state, inputs, dt_ms);
        const occupant_headroom_c = params.resistance_k_per_w * inputs.occupants * params.gain_per_person_w;
        const lo = Math.min(state.temperature_c, inputs.outdoor_c, inputs.setpoint_c) - 0.5;
        const hi = Math.max(state.temperature_c, inputs.outdoor_c, inputs.setpoint_c) + occupant_headroom_c + 0.5;
        expect(next.temperature_c).toBeGreaterThanOrEqual(lo);
        expect(next.temperature_c).toBeLessThanOrEqual(hi);
        expect(next.humidity_pct).toBeGreaterThanOrEqual(5);
        expect(next.humidity_pct).toBeLessThanOrEqual(100);
        expect(Math.abs(hvac_power_w)).toBeLessThanOrEqual(params.hvac_capacity_w * inputs.hvac_health + 1e-6);
      }),
      { numRuns: 3000 },
    );
  });

  it('respects the HVAC mode: heat never cools, cool never heats, off does nothing', () => {
    fc.assert(
      fc.property(paramsArb, stateArb, inputsArb, dtArb, (params, state, inputs, dt_ms) => {
        const step = advanceZone(params, state, inputs, dt_ms);
        if (inputs.hvac_mode === 'heat') expect(step.hvac_energy_j).toBeGreaterThanOrEqual(0);
        if (inputs.hvac_mode === 'cool') expect(step.hvac_energy_j).toBeLessThanOrEqual(0);
        if (inputs.hvac_mode === 'off') expect(step.hvac_power_w).toBe(0);
      }),
      { numRuns: 1000 },
    );
  });

  it('returns the state unchanged for dt = 0', () => {
    fc.assert(
      fc.property(paramsArb, stateArb, inputsArb, (params, state, inputs) => {
        expect(advanceZone(params, state, inputs, 0).state).toEqual(state);
      }),
    );
  });

  it('holds setpoint within deadband + 0.5 °C after 24 h with a healthy unit in moderate weather', () => {
    fc.assert(
      fc.property(
        float(20, 2_000),
        float(5, 35),
        float(-10, 35),
        float(18, 26),
        fc.double({ min: 0, max: 0.1, noNaN: true }), // people per m²
        fc.constantFrom(5 * 60_000, DAY_MS),
        (area_m2, start_c, outdoor_c, setpoint_c, density, tick_ms) => {
          const params = defaultZoneThermal(area_m2);
          const inputs: ZoneInputs = { outdoor_c, outdoor_humidity_pct: 60, setpoint_c, hvac_mode: 'auto', hvac_health: 1, occupants: Math.floor(area_m2 * density) };
          const end = runFor(params, { temperature_c: start_c, humidity_pct: 50 }, inputs, DAY_MS, tick_ms);
          expect(Math.abs(end.temperature_c - setpoint_c)).toBeLessThanOrEqual(params.deadband_c + 0.5);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('drifts monotonically toward outdoor temperature when the HVAC has failed', () => {
    fc.assert(
      fc.property(float(20, 2_000), float(5, 35), float(-10, 35), float(18, 26), modeArb, (area_m2, start_c, outdoor_c, setpoint_c, hvac_mode) => {
        const params = defaultZoneThermal(area_m2);
        const inputs: ZoneInputs = { outdoor_c, outdoor_humidity_pct: 60, setpoint_c, hvac_mode, hvac_health: 0, occupants: 0 };
        let state: ZoneThermalState = { temperature_c: start_c, humidity_pct: 50 };
        let gap_c = Math.abs(start_c - outdoor_c);
        for (let hour = 0; hour < 48; hour++) {
          const step = advanceZone(params, state, inputs, HOUR_MS);
          expect(step.hvac_power_w).toBe(0);
          const next_gap_c = Math.abs(step.state.temperature_c - outdoor_c);
          expect(next_gap_c).toBeLessThanOrEqual(gap_c + 1e-9);
          if (gap_c > 1e-6) expect(next_gap_c).toBeLessThan(gap_c);
          state = step.state;
          gap_c = next_gap_c;
        }
        // 48 h is ~7 time constants of the default zone.
        expect(gap_c).toBeLessThan(0.01 * Math.abs(start_c - outdoor_c) + 1e-6);
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same temperature whether dt is taken in one step or two halves', () => {
    fc.assert(
      fc.property(paramsArb, stateArb, inputsArb, fc.integer({ min: 2, max: 2 * DAY_MS }), (params, state, inputs, dt_ms) => {
        const once = advanceZone(params, state, inputs, dt_ms).state;
        const half = advanceZone(params, state, inputs, dt_ms / 2).state;
        const twice = advanceZone(params, half, inputs, dt_ms / 2).state;
        expect(Math.abs(once.temperature_c - twice.temperature_c)).toBeLessThanOrEqual(0.05);
      }),
      { numRuns: 3000 },
    );
  });

  it('humidifies with occupants and dehumidifies while cooling', () => {
    const params = defaultZoneThermal(200);
    const base: ZoneInputs = { outdoor_c: 30, outdoor_humidity_pct: 60, setpoint_c: 23, hvac_mode: 'off', hvac_health: 1, occupants: 0 };
    const start: ZoneThermalState = { temperature_c: 23, humidity_pct: 50 };
    const empty = runFor(params, start, { ...base, outdoor_c: 23, outdoor_humidity_pct: 50 }, 6 * HOUR_MS, 60_000);
    const crowded = runFor(params, start, { ...base, outdoor_c: 23, outdoor_humidity_pct: 50, occupants: 40 }, 6 * HOUR_MS, 60_000);
    expect(crowded.humidity_pct).toBeGreaterThan(empty.humidity_pct + 5);
    const passive = runFor(params, start, base, 6 * HOUR_MS, 60_000);
    const cooled = runFor(params, start, { ...base, hvac_mode: 'cool' }, 6 * HOUR_MS, 60_000);
    // Cooled air holds less moisture relative to saturation only if the coil removes water.
    expect(cooled.temperature_c).toBeLessThan(passive.temperature_c);
    expect(cooled.humidity_pct).toBeLessThan(75);
    expect(cooled.humidity_pct).toBeGreaterThan(30);
  });
});

// ---- Weather --------------------------------------------------------------------------------

const climateArb: fc.Arbitrary<Climate> = fc.record({
  mean_c: float(-15, 30),
  seasonal_amplitude_c: float(0, 20),
  diurnal_amplitude_c: float(0, 10),
  humidity_mean_pct: float(10, 95),
  latitude_deg: float(-70, 70),
});
const zoneArb = fc.constantFrom('UTC', 'America/New_York', 'Europe/London', 'Australia/Sydney', 'Asia/Kolkata', 'America/Los_Angeles');
const instantArb = fc.integer({ min: utc(2020, 1, 1), max: utc(2035, 1, 1) });
const seedArb = fc.integer({ min: 0, max: 0xffffffff });

describe('outdoorConditions', () => {
  it('is a pure function: same inputs give the same output in any call order', () => {
    fc.assert(
      fc.property(climateArb, seedArb, zoneArb, fc.array(instantArb, { minLength: 2, maxLength: 30 }), (climate, seed, timezone, instants) => {
        const forward = instants.map((t) => outdoorConditions(climate, seed, timezone, t));
        // Interleave unrelated queries to disturb any hidden state.
        outdoorConditions({ ...climate, mean_c: climate.mean_c + 7 }, seed ^ 1, 'Pacific/Chatham', (instants[0] ?? 0) + 12_345);
        const backward = [...instants].reverse().map((t) => outdoorConditions(climate, seed, timezone, t)).reverse();
        expect(backward).toEqual(forward);
      }),
      { numRuns: 300 },
    );
  });

  it('stays within physically plausible bounds', () => {
    fc.assert(
      fc.property(climateArb, seedArb, zoneArb, instantArb, (climate, seed, timezone, utc_ms) => {
        const { temperature_c, humidity_pct } = outdoorConditions(climate, seed, timezone, utc_ms);
        const swing_c = climate.seasonal_amplitude_c + climate.diurnal_amplitude_c + 3.4 + 1e-9;
        expect(temperature_c).toBeGreaterThanOrEqual(climate.mean_c - swing_c);
        expect(temperature_c).toBeLessThanOrEqual(climate.mean_c + swing_c);
        expect(temperature_c).toBeGreaterThan(-90);
        expect(temperature_c).toBeLessThan(60);
        expect(humidity_pct).toBeGreaterThanOrEqual(5);
        expect(humidity_pct).toBeLessThanOrEqual(100);
      }),
      { numRuns: 3000 },
    );
  });

  it('is warmer at 15:00 local than at 05:00 local the same day when the diurnal swing is real', () => {
    fc.assert(
      fc.property(climateArb, seedArb, zoneArb, fc.integer({ min: 0, max: 5_000 }), (climate, seed, timezone, day) => {
        const c = { ...climate, diurnal_amplitude_c: Math.max(4, climate.diurnal_amplitude_c) };
        const midnight = utc(2022, 1, 1) + day * DAY_MS;
        const local = localTime(timezone, midnight);
        const base = midnight - local.minute_of_day * 60_000; // ≈ local midnight (DST-exact enough here)
        const dawn = outdoorConditions(c, seed, timezone, base + 5 * HOUR_MS);
        const afternoon = outdoorConditions(c, seed, timezone, base + 15 * HOUR_MS);
        expect(afternoon.temperature_c).toBeGreaterThan(dawn.temperature_c);
        if (c.humidity_mean_pct < 80) expect(afternoon.humidity_pct).toBeLessThan(dawn.humidity_pct);
      }),
      { numRuns: 500 },
    );
  });

  it('has winter in January in the north and in July in the south', () => {
    fc.assert(
      fc.property(seedArb, fc.integer({ min: 2021, max: 2034 }), float(20, 70), (seed, year, latitude) => {
        const monthMean = (lat: number, month: number): number => {
          const climate: Climate = { mean_c: 10, seasonal_amplitude_c: 10, diurnal_amplitude_c: 5, humidity_mean_pct: 60, latitude_deg: lat };
          let sum = 0;
          for (let d = 0; d < 28; d++) for (let h = 0; h < 24; h += 3) sum += outdoorConditions(climate, seed, 'UTC', utc(year, month, 1 + d, h)).temperature_c;
          return sum / (28 * 8);
        };
        expect(monthMean(latitude, 7)).toBeGreaterThan(monthMean(latitude, 1) + 12);
        expect(monthMean(-latitude, 1)).toBeGreaterThan(monthMean(-latitude, 7) + 12);
      }),
      { numRuns: 30 },
    );
  });

  it('varies smoothly: no jumps over one minute, even across DST changes', () => {
    fc.assert(
      fc.property(climateArb, seedArb, zoneArb, instantArb, (climate, seed, timezone, utc_ms) => {
        const a = outdoorConditions(climate, seed, timezone, utc_ms);
        const b = outdoorConditions(climate, seed, timezone, utc_ms + 60_000);
        // A DST shift moves the local diurnal phase by one hour: ≤ amplitude·π/10 per hour.
        expect(Math.abs(b.temperature_c - a.temperature_c)).toBeLessThan(0.05 + (climate.diurnal_amplitude_c * Math.PI) / 10);
      }),
      { numRuns: 2000 },
    );
  });
});

// ---- Hash and noise -------------------------------------------------------------------------

describe('hash-noise', () => {
  it('valueNoise is bounded, continuous and reproducible', () => {
    fc.assert(
      fc.property(seedArb, float(-1e6, 1e6), (seed, x) => {
        const v = valueNoise(seed, x);
        expect(Math.abs(v)).toBeLessThanOrEqual(1);
        expect(valueNoise(seed, x)).toBe(v);
        // Max slope of smoothstep-blended noise is 1.5 × (b − a) ≤ 3 per lattice unit.
        expect(Math.abs(valueNoise(seed, x + 1e-3) - v)).toBeLessThanOrEqual(3e-3 + 1e-9);
      }),
    );
  });

  it('hashes are stable, unsigned 32-bit, and sensitive to every part', () => {
    expect(hash32(1, 2, 3)).toBe(hash32(1, 2, 3));
    expect(hash32(1, 2, 3)).not.toBe(hash32(3, 2, 1));
    expect(hash32(1_700_000_000_000)).not.toBe(hash32(1_700_000_000_001));
    expect(hash32(2 ** 32)).not.toBe(hash32(0));
    expect(stringHash32('office-1')).not.toBe(stringHash32('office-2'));
    fc.assert(
      fc.property(fc.array(fc.integer()), fc.string(), (parts, s) => {
        for (const h of [hash32(...parts), stringHash32(s)]) {
          expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true);
        }
      }),
    );
  });
});

// ---- Occupancy ------------------------------------------------------------------------------

function at(weekday: number, hour: number, minute = 0): LocalTime {
  return { year: 2024, month: 1, day: 1, hour, minute, second: 0, weekday, day_of_year: 1, minute_of_day: hour * 60 + minute, offset_min: 0 };
}

const TYPES: BuildingType[] = ['office', 'clinic', 'retail', 'multifamily', 'home'];
const SUN = 0;
const TUE = 2;
const SAT = 6;

describe('occupancyFraction', () => {
  it('stays in [0, 1] and never jumps by more than 0.3 between adjacent minutes, across midnight too', () => {
    for (const type of TYPES) {
      let previous = occupancyFraction(type, at(SAT, 23, 59));
      let min = Infinity;
      let max = -Infinity;
      let worst_step = 0;
      for (let weekday = 0; weekday < 7; weekday++) {
        for (let minute = 0; minute < 1440; minute++) {
          const value = occupancyFraction(type, at(weekday, Math.floor(minute / 60), minute % 60));
          min = Math.min(min, value);
          max = Math.max(max, value);
          worst_step = Math.max(worst_step, Math.abs(value - previous));
          previous = value;
        }
      }
      expect(min, type).toBeGreaterThanOrEqual(0);
      expect(max, type).toBeLessThanOrEqual(1);
      expect(worst_step, type).toBeLessThanOrEqual(0.3);
    }
  });

  it('stays in [0, 1] for real local times anywhere', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TYPES), zoneArb, instantArb, (type, timezone, utc_ms) => {
        const value = occupancyFraction(type, localTime(timezone, utc_ms));
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('follows each building type’s weekly rhythm', () => {
    const occ = (type: BuildingType, weekday: number, hour: number, minute = 0): number => occupancyFraction(type, at(weekday, hour, minute));
    // Office: weekday working hours ≫ weekend ≫ night, with a lunch dip.
    expect(occ('office', TUE, 10, 30)).toBeGreaterThan(occ('office', SUN, 10, 30));
    expect(occ('office', SUN, 10, 30)).toBeGreaterThan(occ('office', TUE, 3));
    expect(occ('office', TUE, 10, 30)).toBeGreaterThan(0.8);
    expect(occ('office', TUE, 12, 45)).toBeLessThan(occ('office', TUE, 11));
    expect(occ('office', TUE, 3)).toBeLessThan(0.05);
    // Clinic: open around the clock, busier by day.
    expect(occ('clinic', SUN, 3)).toBeGreaterThan(0.2);
    expect(occ('clinic', TUE, 14)).toBeGreaterThan(occ('clinic', TUE, 3));
    // Retail: closed at night, staff before opening, weekend busier, short Sunday.
    expect(occ('retail', TUE, 3)).toBe(0);
    expect(occ('retail', TUE, 9, 30)).toBeCloseTo(0.1, 5);
    expect(occ('retail', SUN, 10, 30)).toBeCloseTo(0.1, 1);
    expect(occ('retail', SAT, 15)).toBeGreaterThan(occ('retail', TUE, 15));
    expect(occ('retail', TUE, 18)).toBeGreaterThan(occ('retail', TUE, 11));
    expect(occ('retail', SUN, 19, 30)).toBe(0);
    expect(occ('retail', SAT, 20)).toBeGreaterThan(0.3);
    // Residential: full at night, empty-ish on weekday afternoons, busier at weekends.
    for (const type of ['multifamily', 'home'] as const) {
      expect(occ(type, TUE, 3)).toBeGreaterThan(0.85);
      expect(occ(type, TUE, 13)).toBeLessThan(0.4);
      expect(occ(type, TUE, 20)).toBeGreaterThan(0.75);
      expect(occ(type, SAT, 13)).toBeGreaterThan(occ(type, TUE, 13));
    }
  });

  it('rejects an unknown building type', () => {
    expect(() => occupancyFraction('castle' as BuildingType, at(TUE, 12))).toThrow(RangeError);
    expect(() => occupancyFraction('toString' as BuildingType, at(TUE, 12))).toThrow(RangeError);
  });
});

// ---- Daylight -------------------------------------------------------------------------------

function dayTime(day_of_year: number, minute_of_day: number): LocalTime {
  const hour = Math.floor(minute_of_day / 60);
  return { ...at(0, hour, minute_of_day % 60), day_of_year };
}

describe('daylightFraction', () => {
  it('is in [0, 1] everywhere, always', () => {
    fc.assert(
      fc.property(float(-90, 90), fc.integer({ min: 1, max: 366 }), fc.integer({ min: 0, max: 1439 }), (latitude, doy, minute) => {
        const f = daylightFraction(latitude, dayTime(doy, minute));
        expect(f).toBeGreaterThanOrEqual(0);
        expect(f).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('is 0 at local midnight outside the polar circles', () => {
    fc.assert(
      fc.property(float(-55, 55), fc.integer({ min: 1, max: 366 }), (latitude, doy) => {
        expect(daylightFraction(latitude, dayTime(doy, 0))).toBe(0);
      }),
    );
  });

  it('exceeds 0.8 at local noon in summer at latitude 40 (either hemisphere)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 152, max: 232 }), (doy) => {
        expect(daylightFraction(40, dayTime(doy, 720))).toBeGreaterThan(0.8);
        const southern_doy = ((doy + 182) % 365) + 1;
        expect(daylightFraction(-40, dayTime(southern_doy, 720))).toBeGreaterThan(0.8);
      }),
    );
  });

  it('peaks at solar noon, ramps smoothly, and gives longer summer days', () => {
    fc.assert(
      fc.property(float(-60, 60), fc.integer({ min: 1, max: 365 }), (latitude, doy) => {
        const noon = daylightFraction(latitude, dayTime(doy, 720));
        let lit_minutes = 0;
        let brightest = 0;
        let worst_step = 0;
        let previous = daylightFraction(latitude, dayTime(doy, 0));
        for (let m = 0; m < 1440; m++) {
          const f = daylightFraction(latitude, dayTime(doy, m));
          brightest = Math.max(brightest, f);
          worst_step = Math.max(worst_step, Math.abs(f - previous));
          if (f > 0.2) lit_minutes++;
          previous = f;
        }
        expect(brightest).toBeLessThanOrEqual(noon + 1e-12);
        expect(worst_step).toBeLessThan(0.05);
        // Time above a little daylight tracks astronomical day length (twilight ramps add a bit).
        const day_h = dayLengthHours(latitude, doy);
        expect(Math.abs(lit_minutes / 60 - day_h)).toBeLessThan(1.5);
      }),
      { numRuns: 100 },
    );
    expect(dayLengthHours(50, 172)).toBeGreaterThan(16);
    expect(dayLengthHours(50, 355)).toBeLessThan(8.5);
    expect(dayLengthHours(-50, 355)).toBeGreaterThan(16);
  });
});
