/**
 * The platform's admission as the attacker met it: a birth on the `nyc` topic claiming
 * site `chi` and kind `gateway`, births from invented devices, and a device with a far-future
 * (or zero) `ts` in production mode. Each is quarantined with its reason and counted; liveness
 * runs on the platform's receive time.
 */
import { describe, expect, it } from 'vitest';
import { Platform } from '../../platform/core/platform.ts';
import { DEFAULT_SKEW_WINDOW_MS } from '../../platform/ingest/admission.ts';

const T0 = Date.UTC(2026, 2, 2, 12, 0);
const birth = (over: Record<string, unknown> = {}): string =>
  JSON.stringify({ v: 1, id: 'nyc-env-1', kind: 'env', model: 'ENV-TH-100', serial: 's', fw: '1.0.0', site: 'nyc', building: 'b', floor: 'f', zone: 'z', gateway: null, power: 'mains', caps: [], heartbeat_ms: 60_000, session: 1, seq: 0, ts: T0, ...over });
const provisioning = new Map([['nyc-env-1', { site: 'nyc', kind: 'env', model: 'ENV-TH-100' }]]);

function production(): Platform {
  return new Platform({ journal: () => {}, admission: { provisioning, skew_window_ms: DEFAULT_SKEW_WINDOW_MS } });
}

describe('platform admission', () => {
  it('quarantines a birth that contradicts the provisioned site and kind, with the reason', () => {
    const p = production();
    p.receive('msp/v1/nyc/nyc-env-1/birth', birth({ site: 'chi', kind: 'gateway' }), T0);
    expect(p.registry.device('nyc-env-1')).toBeUndefined();
    expect(p.ingest.stats().rejected.provisioning_mismatch).toBe(1);
    expect(p.ingest.quarantine().at(-1)).toMatchObject({ reason: 'provisioning_mismatch', detail: 'birth claims site chi, provisioned nyc' });
    p.receive('msp/v1/nyc/nyc-env-1/birth', birth({ model: 'HVAC-ZC-400' }), T0);
    expect(p.ingest.quarantine().at(-1)?.detail).toBe('birth claims model HVAC-ZC-400, provisioned ENV-TH-100');
    // The truthful birth gets in.
    p.receive('msp/v1/nyc/nyc-env-1/birth', birth(), T0);
    expect(p.registry.device('nyc-env-1')?.site).toBe('nyc');
  });

  it('quarantines births from unprovisioned devices', () => {
    const p = production();
    for (let i = 0; i < 100; i++) p.receive(`msp/v1/nyc/fake-${i}/birth`, birth({ id: `fake-${i}` }), T0);
    expect(p.registry.stats().devices).toBe(0);
    expect(p.ingest.stats().rejected.unprovisioned).toBe(100);
  });

  it('quarantines a far-future ts as clock_skew, so the device is declared offline on the platform clock', () => {
    const p = production();
    p.receive('msp/v1/nyc/nyc-env-1/birth', birth(), T0);
    expect(p.registry.liveness('nyc-env-1')).toBe('ONLINE');
    // A year ahead: once trusted, it kept the device alive forever.
    const future = T0 + 365 * 86_400_000;
    for (let m = 1; m <= 30; m++) {
      p.receive('msp/v1/nyc/nyc-env-1/telemetry', JSON.stringify({ v: 1, id: 'nyc-env-1', seq: m, ts: future, values: { temp_c: 21 } }), T0 + m * 60_000);
    }
    expect(p.ingest.stats().rejected.clock_skew).toBe(30);
    expect(p.ingest.quarantine().at(-1)).toMatchObject({ reason: 'clock_skew' });
    expect(p.registry.liveness('nyc-env-1')).not.toBe('ONLINE');
  });

  it('admits a ts within the window, and refuses ts: 0', () => {
    const p = production();
    p.receive('msp/v1/nyc/nyc-env-1/birth', birth({ ts: T0 + DEFAULT_SKEW_WINDOW_MS }), T0);
    expect(p.registry.liveness('nyc-env-1')).toBe('ONLINE');
    p.receive('msp/v1/nyc/nyc-env-1/telemetry', JSON.stringify({ v: 1, id: 'nyc-env-1', seq: 1, ts: 0, values: {} }), T0 + 1_000);
    expect(p.ingest.stats().rejected.clock_skew).toBe(1);
  });

  it('keeps simulated time: without a skew window a ts far from receipt is accepted', () => {
    const p = new Platform({ journal: () => {}, admission: { provisioning } });
    p.receive('msp/v1/nyc/nyc-env-1/birth', birth({ ts: T0 + 86_400_000 }), T0);
    expect(p.registry.liveness('nyc-env-1')).toBe('ONLINE');
  });
});
