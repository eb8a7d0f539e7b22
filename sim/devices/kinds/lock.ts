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
 * follows the last access. Doors held open (residents carrying things through, a propped door)
 * raise the lock's held-open alarm after 30 s; forced doors are rarer still.
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
/**
 * The lock's own held-open alarm: its door sensor still reads open this long after a granted
 * access (access control systems call it the door's "held open time", set per door). Whether that
 * is worth a page is the platform's `door_held_open` rule's `for:` (docs/monitoring.md).
 */
export const HELD_OPEN_ALARM_MS = 30_000;
/**
 * How long people keep a door open, beyond walking through (4–20 s). Residents carry shopping, a
 * pram or laundry through (20–60 s, one access in 8) and now and then prop the door for a few
 * minutes (moving boxes, taking the bins out: 1–8 min, one in 150). Office doors are held open
 * more rarely but longer (a delivery: 1–10 min, one in 400).
 */
const RESIDENT_CARRYING_ONE_IN = 8;
const RESIDENT_PROPPED_ONE_IN = 150;
const OFFICE_HELD_ONE_IN = 400;

function heldOpenMs(twin: DeviceTwin, walk_through_ms: number): number {
  if (!residential(twin)) return twin.rng.chance(1, OFFICE_HELD_ONE_IN) ? twin.rng.int(60, 600) * 1000 : walk_through_ms;
  if (twin.rng.chance(1, RESIDENT_PROPPED_ONE_IN)) return twin.rng.int(60, 480) * 1000;
  if (twin.rng.chance(1, RESIDENT_CARRYING_ONE_IN)) return twin.rng.int(20, 60) * 1000;
  return walk_through_ms;
}

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
  // A propped door (sim/faults door_propped) stays open whoever comes through.
  if (twin.local.propped === true) return;
  const open_ms = heldOpenMs(twin, twin.rng.int(4_000, 20_000));
  // A later access supersedes this one's closing and relocking.
  const current = (): boolean => twin.local.access_generation === generation;
  if (open_ms > HELD_OPEN_ALARM_MS) scheduleHeldOpenAlarm(twin, now, current);
  twin.schedule(now + open_ms, Priority.device, 'door-closed', () => {
    if (current()) setBolt(twin, false, 'closed');
  });
  twin.schedule(now + open_ms + autoLockMs(twin), Priority.device, 'relock', () => {
    if (current()) setBolt(twin, true, 'closed');
  });
}

/** The held-open alarm, if the door is still open from the same access (or still propped) by then. */
function scheduleHeldOpenAlarm(twin: DeviceTwin, opened_ms: number, still: () => boolean): void {
  twin.schedule(opened_ms + HELD_OPEN_ALARM_MS, Priority.device, 'held', () => {
    if (still() && twin.local.door === 'open') twin.event('door_held_open', { open_s: HELD_OPEN_ALARM_MS / 1000 });
  });
}

/** Someone props the door open (a wedge, a jammed closer): open until `releaseDoor`, whoever badges. */
export function propDoor(twin: DeviceTwin): void {
  twin.local.propped = true;
  // Void this door's pending closes and relocks: it is not closing now.
  twin.local.access_generation = ((twin.local.access_generation as number | undefined) ?? 0) + 1;
  setBolt(twin, false, 'open');
  scheduleHeldOpenAlarm(twin, twin.host.clock.now_ms, () => twin.local.propped === true);
}

/** The wedge is taken away: the door closes and the lock relocks after its usual delay. */
export function releaseDoor(twin: DeviceTwin): void {
  if (twin.local.propped !== true) return;
  twin.local.propped = false;
  const generation = ((twin.local.access_generation as number | undefined) ?? 0) + 1;
  twin.local.access_generation = generation;
  setBolt(twin, false, 'closed');
  twin.schedule(twin.host.clock.now_ms + autoLockMs(twin), Priority.device, 'relock', () => {
    if (twin.local.access_generation === generation) setBolt(twin, true, 'closed');
  });
}

export const lock: KindBehaviour = {
  measure(twin): Values {
    return { door: (twin.local.door as string | undefined) ?? 'closed', locked: twin.local.locked !== false };
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
    // Locks boot fail-secure: bolt thrown, door sensed closed (a propped door is still open).
    twin.local.locked = twin.local.propped !== true;
    twin.local.door = twin.local.propped === true ? 'open' : 'closed';
    scheduleForcedDoor(twin, now_ms);
  },
};
