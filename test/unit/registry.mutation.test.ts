import { describe, expect, it } from 'vitest';
import type { BirthPayload } from '../../platform/contract/messages.ts';
import type { DeviceMessage, LivenessChange } from '../../platform/core/model.ts';
import { Registry, RegistryError, type RegistryDeps } from '../../platform/registry/registry.ts';

// Registry cases written to kill the mutants StrykerJS left alive in platform/registry/registry.ts
// (docs/testing.md, "Mutation testing"): option messages, repeat births, same-session states,
// rebooting, sequence baselines, deadline ties, the tick's order, heap compaction and snapshots.
// Every expected change is worked out by hand from the thresholds: with heartbeat h, SUSPECT at
// last heard + 1.5 h and OFFLINE at + 3 h (a 60 s child: 90 s and 180 s; a 30 s gateway: 45 s, 90 s).

const HB = 60_000;
const GW_HB = 30_000;

function setup(options: Partial<RegistryDeps> = {}): { reg: Registry; lines: string[] } {
  const lines: string[] = [];
  const reg = new Registry({ journal: (at_ms, _kind, f) => lines.push(`${at_ms} ${String(f.d)} ${String(f.from)}->${String(f.to)} ${String(f.why)}`), ...options });
  return { reg, lines };
}

interface BirthOptions {
  session?: number;
  seq?: number;
  ts?: number;
  received_ms?: number;
  heartbeat_ms?: number;
  gateway?: string | null;
  kind?: BirthPayload['kind'];
  model?: string;
  fw?: string;
}

function birth(id: string, o: BirthOptions = {}): DeviceMessage {
  const ts = o.ts ?? 0;
  const kind = o.kind ?? (id.startsWith('gw') ? 'gateway' : 'env');
  const payload: BirthPayload = {
    v: 1,
    id,
    kind,
    model: o.model ?? (kind === 'gateway' ? 'gw-model' : 'env-model'),
    serial: `sn-${id}`,
    fw: o.fw ?? '1.0.0',
    site: 's1',
    building: 'b1',
    floor: 'f1',
    zone: null,
    gateway: o.gateway === undefined ? null : o.gateway,
    power: 'mains',
    caps: [],
    heartbeat_ms: o.heartbeat_ms ?? (kind === 'gateway' ? GW_HB : HB),
    session: o.session ?? 1,
    seq: o.seq ?? 0,
    ts,
  };
  return { type: 'birth', device_id: id, site_id: 's1', received_ms: o.received_ms ?? ts, payload };
}

function telemetry(id: string, seq: number, ts: number, received_ms = ts): DeviceMessage {
  return { type: 'telemetry', device_id: id, site_id: 's1', received_ms, payload: { v: 1, id, seq, ts, values: { temperature_c: 20 } } };
}

function stateMsg(id: string, st: 'online' | 'offline' | 'rebooting', session: number, o: { seq?: number; ts?: number; received_ms: number; reason?: string }): DeviceMessage {
  const payload: Record<string, unknown> = { v: 1, id, state: st, session, reason: o.reason ?? 'boot' };
  if (o.seq !== undefined) payload.seq = o.seq;
  if (o.ts !== undefined) payload.ts = o.ts;
  return { type: 'state', device_id: id, site_id: 's1', received_ms: o.received_ms, payload } as DeviceMessage;
}

function will(id: string, session: number, received_ms: number): DeviceMessage {
  return stateMsg(id, 'offline', session, { received_ms, reason: 'will' });
}

function brief(changes: readonly LivenessChange[]): string[] {
  return changes.map((c) => `${c.at_ms} ${c.device_id} ${c.from}->${c.to} ${c.reason}`);
}

function optionError(deps: Partial<RegistryDeps>): RegistryError {
  try {
    setup(deps);
  } catch (err) {
    expect(err).toBeInstanceOf(RegistryError);
    return err as RegistryError;
  }
  throw new Error('expected a RegistryError');
}

