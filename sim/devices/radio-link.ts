import type { Rng } from '../kernel/rng.ts';
import type { Radio } from './models.ts';

/**
 * Link quality of a device's hop to its gateway. RSSI is fixed by placement (drawn once from the
 * device's own stream) with a little per-report fading. Per-attempt loss rises below −75 dBm; the
 * MAC layer retries three times, so a report is lost outright only at the bottom of the range,
 * but every retry costs battery.
 */
const RADIOS_WITH_RSSI: ReadonlySet<Radio> = new Set(['zigbee', 'thread', 'ble']);
const MAC_ATTEMPTS = 4;

export class RadioLink {
  readonly has_rssi: boolean;
  readonly base_rssi_dbm: number;
  readonly loss_per_attempt: number;
  /** Probability in parts per million that all attempts fail. */
  readonly final_loss_ppm: number;
  /** Expected transmissions per report: 1 + p + p² + p³ (attempts stop at the first success). */
  readonly expected_transmissions: number;

  constructor(radio: Radio, rng: Rng) {
    this.has_rssi = RADIOS_WITH_RSSI.has(radio);
    const rssi = this.has_rssi ? rng.normal(-70, 8) : -50;
    this.base_rssi_dbm = Math.round(Math.min(-45, Math.max(-97, rssi)));
    const p = this.has_rssi ? Math.min(0.6, 0.004 + Math.max(0, -75 - this.base_rssi_dbm) * 0.012) : 0;
    this.loss_per_attempt = p;
    this.final_loss_ppm = Math.round(p ** MAC_ATTEMPTS * 1_000_000);
    this.expected_transmissions = (1 - p ** MAC_ATTEMPTS) / (1 - p);
  }

  /** RSSI as reported with this sample's fading (±3 dB). */
  sampleRssi(rng: Rng): number {
    return Math.max(-120, Math.min(-30, this.base_rssi_dbm + rng.int(-3, 3)));
  }

  /** Whether this report is lost after all MAC retries (exact integer odds). */
  lost(rng: Rng): boolean {
    return this.final_loss_ppm > 0 && rng.chance(this.final_loss_ppm, 1_000_000);
  }
}
