import type { DeviceTwin, Values } from './twin.ts';
import { MS_PER_DAY as DAY_MS } from '../../common/time.ts';


/**
 * Firmware bugs in the reporting path (docs/patching.md): a stuck sensor repeats the readings it
 * had when the firmware was installed; a drifting one adds `drift_per_day` per day since install to
 * every numeric reading; a version may add telemetry fields. Pure: no randomness, so a quirk never
 * changes the device's random stream.
 */
export function applyFirmwareQuirks(twin: DeviceTwin, now_ms: number, values: Values): Values {
  const fw = twin.firmware;
  let out = values;
  if (fw.sensor_bug === 'stuck') {
    const frozen = twin.local.ota_stuck_values as Values | undefined;
    if (frozen === undefined) twin.local.ota_stuck_values = values;
    else out = frozen;
  } else if (fw.sensor_bug === 'drift') {
    const offset = (fw.drift_per_day * (now_ms - twin.firmware_since_ms)) / DAY_MS;
    out = {};
    for (const [k, v] of Object.entries(values)) out[k] = typeof v === 'number' && k !== 'people_count' ? Math.round((v + offset) * 100) / 100 : v;
  }
  if (fw.extra_values !== null) out = { ...out, ...fw.extra_values };
  return out;
}
