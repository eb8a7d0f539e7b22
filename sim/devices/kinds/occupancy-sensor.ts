import { PEOPLE_SLOT_MS } from '../../world/world-state.ts';
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
    const zone = twin.zone;
    const counts = twin.model.caps.includes('people_count');
    const values: Values = { occupied: zone !== null && zone.presentWithin(now_ms, counts ? RADAR_HOLD_MS : PIR_HOLD_MS) };
    if (counts) values.people_count = Math.min(zone?.occupantsAt(now_ms) ?? 0, 25);
    return values;
  },
  significant(prev, next, deadband) {
    return differs(prev.occupied, next.occupied, 1) || differs(prev.people_count, next.people_count, deadband);
  },
  quietUntil(twin, now_ms, values, until_ms) {
    const zone = twin.zone;
    if (zone === null) return until_ms;
    if (!twin.model.caps.includes('people_count')) return zone.presenceChangesAt(now_ms, PIR_HOLD_MS, values.occupied === true, until_ms);
    // A count can change at every slot while anyone is in; an empty zone waits for its next arrival.
    if (values.people_count !== 0) return Math.min(until_ms, (Math.floor(now_ms / PEOPLE_SLOT_MS) + 1) * PEOPLE_SLOT_MS);
    return zone.presenceChangesAt(now_ms, RADAR_HOLD_MS, values.occupied === true, until_ms);
  },
};