describe('Registry options', () => {
  it('messages name the option and the value', () => {
    const e = optionError({ suspect_after_heartbeats: 0 });
    expect(e.name).toBe('RegistryError');
    expect(e.code).toBe('REGISTRY_BAD_OPTION');
    expect(e.message).toBe('suspect_after_heartbeats must be a positive finite number, got 0 (REGISTRY_BAD_OPTION)');
    expect(optionError({ offline_after_heartbeats: Number.POSITIVE_INFINITY }).message).toBe('offline_after_heartbeats must be a positive finite number, got Infinity (REGISTRY_BAD_OPTION)');
    expect(optionError({ suspect_after_heartbeats: 5 }).message).toBe('suspect_after_heartbeats must not exceed offline_after_heartbeats (REGISTRY_BAD_OPTION)');
    expect(optionError({ overrides: { m: { suspect_ms: 0 } } }).message).toBe('overrides.m.suspect_ms must be a positive finite number, got 0 (REGISTRY_BAD_OPTION)');
    expect(optionError({ overrides: { m: { offline_ms: -5 } } }).message).toBe('overrides.m.offline_ms must be a positive finite number, got -5 (REGISTRY_BAD_OPTION)');
  });

  it('overrides are checked in model order', () => {
    expect(optionError({ overrides: { zz: { offline_ms: 0 }, aa: { offline_ms: 0 } } }).message).toContain('overrides.aa.offline_ms');
  });

  it('equal multiples are allowed; an override may give only one threshold', () => {
    const { reg } = setup({ suspect_after_heartbeats: 2, offline_after_heartbeats: 2, overrides: { only_s: { suspect_ms: 10_000 }, only_o: { offline_ms: 20_000 } } });
    reg.apply(birth('a', { model: 'only_s' }));
    reg.apply(birth('b', { model: 'only_o' }));
    reg.apply(birth('c'));
    // a: suspect 10 s (override), offline 2 × 60 s; b: suspect 2 × 60 s = 120 s would be after its
    // 20 s offline, so no SUSPECT; c: suspect = offline = 120 s, so no SUSPECT either.
    expect(brief(reg.tick(10 * HB))).toEqual(['10000 a ONLINE->SUSPECT heartbeat_missed', '20000 b ONLINE->OFFLINE offline_deadline', '120000 a SUSPECT->OFFLINE offline_deadline', '120000 c ONLINE->OFFLINE offline_deadline']);
  });

  it('suspect override equal to offline: no SUSPECT phase', () => {
    const { reg } = setup({ overrides: { eq: { suspect_ms: 50_000, offline_ms: 50_000 } } });
    reg.apply(birth('d', { model: 'eq' }));
    expect(brief(reg.tick(HB))).toEqual(['50000 d ONLINE->OFFLINE offline_deadline']);
  });
});

describe('Registry views', () => {
  it('an empty registry lists nothing; unknown ids give undefined', () => {
    const { reg } = setup();
    expect(reg.devices()).toEqual([]);
    expect(reg.snapshot()).toEqual([]);
    expect(reg.device('nope')).toBeUndefined();
    expect(reg.entry('nope')).toBeUndefined();
  });

  it('entry is one device’s snapshot row', () => {
    const { reg } = setup();
    reg.apply(birth('d1', { ts: 500, session: 4 }));
    expect(reg.entry('d1')).toEqual({ info: reg.device('d1'), liveness: 'ONLINE', session: 4, last_heard_ms: 500, since_ms: 500 });
  });
});

