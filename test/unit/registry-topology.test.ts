import { describe, expect, it } from 'vitest';
import type { BirthPayload } from '../../platform/contract/messages.ts';
import type { DeviceMessage, LivenessChange } from '../../platform/core/model.ts';
import { Registry } from '../../platform/registry/registry.ts';

// Topology-aware liveness: a gateway's death makes the devices riding on it UNREACHABLE at once
// (Sparkplug B NDEATH), and the races around it (late child messages, stale wills, flapping).

const HB = 60_000; // children: suspect at 90 s, offline at 180 s of silence
const GW_HB = 30_000;

interface Line {
  at_ms: number;
  kind: string;
  fields: Record<string, unknown>;
}

function setup(): { reg: Registry; lines: Line[] } {
  const lines: Line[] = [];
  return { reg: new Registry({ journal: (at_ms, kind, fields) => lines.push({ at_ms, kind, fields }) }), lines };
}

function birth(id: string, o: { session?: number; ts: number; gateway?: string | null; kind?: 'gateway' | 'env'; heartbeat_ms?: number }): DeviceMessage {
  const kind = o.kind ?? (id.startsWith('gw') ? 'gateway' : 'env');
  const payload: BirthPayload = {
    v: 1,
    id,
    kind,
    model: kind === 'gateway' ? 'acme-gw' : 'acme-env',
    serial: `sn-${id}`,
    fw: '1.0.0',
    site: 's1',
    building: 'b1',
    floor: 'f1',
    zone: kind === 'gateway' ? null : 'z1',
    gateway: o.gateway === undefined ? (kind === 'gateway' ? null : 'gw1') : o.gateway,
    power: 'mains',
    caps: [],
    heartbeat_ms: o.heartbeat_ms ?? (kind === 'gateway' ? GW_HB : HB),
    session: o.session ?? 1,
    seq: 0,
    ts: o.ts,
  };
  return { type: 'birth', device_id: id, site_id: 's1', received_ms: o.ts, payload };
}

function telemetry(id: string, seq: number, ts: number, received_ms = ts): DeviceMessage {
  return { type: 'telemetry', device_id: id, site_id: 's1', received_ms, payload: { v: 1, id, seq, ts, values: { temperature_c: 21 } } };
}

function will(id: string, session: number, received_ms: number): DeviceMessage {
  return { type: 'state', device_id: id, site_id: 's1', received_ms, payload: { v: 1, id, state: 'offline', session, reason: 'will' } };
}

function brief(changes: readonly LivenessChange[]): string[] {
  return changes.map((c) => `${c.at_ms} ${c.device_id} ${c.from}->${c.to} ${c.reason}`);
}

/** A gateway with children c3, c1, c2 born in that (non-sorted) order, all ONLINE at t=1000. */
function fleet(): { reg: Registry; lines: Line[] } {
  const s = setup();
  s.reg.apply(birth('gw1', { ts: 0 }));
  for (const id of ['c3', 'c1', 'c2']) s.reg.apply(birth(id, { ts: 1_000 }));
  s.lines.length = 0;
  return s;
}

