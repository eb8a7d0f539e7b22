import { round } from '../../../platform/contract/canonical-json.ts';
import type { KindBehaviour, Values } from '../twin.ts';

/**
 * Gateway / hub: carries its floor's radio devices to the broker and reports its own health on a
 * fixed heartbeat. Memory creeps up with uptime on firmware that leaks (and drops on reboot).
 */
export const gateway: KindBehaviour = {
  measure(twin, now_ms): Values {
    const uptime_s = Math.floor((now_ms - twin.online_since_ms) / 1000);
    const children = (twin.local.children as number | undefined) ?? 0;
    const leak_pct_per_day = twin.firmware.reboot_mean_ms !== null ? 6 : 0.2;
    // Drawn in this order (the device's random stream), returned with keys in canonical order.
    const cpu_pct = round(6 + children * 0.08 + twin.rng.uniform(0, 6), 1);
    const mem_pct = round(Math.min(99, 31 + (leak_pct_per_day * uptime_s) / 86_400 + twin.rng.uniform(0, 1)), 1);
    return { children, cpu_pct, mem_pct, uptime_s };
  },
  significant() {
    return false; // heartbeat only: gateway health is a time series, not an event stream
  },
};
