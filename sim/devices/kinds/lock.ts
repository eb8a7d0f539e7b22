import { Priority } from '../../kernel/event-queue.ts';
import { stringHash32 } from '../../world/hash-noise.ts';
import type { DeviceTwin, KindBehaviour, Values } from '../twin.ts';

/**
 * Smart lock / access reader. Badge traffic follows people: each arrival in the zone since the
 * last sample badges in at this door (most of them; others come in through another door or
 * behind a colleague), plus a little background traffic while people are about. A granted badge
 * unlocks the bolt and the door opens for a few seconds; the bolt relocks after the door closes —
 * at once on a commercial reader, after the auto-lock delay on a residential lock. Every bolt
 * movement is reported at once (locks are interrupt driven), so the lock's reported state always
 * follows the last access. Rare held-open doors and, rarer still, forced doors are the alarms a
 * NOC sees every week.
 */
const ARRIVAL_BADGE_SHARE = 0.6;
const BADGES_PER_PERSON_MINUTE = 0.003;
const BACKGROUND_BADGES_PER_MINUTE = 0.0005;
const MEAN_TIME_BETWEEN_FORCED_DOORS_MS = 120 * 24 * 3_600_000;
/** A lock motor's stroke: ~150 mA for ~0.4 s. */
const MOTOR_STROKE_UC = 60_000;
/** Commercial readers relock 3 s after the door closes; residential locks after their auto-lock delay. */
const READER_RELOCK_MS = 3_000;
const AUTO_LOCK_CHOICES_MS = [30_000, 2 * 60_000, 5 * 60_000, 30 * 60_000] as const;
/** Longest a lock stays unlocked after a granted access: held-open door plus the longest auto-lock. */
export const MAX_UNLOCKED_AFTER_ACCESS_MS = 600_000 + 30_000 + 30 * 60_000;

function residential(twin: DeviceTwin): boolean {
  return twin.model.power === 'battery';
}

function autoLockMs(twin: DeviceTwin): number {
  if (!residential(twin)) return READER_RELOCK_MS;
  return AUTO_LOCK_CHOICES_MS[stringHash32(`${twin.id}/auto-lock`) % AUTO_LOCK_CHOICES_MS.length] ?? READER_RELOCK_MS;
}

function scheduleForcedDoor(twin: DeviceTwin, now_ms: number): void {
  const at = now_ms + Math.max(1, Math.round(twin.rng.exponential(MEAN_TIME_BETWEEN_FORCED_DOORS_MS)));
  twin.schedule(at, Priority.device, 'forced', () => {
    twin.host.fact('door_forced', { d: twin.id });
    twin.event('door_forced');
    scheduleForcedDoor(twin, twin.host.clock.now_ms);
  });
}

function setBolt(twin: DeviceTwin, locked: boolean, door: 'open' | 'closed'): void {
  const moved = twin.local.locked !== locked;
  twin.local.locked = locked;
  twin.local.door = door;
  if (moved) twin.battery?.draw(MOTOR_STROKE_UC);
  twin.reportNow();
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
  if (!granted) return;
  const now = twin.host.clock.now_ms;
  const generation = ((twin.local.access_generation as number | undefined) ?? 0) + 1;
  twin.local.access_generation = generation;
  setBolt(twin, false, 'open');
  let open_ms = twin.rng.int(4_000, 20_000);
  if (twin.rng.chance(1, 400)) {
    const held_s = twin.rng.int(60, 600);
    open_ms = held_s * 1000;
    twin.schedule(now + 60_000, Priority.device, 'held', () => {
      twin.event('door_held_open', { duration_s: held_s });
    });
  }
  // A later access supersedes this one's closing and relocking.
  const current = (): boolean => twin.local.access_generation === generation;
  twin.schedule(now + open_ms, Priority.device, 'door-closed', () => {
    if (current()) setBolt(twin, false, 'closed');
  });
  twin.schedule(now + open_ms + autoLockMs(twin), Priority.device, 'relock', () => {
    if (current()) setBolt(twin, true, 'closed');
  });
}

export const lock: KindBehaviour = {
  measure(twin): Values {
    return { locked: twin.local.locked !== false, door: (twin.local.door as string | undefined) ?? 'closed' };
  },
  significant(prev, next) {
    return prev.locked !== next.locked || prev.door !== next.door;
  },
  onSample(twin, now_ms) {
    const sample_ms = twin.model.report.sample_ms;
    const zone = twin.zone;
    const people = zone?.occupantsAt(now_ms) ?? 0;
    const day = zone?.personDayAt(now_ms) ?? 0;
    const before = twin.local.people_seen as number | undefined;
    // Across a day boundary the zone's people are a new draw, not arrivals.
    const arrivals = before !== undefined && twin.local.people_day === day ? Math.max(0, people - before) : 0;
    twin.local.people_seen = people;
    twin.local.people_day = day;
    let count = 0;
    for (let i = 0; i < arrivals; i++) if (twin.rng.chance(Math.round(ARRIVAL_BADGE_SHARE * 100), 100)) count++;
    // People already in go out and back (lunch, deliveries) while the zone is busy.
    count += twin.rng.poisson((BACKGROUND_BADGES_PER_MINUTE + BADGES_PER_PERSON_MINUTE * people) * (sample_ms / 60_000));
    const offsets: number[] = [];
    for (let i = 0; i < count; i++) offsets.push(twin.rng.int(0, sample_ms - 1));
    offsets.sort((a, b) => a - b);
    for (const offset of offsets) twin.schedule(now_ms + offset, Priority.device, 'access', () => access(twin));
  },
  onOnline(twin, now_ms) {
    // Locks boot fail-secure: bolt thrown, door sensed closed.
    twin.local.locked = true;
    twin.local.door = 'closed';
    scheduleForcedDoor(twin, now_ms);
  },
};