describe('Registry: a gateway death cuts off its children', () => {
  it("the gateway's will makes every ONLINE child UNREACHABLE at that instant, in id order, journalled as parent_offline", () => {
    const { reg, lines } = fleet();
    const changes = reg.apply(will('gw1', 1, 10_000));
    expect(brief(changes)).toEqual([
      '10000 gw1 ONLINE->OFFLINE will',
      '10000 c1 ONLINE->UNREACHABLE parent_offline',
      '10000 c2 ONLINE->UNREACHABLE parent_offline',
      '10000 c3 ONLINE->UNREACHABLE parent_offline',
    ]);
    expect(lines.map((l) => l.fields)).toEqual([
      { d: 'gw1', from: 'ONLINE', to: 'OFFLINE', why: 'will' },
      { d: 'c1', from: 'ONLINE', to: 'UNREACHABLE', why: 'parent_offline' },
      { d: 'c2', from: 'ONLINE', to: 'UNREACHABLE', why: 'parent_offline' },
      { d: 'c3', from: 'ONLINE', to: 'UNREACHABLE', why: 'parent_offline' },
    ]);
    expect(reg.stats().by_liveness).toMatchObject({ OFFLINE: 1, UNREACHABLE: 3, ONLINE: 0 });
  });

  it('an UNREACHABLE child has no deadline while its parent is down (its silence is explained)', () => {
    const { reg } = fleet();
    reg.apply(will('gw1', 1, 10_000));
    expect(reg.tick(10 * 3_600_000)).toEqual([]);
    expect(reg.liveness('c1')).toBe('UNREACHABLE');
  });

  it('an already OFFLINE or SUSPECT child: OFFLINE stays OFFLINE, SUSPECT becomes UNREACHABLE', () => {
    const { reg } = fleet();
    reg.apply(will('c1', 1, 2_000));
    // c2 stays silent past 1.5 hb (suspect); c3 and the gateway keep talking.
    reg.apply(telemetry('c3', 1, 80_000));
    reg.apply(telemetry('gw1', 1, 80_000));
    reg.tick(95_000);
    expect(reg.liveness('c2')).toBe('SUSPECT');
    expect(brief(reg.apply(will('gw1', 1, 100_000)))).toEqual([
      '100000 gw1 ONLINE->OFFLINE will',
      '100000 c2 SUSPECT->UNREACHABLE parent_offline',
      '100000 c3 ONLINE->UNREACHABLE parent_offline',
    ]);
    expect(reg.liveness('c1')).toBe('OFFLINE');
  });

  it("a gateway's offline deadline cuts its children off too, at the deadline, right after the gateway in the tick's order", () => {
    const s = setup();
    s.reg.apply(birth('gw1', { ts: 0 }));
    // 'a0' sorts before 'gw1': the order must still put the gateway first.
    for (const id of ['a0', 'c1']) s.reg.apply(birth(id, { ts: 0 }));
    // Children keep talking until 60 s; the gateway never speaks again (deadline 3 × 30 s = 90 s).
    s.reg.apply(telemetry('a0', 1, 60_000));
    s.reg.apply(telemetry('c1', 1, 60_000));
    const changes = s.reg.tick(100_000);
    expect(brief(changes)).toEqual([
      '45000 gw1 ONLINE->SUSPECT heartbeat_missed',
      '90000 gw1 SUSPECT->OFFLINE offline_deadline',
      '90000 a0 ONLINE->UNREACHABLE parent_offline',
      '90000 c1 ONLINE->UNREACHABLE parent_offline',
    ]);
    expect(s.lines.filter((l) => l.kind === 'p.live').map((l) => `${l.at_ms} ${String(l.fields.d)} ${String(l.fields.to)}`).slice(-3)).toEqual(['90000 gw1 OFFLINE', '90000 a0 UNREACHABLE', '90000 c1 UNREACHABLE']);
  });

  it('a sparse tick fires deadlines in global time order: a child whose own deadline came first goes OFFLINE, not UNREACHABLE', () => {
    const s = setup();
    s.reg.apply(birth('gw1', { ts: 0, heartbeat_ms: 60_000 })); // offline at 180 s
    s.reg.apply(birth('c1', { ts: 0, heartbeat_ms: 40_000 })); // offline at 120 s
    const changes = s.reg.tick(1_000_000);
    expect(brief(changes)).toEqual([
      '60000 c1 ONLINE->SUSPECT heartbeat_missed',
      '90000 gw1 ONLINE->SUSPECT heartbeat_missed',
      '120000 c1 SUSPECT->OFFLINE offline_deadline',
      '180000 gw1 SUSPECT->OFFLINE offline_deadline',
    ]);
  });
});

