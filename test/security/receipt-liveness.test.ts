/**
 * Production liveness on receipt time: with the receipt clock (what `msp-twin platform` runs),
 * heartbeat deadlines come from the platform's clock when a message arrives, and a device's own
 * `ts` only has to fall inside the ±5 min skew window. A device whose clock is 4 minutes ahead or
 * behind keeps exactly the deadlines of a device with a perfect clock; without the receipt clock
 * (simulated runs, virtual time) the same device would be misjudged — the control that shows the
 * test can fail. Duplicates and late messages are still recognised, and a restart from the store
 * replays the re-stamping exactly.
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeviceMessage } from '../../platform/core/model.ts';
import { Platform } from '../../platform/core/platform.ts';
import { DEFAULT_SKEW_WINDOW_MS } from '../../platform/ingest/admission.ts';
import { ReceiptClock } from '../../platform/ingest/receipt-clock.ts';
import { DurablePlatform } from '../../platform/store/durable.ts';
import { SqliteStore } from '../../platform/store/sqlite-store.ts';

const T0 = Date.UTC(2026, 2, 2, 12, 0);
const HEARTBEAT_MS = 60_000;
const MIN = 60_000;
const ID = 'nyc-env-1';
const provisioning = new Map([[ID, { site: 'nyc', kind: 'env', model: 'ENV-TH-100' }]]);
const birth = (ts: number): string =>
  JSON.stringify({ v: 1, id: ID, kind: 'env', model: 'ENV-TH-100', serial: 's', fw: '1.0.0', site: 'nyc', building: 'b', floor: 'f', zone: 'z', gateway: null, power: 'mains', caps: [], heartbeat_ms: HEARTBEAT_MS, session: 1, seq: 0, ts });
const telemetry = (seq: number, ts: number): string => JSON.stringify({ v: 1, id: ID, seq, ts, values: { temp_c: 21 } });

function production(receipt_clock: boolean): Platform {
  return new Platform({ journal: () => {}, admission: { provisioning, skew_window_ms: DEFAULT_SKEW_WINDOW_MS, receipt_clock } });
}

/** Liveness at each of the given times after the last message, for a device whose clock is off by `offset_ms`. */
function livenessAfterSilence(p: Platform, offset_ms: number, probes_ms: readonly number[]): string[] {
  p.receive(`msp/v1/nyc/${ID}/birth`, birth(T0 + offset_ms), T0);
  for (let i = 1; i <= 5; i++) p.receive(`msp/v1/nyc/${ID}/telemetry`, telemetry(i, T0 + i * HEARTBEAT_MS + offset_ms), T0 + i * HEARTBEAT_MS);
  const last = T0 + 5 * HEARTBEAT_MS;
  return probes_ms.map((after) => {
    p.tick(last + after);
    return p.registry.liveness(ID) ?? 'none';
  });
}

// Suspect after 1.5 heartbeats, offline after 3 (the registry's defaults), counted from receipt.
const PROBES = [89_000, 91_000, 179_000, 181_000];
const EXPECTED = ['ONLINE', 'SUSPECT', 'SUSPECT', 'OFFLINE'];

