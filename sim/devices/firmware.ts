import type { FlashLayout } from './models.ts';
import { modelById } from './models.ts';
import { MS_PER_HOUR as HOUR } from '../../common/time.ts';

/** A firmware bug in the sensor path: readings frozen, or creeping away from the truth. */
export type SensorBug = 'stuck' | 'drift' | null;

/**
 * A firmware version's behaviour profile: what the simulator realises while a device runs it.
 * Scenario firmware catalogs override any of these per model@version (docs/patching.md).
 */
export interface FirmwareProfile {
  readonly model: string;
  readonly version: string;
  readonly boot_time_ms: number;
  readonly image_size_bytes: number;
  readonly flash: FlashLayout;
  /** Multiplies battery drain (a chatty radio stack or a busy-wait bug). */
  readonly drain_factor: number;
  /** Mean time between spontaneous reboots (memory leak, watchdog); null for none. */
  readonly reboot_mean_ms: number | null;
  /** Share of installs of this image whose first boot fails (A/B devices roll back, single-bank brick). */
  readonly boot_failure_ratio: number;
  /** A latent bug: after running this long, the device falls into a reboot loop. Null for none. */
  readonly reboot_loop_after_ms: number | null;
  /** Mean time between reboots once in the loop. */
  readonly reboot_loop_mean_ms: number;
  readonly sensor_bug: SensorBug;
  /** Units per day a drifting sensor moves away from the truth. */
  readonly drift_per_day: number;
  /** Telemetry fields the version adds (a new diagnostics counter, say). */
  readonly extra_values: Readonly<Record<string, number | boolean | string>> | null;
}

/** What a scenario's firmware catalog may override for one model@version. */
export type FirmwareBehaviour = Partial<Omit<FirmwareProfile, 'model' | 'version' | 'flash'>>;


/** Known versions with non-default behaviour, keyed by `model@version`. */
const KNOWN: Readonly<Record<string, Partial<FirmwareProfile>>> = {
  // A leaky Zigbee stack: reboots about twice a week and drains 40 % faster (fixed in 1.8.2).
  'OCC-PIR-200@1.7.9': { reboot_mean_ms: 84 * HOUR, drain_factor: 1.4 },
  // A BACnet stack with a heap leak: reboots every ~10 days under load.
  'HVAC-ZC-400@2.2.7': { reboot_mean_ms: 240 * HOUR },
  'GW-MX-500@6.1.0': { reboot_mean_ms: 400 * HOUR },
};

const BOOT_TIME_MS: Readonly<Record<string, number>> = {
  occupancy: 1_500,
  env: 1_500,
  leak: 1_200,
  lock: 4_000,
  hvac: 25_000,
  lighting: 6_000,
  gateway: 45_000,
};

/** Image size of a model's firmware unless a catalog says otherwise. */
export function defaultImageSize(model_id: string): number {
  return modelById(model_id).image_size_bytes;
}

/**
 * The profile for any model/version pair: defaults by kind, overridden by known quirks, then by
 * the scenario's catalog entry for that version (`behaviour`).
 */
export function firmwareProfile(model_id: string, version: string, behaviour: FirmwareBehaviour = {}): FirmwareProfile {
  const model = modelById(model_id);
  const known = { ...KNOWN[`${model_id}@${version}`], ...behaviour };
  return {
    model: model_id,
    version,
    boot_time_ms: known.boot_time_ms ?? BOOT_TIME_MS[model.kind] ?? 5_000,
    image_size_bytes: known.image_size_bytes ?? model.image_size_bytes,
    flash: model.flash,
    drain_factor: known.drain_factor ?? 1,
    reboot_mean_ms: known.reboot_mean_ms ?? null,
    boot_failure_ratio: known.boot_failure_ratio ?? 0,
    reboot_loop_after_ms: known.reboot_loop_after_ms ?? null,
    reboot_loop_mean_ms: known.reboot_loop_mean_ms ?? 40 * 60_000,
    sensor_bug: known.sensor_bug ?? null,
    drift_per_day: known.drift_per_day ?? 0.5,
    extra_values: known.extra_values ?? null,
  };
}
