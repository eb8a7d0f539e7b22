// Zone thermal model: one air-and-furnishings node (RC circuit) with a two-loop PI controller.
//
//   C·dT/dt = (T_out − T)/R + Q_hvac(T) + N·gain_per_person + gain_w (solar, lights, plugs)
//   Q_hvac(T) = heating loop clamp(Kp·(SP_heat − T) + I_heat, 0, cap)     for T < SP_cool
//             − cooling loop clamp(Kp·(T − SP_cool) + I_cool, 0, cap·share) for T > SP_heat
//
// Inputs, including the loops' integral terms, are held constant over one advanceZone call, so
// the ODE is scalar, autonomous and piecewise linear in T. Each linear piece is integrated with
// its exact exponential solution and the crossing time into the next piece is solved
// analytically, so the result is stable for any dt. The integral terms move between calls
// (updateIntegrators, on the zone's 5-minute control grid): that discrete integral action is what
// gives a real zone its small overshoot past the setpoint and its slow hunting around it. Sub-steps
// of ≤ 60 s exist for the humidity coupling and the reported power; they do not change
// temperature beyond floating-point rounding.

export type HvacMode = 'auto' | 'heat' | 'cool' | 'off';

export interface ZoneThermalParams {
  resistance_k_per_w: number;
  capacitance_j_per_k: number;
  hvac_capacity_w: number;
  /** Proportional gain of both loops (capacity over the proportional band). */
  hvac_gain_w_per_k: number;
  /** Integral time of both loops: the integral term adds Kp·error every integral_time_s. */
  integral_time_s: number;
  gain_per_person_w: number;
}

export interface ZoneThermalState {
  temperature_c: number;
  humidity_pct: number;
}

export interface ZoneInputs {
  outdoor_c: number;
  outdoor_humidity_pct: number;
  heat_setpoint_c: number;
  /** Raised to heat_setpoint_c if below it. */
  cool_setpoint_c: number;
  /** Which loops may run: the schedule and the outdoor-temperature lockouts decide. */
  hvac_mode: HvacMode;
  hvac_health: number /* 1 healthy … 0 compressor/fan failed: scales delivered capacity */;
  occupants: number;
  /** Share of cooling capacity available (economizer only, below the compressor lockout); default 1. */
  cooling_share?: number;
  /** Integral terms of the heating and cooling loops, W (default 0: proportional only). */
  heat_bias_w?: number;
  cool_bias_w?: number;
  /** Other heat gains: solar through glazing, lights, plug loads, W (default 0). */
  gain_w?: number;
  /**
   * An on/off unit's delivered power, W (+ heating, − cooling), held over the call instead of the
   * PI loops: a home thermostat decides on or off itself (world-state.ts), the zone only integrates.
   */
  fixed_power_w?: number;
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
// Full output 2 K from setpoint on the proportional term alone: a typical zone PI's throttling
// range (Guideline 36 leaves tuning to the controls contractor; 1–3 K is common practice).
const PROPORTIONAL_BAND_K = 2.0;
// Integral time: 30 minutes, slow enough against the zone's ~15-minute closed-loop response to
// give a few tenths of a kelvin of overshoot rather than oscillation.
const INTEGRAL_TIME_S = 1_800;
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
export function saturationPa(temperature_c: number): number {
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
    integral_time_s: INTEGRAL_TIME_S,
    gain_per_person_w: SENSIBLE_W_PER_PERSON,
  };
}

// ---- Piecewise-linear controller ------------------------------------------------------------
// Two PI loops, as a Guideline 36 zone runs them: a heating loop on (heating setpoint − T) and a
// cooling loop on (T − cooling setpoint), with the band between the setpoints a deadband where
// neither acts. The integral terms (heat_bias_w, cool_bias_w) are held constant within one
// advanceZone call (the caller updates them on its control grid with updateIntegrators), so
// within a call Q(T) is piecewise linear on 5 intervals: [heat saturated, heat proportional,
// neither, cool proportional, cool saturated]. Heating is cut off at the cooling setpoint and
// cooling at the heating setpoint, so neither can fight the other. Q never increases with T.
// Module-level scratch arrays avoid allocating per call; every advanceZone call rewrites them.
const PIECES = 5;
const breaks = new Float64Array(PIECES - 1); // breaks[i] is the upper edge of piece i
const piece_q = new Float64Array(PIECES);
const piece_g = new Float64Array(PIECES);
const piece_count = PIECES;

