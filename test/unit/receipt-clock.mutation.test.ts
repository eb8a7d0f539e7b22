/**
 * The receipt clock (platform/ingest/receipt-clock.ts) case by case, with hand-worked stamps: what
 * is re-stamped and what is left alone, exact repeats, late messages, a clock that stepped back,
 * the 16-message memory, the bounded device table and its sweep, and the saved state.
 * Each test builds its own clock (a clock shared across tests hides kills: docs/testing.md).
 */
import { describe, expect, it } from 'vitest';
import type { DeviceMessage } from '../../platform/core/model.ts';
import { ReceiptClock, type ReceiptClockOptions } from '../../platform/ingest/receipt-clock.ts';

const T = 1_800_000_000_000;
const WINDOW_MS = 300_000;

function clock(over: Partial<ReceiptClockOptions> = {}, known: (id: string) => boolean = () => true): ReceiptClock {
  return new ReceiptClock({ skew_window_ms: WINDOW_MS, max_devices: 100, ...over }, known);
}

function telemetry(id: string, seq: number, ts: number, received_ms: number): DeviceMessage {
  return { type: 'telemetry', device_id: id, site_id: 's1', received_ms, payload: { v: 1, id, seq, ts, values: {} } };
}

function birth(id: string, ts: number, received_ms: number): DeviceMessage {
  return {
    type: 'birth',
    device_id: id,
    site_id: 's1',
    received_ms,
    payload: { v: 1, id, kind: 'env', model: 'm', serial: 's', fw: '1', site: 's1', building: 'b', floor: 'f', zone: 'z', gateway: null, power: 'mains', caps: [], heartbeat_ms: 60_000, session: 1, seq: 0, ts },
  };
}

function state(id: string, received_ms: number, seq?: number, ts?: number): DeviceMessage {
  return {
    type: 'state',
    device_id: id,
    site_id: 's1',
    received_ms,
    payload: { v: 1, id, state: 'online', session: 1, reason: 'boot', ...(seq === undefined ? {} : { seq }), ...(ts === undefined ? {} : { ts }) },
  };
}

const tsOf = (m: DeviceMessage): number | undefined => (m.payload as { ts?: number }).ts;

describe('receipt clock: what is re-stamped', () => {
  it('a message without ts (a last will) is returned as the same object', () => {
    const c = clock();
    const will = state('d1', T);
    expect(c.stamp(will)).toBe(will);
    expect(c.size).toBe(0);
  });

  it('a ts 4 min ahead is re-stamped with the receive time, the rest of the message kept', () => {
    const c = clock();
    const m = telemetry('d1', 7, T + 240_000, T);
    const out = c.stamp(m);
    expect(out).toEqual({ ...m, payload: { ...m.payload, ts: T } });
    expect(tsOf(m)).toBe(T + 240_000); // the input is not changed
    expect(c.size).toBe(1);
  });

  it('a ts exactly at either edge of the skew window is re-stamped; one ms beyond is left alone', () => {
    const c = clock();
    expect(tsOf(c.stamp(telemetry('ahead', 1, T + WINDOW_MS, T)))).toBe(T);
    expect(tsOf(c.stamp(telemetry('behind', 1, T - WINDOW_MS, T)))).toBe(T);
    const far_ahead = telemetry('x', 1, T + WINDOW_MS + 1, T);
    const far_behind = telemetry('y', 1, T - WINDOW_MS - 1, T);
    expect(c.stamp(far_ahead)).toBe(far_ahead);
    expect(c.stamp(far_behind)).toBe(far_behind);
    expect(c.size).toBe(2); // no mapping for the two left alone
  });

  it('a ts that already equals its stamp returns the same object, not a copy', () => {
    const c = clock();
    const m = telemetry('d1', 1, T, T);
    expect(c.stamp(m)).toBe(m);
  });

  it('a message with a ts and no seq is re-stamped too', () => {
    const c = clock();
    expect(tsOf(c.stamp(state('d1', T, undefined, T - 1_000)))).toBe(T);
  });
});

