import { round } from '../../../platform/contract/canonical-json.ts';
import { stringHash32 } from '../../world/hash-noise.ts';
import { differs, type DeviceTwin, type KindBehaviour, type Values } from '../twin.ts';

/** Rated power of the fixture group one node drives. */
const FIXTURE_POWER_W = 60;
/** Lighting controls hold lights on after the last occupant leaves (ASHRAE 90.1: ≤ 20 minutes). */
const VACANCY_HOLD_MS = 15 * 60_000;

interface Fixture {
  /** High-end trim set at commissioning (70–100 %): no node runs at the same maximum. */
  trim: number;
  /** How much of the zone's daylight reaches this node's photocell: window row vs the back. */
  daylight_share: number;
}

function fixture(twin: DeviceTwin): Fixture {
  let f = twin.local.fixture as Fixture | undefined;
  if (f === undefined) {
    const h = stringHash32(`${twin.id}/fixture`);
    const glazed = (twin.zone?.character.glazing_share ?? 0) > 0;
    f = { trim: 0.7 + ((h & 0xff) / 255) * 0.3, daylight_share: glazed ? 0.2 + (((h >>> 8) & 0xff) / 255) * 0.8 : 0 };
    twin.local.fixture = f;
  }
  return f;
}

/**
 * Lighting node: on while the zone is occupied and for a hold time after, trimmed and dimmed by
 * daylight harvesting where daylight reaches it (never below 20 %), off when vacant. Mains
 * powered, so it reports on every visible change.
 */
export const lightingNode: KindBehaviour = {
  measure(twin, now_ms): Values {
    const zone = twin.zone;
    if ((zone?.occupantsAt(now_ms) ?? 0) > 0) twin.local.last_presence_ms = now_ms;
    const last = (twin.local.last_presence_ms as number | undefined) ?? Number.NEGATIVE_INFINITY;
    let level = 0;
    if (zone && now_ms - last < VACANCY_HOLD_MS) {
      const f = fixture(twin);
      const daylight = f.daylight_share > 0 ? twin.host.world.daylight(zone.site, now_ms) * f.daylight_share : 0;
      level = Math.min(100, Math.max(20, Math.round((f.trim * (1 - 0.75 * daylight) * 100) / 5) * 5));
    }
    if (twin.local.driver_failed === true) level = 0;
    return { level_pct: level, power_w: round((FIXTURE_POWER_W * level) / 100, 1) };
  },
  significant(prev, next, deadband) {
    return differs(prev.level_pct, next.level_pct, deadband);
  },
};