describe('Registry: births', () => {
  it('a birth from an older session is stale: counted, no change, info kept', () => {
    const { reg } = setup();
    reg.apply(birth('d1', { session: 2, fw: '2.0.0' }));
    expect(reg.apply(birth('d1', { session: 1, seq: 1, ts: 100, fw: '1.0.0' }))).toEqual([]);
    expect(reg.stats().stale_state).toBe(1);
    expect(reg.device('d1')?.fw).toBe('2.0.0');
    expect(reg.entry('d1')?.session).toBe(2);
  });

  it('a repeat birth of the same session updates the info and is not stale', () => {
    const { reg } = setup();
    reg.apply(birth('d1', { session: 1, fw: '1.0.0' }));
    expect(reg.apply(birth('d1', { session: 1, seq: 1, ts: 100, fw: '1.1.0' }))).toEqual([]);
    expect(reg.device('d1')?.fw).toBe('1.1.0');
    expect(reg.stats().stale_state).toBe(0);
  });

  it('a repeat birth revives a SUSPECT device, unless it is older than what was heard', () => {
    const { reg } = setup();
    reg.apply(birth('d1', { ts: 0 }));
    reg.apply(telemetry('d1', 1, 10_000));
    reg.tick(100_000); // SUSPECT at 10 s + 90 s
    expect(reg.liveness('d1')).toBe('SUSPECT');
    // Same session, sent at 5 s (before the telemetry at 10 s): late, proves nothing.
    expect(reg.apply(birth('d1', { seq: 2, ts: 5_000, received_ms: 101_000 }))).toEqual([]);
    expect(reg.liveness('d1')).toBe('SUSPECT');
    expect(brief(reg.apply(birth('d1', { seq: 3, ts: 102_000 })))).toEqual(['102000 d1 SUSPECT->ONLINE birth']);
  });

  it('a repeat birth does not revive a child cut off behind a dead gateway', () => {
    const { reg } = setup();
    reg.apply(birth('gw1'));
    reg.apply(birth('c1', { gateway: 'gw1', ts: 1_000 }));
    reg.apply(will('gw1', 1, 10_000));
    expect(reg.apply(birth('c1', { gateway: 'gw1', seq: 1, ts: 11_000 }))).toEqual([]);
    expect(reg.liveness('c1')).toBe('UNREACHABLE');
  });
});

