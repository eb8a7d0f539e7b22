import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../platform/contract/canonical-json.ts';
import { Platform } from '../../platform/core/platform.ts';

// The platform tells its SLA ledger about a planned reboot from the messages themselves: a
// `rebooting` state of the current session starts the down time, the next session's birth ends
// it (platform/core/platform.ts, #rebootAccounting). The ledger's own dating is tested in
// sla-dating.test.ts; this holds the platform's wiring of it — the session each message is
// compared with — which only births and states consult.

const MIN = 60_000;
const SEC = 1_000;
const T0 = Date.UTC(2026, 2, 2);
const TOPIC = (cls: string): string => `msp/v1/s1/b1-env-001/${cls}`;

function birth(session: number, seq: number, ts: number): string {
  return canonicalJson({
    v: 1, id: 'b1-env-001', kind: 'env', model: 'ENV-TH-110', serial: 'SN-1', fw: '1.0.0', site: 's1', building: 'b1', floor: 'b1-f01',
    zone: 'b1-f01-z01', gateway: null, power: 'mains', caps: [], heartbeat_ms: 10 * MIN, session, seq, ts,
  });
}

function state(s: 'online' | 'rebooting', session: number, seq: number, ts: number): string {
  return canonicalJson({ v: 1, id: 'b1-env-001', state: s, session, reason: s === 'online' ? 'boot' : 'ota_install', seq, ts });
}

function telemetry(seq: number, ts: number): string {
  return canonicalJson({ v: 1, id: 'b1-env-001', seq, ts, values: { temperature_c: 21.5 } });
}

describe('platform: planned reboots in the SLA', () => {
  it('counts a rebooting state of the current session until the next session is born, and nothing for telemetry in between', () => {
    const p = new Platform({ journal: () => {} });
    p.receive(TOPIC('birth'), birth(1, 0, T0), T0);
    p.receive(TOPIC('state'), state('online', 1, 1, T0), T0);
    p.receive(TOPIC('telemetry'), telemetry(2, T0 + 5 * MIN), T0 + 5 * MIN);
    // An OTA install: the device announces the reboot, disconnects cleanly, and is back 8 s later.
    p.receive(TOPIC('state'), state('rebooting', 1, 3, T0 + 10 * MIN), T0 + 10 * MIN);
    p.receive(TOPIC('birth'), birth(2, 0, T0 + 10 * MIN + 8 * SEC), T0 + 10 * MIN + 8 * SEC);
    p.receive(TOPIC('state'), state('online', 2, 1, T0 + 10 * MIN + 8 * SEC), T0 + 10 * MIN + 8 * SEC);
    p.receive(TOPIC('telemetry'), telemetry(2, T0 + 15 * MIN), T0 + 15 * MIN);
    // A rebooting state of a session the platform has not seen (a stale retained copy) counts nothing.
    p.receive(TOPIC('state'), state('rebooting', 1, 4, T0 + 20 * MIN), T0 + 20 * MIN);
    p.tick(T0 + 30 * MIN);
    expect(p.ingest.stats().accepted).toBe(8);
    const device = p.sla.report(T0, T0 + 30 * MIN).devices.find((d) => d.id === 'b1-env-001');
    expect(device?.downtime_ms).toBe(8 * SEC);
  });
});
