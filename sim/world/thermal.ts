// Zone thermal model: one air-and-furnishings node (RC circuit) with an HVAC P-controller.
//
//   C·dT/dt = (T_out − T)/R + Q_hvac(T) + N·gain_per_person
//   Q_hvac(T) = clamp(gain·(setpoint − T), −cap·health, +cap·health) when |setpoint − T| > deadband,
//               else 0; the HVAC mode removes the forbidden sign.
//
// Inputs are held constant over one advanceZone call, so the ODE is scalar, autonomous and
// piecewise linear in T. Each linear piece is integrated with its exact exponential solution and
// the crossing time into the next piece is solved analytically. The result is stable for any dt,
// cannot overshoot an equilibrium, and a controller that switches at the deadband edge settles
// *on* the edge (the average of a fast on/off duty cycle) instead of chattering. Sub-steps of
// ≤ 60 s exist for the humidity coupling and the reported power; they do not change temperature
// beyond floating-point rounding.

export type HvacMode = 'auto' | 'heat' | 'cool' | 'off';

export interface ZoneThermalParams {
  resistance_k_per_w: number;
  capacitance_j_per_k: number;
  hvac_capacity_w: number;
  hvac_gain_w_per_k: number;
  deadband_c: number;
  gain_per_person_w: number;
}

export interface ZoneThermalState {
  temperature_c: number;
  humidity_pct: number;
}

export interface ZoneInputs {
  outdoor_c: number;
  outdoor_humidity_pct: number;
  setpoint_c: number;
  hvac_mode: HvacMode;
  hvac_health: number /* 1 healthy … 0 compressor/fan failed: scales delivered capacity */;
  occupants: number;
}

export interface ZoneStep {
  state: ZoneThermalState;
  hvac_power_w: number /* + heating, − cooling, last sub-step */;
  /** Thermal energy delivered by the HVAC over the whole dt (+ heating, − cooling), for meters. */
  hvac_energy_j: number;
}

// ---- Default zone parameters (per m² of floor) --------------------------------------------
// Envelope conduction of a perimeter office zone (~0.8 W/m²K of floor) plus ventilation air at
// ~1 L/s per m² (~1.2 W/m²K).
const UA_W_PER_M2K = 2.0;
// Air plus furnishings plus the surface layer of the slab that exchanges heat within hours;
// with UA above this gives τ = R·C ≈ 6.9 h.
const C_J_PER_M2K = 50_000;
// Rule-of-thumb sizing "1 ton of cooling per ~400 ft²" ≈ 95 W/m², rounded up.
const CAPACITY_W_PER_M2 = 100;
// Full output 1 K from setpoint: with a ±0.5 K deadband the unit starts at half output, and the
// worst steady-state error (−10 °C outside, 26 °C setpoint) is ≈ 0.7 K.
const PROPORTIONAL_BAND_K = 1.0;
const DEFAULT_DEADBAND_C = 0.5;
// ASHRAE sensible heat of moderately active office work; its latent share is in the humidity model.
const SENSIBLE_W_PER_PERSON = 75;

// ---- Humidity model ------------------------------------------------------------------------
const MAX_SUBSTEP_S = 60;
const CEILING_HEIGHT_M = 3;
const P_ATM_PA = 101_325;
const RHO_AIR_KG_M3 = 1.2;
const H_FG_J_PER_KG = 2.45e6;
// Moisture exchange with outdoors: ~1.2 air changes/h, slowed by moisture buffering in furnishings.
const MOISTURE_TAU_S = 5_400;
// ASHRAE latent heat of moderately active office work → ~80 g of water per hour per person.
const LATENT_KG_S_PER_PERSON = 55 / H_FG_J_PER_KG;
// A typical coil sensible heat ratio of 0.75: ~0.33 W latent removed per W sensible…
const LATENT_PER_SENSIBLE = 0.33;
// …at design indoor moisture (24 °C, 50 %), falling to nothing at the coil's dew point (~10 °C).
const E_DESIGN_PA = 0.5 * saturationPa(24);
const E_COIL_PA = saturationPa(10);
const HUMIDITY_MIN_PCT = 5;
const HUMIDITY_MAX_PCT = 100;