describe('Registry: states of the current session', () => {
  it('online revives a SUSPECT device (reason state); late or muted it does not', () => {
    const { reg } = setup();
    reg.apply(birth('d1', { ts: 0 }));
    reg.apply(telemetry('d1', 1, 10_000));
    reg.tick(100_000);
    expect(reg.apply(stateMsg('d1', 'online', 1, { seq: 2, ts: 9_000, received_ms: 100_500 }))).toEqual([]);
    expect(reg.liveness('d1')).toBe('SUSPECT');
    expect(reg.stats().out_of_order).toBe(1);
    expect(brief(reg.apply(stateMsg('d1', 'online', 1, { seq: 3, ts: 101_000, received_ms: 101_000 })))).toEqual(['101000 d1 SUSPECT->ONLINE state']);
    expect(reg.stats()).toMatchObject({ stale_state: 0, seq_gap: 0 });
  });

  it('online after the session ended is stale and counted once', () => {
    const { reg } = setup();
    reg.apply(birth('d1'));
    reg.apply(will('d1', 1, 1_000));
    expect(reg.apply(stateMsg('d1', 'online', 1, { seq: 1, ts: 2_000, received_ms: 2_000 }))).toEqual([]);
    expect(reg.stats().stale_state).toBe(1);
    expect(reg.liveness('d1')).toBe('OFFLINE');
  });

  it('online without a ts does not revive a child behind a gateway that came back (no proof of when)', () => {
    const { reg } = setup();
    reg.apply(birth('gw1'));
    reg.apply(birth('c1', { gateway: 'gw1', ts: 1_000 }));
    reg.apply(will('gw1', 1, 10_000));
    reg.apply(birth('gw1', { session: 2, seq: 1, ts: 20_000 }));
    expect(reg.apply(stateMsg('c1', 'online', 1, { seq: 1, received_ms: 21_000 }))).toEqual([]);
    expect(reg.liveness('c1')).toBe('UNREACHABLE');
    // A ts exactly at the gateway's return counts.
    expect(brief(reg.apply(telemetry('c1', 2, 20_000, 22_000)))).toEqual(['22000 c1 UNREACHABLE->ONLINE telemetry']);
  });

  it('traffic with the same ts as the newest heard is not late', () => {
    const { reg } = setup();
    reg.apply(birth('d1', { ts: 0 }));
    reg.apply(telemetry('d1', 1, 10_000));
    reg.tick(100_000);
    expect(brief(reg.apply(telemetry('d1', 2, 10_000, 100_500)))).toEqual(['100500 d1 SUSPECT->ONLINE telemetry']);
    expect(reg.stats().out_of_order).toBe(0);
  });

  it('rebooting keeps the device as it is, but its ts pushes the deadline and its seq counts', () => {
    const { reg, lines } = setup();
    reg.apply(birth('d1', { ts: 0, seq: 0 }));
    expect(reg.apply(stateMsg('d1', 'rebooting', 1, { seq: 3, ts: 50_000, received_ms: 50_000, reason: 'reboot' }))).toEqual([]);
    expect(reg.liveness('d1')).toBe('ONLINE');
    expect(reg.stats().seq_gap).toBe(2); // 1 and 2 lost
    expect(reg.entry('d1')?.last_heard_ms).toBe(50_000);
    expect(brief(reg.tick(200_000))).toEqual(['140000 d1 ONLINE->SUSPECT heartbeat_missed']);
    expect(lines).toEqual(['0 d1 UNKNOWN->ONLINE birth', '140000 d1 ONLINE->SUSPECT heartbeat_missed']);
  });

  it('rebooting into a newer session adopts it: the old session’s will is stale', () => {
    const { reg } = setup();
    reg.apply(birth('d1', { ts: 0 }));
    reg.apply(stateMsg('d1', 'rebooting', 2, { seq: 9, ts: 1_000, received_ms: 1_000, reason: 'reboot' }));
    expect(reg.entry('d1')?.session).toBe(2);
    expect(reg.apply(will('d1', 1, 2_000))).toEqual([]);
    expect(reg.liveness('d1')).toBe('ONLINE');
    // The new session starts its own seq baseline at 9: 10 next, no gap.
    reg.apply(telemetry('d1', 10, 3_000));
    expect(reg.stats()).toMatchObject({ stale_state: 1, seq_gap: 0 });
  });

  it('a clean offline of the current session counts its seq gap', () => {
    const { reg } = setup();
    reg.apply(birth('d1', { ts: 0, seq: 0 }));
    expect(brief(reg.apply(stateMsg('d1', 'offline', 1, { seq: 5, ts: 1_000, received_ms: 1_000, reason: 'shutdown' })))).toEqual(['1000 d1 ONLINE->OFFLINE state']);
    expect(reg.stats().seq_gap).toBe(4);
    expect(reg.saveState().devices[0]).toMatchObject({ session_end: 'state' });
  });

  it('offline of a session never seen begin: OFFLINE, and that session is over', () => {
    const { reg } = setup();
    reg.apply(birth('d1', { ts: 0, seq: 0 }));
    expect(brief(reg.apply(stateMsg('d1', 'offline', 2, { seq: 7, ts: 1_000, received_ms: 1_000, reason: 'shutdown' })))).toEqual(['1000 d1 ONLINE->OFFLINE state']);
    expect(reg.entry('d1')?.session).toBe(2);
    expect(reg.stats().seq_gap).toBe(0); // a new session: no gap across it
    // A birth of that same (ended) session does not bring it back; the next one does.
    expect(reg.apply(birth('d1', { session: 2, seq: 8, ts: 2_000 }))).toEqual([]);
    expect(brief(reg.apply(birth('d1', { session: 3, seq: 0, ts: 3_000 })))).toEqual(['3000 d1 OFFLINE->ONLINE birth']);
  });

  it('a will of a newer session is a will', () => {
    const { reg } = setup();
    reg.apply(birth('d1'));
    expect(brief(reg.apply(will('d1', 3, 500)))).toEqual(['500 d1 ONLINE->OFFLINE will']);
    expect(reg.saveState().devices[0]).toMatchObject({ session: 3, session_end: 'will' });
  });
});