describe('production liveness on receipt time', () => {
  it('a device with a perfect clock, one 4 min ahead and one 4 min behind get the same deadlines, from receipt', () => {
    for (const offset_ms of [0, 4 * MIN, -4 * MIN, DEFAULT_SKEW_WINDOW_MS, -DEFAULT_SKEW_WINDOW_MS]) {
      const p = production(true);
      expect(livenessAfterSilence(p, offset_ms, PROBES), `clock off by ${offset_ms / 1000} s`).toEqual(EXPECTED);
      expect(p.ingest.stats().rejected.clock_skew).toBe(0);
      // What the API shows as last heard is the platform's receive time.
      expect(p.registry.entry(ID)?.last_heard_ms).toBe(T0 + 5 * HEARTBEAT_MS);
    }
  });

  it('control: on the sender clock (simulated runs), the same devices are misjudged by their offset', () => {
    expect(livenessAfterSilence(production(false), 4 * MIN, PROBES)).toEqual(['ONLINE', 'ONLINE', 'ONLINE', 'ONLINE']);
    const behind = production(false);
    expect(livenessAfterSilence(behind, -4 * MIN, PROBES)).not.toEqual(EXPECTED);
  });

  it('a ts outside the window is still quarantined as clock_skew, as it came', () => {
    const p = production(true);
    p.receive(`msp/v1/nyc/${ID}/birth`, birth(T0 + DEFAULT_SKEW_WINDOW_MS + 1), T0);
    expect(p.ingest.quarantine().at(-1)).toMatchObject({ reason: 'clock_skew' });
    expect(p.ingest.quarantine().at(-1)?.payload_head).toContain(`"ts":${T0 + DEFAULT_SKEW_WINDOW_MS + 1}`);
  });

  it('an exact repeat is still a duplicate and an older message is still late', () => {
    const p = production(true);
    p.receive(`msp/v1/nyc/${ID}/birth`, birth(T0 + 4 * MIN), T0);
    p.receive(`msp/v1/nyc/${ID}/telemetry`, telemetry(2, T0 + 4 * MIN + 2_000), T0 + 2_000);
    // The same message again, received later (a QoS 1 resend): same stamp, so a duplicate.
    p.receive(`msp/v1/nyc/${ID}/telemetry`, telemetry(2, T0 + 4 * MIN + 2_000), T0 + 9_000);
    expect(p.registry.stats().duplicate).toBe(1);
    // seq 1, sent before seq 2 but arriving after it: late, so it does not move the deadline.
    p.receive(`msp/v1/nyc/${ID}/telemetry`, telemetry(1, T0 + 4 * MIN + 1_000), T0 + 10_000);
    expect(p.registry.stats().out_of_order).toBe(1);
    expect(p.registry.entry(ID)?.last_heard_ms).toBe(T0 + 2_000);
  });

  it('stamps in receipt order, repeats identically, keeps late ones before the newest, re-anchors a clock that stepped back, never leaves the window (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap_ms: fc.integer({ min: 0, max: 120_000 }), skew_ms: fc.integer({ min: -DEFAULT_SKEW_WINDOW_MS, max: DEFAULT_SKEW_WINDOW_MS }), seq: fc.integer({ min: 0, max: 255 }), repeat: fc.nat(4) }), { minLength: 1, maxLength: 60 }),
        (steps) => {
          const clock = new ReceiptClock({ skew_window_ms: DEFAULT_SKEW_WINDOW_MS, max_devices: 10 }, () => true);
          const seen: Array<{ raw: string; stamp: number }> = [];
          let r = T0;
          let newest_ts = -Infinity;
          let newest_stamp = -Infinity;
          for (const s of steps) {
            r += s.gap_ms;
            // Sometimes resend one of the last messages verbatim.
            const again = s.repeat > 0 && seen.length >= s.repeat ? seen[seen.length - s.repeat]! : undefined;
            const raw = again?.raw ?? telemetry(s.seq, r + s.skew_ms);
            const payload = JSON.parse(raw) as { v: 1; id: string; seq: number; ts: number; values: Record<string, number> };
            const ts = payload.ts;
            const msg: DeviceMessage = { type: 'telemetry', device_id: ID, site_id: 'nyc', received_ms: r, payload };
            const out = clock.stamp(msg);
            if (Math.abs(ts - r) > DEFAULT_SKEW_WINDOW_MS) {
              // Admission quarantines these before the clock; should one reach it, it is left alone.
              expect(out).toBe(msg);
              continue;
            }
            expect(payload.ts, 'the input message is not modified').toBe(ts);
            const stamp = out.payload.ts!;
            // A message identical to one of the last 16 stamped (the registry's duplicate window) is a repeat.
            const prior = seen.slice(-16).find((x) => x.raw === raw);
            if (prior !== undefined) {
              expect(stamp).toBe(prior.stamp);
              continue;
            }
            // Late only as far back as a delay in transit explains; beyond it the clock stepped back.
            const late_stamp = Math.min(newest_stamp - 1, newest_stamp - (newest_ts - ts));
            if (ts < newest_ts && late_stamp >= r - DEFAULT_SKEW_WINDOW_MS) {
              expect(stamp).toBe(late_stamp);
            } else {
              expect(stamp).toBe(Math.max(r, newest_stamp));
              newest_ts = ts;
              newest_stamp = stamp;
            }
            // Whatever happened, the stamp is admitted: inside the window around receipt.
            expect(Math.abs(stamp - r)).toBeLessThanOrEqual(DEFAULT_SKEW_WINDOW_MS);
            seen.push({ raw, stamp });
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('receipt clock and the durable store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'msp-receipt-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const options = { admission: { provisioning, skew_window_ms: DEFAULT_SKEW_WINDOW_MS, receipt_clock: true } };

  it('records messages as they came and re-stamps them identically on replay (journal tail and snapshot)', () => {
    for (const snapshot_midway of [false, true]) {
      const sub = join(dir, snapshot_midway ? 'snap' : 'tail');
      const first = DurablePlatform.openWith(new SqliteStore(sub), options, () => {});
      first.platform.receive(`msp/v1/nyc/${ID}/birth`, birth(T0 + 4 * MIN), T0);
      first.platform.receive(`msp/v1/nyc/${ID}/telemetry`, telemetry(2, T0 + 4 * MIN + 2_000), T0 + 2_000);
      first.commit();
      if (snapshot_midway) first.snapshot();
      // After the snapshot: a repeat and a late message, whose stamps depend on the clock's state.
      first.platform.receive(`msp/v1/nyc/${ID}/telemetry`, telemetry(2, T0 + 4 * MIN + 2_000), T0 + 9_000);
      first.platform.receive(`msp/v1/nyc/${ID}/telemetry`, telemetry(1, T0 + 4 * MIN + 1_000), T0 + 10_000);
      first.platform.tick(T0 + 100_000);
      first.commit();
      const before = first.platform.snapshot();
      first.store.close();
      // The store holds the device's own bytes, so a QoS 1 redelivery after a crash is recognised.
      const second = DurablePlatform.openWith(new SqliteStore(sub), options, () => {});
      expect(second.seen(`msp/v1/nyc/${ID}/telemetry`, telemetry(1, T0 + 4 * MIN + 1_000))).toBe(true);
      expect(second.platform.snapshot()).toEqual(before);
      expect(second.platform.registry.liveness(ID)).toBe('SUSPECT');
      second.store.close();
    }
  });
});