describe('receipt clock: order and identity', () => {
  it('an exact repeat (same seq and ts) gets the stamp it got the first time', () => {
    const c = clock();
    expect(tsOf(c.stamp(telemetry('d1', 3, T + 100, T)))).toBe(T);
    expect(tsOf(c.stamp(telemetry('d1', 4, T + 60_100, T + 60_000)))).toBe(T + 60_000);
    // Redelivered 2 minutes later: both keep their first stamps.
    expect(tsOf(c.stamp(telemetry('d1', 3, T + 100, T + 180_000)))).toBe(T);
    expect(tsOf(c.stamp(telemetry('d1', 4, T + 60_100, T + 180_000)))).toBe(T + 60_000);
  });

  it('two seqs at one ts are two messages: the second in order gets its own receive time', () => {
    const c = clock();
    expect(tsOf(c.stamp(telemetry('d1', 3, T, T + 10)))).toBe(T + 10);
    expect(tsOf(c.stamp(telemetry('d1', 5, T, T + 20)))).toBe(T + 20);
    expect(tsOf(c.stamp(telemetry('d1', 4, T, T + 30)))).toBe(T + 30);
    // And each is still told apart from the others when repeated.
    expect(tsOf(c.stamp(telemetry('d1', 5, T, T + 40)))).toBe(T + 20);
    expect(tsOf(c.stamp(telemetry('d1', 3, T, T + 40)))).toBe(T + 10);
  });

  it('seq 0 and seq 1 at one ts and a message without seq at that ts are three messages', () => {
    const c = clock();
    expect(tsOf(c.stamp(state('d1', T + 10, undefined, T)))).toBe(T + 10);
    expect(tsOf(c.stamp(telemetry('d1', 1, T, T + 20)))).toBe(T + 20);
    expect(tsOf(c.stamp(telemetry('d1', 0, T, T + 30)))).toBe(T + 30);
    expect(tsOf(c.stamp(state('d1', T + 40, undefined, T)))).toBe(T + 10);
  });

  it('seq 255 at one ts and a message without seq one ms later are different messages', () => {
    // One number per (seq, ts): ts·512 + seq + 1, or ts·512 without a seq. These two are 256 apart.
    const c = clock();
    expect(tsOf(c.stamp(telemetry('d1', 255, T, T + 10)))).toBe(T + 10);
    expect(tsOf(c.stamp(state('d1', T + 20, undefined, T + 1)))).toBe(T + 20);
    expect(tsOf(c.stamp(telemetry('d1', 255, T, T + 30)))).toBe(T + 10);
  });

  it('near time 0 a message without seq is not taken for a repeat of one with a seq', () => {
    // Seq 1 at ts 1 has key 1·512 + 1 + 1 = 514; a message without seq at ts 263,168 (= 514·512)
    // has key 263,168·512, not 514 (as a key of ts / 512 would be). Both fall in one 5-minute
    // window of receipt, so both are re-stamped.
    const c = clock();
    expect(tsOf(c.stamp(telemetry('d1', 1, 1, 200_000)))).toBe(200_000);
    expect(tsOf(c.stamp(state('d1', 263_168, undefined, 263_168)))).toBe(263_168);
  });

  it('a late message is stamped as much before the newest stamp as its ts is before the newest ts', () => {
    const c = clock();
    expect(tsOf(c.stamp(telemetry('d1', 1, T + 50_000, T + 2_000)))).toBe(T + 2_000);
    // ts 30 s before the newest ts, received later: stamp = (T + 2,000) − 30,000.
    expect(tsOf(c.stamp(telemetry('d1', 2, T + 20_000, T + 5_000)))).toBe(T + 2_000 - 30_000);
    // A late message does not move the newest: the next in-order one gets its receive time.
    expect(tsOf(c.stamp(telemetry('d1', 3, T + 60_000, T + 12_000)))).toBe(T + 12_000);
    // And a late one after that is measured from the new newest (ts T + 60,000, stamp T + 12,000).
    expect(tsOf(c.stamp(telemetry('d1', 4, T + 59_000, T + 13_000)))).toBe(T + 11_000);
  });

  it('a message 1 ms late gets the newest stamp minus 1', () => {
    const c = clock();
    c.stamp(telemetry('d1', 1, T + 500, T + 900));
    expect(tsOf(c.stamp(telemetry('d1', 2, T + 499, T + 950)))).toBe(T + 899);
  });

  it('a second message with the newest ts is in order, not late', () => {
    const c = clock();
    c.stamp(telemetry('d1', 1, T, T + 100));
    expect(tsOf(c.stamp(telemetry('d1', 2, T, T + 5_000)))).toBe(T + 5_000);
  });

  it('an in-order message is never stamped before an earlier stamp, even if received earlier', () => {
    const c = clock();
    c.stamp(telemetry('d1', 1, T, T + 1_000));
    expect(tsOf(c.stamp(telemetry('d1', 2, T + 10, T + 400)))).toBe(T + 1_000);
    // That stamp is now the newest: a message 10 ms older by ts comes out 10 ms before it.
    expect(tsOf(c.stamp(telemetry('d1', 3, T + 0 + 5, T + 2_000)))).toBe(T + 1_000 - 5);
  });

  it('a late stamp exactly at the window edge is kept; one ms before it the device clock stepped back', () => {
    // Newest: ts T + 200,000 stamped T. A message with ts T is 200,000 ms late: stamp T − 200,000.
    // Received at T + 100,000 the window starts at T − 200,000: exactly at the edge, still late.
    const edge = clock();
    edge.stamp(telemetry('d1', 1, T + 200_000, T));
    expect(tsOf(edge.stamp(telemetry('d1', 2, T, T + 100_000)))).toBe(T - 200_000);
    // Received 1 ms later the stamp would fall before the window: it is a new start, in order.
    const stepped = clock();
    stepped.stamp(telemetry('d1', 1, T + 200_000, T));
    expect(tsOf(stepped.stamp(telemetry('d1', 2, T, T + 100_001)))).toBe(T + 100_001);
    // From there messages are in order again relative to the new newest (ts T, stamp T + 100,001).
    expect(tsOf(stepped.stamp(telemetry('d1', 3, T - 1_000, T + 100_500)))).toBe(T + 99_001);
  });

  it('a birth with an older ts starts a new mapping (a rebooted clock) instead of being late', () => {
    const c = clock();
    c.stamp(telemetry('d1', 9, T + 60_000, T + 1_000));
    expect(tsOf(c.stamp(birth('d1', T + 5_000, T + 2_000)))).toBe(T + 2_000);
    // Measured from the birth now: 1 s older than it is 1 s before its stamp.
    expect(tsOf(c.stamp(telemetry('d1', 1, T + 4_000, T + 3_000)))).toBe(T + 1_000);
  });

  it('each device has its own mapping', () => {
    const c = clock();
    c.stamp(telemetry('a', 1, T + 100_000, T));
    expect(tsOf(c.stamp(telemetry('b', 1, T + 50_000, T + 10)))).toBe(T + 10);
    expect(c.size).toBe(2);
  });

  it('exact repeats are recognised among the last 16 messages of a device, not the 17th', () => {
    // m0 is stamped T + 500 (received then); m1…m16 are stamped at their ts. Once forgotten, m0
    // is judged late from the newest instead: a stamp of T, not T + 500.
    const remembered = clock();
    remembered.stamp(telemetry('d1', 0, T, T + 500));
    for (let i = 1; i <= 15; i++) remembered.stamp(telemetry('d1', i, T + i * 1_000, T + i * 1_000));
    expect(tsOf(remembered.stamp(telemetry('d1', 0, T, T + 16_000)))).toBe(T + 500);

    const forgotten = clock();
    forgotten.stamp(telemetry('d1', 0, T, T + 500));
    for (let i = 1; i <= 16; i++) forgotten.stamp(telemetry('d1', i, T + i * 1_000, T + i * 1_000));
    expect(tsOf(forgotten.stamp(telemetry('d1', 0, T, T + 17_000)))).toBe(T);
    // m1 is still among the 16 (m1…m16) and keeps its stamp.
    expect(tsOf(forgotten.stamp(telemetry('d1', 1, T + 1_000, T + 17_000)))).toBe(T + 1_000);
  });
});