/** Saturation vapour pressure over water (Magnus form, WMO coefficients), Pa. */
function saturationPa(temperature_c: number): number {
  const t = Math.min(80, Math.max(-80, temperature_c));
  return 611.2 * Math.exp((17.62 * t) / (243.12 + t));
}

/** Realistic office-zone parameters for a zone of area_m2 of floor. */
export function defaultZoneThermal(area_m2: number): ZoneThermalParams {
  if (!(area_m2 > 0) || !Number.isFinite(area_m2)) throw new RangeError(`area_m2 must be a positive number, got ${area_m2}`);
  return {
    resistance_k_per_w: 1 / (UA_W_PER_M2K * area_m2),
    capacitance_j_per_k: C_J_PER_M2K * area_m2,
    hvac_capacity_w: CAPACITY_W_PER_M2 * area_m2,
    hvac_gain_w_per_k: (CAPACITY_W_PER_M2 * area_m2) / PROPORTIONAL_BAND_K,
    deadband_c: DEFAULT_DEADBAND_C,
    gain_per_person_w: SENSIBLE_W_PER_PERSON,
  };
}

// ---- Piecewise-linear controller ------------------------------------------------------------
// Q(T) = q − g·T on up to 5 temperature intervals: [heat saturated, heat proportional, deadband,
// cool proportional, cool saturated]. Module-level scratch arrays avoid allocating per call; they
// are fully rewritten by every advanceZone call, so results do not depend on previous calls.
const breaks = new Float64Array(4); // breaks[i] is the upper edge of piece i
const piece_q = new Float64Array(5);
const piece_g = new Float64Array(5);
let piece_count = 0;

function pushPiece(q: number, g: number): void {
  piece_q[piece_count] = q;
  piece_g[piece_count] = g;
  piece_count++;
}

function pushBreak(temperature_c: number): void {
  breaks[piece_count - 1] = temperature_c;
}

function buildController(params: ZoneThermalParams, inputs: ZoneInputs): void {
  const setpoint = inputs.setpoint_c;
  const deadband = Math.max(0, params.deadband_c);
  const gain = Math.max(0, params.hvac_gain_w_per_k);
  const health = Math.min(1, Math.max(0, inputs.hvac_health));
  const capacity = gain > 0 ? Math.max(0, params.hvac_capacity_w) * health : 0;
  const mode = inputs.hvac_mode;
  const heat_capacity = mode === 'auto' || mode === 'heat' ? capacity : 0;
  const cool_capacity = mode === 'auto' || mode === 'cool' ? capacity : 0;
  piece_count = 0;
  if (heat_capacity > 0) {
    const saturation_error = heat_capacity / gain;
    pushPiece(heat_capacity, 0);
    if (saturation_error > deadband) {
      pushBreak(setpoint - saturation_error);
      pushPiece(gain * setpoint, gain);
    }
    pushBreak(setpoint - deadband);
  }
  pushPiece(0, 0);
  if (cool_capacity > 0) {
    const saturation_error = cool_capacity / gain;
    pushBreak(setpoint + deadband);
    if (saturation_error > deadband) {
      pushPiece(gain * setpoint, gain);
      pushBreak(setpoint + saturation_error);
    }
    pushPiece(-cool_capacity, 0);
  }
}

/** Instantaneous controller output at T, for dt = 0. */
function controllerPower(params: ZoneThermalParams, inputs: ZoneInputs, temperature_c: number): number {
  const error = inputs.setpoint_c - temperature_c;
  if (Math.abs(error) <= Math.max(0, params.deadband_c)) return 0;
  const gain = Math.max(0, params.hvac_gain_w_per_k);
  const capacity = Math.max(0, params.hvac_capacity_w) * Math.min(1, Math.max(0, inputs.hvac_health));
  const mode = inputs.hvac_mode;
  const max_w = mode === 'auto' || mode === 'heat' ? capacity : 0;
  const min_w = mode === 'auto' || mode === 'cool' ? -capacity : 0;
  return Math.min(max_w, Math.max(min_w, gain * error));
}

