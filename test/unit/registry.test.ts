import { describe, expect, it } from 'vitest';
import type { BirthPayload } from '../../platform/contract/messages.ts';
import type { DeviceMessage, LivenessChange } from '../../platform/core/model.ts';
import { Registry, RegistryError } from '../../platform/registry/registry.ts';

const HB = 60_000;

interface JournalLine {
  at_ms: number;
  kind: string;
  fields: Record<string, unknown>;
}

function setup(options: Partial<ConstructorParameters<typeof Registry>[0]> = {}): { reg: Registry; lines: JournalLine[] } {
  const lines: JournalLine[] = [];
  const reg = new Registry({ journal: (at_ms, kind, fields) => lines.push({ at_ms, kind, fields }), ...options });
  return { reg, lines };
}

function birth(id: string, o: { session?: number; seq?: number; ts?: number; received_ms?: number; model?: string; heartbeat_ms?: number } = {}): DeviceMessage {
  const ts = o.ts ?? 0;
  const payload: BirthPayload = {
    v: 1,
    id,
    kind: 'env',
    model: o.model ?? 'acme-env-1',
    serial: `sn-${id}`,
    fw: '1.0.0',
    site: 's1',
    building: 'b1',
    floor: 'f1',
    zone: 'z1',
    gateway: 'gw1',
    power: 'battery',
    caps: ['temperature', 'humidity'],
    heartbeat_ms: o.heartbeat_ms ?? HB,
    session: o.session ?? 1,
    seq: o.seq ?? 0,
    ts,
  };
  return { type: 'birth', device_id: id, site_id: 's1', received_ms: o.received_ms ?? ts, payload };
}

function telemetry(id: string, seq: number, ts: number, received_ms = ts): DeviceMessage {
  return { type: 'telemetry', device_id: id, site_id: 's1', received_ms, payload: { v: 1, id, seq, ts, values: { temperature_c: 21.5 } } };
}

function event(id: string, seq: number, ts: number): DeviceMessage {
  return { type: 'event', device_id: id, site_id: 's1', received_ms: ts, payload: { v: 1, id, seq, ts, type: 'reboot' } };
}

function will(id: string, session: number, received_ms: number): DeviceMessage {
  return { type: 'state', device_id: id, site_id: 's1', received_ms, payload: { v: 1, id, state: 'offline', session, reason: 'will' } };
}

function state(id: string, st: 'online' | 'offline' | 'rebooting', session: number, seq: number, ts: number, reason = 'boot'): DeviceMessage {
  return { type: 'state', device_id: id, site_id: 's1', received_ms: ts, payload: { v: 1, id, state: st, session, reason, seq, ts } };
}

function brief(changes: LivenessChange[]): string[] {
  return changes.map((c) => `${c.at_ms} ${c.device_id} ${c.from}->${c.to} ${c.reason}`);
}

