import { changedBy, type KindBehaviour, type Values } from '../twin.ts';

/**
 * PIR / mmWave occupancy sensor: reports the moment a zone turns occupied or vacant, plus a
 * heartbeat. mmWave models also count people (capped at what the radar resolves).
 */
export const occupancySensor: KindBehaviour = {
  measure(twin, now_ms): Values {
    const people = twin.zone?.occupantsAt(now_ms) ?? 0;
    const values: Values = { occupied: people > 0 };
    if (twin.model.caps.includes('people_count')) values.people_count = Math.min(people, 25);
    return values;
  },
  significant(prev, next, deadband) {
    return changedBy(prev, next, 'occupied', 1) || changedBy(prev, next, 'people_count', deadband);
  },
};