describe('Registry: the parent returns', () => {
  it('a child that re-announces itself is ONLINE again; a silent one goes OFFLINE on its own deadline from the return', () => {
    const { reg } = fleet();
    reg.apply(will('gw1', 1, 10_000));
    expect(brief(reg.apply(birth('gw1', { session: 2, ts: 600_000 })))).toEqual(['600000 gw1 OFFLINE->ONLINE birth']);
    // Children are still cut off until they speak.
    expect(reg.liveness('c1')).toBe('UNREACHABLE');
    expect(brief(reg.apply(birth('c1', { session: 2, ts: 605_000 })))).toEqual(['605000 c1 UNREACHABLE->ONLINE birth']);
    reg.apply(telemetry('c2', 1, 606_000));
    expect(reg.liveness('c2')).toBe('ONLINE');
    // The gateway keeps its heartbeat; c3 never answers: OFFLINE at return + 3 hb, not earlier.
    for (let t = 630_000; t <= 800_000; t += 30_000) reg.apply(telemetry('gw1', t / 30_000, t));
    reg.apply(telemetry('c1', 2, 700_000));
    reg.apply(telemetry('c2', 2, 700_000));
    expect(reg.tick(600_000 + 3 * HB - 1).filter((c) => c.device_id === 'c3')).toEqual([]);
    expect(brief(reg.tick(600_000 + 3 * HB).filter((c) => c.device_id === 'c3'))).toEqual(['780000 c3 UNREACHABLE->OFFLINE offline_deadline']);
  });

  it("a child's late message (sent before the parent's will) does not revive it, before or after the parent's return", () => {
    const { reg } = fleet();
    reg.apply(will('gw1', 1, 10_000));
    // Sent at 9 s (newer than anything heard from c1), delivered at 12 s: the path died at 10 s.
    expect(reg.apply(telemetry('c1', 1, 9_000, 12_000))).toEqual([]);
    expect(reg.liveness('c1')).toBe('UNREACHABLE');
    reg.apply(birth('gw1', { session: 2, ts: 600_000 }));
    expect(reg.apply(telemetry('c1', 2, 9_500, 601_000))).toEqual([]);
    expect(reg.liveness('c1')).toBe('UNREACHABLE');
    // A message sent after the return does revive it.
    expect(brief(reg.apply(telemetry('c1', 3, 602_000)))).toEqual(['602000 c1 UNREACHABLE->ONLINE telemetry']);
  });

  it('store and forward: reports held while the parent was down, flushed on its return, do not revive the child in the past', () => {
    const { reg } = fleet();
    reg.apply(will('gw1', 1, 10_000));
    // Sampled at 300 s, while the gateway was down, delivered at once or later: still cut off.
    expect(reg.apply(telemetry('c1', 1, 300_000, 300_000))).toEqual([]);
    reg.apply(birth('gw1', { session: 2, ts: 600_000 }));
    expect(reg.apply(telemetry('c1', 2, 400_000, 600_500))).toEqual([]);
    expect(reg.liveness('c1')).toBe('UNREACHABLE');
    // Its birth after the return is what brings it back, at the birth's time.
    expect(brief(reg.apply(birth('c1', { session: 2, ts: 601_000 })))).toEqual(['601000 c1 UNREACHABLE->ONLINE birth']);
  });

  it('a stale will of an older gateway session cuts nobody off', () => {
    const { reg, lines } = fleet();
    reg.apply(birth('gw1', { session: 2, ts: 5_000 }));
    expect(reg.apply(will('gw1', 1, 6_000))).toEqual([]);
    expect(['gw1', 'c1', 'c2', 'c3'].map((id) => reg.liveness(id))).toEqual(['ONLINE', 'ONLINE', 'ONLINE', 'ONLINE']);
    expect(lines.filter((l) => l.fields.to === 'UNREACHABLE')).toEqual([]);
    expect(reg.stats().stale_state).toBe(1);
  });

  it('a flapping parent: down, up, down again — children that answered in between are cut off again, silent ones never reach their deadline', () => {
    const { reg } = fleet();
    reg.apply(will('gw1', 1, 10_000));
    reg.apply(birth('gw1', { session: 2, ts: 20_000 }));
    reg.apply(birth('c1', { session: 2, ts: 21_000 }));
    const again = reg.apply(will('gw1', 2, 30_000));
    // c1 had answered (ONLINE) and is cut off again; c2, c3 were still UNREACHABLE: no new line.
    expect(brief(again)).toEqual(['30000 gw1 ONLINE->OFFLINE will', '30000 c1 ONLINE->UNREACHABLE parent_offline']);
    // The rejoin deadline armed at 20 s must not fire while the parent is down again.
    expect(reg.tick(20_000 + 10 * HB)).toEqual([]);
    expect(['c1', 'c2', 'c3'].map((id) => reg.liveness(id))).toEqual(['UNREACHABLE', 'UNREACHABLE', 'UNREACHABLE']);
  });

  it('a new session of the child itself always counts (the session outranks clocks)', () => {
    const { reg } = fleet();
    reg.apply(will('gw1', 1, 10_000));
    expect(brief(reg.apply(birth('c2', { session: 5, ts: 9_000 })))).toEqual(['10000 c2 UNREACHABLE->ONLINE birth']);
  });

  it('children are found whatever the birth order: a gateway born after its children still cuts them off', () => {
    const s = setup();
    for (const id of ['c2', 'c1']) s.reg.apply(birth(id, { ts: 0 }));
    s.reg.apply(birth('gw1', { ts: 1_000 }));
    expect(brief(s.reg.apply(will('gw1', 1, 2_000))).slice(1)).toEqual(['2000 c1 ONLINE->UNREACHABLE parent_offline', '2000 c2 ONLINE->UNREACHABLE parent_offline']);
  });

  it('a child that moves to another gateway follows its new parent only', () => {
    const s = setup();
    s.reg.apply(birth('gw1', { ts: 0 }));
    s.reg.apply(birth('gw2', { ts: 0 }));
    s.reg.apply(birth('c1', { ts: 0, gateway: 'gw1' }));
    s.reg.apply(birth('c1', { ts: 1_000, session: 2, gateway: 'gw2' }));
    expect(brief(s.reg.apply(will('gw1', 1, 2_000)))).toEqual(['2000 gw1 ONLINE->OFFLINE will']);
    expect(brief(s.reg.apply(will('gw2', 1, 3_000)))).toEqual(['3000 gw2 ONLINE->OFFLINE will', '3000 c1 ONLINE->UNREACHABLE parent_offline']);
  });
});

