import type { BatterySpec } from './models.ts';

/**
 * A primary lithium cell drained by an idle current (sleep, sensing, parent polls or BLE
 * advertising) plus a charge per transmission that grows with radio retries and with the transmit
 * power a weak link needs, and any extra draws (a lock's motor). Charge only ever decreases; the
 * only way up is `replace()`, which a technician's visit triggers.
 *
 * What the device reports is not the charge but a percentage its firmware derives from the cell's
 * voltage: flat for most of the life (the plateau), then falling fast (the knee), lower when the
 * cell is cold. Firmware reports the lowest value seen since the cell went in, so a warm afternoon
 * does not make a battery look fuller.
 */
// Open-circuit voltage against state of charge for a 3 V lithium primary (Li-MnO₂ discharge
// curves in Energizer/Panasonic datasheets): ~3.05 V fresh, a slow slope to ~2.85 V at 20 %
// remaining, then a knee to 2.2 V (brown-out) at empty.
const V_FRESH = 3.05;
const V_KNEE = 2.85;
const V_EMPTY = 2.2;
const KNEE_SOC = 0.2;
const KNEE_EXPONENT = 0.8;
// Cold raises internal resistance: ~5 mV per kelvin below 15 °C under load.
const COLD_V_PER_K = 0.005;
const COLD_BELOW_C = 15;
// The firmware's linear voltage-to-percent map: 2.2 V is 0 %, 3.0 V is 100 %.
const V_ZERO_PCT = 2.2;
const V_FULL_PCT = 3.0;
// Share of a report's charge spent awake before the radio (sensing, MCU); the rest is per transmission.
const WAKE_SHARE = 0.3;

/** Cell voltage at a state of charge (0–1) and temperature. */
export function cellVoltage(soc: number, temperature_c: number): number {
  const s = Math.min(1, Math.max(0, soc));
  const v = s >= KNEE_SOC ? V_KNEE + ((V_FRESH - V_KNEE) * (s - KNEE_SOC)) / (1 - KNEE_SOC) : V_EMPTY + (V_KNEE - V_EMPTY) * (s / KNEE_SOC) ** KNEE_EXPONENT;
  return v - COLD_V_PER_K * Math.max(0, COLD_BELOW_C - temperature_c);
}

/** The firmware's percentage for a voltage, 0–100 with one decimal. */
export function voltagePercent(volts: number): number {
  const pct = (100 * (volts - V_ZERO_PCT)) / (V_FULL_PCT - V_ZERO_PCT);
  return Math.round(Math.min(100, Math.max(0, pct)) * 10) / 10;
}

export class Battery {
  readonly spec: BatterySpec;
  #remaining_uah: number;
  #updated_ms: number;
  #drain_factor: number;
  /** A fault's extra drain (sim/faults battery_depletion), µAh per hour; a new cell clears it. */
  #extra_uah_per_h = 0;
  /** Lowest percentage reported since the cell went in. */
  #reported_min_pct = 100;
  /** Charge taken since the cell went in (or since the run began), µAh. */
  #drained_uah = 0;

  constructor(spec: BatterySpec, level_pct: number, now_ms: number, drain_factor: number) {
    this.spec = spec;
    this.#remaining_uah = (spec.capacity_mah * 1000 * Math.min(100, Math.max(0, level_pct))) / 100;
    this.#updated_ms = now_ms;
    this.#drain_factor = drain_factor;
  }

  /** Idle drain from the last update to now. */
  elapse(now_ms: number): void {
    const dt_h = (now_ms - this.#updated_ms) / 3_600_000;
    if (dt_h > 0) {
      this.#take(this.spec.idle_current_ua * dt_h * this.#drain_factor + this.#extra_uah_per_h * dt_h);
      this.#updated_ms = now_ms;
    }
  }

  /**
   * One report: the wake-up share once, the radio share per transmission, scaled by the transmit
   * power the link needs (tx_factor ≥ 1).
   */
  report(transmissions: number, tx_factor = 1): void {
    const charge_uc = this.spec.report_charge_uc * (WAKE_SHARE + (1 - WAKE_SHARE) * transmissions * tx_factor);
    this.draw(charge_uc);
  }

  /** Any other draw (a lock motor's stroke), µC. */
  draw(charge_uc: number): void {
    this.#take((charge_uc * this.#drain_factor) / 3600);
  }

  #take(uah: number): void {
    const taken = Math.min(this.#remaining_uah, uah);
    this.#remaining_uah -= taken;
    this.#drained_uah += taken;
  }

  /** Charge drained since the cell went in (or the run began), % of capacity. */
  get drained_pct(): number {
    return (100 * this.#drained_uah) / (this.spec.capacity_mah * 1000);
  }

  /** A fault drains what is left within `duration_ms` on top of the normal drain (settles the drain so far first). */
  drainWithin(now_ms: number, duration_ms: number): void {
    this.elapse(now_ms);
    this.#extra_uah_per_h = duration_ms > 0 ? this.#remaining_uah / (duration_ms / 3_600_000) : this.#remaining_uah * 3_600_000;
  }

  /** The fault is over (settles the drain so far first). */
  stopExtraDrain(now_ms: number): void {
    this.elapse(now_ms);
    this.#extra_uah_per_h = 0;
  }

  /** New firmware drains differently from now on (settles the drain so far first). */
  setDrainFactor(now_ms: number, drain_factor: number): void {
    this.elapse(now_ms);
    this.#drain_factor = drain_factor;
  }

  replace(now_ms: number): void {
    this.#extra_uah_per_h = 0;
    this.#remaining_uah = this.spec.capacity_mah * 1000;
    this.#updated_ms = now_ms;
    this.#reported_min_pct = 100;
    this.#drained_uah = 0;
  }

  /** State of charge, % of capacity (ground truth; devices do not know it). */
  get level_pct(): number {
    return (100 * this.#remaining_uah) / (this.spec.capacity_mah * 1000);
  }

  /** What the firmware reports: voltage-derived, never above what it reported before. */
  reportedPct(temperature_c: number): number {
    const pct = voltagePercent(cellVoltage(this.level_pct / 100, temperature_c));
    this.#reported_min_pct = Math.min(this.#reported_min_pct, pct);
    return this.#reported_min_pct;
  }

  get depleted(): boolean {
    return this.#remaining_uah <= 0;
  }
}