function loopCapacities(params: ZoneThermalParams, inputs: ZoneInputs): void {
  const health = Math.min(1, Math.max(0, inputs.hvac_health));
  const gain = Math.max(0, params.hvac_gain_w_per_k);
  const capacity = gain > 0 ? Math.max(0, params.hvac_capacity_w) * health : 0;
  const mode = inputs.hvac_mode;
  scratch_heat_w = mode === 'auto' || mode === 'heat' ? capacity : 0;
  scratch_cool_w = mode === 'auto' || mode === 'cool' ? capacity * Math.min(1, Math.max(0, inputs.cooling_share ?? 1)) : 0;
}
let scratch_heat_w = 0;
let scratch_cool_w = 0;

/** Cooling setpoint never below the heating setpoint (a controller enforces a minimum deadband). */
function coolSetpoint(inputs: ZoneInputs): number {
  return Math.max(inputs.cool_setpoint_c, inputs.heat_setpoint_c);
}

function buildController(params: ZoneThermalParams, inputs: ZoneInputs): void {
  if (inputs.fixed_power_w !== undefined) {
    // One flat piece: every edge above any temperature, so T always lies in piece 0.
    breaks.fill(Infinity);
    piece_q.fill(0);
    piece_g.fill(0);
    piece_q[0] = inputs.fixed_power_w;
    scratch_heat_w = Math.max(0, inputs.fixed_power_w);
    scratch_cool_w = Math.max(0, -inputs.fixed_power_w);
    return;
  }
  loopCapacities(params, inputs);
  const gain = Math.max(0, params.hvac_gain_w_per_k);
  const heat_w = scratch_heat_w;
  const cool_w = scratch_cool_w;
  const hsp = inputs.heat_setpoint_c;
  const csp = coolSetpoint(inputs);
  const g = gain > 0 ? gain : 1;
  const ih = Math.min(heat_w, Math.max(0, inputs.heat_bias_w ?? 0));
  // One loop's integral at a time: a heating integral wound up leaves no room for a cooling one.
  const ic = ih > 0 ? 0 : Math.min(cool_w, Math.max(0, inputs.cool_bias_w ?? 0));
  const heat_zero_c = Math.min(hsp + ih / g, csp);
  const heat_full_c = Math.min(hsp - (heat_w - ih) / g, heat_zero_c);
  const cool_zero_c = Math.max(csp - ic / g, hsp, heat_zero_c);
  const cool_full_c = Math.max(csp + (cool_w - ic) / g, cool_zero_c);
  breaks[0] = heat_full_c;
  breaks[1] = heat_zero_c;
  breaks[2] = cool_zero_c;
  breaks[3] = cool_full_c;
  piece_q[0] = heat_w;
  piece_g[0] = 0;
  piece_q[1] = gain > 0 ? gain * hsp + ih : 0;
  piece_g[1] = gain > 0 ? gain : 0;
  piece_q[2] = 0;
  piece_g[2] = 0;
  piece_q[3] = gain > 0 ? gain * csp - ic : 0;
  piece_g[3] = gain > 0 ? gain : 0;
  piece_q[4] = cool_w > 0 ? -cool_w : 0;
  piece_g[4] = 0;
}