describe('Registry: OTA status reports', () => {
  it('count as traffic: they revive a SUSPECT device (reason ota) and carry seq and ts', () => {
    const { reg } = setup();
    reg.apply(birth('d1', { ts: 0, seq: 0 }));
    reg.tick(90_000);
    expect(reg.liveness('d1')).toBe('SUSPECT');
    const ota: DeviceMessage = { type: 'ota', device_id: 'd1', site_id: 's1', received_ms: 95_000, payload: { v: 1, id: 'd1', seq: 3, ts: 95_000, job: 'j1', from: '1.0.0', to: '2.0.0', state: 'downloading', result: 'in_progress' } } as DeviceMessage;
    expect(brief(reg.apply(ota))).toEqual(['95000 d1 SUSPECT->ONLINE ota']);
    expect(reg.stats().seq_gap).toBe(2);
    expect(reg.entry('d1')?.last_heard_ms).toBe(95_000);
  });
});

describe('Registry: sequence baselines', () => {
  it('a session started without a seq takes its baseline from the first seq heard', () => {
    const { reg } = setup();
    reg.apply(birth('d1', { ts: 0, seq: 0 }));
    reg.apply(stateMsg('d1', 'online', 2, { ts: 1_000, received_ms: 1_000 }));
    reg.apply(telemetry('d1', 40, 2_000));
    reg.apply(telemetry('d1', 41, 3_000));
    expect(reg.stats().seq_gap).toBe(0);
    reg.apply(telemetry('d1', 43, 4_000));
    expect(reg.stats().seq_gap).toBe(1);
  });

  it('a seq exactly half the ring ahead is behind (late), not 128 lost', () => {
    const { reg } = setup();
    reg.apply(birth('d1', { ts: 0, seq: 0 })); // next expected: 1
    reg.apply(telemetry('d1', 129, 1_000)); // 128 ahead of 1: behind
    expect(reg.stats().seq_gap).toBe(0);
    reg.apply(telemetry('d1', 128, 2_000)); // 127 ahead: 127 lost
    expect(reg.stats().seq_gap).toBe(127);
  });

  it('a message with a seq and no ts is remembered with no ts: a later one with ts 1 is not its duplicate', () => {
    const { reg } = setup();
    reg.apply(birth('d1', { ts: 0, seq: 0 }));
    reg.apply(stateMsg('d1', 'rebooting', 1, { seq: 5, received_ms: 100 }));
    reg.apply(telemetry('d1', 5, 1));
    reg.apply(stateMsg('d1', 'rebooting', 1, { seq: 5, received_ms: 200 }));
    expect(reg.stats().duplicate).toBe(1);
  });

  it('messages without a seq are never remembered', () => {
    const { reg } = setup();
    reg.apply(birth('d1', { ts: 0, seq: 0 }));
    reg.apply(will('d1', 1, 100)); // no seq, no ts
    // A newer session's online, also without ts, with seq 0: not a duplicate of anything.
    expect(brief(reg.apply(stateMsg('d1', 'online', 2, { seq: 0, received_ms: 200 })))).toEqual(['200 d1 OFFLINE->ONLINE state']);
    expect(reg.stats().duplicate).toBe(0);
  });

  it('the duplicate window is the last 16 messages', () => {
    const { reg } = setup();
    reg.apply(birth('d1', { ts: 0, seq: 0 }));
    for (let s = 1; s <= 20; s++) reg.apply(telemetry('d1', s, s * 1_000));
    const saved = reg.saveState().devices[0]!;
    expect(saved.recent_count).toBe(16);
    expect(saved.recent_next).toBe(5); // 21 writes into 16 slots
    // 21 messages so far (seq 0..20): the last 16 are seq 5..20, so a repeat of seq 5 is a duplicate.
    reg.apply(telemetry('d1', 5, 5_000, 30_000));
    expect(reg.stats()).toMatchObject({ duplicate: 1, out_of_order: 0 });
    // seq 4 fell out of the window: not recognised, so it counts as out of order instead.
    reg.apply(telemetry('d1', 4, 4_000, 31_000));
    expect(reg.stats()).toMatchObject({ duplicate: 1, out_of_order: 1 });
  });
});

