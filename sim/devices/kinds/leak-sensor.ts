import { round } from '../../../platform/contract/canonical-json.ts';
import { Priority } from '../../kernel/event-queue.ts';
import { differs, type DeviceTwin, type KindBehaviour, type Values } from '../twin.ts';

/** A leak under any one sensor is rare: about one every four years; it is mopped up in hours. */
const MEAN_TIME_BETWEEN_LEAKS_MS = 4 * 365 * 24 * 3_600_000;
const MEAN_LEAK_DURATION_MS = 4 * 3_600_000;

/**
 * Water reaches the sensor: a ground-truth fact, the interrupt-driven event at once, and the
 * water dries up `duration_ms` later (drawn when not given).
 */
export function startLeak(twin: DeviceTwin, duration_ms?: number): void {
  if (twin.local.leak === true || twin.power !== 'online') return;
  const start = twin.host.clock.now_ms;
  twin.local.leak = true;
  twin.host.fact('leak', { d: twin.id, zone: twin.spec.zone_id, s: 'start' });
  // Leak sensors are interrupt driven: the event goes out at once, not at the next sample.
  twin.event('leak_detected');
  const dry_at = start + (duration_ms ?? Math.max(60_000, Math.round(twin.rng.exponential(MEAN_LEAK_DURATION_MS))));
  twin.schedule(dry_at, Priority.device, 'dry', () => {
    twin.local.leak = false;
    twin.host.fact('leak', { d: twin.id, zone: twin.spec.zone_id, s: 'end' });
    twin.event('leak_cleared');
    scheduleNextLeak(twin, twin.host.clock.now_ms);
  });
}

function scheduleNextLeak(twin: DeviceTwin, now_ms: number): void {
  const at = now_ms + Math.max(1, Math.round(twin.rng.exponential(MEAN_TIME_BETWEEN_LEAKS_MS)));
  twin.schedule(at, Priority.device, 'leak', () => startLeak(twin));
}

export const leakSensor: KindBehaviour = {
  measure(twin): Values {
    return {
      leak: twin.local.leak === true,
      temperature_c: round((twin.zone?.state.temperature_c ?? 20) - 1.5 + twin.rng.normal(0, 0.1), 1),
    };
  },
  significant(prev, next) {
    return differs(prev.leak, next.leak, 1);
  },
  onOnline(twin, now_ms) {
    if (twin.local.leak === true) {
      twin.local.leak = false; // a reboot cancelled the drying event; the platform sees the next sample
    }
    scheduleNextLeak(twin, now_ms);
  },
};