describe('receipt clock: the bounded device table', () => {
  it('when full of known devices a new one is not re-stamped and gets no mapping', () => {
    const c = clock({ max_devices: 2 }, (id) => id === 'a' || id === 'b');
    c.stamp(telemetry('a', 1, T + 1_000, T));
    c.stamp(telemetry('b', 1, T + 1_000, T));
    const m = telemetry('c', 1, T + 1_000, T);
    expect(c.stamp(m)).toBe(m);
    expect(c.size).toBe(2);
    // The two it holds are still stamped.
    expect(tsOf(c.stamp(telemetry('a', 2, T + 2_000, T + 1)))).toBe(T + 1);
  });

  it('when full, a sweep drops the devices the platform does not know and the new one fits', () => {
    const c = clock({ max_devices: 2 }, (id) => id !== 'stranger');
    c.stamp(telemetry('stranger', 1, T + 1_000, T));
    c.stamp(telemetry('b', 1, T + 1_000, T));
    expect(tsOf(c.stamp(telemetry('c', 1, T + 1_000, T)))).toBe(T);
    expect(c.size).toBe(2);
    expect(c.saveState().devices.map(([id]) => id)).toEqual(['b', 'c']);
    expect(c.saveState().refused_since_sweep).toBe(0);
  });

  it('while the table has room nothing is swept, unknown devices included', () => {
    const c = clock({ max_devices: 3 }, (id) => id !== 'stranger');
    c.stamp(telemetry('stranger', 1, T + 1_000, T));
    c.stamp(telemetry('b', 1, T + 1_000, T));
    expect(c.saveState().devices.map(([id]) => id)).toEqual(['stranger', 'b']);
    expect(c.saveState().refused_since_sweep).toBe(0);
  });

  it('a sweep that finds no room waits 1,024 refusals before the next one', () => {
    const known = new Set(['a', 'b']);
    const c = clock({ max_devices: 2 }, (id) => known.has(id));
    c.stamp(telemetry('a', 1, T + 1_000, T));
    c.stamp(telemetry('b', 1, T + 1_000, T));
    const first = telemetry('x0', 1, T + 1_000, T);
    expect(c.stamp(first)).toBe(first); // refusal 0 sweeps and finds nothing to drop
    expect(c.saveState().refused_since_sweep).toBe(1);
    known.delete('a'); // 'a' is now unknown, but no sweep runs for the next 1,023 refusals
    for (let i = 1; i <= 1_023; i++) {
      const m = telemetry(`x${i}`, 1, T + 1_000, T);
      expect(c.stamp(m)).toBe(m);
    }
    expect(c.saveState().refused_since_sweep).toBe(1_024);
    expect(c.saveState().devices.map(([id]) => id)).toEqual(['a', 'b']);
    // Refusal 1,024 sweeps again: 'a' goes and the newcomer takes its place.
    expect(tsOf(c.stamp(telemetry('late', 1, T + 1_000, T)))).toBe(T);
    expect(c.saveState().devices.map(([id]) => id)).toEqual(['b', 'late']);
    expect(c.saveState().refused_since_sweep).toBe(0);
  });

  it('a device already in a full table is stamped without any sweep', () => {
    const c = clock({ max_devices: 1 }, () => false);
    c.stamp(telemetry('a', 1, T + 1_000, T));
    expect(tsOf(c.stamp(telemetry('a', 2, T + 2_000, T + 5)))).toBe(T + 5);
    expect(c.saveState().refused_since_sweep).toBe(0);
    expect(c.size).toBe(1);
  });
});

