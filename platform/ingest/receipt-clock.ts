/**
 * Production liveness on the platform's clock (docs/security.md, "Liveness on receipt time").
 *
 * The registry times heartbeat deadlines from the newest `ts` it has heard from a device, which
 * is right under simulation (virtual time, every clock agrees) and wrong in production, where a
 * device's clock is the device's claim: a `ts` 4 minutes ahead would keep a dead device ONLINE
 * 4 minutes too long. So in production the platform re-stamps each message's `ts` with the time
 * it was received, after ingest and admission and before anything else sees it, and the device's
 * own `ts` is used for two things only:
 *   - the skew check: admission quarantines a `ts` outside the window as `clock_skew`;
 *   - the order and identity of a device's messages: an exact repeat (same seq and ts) gets the
 *     stamp it got the first time, so the registry still recognises it as a duplicate, and a
 *     message older (by its ts) than the newest one gets a stamp just as much older, so the
 *     registry still sees it as late — unless that stamp would fall before the window, which no
 *     delay in transit explains: the device's clock stepped back, and its messages are in order
 *     again from there.
 * Births start a new mapping (a rebooted device's clock may have stepped back).
 *
 * Pure and deterministic: the receive time is an argument, and the state (`saveState`) is part of
 * the platform's snapshot, so a replay re-stamps exactly as the first run did. Bounded: one small
 * record per device, at most `max_devices`; when full, devices the platform does not know go first.
 */
import type { DeviceMessage } from '../core/model.ts';
import { DUPLICATE_WINDOW } from '../registry/registry.ts';

/** Exact repeats are recognised among as many recent messages per device as the registry remembers. */
const RECENT = DUPLICATE_WINDOW;
const SWEEP_EVERY = 1_024;
/** seq is 0–255 (the contract); -1 stands for a message without one. */
const SEQ_SLOTS = 512;

interface DeviceClock {
  /** Newest sender ts heard (in order) and the stamp it got. */
  newest_ts: number;
  newest_stamp: number;
  /** Ring of recent [ts·512 + seq + 1, stamp] pairs (one number identifies a (seq, ts) pair). */
  recent: number[];
  next: number;
}

export interface ReceiptClockOptions {
  /** The admission skew window: a ts further than this from receipt is not re-stamped. */
  readonly skew_window_ms: number;
  readonly max_devices: number;
}

export interface ReceiptClockState {
  readonly devices: ReadonlyArray<readonly [string, DeviceClock]>;
  readonly refused_since_sweep: number;
}

export class ReceiptClock {
  readonly #options: ReceiptClockOptions;
  /** Whether the platform knows the device (its registry): kept first when the table is full. */
  readonly #known: (device_id: string) => boolean;
  #devices = new Map<string, DeviceClock>();
  #refused_since_sweep = 0;

  constructor(options: ReceiptClockOptions, known: (device_id: string) => boolean) {
    this.#options = options;
    this.#known = known;
  }

  /** Devices with a mapping. */
  get size(): number {
    return this.#devices.size;
  }

  /**
   * The message as the rest of the platform should see it: `ts` re-stamped on the receipt clock.
   * Called after ingest and admission, so the device's own ts has already passed the skew check;
   * a message without a ts (a last will) is returned as it is.
   */
  stamp<M extends DeviceMessage>(msg: M): M {
    const ts = (msg.payload as { ts?: number }).ts;
    if (ts === undefined || Math.abs(ts - msg.received_ms) > this.#options.skew_window_ms) return msg;
    const seq = (msg.payload as { seq?: number }).seq;
    const key = seq === undefined ? ts * SEQ_SLOTS : ts * SEQ_SLOTS + seq + 1;
    const stamp = this.#stampFor(msg.device_id, msg.type === 'birth', key, ts, msg.received_ms);
    if (stamp === undefined || stamp === ts) return msg;
    return { ...msg, payload: { ...msg.payload, ts: stamp } };
  }

  #stampFor(device_id: string, birth: boolean, key: number, ts: number, received_ms: number): number | undefined {
    let d = this.#devices.get(device_id);
    if (d !== undefined) {
      for (let i = 0; i < d.recent.length; i += 2) if (d.recent[i] === key) return d.recent[i + 1];
    } else {
      if (!this.#room()) return undefined;
      d = { newest_ts: ts, newest_stamp: received_ms, recent: [], next: 0 };
      this.#devices.set(device_id, d);
    }
    // Late: as much before the newest stamp as its ts is before the newest ts. A message cannot
    // have been in transit for longer than the window and still be admitted, so a "late" stamp
    // before the window means the device's clock stepped back (NTP, a reboot): start again from it.
    const late_stamp = Math.min(d.newest_stamp - 1, d.newest_stamp - (d.newest_ts - ts));
    const late = !birth && ts < d.newest_ts && late_stamp >= received_ms - this.#options.skew_window_ms;
    let stamp: number;
    if (late) {
      stamp = late_stamp;
    } else {
      // In order: the receipt time, never before an earlier stamp.
      stamp = Math.max(received_ms, d.newest_stamp);
      d.newest_ts = ts;
      d.newest_stamp = stamp;
    }
    d.recent[d.next * 2] = key;
    d.recent[d.next * 2 + 1] = stamp;
    d.next = (d.next + 1) % RECENT;
    return stamp;
  }

  /**
   * Whether a new device fits, after dropping devices the platform does not know when full. The
   * sweep scans the table, so while it keeps finding no room it runs once per SWEEP_EVERY
   * refusals: a flood of invented ids costs the table nothing and the platform little.
   */
  #room(): boolean {
    if (this.#devices.size < this.#options.max_devices) return true;
    if (this.#refused_since_sweep++ % SWEEP_EVERY !== 0) return false;
    for (const id of this.#devices.keys()) if (!this.#known(id)) this.#devices.delete(id);
    if (this.#devices.size < this.#options.max_devices) this.#refused_since_sweep = 0;
    return this.#devices.size < this.#options.max_devices;
  }

  saveState(): ReceiptClockState {
    return { devices: [...this.#devices].map(([id, d]) => [id, { ...d, recent: [...d.recent] }] as const), refused_since_sweep: this.#refused_since_sweep };
  }

  loadState(state: ReceiptClockState | undefined): void {
    this.#devices = new Map((state?.devices ?? []).map(([id, d]) => [id, { ...d, recent: [...d.recent] }]));
    this.#refused_since_sweep = state?.refused_since_sweep ?? 0;
  }
}
