/**
 * The device registry: who each device is (from its birth) and whether it is alive (ONLINE,
 * SUSPECT, OFFLINE), decided from births, states, last wills, traffic and heartbeat deadlines.
 *
 * Session rules follow Sparkplug B: `session` is the bdSeq, so a will (or any state) from an older
 * session than the device's current one is stale and ignored; once the current session has ended
 * (its will or a clean `offline` state), only a newer session brings the device back.
 *
 * Topology (Sparkplug's NDEATH): when a gateway goes OFFLINE, every ONLINE or SUSPECT device
 * riding on it becomes UNREACHABLE at that instant (`p.live … why: parent_offline`), children in
 * id order. An UNREACHABLE device has no deadline while its parent is down (silence is explained),
 * and only a new session of its own revives it: a message sent before the parent died (late) or
 * while it was down (store and forward) proves nothing about now. When the parent is back, a live
 * child re-announces itself (birth) or reports, with a ts after the return, and is ONLINE again;
 * one that stays silent goes OFFLINE on its own offline deadline, counted from the return.
 *
 * Pure and deterministic: no clock is read (every input carries its time), ties are broken by
 * device id, never by Map order. Heartbeat deadlines live in a binary min-heap of the records
 * themselves (deadline-heap.ts), each at its earliest known deadline and re-parked lazily when it
 * comes up early, so `tick` costs O(due · log n), not a scan of the fleet.
 */
import type { BirthPayload } from '../contract/messages.ts';
import type { DeviceInfo, DeviceMessage, Journal, Liveness, LivenessChange } from '../core/model.ts';
import { copyData } from '../core/state-codec.ts';
import { DeadlineHeap } from './deadline-heap.ts';
import { DuplicateWindows } from './duplicate-windows.ts';
import { InfoInterner } from './info-interner.ts';
import { MspError } from '../../common/errors.ts';

export interface LivenessOverride {
  suspect_ms?: number;
  offline_ms?: number;
}

export interface RegistryDeps {
  journal: Journal;
  /** SUSPECT after this many heartbeat intervals of silence (default 1.5). */
  suspect_after_heartbeats?: number;
  /** OFFLINE after this many heartbeat intervals of silence (default 3). */
  offline_after_heartbeats?: number;
  /** Per device model: absolute thresholds that win over the heartbeat multiples. */
  overrides?: Record<string, LivenessOverride>;
}

export interface RegistrySnapshotEntry {
  info: DeviceInfo;
  liveness: Liveness;
  session: number;
  last_heard_ms: number | null;
  since_ms: number;
}

export interface RegistryStats {
  devices: number;
  by_liveness: Record<Liveness, number>;
  /** Exact repeats (same seq and ts within the recent window), ignored. */
  duplicate: number;
  /** Messages older (by ts) than the newest already heard: data kept, liveness untouched. */
  out_of_order: number;
  /** Estimated lost messages: sum of forward sequence gaps. */
  seq_gap: number;
  /** Births and states from a session older than the current one (or after it ended). */
  stale_state: number;
  /** Non-birth messages from devices never born. */
  unknown_device: number;
}

/** The registry as saved in a snapshot (see `Registry.saveState`). */
export interface RegistryState {
  devices: Array<Record<string, unknown> & { id: string; info: DeviceInfo; liveness: Liveness; scheduled_ms: number | null; recent_seq: number[]; recent_ts: number[] }>;
  counters: { duplicate: number; out_of_order: number; seq_gap: number; stale_state: number; unknown_device: number };
}

export type RegistryErrorCode = 'REGISTRY_BAD_OPTION';

/** What a tick with nothing due returns (frozen: a caller cannot add to it by mistake). */
const NO_CHANGES = Object.freeze([]) as readonly LivenessChange[] as LivenessChange[];

export class RegistryError extends MspError {
  declare readonly code: RegistryErrorCode;
  constructor(code: RegistryErrorCode, message: string) {
    super(code, message);
    this.name = 'RegistryError';
  }
}