describe('receipt clock: saved state', () => {
  it('a clock loaded from a saved state stamps repeats and late messages as the first one would', () => {
    const first = clock();
    first.stamp(telemetry('d1', 1, T + 10_000, T + 700));
    first.stamp(telemetry('d1', 2, T + 20_000, T + 20_000));
    const saved = first.saveState();
    expect(saved).toEqual({ devices: [['d1', { newest_ts: T + 20_000, newest_stamp: T + 20_000, recent: [(T + 10_000) * 512 + 2, T + 700, (T + 20_000) * 512 + 3, T + 20_000], next: 2 }]], refused_since_sweep: 0 });
    const second = clock();
    second.loadState(saved);
    expect(second.size).toBe(1);
    expect(tsOf(second.stamp(telemetry('d1', 1, T + 10_000, T + 30_000)))).toBe(T + 700);
    expect(tsOf(second.stamp(telemetry('d1', 3, T + 15_000, T + 30_000)))).toBe(T + 15_000);
  });

  it('the saved state is a copy: stamping afterwards does not change it, nor does changing it change the clock', () => {
    const c = clock();
    c.stamp(telemetry('d1', 1, T, T + 700));
    const saved = c.saveState();
    c.stamp(telemetry('d1', 2, T + 5_000, T + 5_000));
    expect(saved.devices[0]![1]).toEqual({ newest_ts: T, newest_stamp: T + 700, recent: [T * 512 + 2, T + 700], next: 1 });
    (saved.devices[0]![1].recent as number[])[1] = 0;
    expect(tsOf(c.stamp(telemetry('d1', 1, T, T + 9_000)))).toBe(T + 700);
  });

  it('a loaded state is copied in: changing the state object afterwards does not reach the clock', () => {
    const d1 = { newest_ts: T, newest_stamp: T + 700, recent: [T * 512 + 2, T + 700], next: 1 };
    const c = clock();
    c.loadState({ devices: [['d1', d1]], refused_since_sweep: 3 });
    d1.recent[1] = 0;
    expect(tsOf(c.stamp(telemetry('d1', 1, T, T + 9_000)))).toBe(T + 700);
    expect(c.saveState().refused_since_sweep).toBe(3);
  });

  it('loading nothing empties the clock and its refusal count', () => {
    const c = clock({ max_devices: 1 }, (id) => id === 'a');
    c.stamp(telemetry('a', 1, T + 1_000, T));
    c.stamp(telemetry('b', 1, T + 1_000, T)); // refused: the count is 1
    expect(c.saveState().refused_since_sweep).toBe(1);
    c.loadState(undefined);
    expect(c.size).toBe(0);
    expect(c.saveState()).toEqual({ devices: [], refused_since_sweep: 0 });
  });
});