// Results of integrateTemperature, kept in module scope to avoid returning an object.
let result_temperature_c = 0;
let result_energy_j = 0;

/**
 * Exact solution of C·dT/dt = (T_out − T)/R + Q(T) + P over duration_s. The right-hand side is
 * strictly decreasing in T (Q never increases with T), so T moves monotonically towards the one
 * point where it changes sign and stops there.
 */
function integrateTemperature(
  temperature_c: number,
  duration_s: number,
  outdoor_c: number,
  inv_r: number,
  capacitance: number,
  internal_w: number,
): void {
  let t_c = temperature_c;
  let remaining_s = duration_s;
  let energy_j = 0;
  const break_count = piece_count - 1;
  // Each iteration either finishes or crosses one break, and T never reverses, so ≤ 5 passes.
  for (let pass = 0; pass <= piece_count && remaining_s > 0; pass++) {
    let above = 0; // pieces whose lower edge is ≤ T: T's piece when moving up
    let below = 0; // pieces whose lower edge is < T: T's piece when moving down
    for (let i = 0; i < break_count; i++) {
      const edge = breaks[i] ?? 0;
      if (edge <= t_c) above++;
      if (edge < t_c) below++;
    }
    let piece: number;
    let direction: number;
    const flow_up = (outdoor_c - t_c) * inv_r + (piece_q[above] ?? 0) - (piece_g[above] ?? 0) * t_c + internal_w;
    if (above === below) {
      if (flow_up === 0) {
        energy_j += ((piece_q[above] ?? 0) - (piece_g[above] ?? 0) * t_c) * remaining_s;
        break;
      }
      piece = above;
      direction = flow_up > 0 ? 1 : -1;
    } else {
      // On a controller edge: move into whichever neighbour pushes away from it; if both push
      // towards it, the controller duty-cycles on the edge and T stays put.
      const flow_down = (outdoor_c - t_c) * inv_r + (piece_q[below] ?? 0) - (piece_g[below] ?? 0) * t_c + internal_w;
      if (flow_up > 0) {
        piece = above;
        direction = 1;
      } else if (flow_down < 0) {
        piece = below;
        direction = -1;
      } else {
        energy_j += -((outdoor_c - t_c) * inv_r + internal_w) * remaining_s; // power that holds T
        break;
      }
    }
    const q = piece_q[piece] ?? 0;
    const g = piece_g[piece] ?? 0;
    const rate = (inv_r + g) / capacitance; // 1/s
    const equilibrium_c = (outdoor_c * inv_r + q + internal_w) / (inv_r + g);
    const edge_c = direction > 0 ? (piece < break_count ? (breaks[piece] ?? Infinity) : Infinity) : piece > 0 ? (breaks[piece - 1] ?? -Infinity) : -Infinity;
    let step_s = remaining_s;
    let crosses = false;
    if (direction > 0 ? equilibrium_c > edge_c : equilibrium_c < edge_c) {
      const crossing_s = Math.log((t_c - equilibrium_c) / (edge_c - equilibrium_c)) / rate;
      if (crossing_s < remaining_s) {
        step_s = crossing_s;
        crosses = true;
      }
    }
    const decayed = -Math.expm1(-rate * step_s); // 1 − e^(−rate·t), accurate for small steps
    const integral_t = equilibrium_c * step_s + ((t_c - equilibrium_c) * decayed) / rate;
    energy_j += q * step_s - g * integral_t;
    t_c = crosses ? edge_c : equilibrium_c + (t_c - equilibrium_c) * (1 - decayed);
    remaining_s -= step_s;
    if (!crosses) break;
  }
  result_temperature_c = t_c;
  result_energy_j = energy_j;
}