describe('Registry: births, states and wills', () => {
  it('a birth registers the device and makes it ONLINE, journalled', () => {
    const { reg, lines } = setup();
    expect(reg.liveness('d1')).toBe('UNKNOWN');
    expect(brief(reg.apply(birth('d1', { ts: 1_000 })))).toEqual(['1000 d1 UNKNOWN->ONLINE birth']);
    expect(reg.liveness('d1')).toBe('ONLINE');
    expect(reg.device('d1')).toMatchObject({ id: 'd1', kind: 'env', model: 'acme-env-1', heartbeat_ms: HB, gateway: 'gw1', caps: ['temperature', 'humidity'] });
    expect(lines).toEqual([{ at_ms: 1_000, kind: 'p.live', fields: { d: 'd1', from: 'UNKNOWN', to: 'ONLINE', why: 'birth' } }]);
    expect(reg.snapshot()).toEqual([{ info: reg.device('d1'), liveness: 'ONLINE', session: 1, last_heard_ms: 1_000, since_ms: 1_000 }]);
    expect(reg.stats().by_liveness).toEqual({ ONLINE: 1, SUSPECT: 0, OFFLINE: 0, UNKNOWN: 0, UNREACHABLE: 0 });
  });

  it('the will of the current session makes it OFFLINE; traffic does not revive it, a newer birth does', () => {
    const { reg } = setup();
    reg.apply(birth('d1', { session: 3, ts: 0 }));
    expect(brief(reg.apply(will('d1', 3, 5_000)))).toEqual(['5000 d1 ONLINE->OFFLINE will']);
    // Sent before the will but delivered after: the session is over.
    expect(reg.apply(telemetry('d1', 1, 6_000))).toEqual([]);
    expect(reg.apply(event('d1', 2, 7_000))).toEqual([]);
    expect(reg.apply(birth('d1', { session: 3, seq: 3, ts: 8_000 }))).toEqual([]);
    expect(reg.liveness('d1')).toBe('OFFLINE');
    expect(brief(reg.apply(birth('d1', { session: 4, seq: 4, ts: 9_000 })))).toEqual(['9000 d1 OFFLINE->ONLINE birth']);
  });

  it('a late will from session n−1 after the birth of session n is ignored and counted', () => {
    const { reg, lines } = setup();
    reg.apply(birth('d1', { session: 1, ts: 0 }));
    reg.apply(birth('d1', { session: 2, seq: 1, ts: 1_000 }));
    expect(reg.apply(will('d1', 1, 1_500))).toEqual([]);
    expect(reg.liveness('d1')).toBe('ONLINE');
    expect(reg.stats().stale_state).toBe(1);
    expect(lines).toHaveLength(1);
    // The will of the current session still counts.
    expect(brief(reg.apply(will('d1', 2, 2_000)))).toEqual(['2000 d1 ONLINE->OFFLINE will']);
  });

  it('state online of a newer session overtaking its birth makes the old will stale', () => {
    const { reg } = setup();
    reg.apply(birth('d1', { session: 1, ts: 0 }));
    reg.apply(will('d1', 1, 100));
    expect(brief(reg.apply(state('d1', 'online', 2, 5, 200)))).toEqual(['200 d1 OFFLINE->ONLINE state']);
    expect(reg.apply(will('d1', 1, 300))).toEqual([]);
    expect(reg.liveness('d1')).toBe('ONLINE');
    expect(reg.stats().stale_state).toBe(1);
  });

  it('a clean offline state ends the session like a will', () => {
    const { reg } = setup();
    reg.apply(birth('d1', { ts: 0 }));
    expect(brief(reg.apply(state('d1', 'offline', 1, 1, 100, 'shutdown')))).toEqual(['100 d1 ONLINE->OFFLINE state']);
    expect(reg.apply(state('d1', 'online', 1, 2, 200))).toEqual([]);
    expect(reg.liveness('d1')).toBe('OFFLINE');
  });

  it('messages from devices never born are counted and change nothing', () => {
    const { reg, lines } = setup();
    expect(reg.apply(telemetry('ghost', 0, 0))).toEqual([]);
    expect(reg.apply(will('ghost', 1, 0))).toEqual([]);
    expect(reg.stats()).toMatchObject({ devices: 0, unknown_device: 2 });
    expect(reg.liveness('ghost')).toBe('UNKNOWN');
    expect(lines).toEqual([]);
  });
});