describe('Registry: deadline ties and the tick’s order', () => {
  it('a child’s own deadline at its gateway’s death instant fires first when its id sorts first', () => {
    const { reg } = setup();
    reg.apply(birth('gw1'));
    reg.apply(birth('c1', { gateway: 'gw1' }));
    // gw1: SUSPECT 45 s, OFFLINE 90 s; c1: SUSPECT 90 s. At 90 s, (at, id) puts c1 before gw1.
    expect(brief(reg.tick(100_000))).toEqual([
      '45000 gw1 ONLINE->SUSPECT heartbeat_missed',
      '90000 c1 ONLINE->SUSPECT heartbeat_missed',
      '90000 gw1 SUSPECT->OFFLINE offline_deadline',
      '90000 c1 SUSPECT->UNREACHABLE parent_offline',
    ]);
  });

  it('… and after the gateway when its id sorts after: then it is cut off while ONLINE', () => {
    const { reg } = setup();
    reg.apply(birth('gw1'));
    reg.apply(birth('z1', { gateway: 'gw1' }));
    expect(brief(reg.tick(100_000))).toEqual(['45000 gw1 ONLINE->SUSPECT heartbeat_missed', '90000 gw1 SUSPECT->OFFLINE offline_deadline', '90000 z1 ONLINE->UNREACHABLE parent_offline']);
  });

  it('a change clamped to a later receive stamp is sorted among the others by time, then id', () => {
    const { reg, lines } = setup();
    // z: heard at ts 0 but received (and made ONLINE) at 120 s; its SUSPECT deadline (90 s) is
    // clamped to 120 s. a: heard at 30 s, SUSPECT at 120 s. Popped z first, returned a first.
    reg.apply(birth('z', { ts: 0, received_ms: 120_000 }));
    reg.apply(birth('a', { ts: 30_000 }));
    expect(brief(reg.tick(120_000))).toEqual(['120000 a ONLINE->SUSPECT heartbeat_missed', '120000 z ONLINE->SUSPECT heartbeat_missed']);
    expect(lines.slice(-2)).toEqual(['120000 a ONLINE->SUSPECT heartbeat_missed', '120000 z ONLINE->SUSPECT heartbeat_missed']);
  });

  it('many earlier deadlines (stale heap entries) are compacted without losing the live one', () => {
    const { reg } = setup();
    // Each newer session has a shorter heartbeat, so each pulls the deadline in: one heap push each.
    // With one device the heap is rebuilt once it holds more than 2 × 1 + 64 = 66 entries, so the
    // 67th birth (the last) triggers it: only the live entry may survive, and it must.
    for (let i = 0; i < 67; i++) reg.apply(birth('d1', { session: i + 1, seq: i, ts: 0, heartbeat_ms: 100_000 - i * 1_000 }));
    // Last heartbeat 34 s: SUSPECT at 51 s, OFFLINE at 102 s.
    expect(brief(reg.tick(1_000_000))).toEqual(['51000 d1 ONLINE->SUSPECT heartbeat_missed', '102000 d1 SUSPECT->OFFLINE offline_deadline']);
  });
});

