import { Priority } from '../../kernel/event-queue.ts';
import type { DeviceTwin, KindBehaviour, Values } from '../twin.ts';

/**
 * Smart lock / access reader. Badge traffic follows the zone's occupancy (people come and go),
 * with rare held-open doors and, rarer still, forced doors — the alarms a NOC sees every week.
 */
const BADGES_PER_PERSON_MINUTE = 0.025;
const BACKGROUND_BADGES_PER_MINUTE = 0.002;
const MEAN_TIME_BETWEEN_FORCED_DOORS_MS = 120 * 24 * 3_600_000;

function scheduleForcedDoor(twin: DeviceTwin, now_ms: number): void {
  const at = now_ms + Math.max(1, Math.round(twin.rng.exponential(MEAN_TIME_BETWEEN_FORCED_DOORS_MS)));
  twin.schedule(at, Priority.device, 'forced', () => {
    twin.host.fact('door_forced', { d: twin.id });
    twin.event('door_forced');
    scheduleForcedDoor(twin, twin.host.clock.now_ms);
  });
}

function access(twin: DeviceTwin): void {
  const granted = twin.rng.chance(97, 100);
  // Badge ids are opaque tokens: a small pool per door, as a real site's regulars.
  const badge = `b${twin.rng.int(1, 400)}`;
  if (twin.local.jammed === true) {
    // A jammed bolt (sim/faults lock_jam): the attempt fails and the lock says why.
    twin.event('lock_jammed', { badge });
    return;
  }
  twin.event(granted ? 'access_granted' : 'access_denied', { badge });
  if (granted && twin.rng.chance(1, 400)) {
    const held_s = twin.rng.int(60, 600);
    twin.schedule(twin.host.clock.now_ms + 60_000, Priority.device, 'held', () => {
      twin.event('door_held_open', { duration_s: held_s });
    });
  }
}

export const lock: KindBehaviour = {
  measure(): Values {
    return { locked: true, door: 'closed' };
  },
  significant(prev, next) {
    return prev.locked !== next.locked || prev.door !== next.door;
  },
  onSample(twin, now_ms) {
    const sample_ms = twin.model.report.sample_ms;
    const people = twin.zone?.occupantsAt(now_ms) ?? 0;
    const mean = (BACKGROUND_BADGES_PER_MINUTE + BADGES_PER_PERSON_MINUTE * people) * (sample_ms / 60_000);
    const count = twin.rng.poisson(mean);
    const offsets: number[] = [];
    for (let i = 0; i < count; i++) offsets.push(twin.rng.int(0, sample_ms - 1));
    offsets.sort((a, b) => a - b);
    for (const offset of offsets) twin.schedule(now_ms + offset, Priority.device, 'access', () => access(twin));
  },
  onOnline(twin, now_ms) {
    scheduleForcedDoor(twin, now_ms);
  },
};