/**
 * Advances the zone by dt_ms with inputs held constant. Stable for any dt (hours included);
 * dt_ms = 0 returns the state unchanged. Throws RangeError for a negative or non-finite dt, or
 * non-positive R or C.
 */
export function advanceZone(params: ZoneThermalParams, state: ZoneThermalState, inputs: ZoneInputs, dt_ms: number): ZoneStep {
  if (!(dt_ms >= 0) || !Number.isFinite(dt_ms)) throw new RangeError(`dt_ms must be a finite number ≥ 0, got ${dt_ms}`);
  if (dt_ms === 0) {
    return {
      state: { temperature_c: state.temperature_c, humidity_pct: state.humidity_pct },
      hvac_power_w: controllerPower(params, inputs, state.temperature_c),
      hvac_energy_j: 0,
    };
  }
  if (!(params.capacitance_j_per_k > 0) || !(params.resistance_k_per_w > 0)) {
    throw new RangeError('capacitance_j_per_k and resistance_k_per_w must be positive');
  }
  buildController(params, inputs);
  const capacitance = params.capacitance_j_per_k;
  const inv_r = 1 / params.resistance_k_per_w;
  const occupants = Math.max(0, inputs.occupants);
  const internal_w = occupants * params.gain_per_person_w;

  // Moisture terms in vapour pressure (Pa), which mixes linearly, unlike relative humidity.
  // Air volume is inferred from C using the default mass per m², as params carry no area.
  const air_kg = (capacitance / C_J_PER_M2K) * CEILING_HEIGHT_M * RHO_AIR_KG_M3;
  const pa_per_kg_water = P_ATM_PA / (0.622 * air_kg);
  const source_pa_s = occupants * LATENT_KG_S_PER_PERSON * pa_per_kg_water;
  const coil_per_w = (LATENT_PER_SENSIBLE / H_FG_J_PER_KG) * pa_per_kg_water / (E_DESIGN_PA - E_COIL_PA); // 1/s per W
  const outdoor_e_pa = (Math.min(100, Math.max(0, inputs.outdoor_humidity_pct)) / 100) * saturationPa(inputs.outdoor_c);
  let temperature_c = state.temperature_c;
  let vapour_pa = (Math.min(100, Math.max(0, state.humidity_pct)) / 100) * saturationPa(temperature_c);

  const total_s = dt_ms / 1000;
  const substeps = Math.ceil(total_s / MAX_SUBSTEP_S);
  const substep_s = total_s / substeps;
  let energy_j = 0;
  let last_power_w = 0;
  let saturation_pa = saturationPa(temperature_c);
  for (let k = 0; k < substeps; k++) {
    integrateTemperature(temperature_c, substep_s, inputs.outdoor_c, inv_r, capacitance, internal_w);
    temperature_c = result_temperature_c;
    energy_j += result_energy_j;
    last_power_w = result_energy_j / substep_s;

    // de/dt = (e_out − e)/τ + occupant source − coil·(e − e_coil): linear, so solved exactly.
    const coil_per_s = last_power_w < 0 && vapour_pa > E_COIL_PA ? -last_power_w * coil_per_w : 0;
    const rate = 1 / MOISTURE_TAU_S + coil_per_s;
    const equilibrium_pa = (outdoor_e_pa / MOISTURE_TAU_S + source_pa_s + coil_per_s * E_COIL_PA) / rate;
    vapour_pa = equilibrium_pa + (vapour_pa - equilibrium_pa) * Math.exp(-rate * substep_s);
    // Anything beyond saturation condenses out on cold surfaces.
    saturation_pa = saturationPa(temperature_c);
    vapour_pa = Math.min(vapour_pa, saturation_pa);
  }

  const humidity_pct = (100 * vapour_pa) / saturation_pa;
  return {
    state: { temperature_c, humidity_pct: Math.min(HUMIDITY_MAX_PCT, Math.max(HUMIDITY_MIN_PCT, humidity_pct)) },
    hvac_power_w: last_power_w,
    hvac_energy_j: energy_j,
  };
}
