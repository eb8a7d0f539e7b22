/**
 * Admission under hostile input, through the whole Platform: random births and reports from
 * provisioned and invented devices, with true and lying sites/kinds/models and skewed clocks. The
 * registry only ever holds provisioned devices as provisioned, never more than its bound, and
 * nothing with a `ts` outside the window moves liveness.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Platform } from '../../platform/core/platform.ts';
import type { ProvisionedDevice } from '../../platform/ingest/admission.ts';

const T0 = Date.UTC(2026, 2, 2, 12, 0);
const WINDOW = 5 * 60_000;
const KINDS = ['env', 'leak', 'hvac'] as const;
const MODELS = ['ENV-TH-100', 'LEAK-WS-10', 'HVAC-ZC-400'] as const;
const SITES = ['nyc', 'chi'] as const;

const provisioning = new Map<string, ProvisionedDevice>(
  Array.from({ length: 40 }, (_, i) => [`dev-${i}`, { site: SITES[i % 2]!, kind: KINDS[i % 3]!, model: MODELS[i % 3]! }]),
);

const birth = (id: string, site: string, kind: string, model: string, ts: number): string =>
  JSON.stringify({ v: 1, id, kind, model, serial: 's', fw: '1.0.0', site, building: 'b', floor: 'f', zone: 'z', gateway: null, power: 'mains', caps: [], heartbeat_ms: 60_000, session: 1, seq: 0, ts });

const msgArb = fc.record({
  id: fc.oneof(fc.integer({ min: 0, max: 59 }).map((i) => `dev-${i}`), fc.string({ unit: fc.constantFrom(...'abcxyz0123'), minLength: 1, maxLength: 6 })),
  topic_site: fc.constantFrom(...SITES, 'evil'),
  claim_site: fc.constantFrom(...SITES),
  kind: fc.constantFrom(...KINDS),
  model: fc.constantFrom(...MODELS),
  skew_ms: fc.oneof(fc.integer({ min: -WINDOW, max: WINDOW }), fc.integer({ min: -1e12, max: 1e12 })),
  dt_ms: fc.integer({ min: 0, max: 5_000 }),
});

describe('admission (property, through the Platform)', () => {
  it('20,000 births from true, lying and invented devices: only provisioned truths get in, never throws', () => {
    const platform = new Platform({ journal: () => {}, admission: { provisioning, skew_window_ms: WINDOW, max_devices: 20 } });
    let now = T0;
    fc.assert(
      fc.property(fc.array(msgArb, { minLength: 1_000, maxLength: 1_000 }), (msgs) => {
        for (const m of msgs) {
          now += m.dt_ms;
          platform.receive(`msp/v1/${m.topic_site}/${m.id}/birth`, birth(m.id, m.claim_site, m.kind, m.model, Math.max(0, now + m.skew_ms)), now);
        }
      }),
      { numRuns: 20 },
    );
    const devices = platform.registry.devices();
    expect(devices.length).toBeGreaterThan(0);
    expect(devices.length).toBeLessThanOrEqual(20);
    for (const d of devices) {
      const p = provisioning.get(d.id);
      expect(p, d.id).toBeDefined();
      expect([d.site, d.kind, d.model]).toEqual([p!.site, p!.kind, p!.model]);
    }
    const rejected = platform.ingest.stats().rejected;
    for (const r of ['unprovisioned', 'provisioning_mismatch', 'clock_skew', 'registry_full'] as const) expect(rejected[r], r).toBeGreaterThan(0);
    expect(rejected.internal).toBe(0);
  });

  it('an open platform (--allow-unprovisioned) still bounds its registry', () => {
    const platform = new Platform({ journal: () => {}, admission: { max_devices: 500 } });
    for (let i = 0; i < 20_000; i++) platform.receive(`msp/v1/nyc/fake-${i}/birth`, birth(`fake-${i}`, 'nyc', 'env', 'ENV-TH-100', T0), T0);
    expect(platform.registry.stats().devices).toBe(500);
    expect(platform.ingest.stats().rejected.registry_full).toBe(19_500);
  });
});