/** Controller output at T (for dt = 0 and for reporting): the piece T lies in. */
function controllerPower(params: ZoneThermalParams, inputs: ZoneInputs, temperature_c: number): number {
  buildController(params, inputs);
  let piece = 0;
  while (piece < PIECES - 1 && temperature_c >= (breaks[piece] ?? Infinity)) piece++;
  // Clamp the linear pieces to their own loop's range (rounding at the edges).
  const q = (piece_q[piece] ?? 0) - (piece_g[piece] ?? 0) * temperature_c;
  return Math.min(scratch_heat_w, Math.max(-scratch_cool_w, q)) + 0; // + 0 turns −0 into 0
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
  if (!Number.isFinite(inputs.heat_setpoint_c) || !Number.isFinite(inputs.cool_setpoint_c)) {
    throw new RangeError('setpoints must be finite numbers');
  }
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
  const internal_w = occupants * params.gain_per_person_w + Math.max(0, inputs.gain_w ?? 0);

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
    last_power_w = result_energy_j / substep_s + 0;

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

/**
 * advanceZone for an on/off unit, step after step, without its per-call set-up: the zone's
 * constant terms (envelope, internal gains, moisture sources, outdoor vapour pressure) are worked
 * out once for a span whose inputs hold, and each `step` integrates one held power for ≤ 60 s (one
 * humidity sub-step). A home thermostat decides its call once a minute, so a 5-minute zone step
 * makes five of these; through advanceZone each allocated its inputs and results and evaluated
 * four exponentials instead of two (world-state.ts #advanceCycling).
 *
 * Every step gives bit for bit the state advanceZone(params, state, { ...inputs, fixed_power_w },
 * dt_ms) gives: the same expressions in the same order (test/property/fast-paths.property.test.ts
 * holds the two together). Only the saturation pressure at the step's start is reused from the
 * previous step's end, the same call on the same temperature.
 */
export class HeldPowerIntegrator {
  temperature_c: number;
  /** Relative humidity as advanceZone returns it (clamped to its bounds). */
  humidity_pct: number;
  readonly #inv_r: number;
  readonly #capacitance: number;
  readonly #internal_w: number;
  readonly #outdoor_c: number;
  readonly #source_pa_s: number;
  readonly #coil_per_w: number;
  readonly #outdoor_e_pa: number;
  #saturation_pa: number;

  constructor(params: ZoneThermalParams, state: ZoneThermalState, inputs: ZoneInputs) {
    if (!Number.isFinite(inputs.heat_setpoint_c) || !Number.isFinite(inputs.cool_setpoint_c)) {
      throw new RangeError('setpoints must be finite numbers');
    }
    if (!(params.capacitance_j_per_k > 0) || !(params.resistance_k_per_w > 0)) {
      throw new RangeError('capacitance_j_per_k and resistance_k_per_w must be positive');
    }
    const capacitance = params.capacitance_j_per_k;
    const occupants = Math.max(0, inputs.occupants);
    this.#capacitance = capacitance;
    this.#inv_r = 1 / params.resistance_k_per_w;
    this.#internal_w = occupants * params.gain_per_person_w + Math.max(0, inputs.gain_w ?? 0);
    this.#outdoor_c = inputs.outdoor_c;
    const air_kg = (capacitance / C_J_PER_M2K) * CEILING_HEIGHT_M * RHO_AIR_KG_M3;
    const pa_per_kg_water = P_ATM_PA / (0.622 * air_kg);
    this.#source_pa_s = occupants * LATENT_KG_S_PER_PERSON * pa_per_kg_water;
    this.#coil_per_w = (LATENT_PER_SENSIBLE / H_FG_J_PER_KG) * pa_per_kg_water / (E_DESIGN_PA - E_COIL_PA);
    this.#outdoor_e_pa = (Math.min(100, Math.max(0, inputs.outdoor_humidity_pct)) / 100) * saturationPa(inputs.outdoor_c);
    this.temperature_c = state.temperature_c;
    this.humidity_pct = state.humidity_pct;
    this.#saturation_pa = saturationPa(state.temperature_c);
  }

  /** Integrates power_w (+ heating, − cooling) held for dt_ms, 0 < dt_ms ≤ 60,000. */
  step(power_w: number, dt_ms: number): void {
    if (!(dt_ms > 0) || dt_ms > MAX_SUBSTEP_S * 1000) throw new RangeError(`dt_ms must be in (0, ${MAX_SUBSTEP_S * 1000}], got ${dt_ms}`);
    const inv_r = this.#inv_r;
    const outdoor_c = this.#outdoor_c;
    const internal_w = this.#internal_w;
    let vapour_pa = (Math.min(100, Math.max(0, this.humidity_pct)) / 100) * this.#saturation_pa;
    const substep_s = dt_ms / 1000 / 1; // one sub-step: ceil(dt_s / 60) is 1
    // integrateTemperature with advanceZone's one flat piece (q = power, g = 0, every edge at +∞).
    const q = power_w;
    const g = 0;
    let t_c = this.temperature_c;
    let energy_j = 0;
    const flow_up = (outdoor_c - t_c) * inv_r + q - g * t_c + internal_w;
    if (flow_up === 0) {
      energy_j += (q - g * t_c) * substep_s;
    } else {
      const thermal_rate = (inv_r + g) / this.#capacitance;
      const equilibrium_c = (outdoor_c * inv_r + q + internal_w) / (inv_r + g);
      const decayed = -Math.expm1(-thermal_rate * substep_s);
      const integral_t = equilibrium_c * substep_s + ((t_c - equilibrium_c) * decayed) / thermal_rate;
      energy_j += q * substep_s - g * integral_t;
      t_c = equilibrium_c + (t_c - equilibrium_c) * (1 - decayed);
    }
    const last_power_w = energy_j / substep_s + 0;
    const coil_per_s = last_power_w < 0 && vapour_pa > E_COIL_PA ? -last_power_w * this.#coil_per_w : 0;
    const rate = 1 / MOISTURE_TAU_S + coil_per_s;
    const equilibrium_pa = (this.#outdoor_e_pa / MOISTURE_TAU_S + this.#source_pa_s + coil_per_s * E_COIL_PA) / rate;
    vapour_pa = equilibrium_pa + (vapour_pa - equilibrium_pa) * Math.exp(-rate * substep_s);
    const saturation_pa = saturationPa(t_c);
    vapour_pa = Math.min(vapour_pa, saturation_pa);
    const humidity_pct = (100 * vapour_pa) / saturation_pa;
    this.temperature_c = t_c;
    this.humidity_pct = Math.min(HUMIDITY_MAX_PCT, Math.max(HUMIDITY_MIN_PCT, humidity_pct));
    this.#saturation_pa = saturation_pa;
  }
}

export interface LoopIntegrals {
  heat_bias_w: number;
  cool_bias_w: number;
}

/**
 * One step of the loops' integral action after the zone ran dt_s at the end temperature T:
 * each integral grows by Kp·error·dt/Ti while its error is positive and decays the same way once
 * the zone is past its setpoint, clamped to [0, capacity] (anti-windup). A disabled loop (mode,
 * lockout, failed unit) holds no integral, and only one loop holds one at a time.
 */
export function updateIntegrators(params: ZoneThermalParams, inputs: ZoneInputs, temperature_c: number, dt_s: number): LoopIntegrals {
  loopCapacities(params, inputs);
  const ki = Math.max(0, params.hvac_gain_w_per_k) / Math.max(1, params.integral_time_s);
  const csp = coolSetpoint(inputs);
  let heat = scratch_heat_w > 0 ? Math.min(scratch_heat_w, Math.max(0, (inputs.heat_bias_w ?? 0) + ki * (inputs.heat_setpoint_c - temperature_c) * dt_s)) : 0;
  let cool = scratch_cool_w > 0 ? Math.min(scratch_cool_w, Math.max(0, (inputs.cool_bias_w ?? 0) + ki * (temperature_c - csp) * dt_s)) : 0;
  if (heat > 0 && cool > 0) {
    // Cannot happen with the deadband in between; keep whichever loop's error is the larger.
    if (inputs.heat_setpoint_c - temperature_c >= temperature_c - csp) cool = 0;
    else heat = 0;
  }
  return { heat_bias_w: heat, cool_bias_w: cool };
}