/** How many recent (seq, ts) pairs per device are remembered to recognise duplicates. */
export const DUPLICATE_WINDOW = 16;
const SEQ_MODULO = 256;
// A seq this far or further "ahead" is really behind (a late message), as in TCP's serial arithmetic.
const SEQ_HALF = SEQ_MODULO / 2;
// Stands in for a missing ts in the duplicate window (real ts are non-negative).
const NO_TS = -1;

/** Why the current session ended, if it did: only a newer session undoes these. */
type SessionEnd = 'will' | 'state' | null;

interface DeviceRecord {
  /** The id messages are keyed by (the topic's device id; ingest guarantees it equals payload.id). */
  readonly id: string;
  info: DeviceInfo;
  session: number;
  liveness: Liveness;
  since_ms: number;
  /** Newest sender ts heard from the device (any message carrying ts). */
  last_heard_ms: number | null;
  session_end: SessionEnd;
  /** Next seq expected in the current session; null until the session has a seq baseline. */
  expected_seq: number | null;
  /** Its window in the registry's DuplicateWindows (recent_seq and recent_ts in saved state). */
  readonly recent_slot: number;
  recent_count: number;
  recent_next: number;
  suspect_ms: number;
  offline_ms: number;
  /** When its next liveness deadline falls (its place in the deadline heap), or null for none. */
  scheduled_ms: number | null;
  /** Its place in the deadline heap's array, or -1 while it has no deadline. */
  heap_index: number;
  /** The gateway it rides on (from its birth), or null. */
  parent: string | null;
  /** While UNREACHABLE after the parent returned: the base of its own offline deadline. */
  rejoin_from_ms: number | null;
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new RegistryError('REGISTRY_BAD_OPTION', `${name} must be a positive finite number, got ${String(value)}`);
  return value;
}

