import type { BatterySpec } from './models.ts';

/**
 * A primary cell drained by a constant idle current plus a charge per report that grows with
 * radio retries (poor links cost more transmissions). Charge only ever decreases; the only way up
 * is `replace()`, which a technician's visit triggers.
 */
export class Battery {
  readonly spec: BatterySpec;
  #remaining_uah: number;
  #updated_ms: number;
  #drain_factor: number;
  /** A fault's extra drain (sim/faults battery_depletion), µAh per hour; a new cell clears it. */
  #extra_uah_per_h = 0;

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
      this.#remaining_uah = Math.max(0, this.#remaining_uah - this.spec.idle_current_ua * dt_h * this.#drain_factor - this.#extra_uah_per_h * dt_h);
      this.#updated_ms = now_ms;
    }
  }

  /** One report's charge, multiplied by the expected number of transmissions. */
  report(transmissions: number): void {
    const uah = (this.spec.report_charge_uc * transmissions * this.#drain_factor) / 3600;
    this.#remaining_uah = Math.max(0, this.#remaining_uah - uah);
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
  }

  get level_pct(): number {
    return (100 * this.#remaining_uah) / (this.spec.capacity_mah * 1000);
  }

  get depleted(): boolean {
    return this.#remaining_uah <= 0;
  }
}
