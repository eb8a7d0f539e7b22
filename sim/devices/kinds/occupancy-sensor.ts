import { differs, type KindBehaviour, type Values } from '../twin.ts';

/**
 * A PIR holds "occupied" for a while after its last motion (commercial PIRs default to 10–15
 * minutes); an mmWave radar sees people who sit still, so it needs only a short hold.
 */
const PIR_HOLD_MS = 10 * 60_000;
const RADAR_HOLD_MS = 2 * 60_000;

/**
 * PIR / mmWave occupancy sensor: reports the moment a zone turns occupied or vacant (after its
 * hold time), plus a heartbeat. mmWave models also count people (capped at what the radar resolves).
 */
export const occupancySensor: KindBehaviour = {
  measure(twin, now_ms): Values {
    const people = twin.zone?.occupantsAt(now_ms) ?? 0;
    const counts = twin.model.caps.includes('people_count');
    if (people > 0) twin.local.last_presence_ms = now_ms;
    const last = (twin.local.last_presence_ms as number | undefined) ?? Number.NEGATIVE_INFINITY;
    const values: Values = { occupied: now_ms - last < (counts ? RADAR_HOLD_MS : PIR_HOLD_MS) };
    if (counts) values.people_count = Math.min(people, 25);
    return values;
  },
  significant(prev, next, deadband) {
    return differs(prev.occupied, next.occupied, 1) || differs(prev.people_count, next.people_count, deadband);
  },
};