describe('Registry: heartbeat deadlines', () => {
  it('SUSPECT at last heard + 1.5 hb, OFFLINE at + 3 hb, exactly; telemetry brings it back', () => {
    const { reg, lines } = setup();
    reg.apply(birth('d1', { ts: 10_000 }));
    expect(reg.tick(10_000 + 1.5 * HB - 1)).toEqual([]);
    expect(brief(reg.tick(10_000 + 1.5 * HB))).toEqual([`${10_000 + 1.5 * HB} d1 ONLINE->SUSPECT heartbeat_missed`]);
    expect(reg.tick(10_000 + 3 * HB - 1)).toEqual([]);
    expect(brief(reg.tick(10_000 + 3 * HB + 5_000))).toEqual([`${10_000 + 3 * HB} d1 SUSPECT->OFFLINE offline_deadline`]);
    // Deadline OFFLINE is revived by traffic (unlike a will).
    const back = 10_000 + 4 * HB;
    expect(brief(reg.apply(telemetry('d1', 1, back)))).toEqual([`${back} d1 OFFLINE->ONLINE telemetry`]);
    expect(reg.tick(back + 1.5 * HB - 1)).toEqual([]);
    expect(brief(reg.tick(back + 1.5 * HB))).toEqual([`${back + 1.5 * HB} d1 ONLINE->SUSPECT heartbeat_missed`]);
    expect(brief(reg.apply(event('d1', 2, back + 1.6 * HB)))).toEqual([`${back + 1.6 * HB} d1 SUSPECT->ONLINE event`]);
    expect(lines.map((l) => l.fields.why)).toEqual(['birth', 'heartbeat_missed', 'offline_deadline', 'telemetry', 'heartbeat_missed', 'event']);
  });

  it('regular traffic keeps pushing the deadline out', () => {
    const { reg } = setup();
    reg.apply(birth('d1', { ts: 0 }));
    for (let i = 1; i <= 100; i++) {
      reg.apply(telemetry('d1', i, i * HB));
      expect(reg.tick(i * HB + HB / 2)).toEqual([]);
    }
    expect(brief(reg.tick(1_000 * HB))).toEqual([`${100 * HB + 1.5 * HB} d1 ONLINE->SUSPECT heartbeat_missed`, `${100 * HB + 3 * HB} d1 SUSPECT->OFFLINE offline_deadline`]);
  });

  it('a sparse tick returns every due change sorted by (at_ms, device id), stamped at the deadline', () => {
    const { reg, lines } = setup();
    // Born in reverse id order: Map order must not leak into the output.
    for (const id of ['d3', 'd2', 'd1']) reg.apply(birth(id, { ts: 0 }));
    reg.apply(birth('d0', { ts: 0, heartbeat_ms: 2 * HB }));
    const changes = reg.tick(10 * HB);
    expect(brief(changes)).toEqual([
      `${1.5 * HB} d1 ONLINE->SUSPECT heartbeat_missed`,
      `${1.5 * HB} d2 ONLINE->SUSPECT heartbeat_missed`,
      `${1.5 * HB} d3 ONLINE->SUSPECT heartbeat_missed`,
      `${3 * HB} d0 ONLINE->SUSPECT heartbeat_missed`,
      `${3 * HB} d1 SUSPECT->OFFLINE offline_deadline`,
      `${3 * HB} d2 SUSPECT->OFFLINE offline_deadline`,
      `${3 * HB} d3 SUSPECT->OFFLINE offline_deadline`,
      `${6 * HB} d0 SUSPECT->OFFLINE offline_deadline`,
    ]);
    expect(lines.slice(4).map((l) => [l.at_ms, l.fields.d])).toEqual(changes.map((c) => [c.at_ms, c.device_id]));
    expect(reg.tick(100 * HB)).toEqual([]);
  });

  it('per-model overrides win over the heartbeat multiples', () => {
    const { reg } = setup({ overrides: { 'fast-1': { suspect_ms: 10_000, offline_ms: 20_000 }, 'half-1': { offline_ms: HB } } });
    reg.apply(birth('fast', { ts: 0, model: 'fast-1' }));
    reg.apply(birth('plain', { ts: 0 }));
    // half-1: offline (1 hb) comes before the default suspect (1.5 hb): no SUSPECT phase.
    reg.apply(birth('half', { ts: 0, model: 'half-1' }));
    expect(brief(reg.tick(5 * HB))).toEqual([
      '10000 fast ONLINE->SUSPECT heartbeat_missed',
      '20000 fast SUSPECT->OFFLINE offline_deadline',
      `${HB} half ONLINE->OFFLINE offline_deadline`,
      `${1.5 * HB} plain ONLINE->SUSPECT heartbeat_missed`,
      `${3 * HB} plain SUSPECT->OFFLINE offline_deadline`,
    ]);
  });

  it('custom multiples apply, and bad options fail with a stable code', () => {
    const { reg } = setup({ suspect_after_heartbeats: 2, offline_after_heartbeats: 4 });
    reg.apply(birth('d1', { ts: 0 }));
    expect(brief(reg.tick(10 * HB))).toEqual([`${2 * HB} d1 ONLINE->SUSPECT heartbeat_missed`, `${4 * HB} d1 SUSPECT->OFFLINE offline_deadline`]);
    expect(() => setup({ suspect_after_heartbeats: 0 })).toThrow(RegistryError);
    expect(() => setup({ suspect_after_heartbeats: 4, offline_after_heartbeats: 3 })).toThrow(/REGISTRY_BAD_OPTION/);
    expect(() => setup({ overrides: { m: { offline_ms: -1 } } })).toThrow(/REGISTRY_BAD_OPTION/);
  });

  it('a newer session with a shorter heartbeat pulls the deadline in', () => {
    const { reg } = setup();
    reg.apply(birth('d1', { ts: 0, heartbeat_ms: 10 * HB }));
    reg.apply(birth('d1', { ts: 1_000, session: 2, seq: 1, heartbeat_ms: HB }));
    expect(brief(reg.tick(2 * HB))).toEqual([`${1_000 + 1.5 * HB} d1 ONLINE->SUSPECT heartbeat_missed`]);
  });
});

