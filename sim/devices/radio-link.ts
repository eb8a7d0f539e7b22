import type { Rng } from '../kernel/rng.ts';
import type { Radio } from './models.ts';

/**
 * Link quality of a device's hop to its gateway. The mean RSSI is fixed by placement (drawn once
 * from the device's own stream); around it, log-normal shadowing (people, doors, furniture moving)
 * wanders with a half-hour correlation time, bodies in the zone take a few dB more, and now and
 * then a deep fade takes 10–20 dB for one report. Per-attempt loss rises below −75 dBm; the MAC
 * layer retries three times, so a report is lost outright only at the bottom of the range, but
 * every retry costs battery, and so does the higher transmit power a weak link needs.
 */
const RADIOS_WITH_RSSI: ReadonlySet<Radio> = new Set(['zigbee', 'thread', 'ble']);
const MAC_ATTEMPTS = 4;
// Indoor 2.4 GHz shadowing: σ ≈ 4 dB (IEEE 802.15.4 / ITU-R P.1238 indoor measurements report
// 3–6 dB), Gauss–Markov correlated over ~30 minutes of people and doors moving.
const SHADOWING_SIGMA_DB = 4;
const SHADOWING_TAU_MS = 30 * 60_000;
/** A full zone (people at its capacity) attenuates the path by this much. */
const OCCUPIED_LOSS_DB = 4;
/** Deep fades: about one report in 400, 10–20 dB down. */
const DEEP_FADE_PER_MILLE = 2.5;

export class RadioLink {
  readonly has_rssi: boolean;
  readonly base_rssi_dbm: number;
  /** RSSI as of the last update (placement + shadowing + occupancy + fade). */
  rssi_dbm: number;
  #shadow_db = 0;
  #updated_ms = Number.NEGATIVE_INFINITY;

  /**
   * A wired or RSSI-less link (Ethernet, BACnet MS/TP, DALI) never changes and draws nothing, so
   * every such device shares this one: a link object and its boxed numbers are ~200 bytes a device.
   */
  static readonly #wired = new RadioLink(false, -50);

  /** The link of a device with this radio, placed by a draw from its own stream (none for wired radios). */
  static place(radio: Radio, rng: Rng): RadioLink {
    if (!RADIOS_WITH_RSSI.has(radio)) return RadioLink.#wired;
    return new RadioLink(true, Math.round(Math.min(-45, Math.max(-97, rng.normal(-70, 8)))));
  }

  private constructor(has_rssi: boolean, base_rssi_dbm: number) {
    this.has_rssi = has_rssi;
    this.base_rssi_dbm = base_rssi_dbm;
    this.rssi_dbm = base_rssi_dbm;
  }

  // What follows from the RSSI is worked out when read (a few multiplications per report) rather
  // than stored: four more boxed numbers per device held for the whole run otherwise.

  /** Probability that one MAC attempt fails. */
  get loss_per_attempt(): number {
    return this.has_rssi ? Math.min(0.6, 0.004 + Math.max(0, -75 - this.rssi_dbm) * 0.012) : 0;
  }

  /** Probability in parts per million that all attempts fail. */
  get final_loss_ppm(): number {
    return Math.round(this.loss_per_attempt ** MAC_ATTEMPTS * 1_000_000);
  }

  /** Expected transmissions per report: 1 + p + p² + p³ (attempts stop at the first success). */
  get expected_transmissions(): number {
    const p = this.loss_per_attempt;
    return (1 - p ** MAC_ATTEMPTS) / (1 - p);
  }

  /** Transmit-power factor on the radio's charge: 1 at a good link, up to 1.6 at a weak one. */
  get tx_charge_factor(): number {
    return this.has_rssi ? 1 + 0.6 * Math.min(1, Math.max(0, (-70 - this.rssi_dbm) / 20)) : 1;
  }

  /**
   * Moves the link to now_ms (once per instant): shadowing steps as an Ornstein–Uhlenbeck process,
   * occupancy (0–1 of the zone's capacity) adds its loss, a rare deep fade hits this report.
   */
  update(rng: Rng, now_ms: number, occupancy: number): void {
    if (!this.has_rssi || now_ms === this.#updated_ms) return;
    const dt = Number.isFinite(this.#updated_ms) ? now_ms - this.#updated_ms : SHADOWING_TAU_MS * 10;
    const rho = Math.exp(-dt / SHADOWING_TAU_MS);
    this.#shadow_db = rho * this.#shadow_db + SHADOWING_SIGMA_DB * Math.sqrt(1 - rho * rho) * rng.normal(0, 1);
    const fade_db = rng.chance(DEEP_FADE_PER_MILLE * 10, 10_000) ? rng.uniform(10, 20) : 0;
    this.rssi_dbm = this.base_rssi_dbm + this.#shadow_db - OCCUPIED_LOSS_DB * Math.min(1, Math.max(0, occupancy)) - fade_db;
    this.#updated_ms = now_ms;
  }

  /** RSSI as the radio reports it: whole dB, within the chip's range. */
  sampleRssi(): number {
    return Math.max(-120, Math.min(-30, Math.round(this.rssi_dbm)));
  }

  /** Whether this report is lost after all MAC retries (exact integer odds). */
  lost(rng: Rng): boolean {
    const ppm = this.final_loss_ppm;
    return ppm > 0 && rng.chance(ppm, 1_000_000);
  }
}