describe('Registry: a gateway’s return', () => {
  it('the child’s own deadline counts from the return, not from the gateway’s later flaps', () => {
    const { reg } = setup();
    reg.apply(birth('gw1', { ts: 0 }));
    reg.apply(birth('c1', { gateway: 'gw1', ts: 1_000 }));
    reg.apply(will('gw1', 1, 10_000));
    reg.apply(birth('gw1', { session: 2, seq: 0, ts: 20_000 }));
    // c1: UNREACHABLE, OFFLINE at max(1 s, 20 s) + 180 s = 200 s unless it speaks.
    // gw1 goes SUSPECT at 65 s and comes back at 70 s; then keeps talking.
    expect(brief(reg.tick(65_000))).toEqual(['65000 gw1 ONLINE->SUSPECT heartbeat_missed']);
    expect(brief(reg.apply(telemetry('gw1', 1, 70_000)))).toEqual(['70000 gw1 SUSPECT->ONLINE telemetry']);
    let seq = 2;
    for (let t = 100_000; t <= 190_000; t += 30_000) {
      reg.apply(telemetry('gw1', seq++, t));
      expect(reg.tick(t)).toEqual([]);
    }
    expect(brief(reg.tick(200_000))).toEqual(['200000 c1 UNREACHABLE->OFFLINE offline_deadline']);
  });

  it('a child that came back on its own is not given a rejoin deadline; cut off again, it waits', () => {
    const { reg } = setup();
    reg.apply(birth('gw1', { ts: 0 }));
    reg.apply(birth('c1', { gateway: 'gw1', ts: 0 }));
    reg.apply(will('gw1', 1, 10_000));
    expect(brief(reg.apply(birth('c1', { gateway: 'gw1', session: 2, ts: 15_000 })))).toEqual(['15000 c1 UNREACHABLE->ONLINE birth']);
    reg.apply(birth('gw1', { session: 2, ts: 20_000 }));
    expect(reg.saveState().devices.find((d) => d.id === 'c1')?.rejoin_from_ms).toBeNull();
    expect(brief(reg.apply(will('gw1', 2, 30_000)))).toEqual(['30000 gw1 ONLINE->OFFLINE will', '30000 c1 ONLINE->UNREACHABLE parent_offline']);
    expect(reg.tick(10 * 3_600_000)).toEqual([]);
    expect(reg.liveness('c1')).toBe('UNREACHABLE');
  });

  it('an OFFLINE child is left alone when the gateway returns', () => {
    const { reg } = setup();
    reg.apply(birth('gw1', { ts: 0 }));
    reg.apply(birth('c1', { gateway: 'gw1', ts: 0 }));
    reg.apply(will('c1', 1, 5_000));
    reg.apply(will('gw1', 1, 10_000));
    reg.apply(birth('gw1', { session: 2, ts: 20_000 }));
    expect(reg.saveState().devices.find((d) => d.id === 'c1')).toMatchObject({ liveness: 'OFFLINE', rejoin_from_ms: null });
  });

  it('leaving UNREACHABLE clears the rejoin base', () => {
    const { reg } = setup();
    reg.apply(birth('gw1', { ts: 0 }));
    reg.apply(birth('c1', { gateway: 'gw1', ts: 0 }));
    reg.apply(will('gw1', 1, 10_000));
    reg.apply(birth('gw1', { session: 2, ts: 20_000 }));
    expect(reg.saveState().devices.find((d) => d.id === 'c1')?.rejoin_from_ms).toBe(20_000);
    reg.apply(telemetry('c1', 1, 25_000));
    expect(reg.saveState().devices.find((d) => d.id === 'c1')).toMatchObject({ liveness: 'ONLINE', rejoin_from_ms: null });
  });
});

