import { round } from '../../../platform/contract/canonical-json.ts';
import { differs, type DeviceTwin, type KindBehaviour, type Values } from '../twin.ts';

/** Each unit's factory calibration error, drawn once from its own stream. */
function calibration(twin: DeviceTwin): { temp_c: number; rh_pct: number } {
  let cal = twin.local.calibration as { temp_c: number; rh_pct: number } | undefined;
  if (cal === undefined) {
    cal = { temp_c: twin.rng.normal(0, 0.2), rh_pct: twin.rng.normal(0, 1.5) };
    twin.local.calibration = cal;
  }
  return cal;
}

/** Temperature/humidity sensor: slow physics from the zone model, calibration offset, read noise. */
export const environmentSensor: KindBehaviour = {
  measure(twin): Values {
    const cal = calibration(twin);
    const state = twin.zone?.state ?? { temperature_c: 20, humidity_pct: 45 };
    // Drawn in this order (the device's random stream), returned with keys in canonical order.
    const temperature_c = round(state.temperature_c + cal.temp_c + twin.rng.normal(0, 0.04), 2);
    const humidity_pct = round(Math.min(100, Math.max(0, state.humidity_pct + cal.rh_pct + twin.rng.normal(0, 0.3))), 1);
    return { humidity_pct, temperature_c };
  },
  significant(prev, next, deadband) {
    return differs(prev.temperature_c, next.temperature_c, deadband) || differs(prev.humidity_pct, next.humidity_pct, 3);
  },
};
