import { round } from '../../../platform/contract/canonical-json.ts';
import { changedBy, type KindBehaviour, type Values } from '../twin.ts';

/** Rated power of the fixture group one node drives. */
const FIXTURE_POWER_W = 60;

/**
 * Lighting node: on when the zone is occupied, dimmed by daylight harvesting (never below 20 %),
 * off when vacant. Mains powered, so it reports on every visible change.
 */
export const lightingNode: KindBehaviour = {
  measure(twin, now_ms): Values {
    const zone = twin.zone;
    const occupied = (zone?.occupantsAt(now_ms) ?? 0) > 0;
    let level = 0;
    if (occupied && zone) {
      const daylight = twin.host.world.daylight(zone.site, now_ms);
      level = Math.min(100, Math.max(20, Math.round(((1 - 0.75 * daylight) * 100) / 5) * 5));
    }
    if (twin.local.driver_failed === true) level = 0;
    return { level_pct: level, power_w: round((FIXTURE_POWER_W * level) / 100, 1) };
  },
  significant(prev, next, deadband) {
    return changedBy(prev, next, 'level_pct', deadband);
  },
};