describe('Registry: saveState and loadState', () => {
  function busy(): Registry {
    const { reg } = setup();
    reg.apply(birth('gw1', { ts: 0 }));
    reg.apply(birth('c2', { gateway: 'gw1', ts: 0 }));
    reg.apply(birth('c1', { gateway: 'gw1', ts: 0 }));
    reg.apply(birth('solo', { ts: 0 }));
    reg.apply(telemetry('solo', 3, 1_000)); // 1, 2 lost
    reg.apply(telemetry('solo', 3, 1_000)); // duplicate
    reg.apply(telemetry('ghost', 0, 0)); // unknown
    reg.apply(will('c2', 1, 2_000));
    reg.apply(birth('c2', { gateway: 'gw1', session: 0, ts: 3_000 })); // stale
    reg.apply(telemetry('solo', 4, 500, 4_000)); // out of order
    return reg;
  }

  it('saves every device in id order with its counters', () => {
    const saved = busy().saveState();
    expect(saved.devices.map((d) => d.id)).toEqual(['c1', 'c2', 'gw1', 'solo']);
    expect(saved.counters).toEqual({ duplicate: 1, out_of_order: 1, seq_gap: 2, stale_state: 1, unknown_device: 1 });
    const solo = saved.devices[3]!;
    // The duplicate is not remembered: birth (0), seq 3 and the late seq 4.
    expect(solo).toMatchObject({ liveness: 'ONLINE', session: 1, last_heard_ms: 1_000, scheduled_ms: 90_000, parent: null, expected_seq: 5, recent_count: 3, recent_next: 3 });
    expect(solo.recent_seq.slice(0, 4)).toEqual([0, 3, 4, 0]);
    expect(solo.recent_seq).toHaveLength(16);
    expect(solo.recent_ts.slice(0, 3)).toEqual([0, 1_000, 500]);
    expect(saved.devices[1]).toMatchObject({ liveness: 'OFFLINE', session_end: 'will', parent: 'gw1' });
    expect(Object.keys(solo)).not.toContain('heap_gen');
  });

  it('a loaded registry behaves like the saved one, even one that had devices before', () => {
    const original = busy();
    const { reg: copy } = setup();
    copy.apply(birth('old', { ts: 0 }));
    copy.loadState(original.saveState());
    expect(copy.saveState()).toEqual(original.saveState());
    expect(copy.stats()).toEqual(original.stats());
    expect(copy.stats().by_liveness).toEqual({ ONLINE: 3, SUSPECT: 0, OFFLINE: 1, UNKNOWN: 0, UNREACHABLE: 0 });
    expect(copy.devices().map((d) => d.id)).toEqual(['c1', 'c2', 'gw1', 'solo']);
    expect(copy.device('old')).toBeUndefined();
    // Deadlines come back from scheduled_ms: the same changes on both.
    expect(brief(copy.tick(50_000))).toEqual(brief(original.tick(50_000)));
    expect(brief(copy.tick(50_000))).toEqual([]);
    // Children come back from each record's parent: the gateway's will cuts c1 off on both.
    const expected = ['60000 gw1 SUSPECT->OFFLINE will', '60000 c1 ONLINE->UNREACHABLE parent_offline'];
    expect(brief(original.apply(will('gw1', 1, 60_000)))).toEqual(expected);
    expect(brief(copy.apply(will('gw1', 1, 60_000)))).toEqual(expected);
    expect(brief(copy.tick(200_000))).toEqual(brief(original.tick(200_000)));
    expect(copy.liveness('solo')).toBe('OFFLINE');
  });

  it('a record with no deadline loads with none', () => {
    const { reg } = setup();
    reg.apply(birth('d1', { ts: 0 }));
    reg.apply(will('d1', 1, 1_000));
    expect(reg.tick(100_000)).toEqual([]); // its old deadline lapses: scheduled_ms null
    const { reg: copy } = setup();
    copy.loadState(reg.saveState());
    expect(copy.tick(10 * 3_600_000)).toEqual([]);
    expect(copy.saveState().devices[0]?.scheduled_ms).toBeNull();
  });
});