function liveCounts(): Record<Liveness, number> {
  return { ONLINE: 0, SUSPECT: 0, OFFLINE: 0, UNKNOWN: 0, UNREACHABLE: 0 };
}

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class Registry {
  readonly #journal: Journal;
  readonly #suspect_after: number;
  readonly #offline_after: number;
  readonly #overrides = new Map<string, LivenessOverride>();
  readonly #devices = new Map<string, DeviceRecord>();
  readonly #recent = new DuplicateWindows(DUPLICATE_WINDOW);
  readonly #interned = new InfoInterner();
  /** Gateway id → ids of the devices that ride on it (a gateway may be born after its children). */
  readonly #children = new Map<string, Set<string>>();
  #sorted_ids: string[] | null = [];
  /** Deadlines on (at_ms, id). */
  readonly #heap = new DeadlineHeap<DeviceRecord>();
  readonly #by_liveness = liveCounts();
  #duplicate = 0;
  #out_of_order = 0;
  #seq_gap = 0;
  #stale_state = 0;
  #unknown_device = 0;

  constructor(deps: RegistryDeps) {
    this.#journal = deps.journal;
    this.#suspect_after = positive(deps.suspect_after_heartbeats ?? 1.5, 'suspect_after_heartbeats');
    this.#offline_after = positive(deps.offline_after_heartbeats ?? 3, 'offline_after_heartbeats');
    if (this.#suspect_after > this.#offline_after) {
      throw new RegistryError('REGISTRY_BAD_OPTION', 'suspect_after_heartbeats must not exceed offline_after_heartbeats');
    }
    // Copied into a Map so a model named like an Object.prototype key ("constructor") cannot
    // pick up an inherited value.
    for (const model of Object.keys(deps.overrides ?? {}).sort()) {
      const o = deps.overrides![model]!;
      if (o.suspect_ms !== undefined) positive(o.suspect_ms, `overrides.${model}.suspect_ms`);
      if (o.offline_ms !== undefined) positive(o.offline_ms, `overrides.${model}.offline_ms`);
      this.#overrides.set(model, { ...o });
    }
  }

  /** Applies one validated message; returns the liveness changes it caused (its own, then its children's). */
  apply(msg: DeviceMessage): LivenessChange[] {
    const changes: LivenessChange[] = [];
    let d = this.#devices.get(msg.device_id);
    if (!d) {
      if (msg.type !== 'birth') {
        this.#unknown_device++;
        return changes;
      }
      d = this.#register(msg.device_id);
    }

    const p = msg.payload;
    const seq = 'seq' in p && p.seq !== undefined ? p.seq : undefined;
    const ts = 'ts' in p && p.ts !== undefined ? p.ts : undefined;
    if (seq !== undefined) {
      if (this.#isDuplicate(d, seq, ts ?? NO_TS)) {
        this.#duplicate++;
        return changes;
      }
      this.#remember(d, seq, ts ?? NO_TS);
    }
    const late = ts !== undefined && d.last_heard_ms !== null && ts < d.last_heard_ms;
    if (late) this.#out_of_order++;
    // Cut off behind a dead parent, only a new session of its own brings a device back: anything
    // else was sent before the parent died (a late message) or held while it was down (store and
    // forward, flushed on return) — true then, but no proof that the device can reach us now.
    // Once the parent is back, what the device sent after the return counts.
    const muted = d.liveness === 'UNREACHABLE' && (d.rejoin_from_ms === null || ts === undefined || ts < d.rejoin_from_ms);

    const at_ms = msg.received_ms;
    switch (msg.type) {
      case 'birth': {
        const b = msg.payload;
        const fresh = d.liveness === 'UNKNOWN';
        if (!fresh && b.session < d.session) {
          // A birth from an earlier session (a late retained copy): the device has moved on.
          this.#stale_state++;
          return changes;
        }
        this.#updateInfo(d, b);
        const newer = fresh || b.session > d.session;
        if (newer) this.#startSession(d, b.session, seq);
        else this.#trackSeq(d, seq);
        this.#hear(d, ts);
        // A new session always counts (session outranks the sender's clock); a repeat birth of
        // the same session only revives a device whose session has not ended.
        if (newer || (!late && !muted && d.session_end === null)) this.#change(d, at_ms, 'ONLINE', 'birth', changes);
        break;
      }
      case 'state': {
        const s = msg.payload;
        if (s.session < d.session) {
          this.#stale_state++;
          return changes;
        }
        if (s.state === 'online') {
          if (s.session > d.session) {
            // Reordered: the new session's state overtook its birth. Adopting the session here
            // is what makes a late will of the old session recognisably stale.
            this.#startSession(d, s.session, seq);
            this.#hear(d, ts);
            this.#change(d, at_ms, 'ONLINE', 'state', changes);
          } else if (d.session_end !== null) {
            // "online" after this session's will or shutdown was sent before it: stale.
            this.#stale_state++;
            this.#trackSeq(d, seq);
            this.#hear(d, ts);
          } else {
            this.#trackSeq(d, seq);
            this.#hear(d, ts);
            if (!late && !muted) this.#change(d, at_ms, 'ONLINE', 'state', changes);
          }
        } else if (s.state === 'offline') {
          const will = s.reason === 'will';
          const newer = s.session > d.session;
          if (newer) {
            // The end of a session we never saw begin: it is over already.
            this.#startSession(d, s.session, seq);
          } else {
            this.#trackSeq(d, seq);
          }
          this.#hear(d, ts);
          if (newer || !late) {
            d.session_end = will ? 'will' : 'state';
            this.#change(d, at_ms, 'OFFLINE', will ? 'will' : 'state', changes);
          }
        } else {
          // 'rebooting': the device is talking, liveness is left to its deadlines (a crash will
          // bring a will, a clean reboot a new birth).
          if (s.session > d.session) this.#startSession(d, s.session, seq);
          else this.#trackSeq(d, seq);
          this.#hear(d, ts);
        }
        break;
      }
      case 'telemetry':
      case 'event':
      case 'ota': {
        this.#trackSeq(d, seq);
        this.#hear(d, ts);
        // Traffic revives SUSPECT or deadline-OFFLINE, never a session that has ended.
        if (!late && !muted && d.session_end === null && d.liveness !== 'ONLINE') this.#change(d, at_ms, 'ONLINE', msg.type, changes);
        break;
      }
    }
    this.#schedule(d);
    return changes;
  }

  /**
   * Fires heartbeat deadlines due by `now_ms`; changes sorted by (at_ms, device id), a gateway's
   * children (UNREACHABLE) right after the gateway's own change.
   */
  tick(now_ms: number): LivenessChange[] {
    // The platform ticks before every message, and almost always nothing is due: return before
    // making the two arrays (they were a steady share of a run's garbage, docs/performance.md).
    const first_due = this.#heap.peek();
    if (first_due === undefined || first_due.scheduled_ms! > now_ms) return NO_CHANGES;
    // Made when the first deadline fires: most ticks that find one due only re-park it (fresh
    // traffic moved it on), and two arrays a tick for nothing were ~40 MB a simulated day.
    let changes: LivenessChange[] | undefined;
    /** The device whose deadline caused each change (a child's parent_offline has its gateway's). */
    let roots: string[] | undefined;
    for (let d = this.#heap.peek(); d !== undefined && d.scheduled_ms! <= now_ms; d = this.#heap.peek()) {
      // One transition per deadline, the next one back into the heap: every device's deadlines
      // then fire in global time order even when ticks are sparse, so a gateway's death at t3
      // cannot pre-empt a child's own deadline at t2 < t3.
      // The time alone first: most deadlines found here were moved on by fresh traffic since they
      // were parked, and building the deadline for them was a steady share of a run's garbage.
      const next_ms = this.#nextDeadlineMs(d);
      if (next_ms === null) {
        this.#heap.remove(d);
        continue;
      }
      if (next_ms > now_ms) {
        // Fresh traffic moved it on since it was parked here: park it at its real deadline.
        this.#heap.set(d, next_ms);
        continue;
      }
      const next = this.#nextDeadline(d)!;
      changes ??= [];
      roots ??= [];
      const first = changes.length;
      // Clamped so a device's changes never go back in time (its last change may have been
      // stamped with a receive time later than a deadline computed from an older ts).
      this.#change(d, Math.max(next.at_ms, d.since_ms), next.to, next.reason, changes, false);
      for (let i = first; i < changes.length; i++) roots.push(d.id);
      const after_ms = this.#nextDeadlineMs(d);
      if (after_ms !== null) this.#heap.set(d, after_ms);
      else this.#heap.remove(d);
    }
    if (changes === undefined || roots === undefined || changes.length === 0) return NO_CHANGES;
    return this.#journalled(changes, roots);
  }

  /**
   * A tick's changes sorted by (at_ms, the id of the device whose deadline caused each) and
   * journalled. The stable sort keeps one device's SUSPECT before its OFFLINE when both land on
   * one at_ms, and a gateway's children after it.
   */
  #journalled(changes: readonly LivenessChange[], roots: readonly string[]): LivenessChange[] {
    const order = changes.map((_, i) => i);
    order.sort((i, j) => {
      const a = changes[i]!;
      const b = changes[j]!;
      return a.at_ms - b.at_ms || byId(roots[i]!, roots[j]!) || i - j;
    });
    const sorted = order.map((i) => changes[i]!);
    for (const c of sorted) this.#journal(c.at_ms, 'p.live', { d: c.device_id, from: c.from, to: c.to, why: c.reason });
    return sorted;
  }

  /**
   * The platform lost its own broker connection at `at_ms`: it can no longer hear anyone, so every
   * ONLINE or SUSPECT device is UNREACHABLE from that instant (`why: platform_link`), in id order.
   * Nothing gets a deadline while the link is down; silence is explained.
   */
  linkDown(at_ms: number): LivenessChange[] {
    const changes: LivenessChange[] = [];
    for (const id of this.#ids()) {
      const d = this.#devices.get(id)!;
      if (d.liveness === 'ONLINE' || d.liveness === 'SUSPECT') this.#change(d, at_ms, 'UNREACHABLE', 'platform_link', changes);
      else if (d.liveness === 'UNREACHABLE') d.rejoin_from_ms = null;
    }
    return changes;
  }

  /**
   * The link is back at `at_ms`: each device cut off (by the link, or behind a gateway that is not
   * known dead) must re-announce itself, as after a gateway's return; one that stays silent goes
   * OFFLINE on its own deadline from now.
   */
  linkUp(at_ms: number): void {
    for (const id of this.#ids()) {
      const d = this.#devices.get(id)!;
      if (d.liveness !== 'UNREACHABLE') continue;
      const parent = d.parent === null ? undefined : this.#devices.get(d.parent);
      if (parent !== undefined && parent.liveness === 'OFFLINE') continue;
      d.rejoin_from_ms = at_ms;
      this.#schedule(d);
    }
  }

  device(id: string): DeviceInfo | undefined {
    return this.#devices.get(id)?.info;
  }

  liveness(id: string): Liveness {
    return this.#devices.get(id)?.liveness ?? 'UNKNOWN';
  }

  devices(): DeviceInfo[] {
    return this.#ids().map((id) => this.#devices.get(id)!.info);
  }

  /** The device's current session (the bdSeq of its last birth or state), or undefined if unknown. */
  session(id: string): number | undefined {
    return this.#devices.get(id)?.session;
  }

  /** One device's entry (the API's device view), without building the whole snapshot. */
  entry(id: string): RegistrySnapshotEntry | undefined {
    const d = this.#devices.get(id);
    if (d === undefined) return undefined;
    return { info: d.info, liveness: d.liveness, session: d.session, last_heard_ms: d.last_heard_ms, since_ms: d.since_ms };
  }

  snapshot(): RegistrySnapshotEntry[] {
    return this.#ids().map((id) => {
      const d = this.#devices.get(id)!;
      return { info: d.info, liveness: d.liveness, session: d.session, last_heard_ms: d.last_heard_ms, since_ms: d.since_ms };
    });
  }

  stats(): RegistryStats {
    return {
      devices: this.#devices.size,
      by_liveness: { ...this.#by_liveness },
      duplicate: this.#duplicate,
      out_of_order: this.#out_of_order,
      seq_gap: this.#seq_gap,
      stale_state: this.#stale_state,
      unknown_device: this.#unknown_device,
    };
  }

  // ---- internals ----

  /**
   * The registry's whole state as plain data, devices in id order (platform/store snapshots).
   * Each record is saved with all its fields (so fields added later travel too), minus the heap
   * bookkeeping, which `loadState` rebuilds: one live deadline per device at `scheduled_ms`.
   */
  saveState(): RegistryState {
    return {
      devices: this.#ids().map((id) => {
        const { heap_index: _index, recent_slot, ...rest } = this.#devices.get(id)!;
        const recent = this.#recent.read(recent_slot);
        return { ...copyData(rest), recent_seq: recent.seq, recent_ts: recent.ts };
      }),
      counters: { duplicate: this.#duplicate, out_of_order: this.#out_of_order, seq_gap: this.#seq_gap, stale_state: this.#stale_state, unknown_device: this.#unknown_device },
    };
  }

  /** Replaces this (fresh) registry's state with a saved one. */
  loadState(state: RegistryState): void {
    this.#devices.clear();
    this.#recent.clear();
    this.#children.clear();
    this.#heap.clear();
    for (const k of Object.keys(this.#by_liveness) as Liveness[]) this.#by_liveness[k] = 0;
    for (const saved of state.devices) {
      const { recent_seq, recent_ts, ...fields } = saved;
      const d: DeviceRecord = {
        ...(copyData(fields) as unknown as DeviceRecord),
        info: this.#interned.info(copyData(saved.info)),
        recent_slot: this.#recent.claim(),
        heap_index: -1,
      };
      d.parent = this.#interned.string(d.parent);
      this.#recent.write(d.recent_slot, recent_seq, recent_ts);
      this.#devices.set(d.id, d);
      this.#by_liveness[d.liveness]++;
      // Who sits behind which gateway is derived from each record's parent, not saved twice.
      if (d.parent !== null) {
        let set = this.#children.get(d.parent);
        if (set === undefined) this.#children.set(d.parent, (set = new Set()));
        set.add(d.id);
      }
      if (d.scheduled_ms !== null) {
        this.#heap.set(d, d.scheduled_ms);
      }
    }
    this.#sorted_ids = null;
    this.#duplicate = state.counters.duplicate;
    this.#out_of_order = state.counters.out_of_order;
    this.#seq_gap = state.counters.seq_gap;
    this.#stale_state = state.counters.stale_state;
    this.#unknown_device = state.counters.unknown_device;
  }

  #ids(): string[] {
    if (this.#sorted_ids === null) this.#sorted_ids = [...this.#devices.keys()].sort();
    return this.#sorted_ids;
  }

  #register(id: string): DeviceRecord {
    const d: DeviceRecord = {
      id,
      info: undefined as unknown as DeviceInfo, // set by #updateInfo right after
      session: 0,
      liveness: 'UNKNOWN',
      since_ms: Number.NEGATIVE_INFINITY,
      last_heard_ms: null,
      session_end: null,
      expected_seq: null,
      recent_slot: this.#recent.claim(),
      recent_count: 0,
      recent_next: 0,
      suspect_ms: 0,
      offline_ms: 0,
      scheduled_ms: null,
      heap_index: -1,
      parent: null,
      rejoin_from_ms: null,
    };
    this.#devices.set(id, d);
    this.#by_liveness.UNKNOWN++;
    this.#sorted_ids = null;
    return d;
  }

  #updateInfo(d: DeviceRecord, b: BirthPayload): void {
    d.info = this.#interned.info({
      id: b.id,
      kind: b.kind,
      model: b.model,
      fw: b.fw,
      serial: b.serial,
      site: b.site,
      building: b.building,
      floor: b.floor,
      zone: b.zone,
      gateway: b.gateway,
      power: b.power,
      heartbeat_ms: b.heartbeat_ms,
      caps: b.caps,
    });
    // The shared copy of the gateway's id, so the record holds no string of its own.
    const gateway = d.info.gateway;
    if (d.parent !== gateway) {
      if (d.parent !== null) this.#children.get(d.parent)?.delete(d.id);
      if (gateway !== null) {
        let set = this.#children.get(gateway);
        if (set === undefined) this.#children.set(gateway, (set = new Set()));
        set.add(d.id);
      }
      d.parent = gateway;
    }
    const o = this.#overrides.get(b.model);
    d.suspect_ms = o?.suspect_ms ?? this.#suspect_after * b.heartbeat_ms;
    d.offline_ms = o?.offline_ms ?? this.#offline_after * b.heartbeat_ms;
  }

  #startSession(d: DeviceRecord, session: number, seq: number | undefined): void {
    d.session = session;
    d.session_end = null;
    // A new connection restarts loss accounting: what was lost between sessions is not a gap.
    d.expected_seq = seq === undefined ? null : (seq + 1) % SEQ_MODULO;
  }

  #trackSeq(d: DeviceRecord, seq: number | undefined): void {
    if (seq === undefined) return;
    if (d.expected_seq === null) {
      d.expected_seq = (seq + 1) % SEQ_MODULO;
      return;
    }
    const ahead = (seq - d.expected_seq + SEQ_MODULO) % SEQ_MODULO;
    // ahead ≥ SEQ_HALF means the seq is behind the expectation: a late (reordered or
    // store-and-forward) message, not a loss, so the expectation stays.
    if (ahead >= SEQ_HALF) return;
    this.#seq_gap += ahead;
    d.expected_seq = (seq + 1) % SEQ_MODULO;
  }

  #isDuplicate(d: DeviceRecord, seq: number, ts: number): boolean {
    return this.#recent.holds(d.recent_slot, d.recent_count, seq, ts);
  }

  #remember(d: DeviceRecord, seq: number, ts: number): void {
    this.#recent.put(d.recent_slot, d.recent_next, seq, ts);
    d.recent_next = (d.recent_next + 1) % DUPLICATE_WINDOW;
    if (d.recent_count < DUPLICATE_WINDOW) d.recent_count++;
  }

  #hear(d: DeviceRecord, ts: number | undefined): void {
    if (ts !== undefined && (d.last_heard_ms === null || ts > d.last_heard_ms)) d.last_heard_ms = ts;
  }

  #change(d: DeviceRecord, at_ms: number, to: Liveness, reason: string, out: LivenessChange[], journal = true): void {
    if (d.liveness === to) return;
    const from = d.liveness;
    // A device's changes are journalled in non-decreasing time even if receive stamps are not.
    const at = Math.max(at_ms, d.since_ms);
    this.#by_liveness[from]--;
    this.#by_liveness[to]++;
    d.liveness = to;
    d.since_ms = at;
    if (to !== 'UNREACHABLE') d.rejoin_from_ms = null;
    const change: LivenessChange = { device_id: d.id, at_ms: at, from, to, reason };
    out.push(change);
    if (journal) this.#journal(at, 'p.live', { d: d.id, from, to, why: reason });
    if (to === 'OFFLINE') this.#parentDown(d, at, out, journal);
    else if (from === 'OFFLINE' && to === 'ONLINE') this.#parentBack(d, at);
  }

  /** Sorted ids of the devices riding on `d` (empty for all but gateways). */
  #childIds(d: DeviceRecord): string[] {
    const set = this.#children.get(d.id);
    return set === undefined || set.size === 0 ? [] : [...set].sort(byId);
  }

  /** The parent died: its live children are cut off from this instant (Sparkplug NDEATH). */
  #parentDown(d: DeviceRecord, at: number, out: LivenessChange[], journal: boolean): void {
    for (const id of this.#childIds(d)) {
      const c = this.#devices.get(id);
      if (c === undefined) continue;
      if (c.liveness === 'ONLINE' || c.liveness === 'SUSPECT') {
        this.#change(c, at, 'UNREACHABLE', 'parent_offline', out, journal);
      } else if (c.liveness === 'UNREACHABLE') {
        // The parent flapped: down again before this child answered. Its deadline waits again.
        c.rejoin_from_ms = null;
      }
    }
  }

  /** The parent is back: each child still cut off now has its own deadline to re-announce itself. */
  #parentBack(d: DeviceRecord, at: number): void {
    for (const id of this.#childIds(d)) {
      const c = this.#devices.get(id);
      if (c === undefined || c.liveness !== 'UNREACHABLE') continue;
      c.rejoin_from_ms = at;
      this.#schedule(c);
    }
  }

  #nextDeadline(d: DeviceRecord): { at_ms: number; to: Liveness; reason: string } | null {
    const at_ms = this.#nextDeadlineMs(d);
    if (at_ms === null) return null;
    // ONLINE goes SUSPECT first, unless an override puts suspect at or past offline.
    if (d.liveness === 'ONLINE' && d.suspect_ms < d.offline_ms) return { at_ms, to: 'SUSPECT', reason: 'heartbeat_missed' };
    return { at_ms, to: 'OFFLINE', reason: 'offline_deadline' };
  }

  /**
   * When the device's next liveness deadline falls, or null for none. Apart from `#nextDeadline`
   * so that `#schedule`, which runs for every message, makes no object.
   */
  #nextDeadlineMs(d: DeviceRecord): number | null {
    if (d.last_heard_ms === null) return null;
    if (d.liveness === 'ONLINE') {
      // An override may put suspect at or past offline: then there is no SUSPECT phase.
      return d.last_heard_ms + (d.suspect_ms < d.offline_ms ? d.suspect_ms : d.offline_ms);
    }
    if (d.liveness === 'SUSPECT') return d.last_heard_ms + d.offline_ms;
    // Cut off: no deadline while the parent is down; once it is back, its own offline deadline.
    if (d.liveness === 'UNREACHABLE' && d.rejoin_from_ms !== null) return Math.max(d.last_heard_ms, d.rejoin_from_ms) + d.offline_ms;
    return null;
  }

  /**
   * A device is in the deadline heap once, at its earliest known deadline. A later deadline (the
   * usual case: fresh traffic) needs no heap work: the parked, earlier one comes up, sees the
   * device's real deadline and re-parks it. Only an earlier deadline moves it now.
   */
  #schedule(d: DeviceRecord): void {
    const next_ms = this.#nextDeadlineMs(d);
    if (next_ms === null) return; // a deadline still parked will find nothing to do and go
    if (d.scheduled_ms !== null && d.scheduled_ms <= next_ms) return;
    this.#heap.set(d, next_ms);
  }
}
