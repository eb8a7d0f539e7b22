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

/** The level in 5 % steps before rounding: trim, dimmed by the daylight reaching the node. */
function steps(f: Fixture, daylight: number): number {
  return (f.trim * (1 - 0.75 * daylight) * 100) / 5;
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
 * Lighting node: on while the zone is occupied and for a hold time after (its occupancy sensor
 * sees people whenever they are there), trimmed and dimmed by daylight harvesting where daylight
 * reaches it (never below 20 %), off when vacant. Mains powered, so it reports on every visible
 * change.
 */
export const lightingNode: KindBehaviour = {
  measure(twin, now_ms): Values {
    const zone = twin.zone;
    let level = 0;
    if (zone && zone.presentWithin(now_ms, VACANCY_HOLD_MS)) {
      const f = fixture(twin);
      const daylight = f.daylight_share > 0 ? twin.host.world.daylight(zone.site, now_ms) * f.daylight_share : 0;
      level = Math.min(100, Math.max(20, Math.round(steps(f, daylight)) * 5));
    }
    if (twin.local.driver_failed === true) level = 0;
    return { level_pct: level, power_w: round((FIXTURE_POWER_W * level) / 100, 1) };
  },
  significant(prev, next, deadband) {
    return differs(prev.level_pct, next.level_pct, deadband);
  },
  quietUntil(twin, now_ms, values, until_ms) {
    const zone = twin.zone;
    // A failed driver stays dark until the fault ends, which wakes the node (sim/faults).
    if (zone === null || twin.local.driver_failed === true) return until_ms;
    const lit = values.level_pct !== 0;
    const f = fixture(twin);
    if (!lit || f.daylight_share === 0) return zone.presenceChangesAt(now_ms, VACANCY_HOLD_MS, lit, until_ms);
    // Lit by a window: daylight moves the level, but only once it has moved the 5 % steps' count
    // (`steps`) across a rounding edge, and no faster than the sun and this bucket's clouds allow.
    const world = twin.host.world;
    const end_ms = Math.min(until_ms, world.weatherBucketEnd(now_ms), zone.presenceChangesAt(now_ms, VACANCY_HOLD_MS, true, until_ms));
    const rate = world.daylightRate(zone.site, now_ms, end_ms - now_ms) * f.daylight_share * f.trim * 0.75 * 20;
    if (rate === 0) return end_ms;
    const x = steps(f, world.daylight(zone.site, now_ms) * f.daylight_share);
    const margin = Math.abs(x - Math.floor(x) - 0.5);
    // 0.9: the bound is on exact arithmetic; leave the floating point room to spare.
    return Math.min(end_ms, now_ms + Math.floor((0.9 * margin) / rate));
  },
};