describe("Registry: the platform's own broker link", () => {
  it('link down makes every ONLINE or SUSPECT device UNREACHABLE at once (platform_link), OFFLINE ones stay; nothing has a deadline while down', () => {
    const { reg, lines } = fleet();
    reg.apply(will('c1', 1, 2_000));
    lines.length = 0;
    const changes = reg.linkDown(50_000);
    expect(brief(changes)).toEqual(['50000 c2 ONLINE->UNREACHABLE platform_link', '50000 c3 ONLINE->UNREACHABLE platform_link', '50000 gw1 ONLINE->UNREACHABLE platform_link']);
    expect(lines.map((l) => l.fields.why)).toEqual(['platform_link', 'platform_link', 'platform_link']);
    expect(reg.tick(10 * 3_600_000)).toEqual([]);
    expect(reg.liveness('c1')).toBe('OFFLINE');
  });

  it('after link up a device that re-announces itself is ONLINE; one that stays silent goes OFFLINE on its deadline from the return', () => {
    const { reg } = fleet();
    reg.apply(birth('solo', { ts: 1_000, gateway: null }));
    reg.linkDown(50_000);
    reg.linkUp(600_000);
    // c1 comes back with a new session; 'solo' (no gateway) says nothing.
    expect(brief(reg.apply(birth('c1', { session: 2, ts: 602_000 })))).toEqual(['602000 c1 UNREACHABLE->ONLINE birth']);
    // Its offline deadline is 3 × 60 s from the return (600 s): 780 s.
    expect(brief(reg.tick(779_999)).filter((c) => c.includes('solo'))).toEqual([]);
    expect(brief(reg.tick(780_000)).filter((c) => c.includes('solo'))).toEqual(['780000 solo UNREACHABLE->OFFLINE offline_deadline']);
  });

  it('a child behind a gateway known dead when the link returns waits for its gateway, not for the link', () => {
    const { reg } = fleet();
    reg.apply(will('gw1', 1, 10_000));
    reg.linkDown(50_000);
    reg.linkUp(100_000);
    expect(reg.tick(10 * 3_600_000)).toEqual([]);
    expect(reg.liveness('c1')).toBe('UNREACHABLE');
  });
});