describe('Registry: sequence numbers', () => {
  it('exact duplicates are ignored and counted; they never move liveness', () => {
    const { reg } = setup();
    reg.apply(birth('d1', { ts: 0 }));
    reg.apply(telemetry('d1', 1, 1_000));
    reg.tick(1_000 + 1.5 * HB);
    expect(reg.liveness('d1')).toBe('SUSPECT');
    // A redelivery of an old message must not look like fresh traffic.
    expect(reg.apply(telemetry('d1', 1, 1_000, 1_000 + 2 * HB))).toEqual([]);
    expect(reg.liveness('d1')).toBe('SUSPECT');
    expect(reg.stats()).toMatchObject({ duplicate: 1, seq_gap: 0 });
    // Same seq, other ts: not a duplicate (the seq wrapped).
    reg.apply(telemetry('d1', 1, 2_000 + 2 * HB));
    expect(reg.stats().duplicate).toBe(1);
    expect(reg.liveness('d1')).toBe('ONLINE');
  });

  it('out-of-order messages are counted, keep their data, and never move liveness back', () => {
    const { reg } = setup();
    reg.apply(birth('d1', { ts: 0 }));
    reg.apply(telemetry('d1', 2, 50_000));
    reg.tick(50_000 + 3 * HB);
    expect(reg.liveness('d1')).toBe('OFFLINE');
    // seq 1 (ts 40 s) arrives late: older than what was heard, so it proves nothing about now.
    expect(reg.apply(telemetry('d1', 1, 40_000, 50_000 + 3 * HB + 1))).toEqual([]);
    expect(reg.liveness('d1')).toBe('OFFLINE');
    expect(reg.snapshot()[0]!.last_heard_ms).toBe(50_000);
    expect(reg.stats()).toMatchObject({ out_of_order: 1, seq_gap: 1, duplicate: 0 });
    // An out-of-order clean shutdown cannot take a live device down either.
    reg.apply(telemetry('d1', 3, 300_000));
    expect(reg.liveness('d1')).toBe('ONLINE');
    expect(reg.apply(state('d1', 'offline', 1, 4, 299_000, 'shutdown'))).toEqual([]);
    expect(reg.liveness('d1')).toBe('ONLINE');
    expect(reg.stats().out_of_order).toBe(2);
  });

  it('counts forward gaps as loss, including across the 255 → 0 wrap, and resets on a new session', () => {
    const { reg } = setup();
    reg.apply(birth('d1', { ts: 0, seq: 0 }));
    reg.apply(telemetry('d1', 1, 1));
    reg.apply(telemetry('d1', 5, 2)); // 2, 3, 4 lost
    expect(reg.stats().seq_gap).toBe(3);
    reg.apply(telemetry('d1', 4, 3)); // late arrival of 4: behind, not a loss
    expect(reg.stats().seq_gap).toBe(3);
    for (let s = 6; s <= 254; s++) reg.apply(telemetry('d1', s, s));
    expect(reg.stats().seq_gap).toBe(3);
    reg.apply(telemetry('d1', 1, 300)); // 255 and 0 lost
    expect(reg.stats().seq_gap).toBe(5);
    // A reconnect starts a new baseline: whatever happened between sessions is not loss.
    reg.apply(birth('d1', { session: 2, seq: 100, ts: 400 }));
    reg.apply(telemetry('d1', 101, 401));
    expect(reg.stats().seq_gap).toBe(5);
    // Wills carry no seq and do not disturb the expectation.
    reg.apply(will('d1', 2, 500));
    reg.apply(birth('d1', { session: 3, seq: 102, ts: 600 }));
    reg.apply(telemetry('d1', 103, 601));
    expect(reg.stats()).toMatchObject({ seq_gap: 5, duplicate: 0 });
  });

  it('devices() and snapshot() are sorted by id', () => {
    const { reg } = setup();
    for (const id of ['m', 'a', 'z', 'b']) reg.apply(birth(id));
    expect(reg.devices().map((d) => d.id)).toEqual(['a', 'b', 'm', 'z']);
    expect(reg.snapshot().map((s) => s.info.id)).toEqual(['a', 'b', 'm', 'z']);
    expect(reg.stats()).toMatchObject({ devices: 4, by_liveness: { ONLINE: 4, SUSPECT: 0, OFFLINE: 0, UNKNOWN: 0 } });
  });
});

describe('registry: session of a device', () => {
  it('is undefined for a device never heard of, then follows its births (a stale one does not move it back)', () => {
    const { reg } = setup();
    expect(reg.session('d1')).toBeUndefined();
    reg.apply(birth('d1', { session: 3, ts: 1_000 }));
    expect(reg.session('d1')).toBe(3);
    expect(reg.session('d2')).toBeUndefined();
    reg.apply(birth('d1', { session: 5, ts: 2_000 }));
    expect(reg.session('d1')).toBe(5);
    reg.apply(birth('d1', { session: 4, ts: 3_000 }));
    expect(reg.session('d1')).toBe(5);
    expect(reg.session('d1')).toBe(reg.entry('d1')!.session);
  });
});
