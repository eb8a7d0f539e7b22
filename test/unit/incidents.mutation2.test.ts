/**
 * Second round of cases for the mutants of platform/monitoring/incidents.ts that
 * test/unit/incidents.mutation.test.ts left alive (docs/testing.md, "Mutation testing"): late
 * devices and hysteresis, inhibition edge cases (resolved alerts, manually resolved incidents,
 * no write-back wired), the saved indexes after an outage ends, eviction at the limit, and a
 * restart with cut-off devices. Expected values are worked out by hand from the rules in the
 * module's header (80 % opens, 50 % clears, 3 devices at least, cut-off devices count only with
 * two gateways down; P2 targets 1 h / 8 h). Each test builds its own desk.
 */
import { describe, expect, it } from 'vitest';
import type { DeviceKind } from '../../platform/contract/messages.ts';
import type { Alert, AlertType, DeviceInfo, Liveness, Severity } from '../../platform/core/model.ts';
import { IncidentDesk, type IncidentDeskDeps } from '../../platform/monitoring/incidents.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY_MS = 24 * HOUR;
const T0 = 1_800_000_000_000;

function dev(id: string, kind: DeviceKind, over: Partial<DeviceInfo> = {}): DeviceInfo {
  return {
    id,
    kind,
    model: 'm',
    fw: '1.0.0',
    serial: `s-${id}`,
    site: 's1',
    building: 'b1',
    floor: 'f1',
    zone: 'z1',
    gateway: null,
    power: 'mains',
    heartbeat_ms: 300_000,
    caps: [],
    ...over,
  };
}

interface AlertOver {
  id?: string;
  severity?: Severity;
  status?: Alert['status'];
  started_ms?: number;
  resolved_ms?: number | null;
  inhibited_by?: string | null;
}

function alert(type: AlertType, device_id: string, over: AlertOver = {}): Alert {
  return {
    id: over.id ?? `${type}:${device_id}`,
    device_id,
    type,
    severity: over.severity ?? 'major',
    status: over.status ?? 'firing',
    started_ms: over.started_ms ?? T0,
    acked_ms: null,
    resolved_ms: over.resolved_ms ?? null,
    count: 1,
    flapping: false,
    inhibited_by: over.inhibited_by ?? null,
    summary: '',
  };
}

/** A desk over a fixed fleet, with liveness kept in a map and every journal line and write-back recorded. */
function world(devs: DeviceInfo[], over: Partial<IncidentDeskDeps> = {}) {
  const lines: Array<[number, string, Record<string, unknown>]> = [];
  const byId = new Map(devs.map((d) => [d.id, d]));
  const live = new Map<string, Liveness>();
  const inhibited: Array<[string, string | null, number | undefined]> = [];
  const desk = new IncidentDesk({
    journal: (t, k, f) => lines.push([t, k, f as Record<string, unknown>]),
    device: (id) => byId.get(id),
    devices: () => [...byId.values()],
    liveness: (id) => live.get(id) ?? 'UNKNOWN',
    alerts: {
      setInhibited(alert_id, incident_id, now_ms) {
        inhibited.push([alert_id, incident_id, now_ms]);
        return undefined;
      },
    },
    ...over,
  });
  return {
    desk,
    lines,
    inhibited,
    byId,
    live,
    /** A liveness change as the registry reports it. */
    set(id: string, to: Liveness, at: number): void {
      const from = live.get(id) ?? 'UNKNOWN';
      live.set(id, to);
      desk.onLiveness({ device_id: id, at_ms: at, from, to, reason: 'test' }, at);
    },
    /** Journal lines of one kind. */
    of(kind: string): Array<[number, Record<string, unknown>]> {
      return lines.filter(([, k]) => k === kind).map(([t, , f]) => [t, f]);
    },
  };
}

/** Floor f1 of b1 with gateways gw1 (children c1…c3) and gw2 (d1…d3) and o1; f2 with u0…u4; b2 with gw3. */
function twoGateways(): DeviceInfo[] {
  return [
    dev('gw1', 'gateway'),
    dev('gw2', 'gateway'),
    ...['c1', 'c2', 'c3'].map((id) => dev(id, 'occupancy', { gateway: 'gw1' })),
    ...['d1', 'd2', 'd3'].map((id) => dev(id, 'occupancy', { gateway: 'gw2' })),
    dev('o1', 'env'),
    ...Array.from({ length: 5 }, (_, i) => dev(`u${i}`, 'env', { floor: 'f2' })),
    dev('gw3', 'gateway', { building: 'b2', floor: 'g1' }),
  ];
}

/** Five env devices on f1 of b1: 4 down is 80 % of the floor and of the building (a building outage). */
function five(): DeviceInfo[] {
  return Array.from({ length: 5 }, (_, i) => dev(`e${i}`, 'env'));
}

describe('incident desk: late devices and the index', () => {
  it('a late device that comes ONLINE is indexed as up: a 2-of-3 floor is no outage, even later', () => {
    const devs = [dev('e0', 'env'), dev('e1', 'env'), ...['y0', 'y1', 'y2'].map((id) => dev(id, 'env', { building: 'b2', floor: 'g1' }))];
    const w = world(devs);
    for (const d of devs) w.set(d.id, 'ONLINE', T0);
    w.set('e0', 'OFFLINE', T0 + MIN);
    w.set('e1', 'OFFLINE', T0 + MIN); // b1 has two devices: never an outage
    w.byId.set('late', dev('late', 'env'));
    w.set('late', 'ONLINE', T0 + 2 * MIN); // b1: 2 of 3 down (67 %), below 80 %
    for (const id of ['y0', 'y1', 'y2']) w.set(id, 'OFFLINE', T0 + 3 * MIN); // b2: 3 of 3
    expect(w.desk.open().map((i) => [i.scope.kind, i.scope.id])).toEqual([['building', 'b2']]);
  });

  it('groups are saved with sorted members and gateways, gateways only on floors, buildings and sites, none inactive by mistake', () => {
    const w = world([dev('gw9', 'gateway'), dev('m1', 'env', { gateway: 'gw9' })]);
    w.set('m1', 'ONLINE', T0);
    w.byId.set('gw0', dev('gw0', 'gateway'));
    w.set('gw0', 'ONLINE', T0 + MIN);
    w.byId.set('a1', dev('a1', 'env', { gateway: 'gw0' }));
    w.set('a1', 'ONLINE', T0 + MIN);
    const all = ['a1', 'gw0', 'gw9', 'm1'];
    const idle = { site: 's1', offline: 0, cut_off: 0, gateways_offline: 0, active: false };
    expect(w.desk.saveState().groups).toEqual([
      { kind: 'building', key: 'building:s1/b1', scope_id: 'b1', members: all, gateways: ['gw0', 'gw9'], ...idle },
      { kind: 'floor', key: 'floor:s1/b1/f1', scope_id: 'f1', members: all, gateways: ['gw0', 'gw9'], ...idle },
      { kind: 'gateway', key: 'gateway:s1/gw0', scope_id: 'gw0', members: ['a1', 'gw0'], gateways: [], ...idle },
      { kind: 'gateway', key: 'gateway:s1/gw9', scope_id: 'gw9', members: ['gw9', 'm1'], gateways: [], ...idle },
      { kind: 'site', key: 'site:s1', scope_id: 's1', members: all, gateways: ['gw0', 'gw9'], ...idle },
    ]);
    expect(w.desk.all()).toEqual([]);
  });

  it('a desk started with a gateway down counts its UNREACHABLE children as cut off: a gateway outage, not a floor one', () => {
    const devs = twoGateways();
    const w = world(devs);
    for (const d of devs) w.live.set(d.id, 'ONLINE');
    w.live.set('gw1', 'OFFLINE');
    for (const id of ['c1', 'c2', 'c3']) w.live.set(id, 'UNREACHABLE');
    for (const id of ['d1', 'd2', 'd3', 'o1']) w.live.set(id, 'OFFLINE');
    // f1: 8 of 9 down, but 3 only cut off behind the one dead gateway: 5 of 9 (56 %) on their own.
    w.desk.onLiveness({ device_id: 'u0', at_ms: T0, from: 'ONLINE', to: 'ONLINE', reason: 'test' }, T0);
    expect(w.desk.open().map((i) => [i.scope.kind, i.scope.id, i.device_ids])).toEqual([['gateway', 'gw1', ['c1', 'c2', 'c3', 'gw1']]]);
  });

  it('a change that turns every group of the device at once still opens the outage', () => {
    // One gateway and its two children, the whole site: with c1 and c2 down on their own, gw down
    // turns its gateway group, the floor, the building and the site down together.
    const devs = [dev('gw', 'gateway'), dev('c1', 'env', { gateway: 'gw' }), dev('c2', 'env', { gateway: 'gw' })];
    const w = world(devs);
    for (const d of devs) w.set(d.id, 'ONLINE', T0);
    w.set('c1', 'OFFLINE', T0 + MIN);
    w.set('c2', 'OFFLINE', T0 + MIN);
    expect(w.desk.all()).toEqual([]);
    w.set('gw', 'OFFLINE', T0 + 2 * MIN);
    expect(w.desk.open().map((i) => [i.id, i.scope.kind, i.scope.id, i.priority, i.cause, i.device_ids])).toEqual([['INC-000001', 'site', 's1', 'P1', 'uplink', ['c1', 'c2', 'gw']]]);
  });
});

describe('incident desk: inhibition edges', () => {
  it('a newer version of an inhibited alert that names another outage keeps the name it carries', () => {
    const w = world(five());
    for (const d of five()) w.set(d.id, 'ONLINE', T0);
    for (let i = 0; i < 4; i++) w.set(`e${i}`, 'OFFLINE', T0 + MIN); // INC-000001
    expect(w.desk.onAlert(alert('device_offline', 'e0', { started_ms: T0 + MIN }), T0 + 2 * MIN).inhibited_by).toBe('INC-000001');
    const moved = alert('device_offline', 'e0', { started_ms: T0 + MIN, inhibited_by: 'INC-000777' });
    expect(w.desk.onAlert(moved, T0 + 3 * MIN).inhibited_by).toBe('INC-000777');
  });

  it('a resolved connectivity alert arriving during an outage is not inhibited', () => {
    const w = world(five());
    for (const d of five()) w.set(d.id, 'ONLINE', T0);
    for (let i = 0; i < 4; i++) w.set(`e${i}`, 'OFFLINE', T0 + MIN); // INC-000001
    const done = w.desk.onAlert(alert('stale_telemetry', 'e1', { started_ms: T0 + MIN, status: 'resolved', resolved_ms: T0 + 2 * MIN }), T0 + 2 * MIN);
    expect(done.inhibited_by).toBeNull();
    expect(w.inhibited).toEqual([]);
    expect(w.desk.get('INC-000001')!.alert_ids).toEqual([]);
  });

  it('an inhibited alert never raises the outage\'s priority', () => {
    const w = world(twoGateways(), { critical_device: (id) => id === 'c1' });
    for (const d of twoGateways()) w.set(d.id, 'ONLINE', T0);
    w.set('gw1', 'OFFLINE', T0 + MIN); // INC-000001, gateway_down, P2
    // Critical severity on a critical device would be P1 on its own.
    const a = w.desk.onAlert(alert('device_offline', 'c1', { started_ms: T0 + MIN, severity: 'critical' }), T0 + 2 * MIN);
    expect(a.inhibited_by).toBe('INC-000001');
    expect(w.desk.get('INC-000001')).toMatchObject({ priority: 'P2', response_due_ms: T0 + MIN + HOUR, resolution_due_ms: T0 + MIN + 8 * HOUR, alert_ids: ['device_offline:c1'] });
    // Again, as a newer version of the same alert.
    w.desk.onAlert(alert('device_offline', 'c1', { started_ms: T0 + MIN, severity: 'critical' }), T0 + 3 * MIN);
    expect(w.desk.get('INC-000001')!.priority).toBe('P2');
  });

  it('an update of a grouped alert at the same priority writes no journal line', () => {
    const w = world([dev('d1', 'occupancy')]);
    w.desk.onAlert(alert('threshold', 'd1', { severity: 'major' }), T0); // P4
    const before = w.of('p.inc').length;
    w.desk.onAlert(alert('threshold', 'd1', { severity: 'major' }), T0 + MIN);
    expect(w.of('p.inc')).toHaveLength(before);
    expect(w.desk.get('INC-000001')).toMatchObject({ priority: 'P4', response_due_ms: T0 + DAY_MS, status: 'open' });
  });

  it('inhibition works with no alert manager wired to write it back, also when an outage is absorbed', () => {
    const w = world(twoGateways(), { alerts: undefined });
    for (const d of twoGateways()) w.set(d.id, 'ONLINE', T0 - HOUR);
    w.set('gw1', 'OFFLINE', T0 + MIN); // INC-000001
    for (const id of ['c1', 'c2', 'c3']) w.set(id, 'UNREACHABLE', T0 + MIN);
    w.set('gw2', 'OFFLINE', T0 + 2 * MIN); // INC-000002
    expect(w.desk.onAlert(alert('device_offline', 'd1', { started_ms: T0 + 2 * MIN }), T0 + 2 * MIN).inhibited_by).toBe('INC-000002');
    for (const id of ['d1', 'd2', 'd3']) w.set(id, 'UNREACHABLE', T0 + 3 * MIN); // the floor: INC-000001 widens, absorbs INC-000002
    expect(w.desk.get('INC-000001')).toMatchObject({ scope: { kind: 'floor', id: 'f1' }, alert_ids: ['device_offline:d1'] });
    expect(w.desk.saveState().known.map((a) => [a.id, a.inhibited_by])).toEqual([['device_offline:d1', 'INC-000001']]);
    expect(w.inhibited).toEqual([]);
  });

  it('an outage taking over an alert of a manually resolved incident leaves that incident as it was', () => {
    const w = world(five());
    for (const d of five()) w.set(d.id, 'ONLINE', T0 - HOUR);
    w.desk.onAlert(alert('device_offline', 'e0', { started_ms: T0 + MIN }), T0 + MIN); // INC-000001
    w.desk.resolve('INC-000001', T0 + 2 * MIN, 'op');
    for (let i = 0; i < 4; i++) w.set(`e${i}`, 'OFFLINE', T0 + 5 * MIN); // INC-000002 takes the still-firing alert
    expect(w.desk.get('INC-000002')!.alert_ids).toEqual(['device_offline:e0']);
    expect(w.desk.get('INC-000001')).toMatchObject({ status: 'resolved', resolved_ms: T0 + 2 * MIN, alert_ids: [] });
    expect(w.of('p.inc').filter(([, f]) => f.into !== undefined)).toEqual([]);
  });

  it('an incident left with only resolved alerts after an outage takes one resolves itself at the last resolution', () => {
    const w = world(five());
    for (const d of five()) w.set(d.id, 'ONLINE', T0 - HOUR);
    w.desk.onAlert(alert('threshold', 'e0', { started_ms: T0, severity: 'minor' }), T0); // INC-000001
    w.desk.onAlert(alert('device_offline', 'e0', { started_ms: T0 + MIN }), T0 + MIN); // joins it
    w.desk.onAlert(alert('threshold', 'e0', { started_ms: T0, severity: 'minor', status: 'resolved', resolved_ms: T0 + 2 * MIN }), T0 + 2 * MIN);
    expect(w.desk.get('INC-000001')!.status).toBe('open');
    for (let i = 0; i < 4; i++) w.set(`e${i}`, 'OFFLINE', T0 + 5 * MIN); // INC-000002
    expect(w.desk.get('INC-000001')).toMatchObject({ status: 'resolved', resolved_ms: T0 + 2 * MIN, alert_ids: ['threshold:e0'] });
    expect(w.desk.get('INC-000002')).toMatchObject({ status: 'open', alert_ids: ['device_offline:e0'] });
  });

  it('a resolved connectivity alert kept by an open incident is not taken over by a later outage', () => {
    const w = world(five());
    for (const d of five()) w.set(d.id, 'ONLINE', T0 - HOUR);
    w.desk.onAlert(alert('threshold', 'e0', { started_ms: T0, severity: 'minor' }), T0); // INC-000001
    w.desk.onAlert(alert('device_offline', 'e0', { started_ms: T0 + MIN }), T0 + MIN);
    w.desk.onAlert(alert('device_offline', 'e0', { started_ms: T0 + MIN, status: 'resolved', resolved_ms: T0 + 2 * MIN }), T0 + 2 * MIN);
    for (let i = 0; i < 4; i++) w.set(`e${i}`, 'OFFLINE', T0 + 5 * MIN); // INC-000002
    expect(w.inhibited).toEqual([]);
    expect(w.desk.get('INC-000001')).toMatchObject({ status: 'open', alert_ids: ['threshold:e0', 'device_offline:e0'] });
    expect(w.desk.get('INC-000002')!.alert_ids).toEqual([]);
  });
});

describe('incident desk: indexes after the fact', () => {
  it('alerts_by_device is saved sorted, and keeps a device\'s other alerts when one is forgotten', () => {
    const w = world([dev('d1', 'occupancy')]);
    w.desk.onAlert(alert('threshold', 'd1', { id: 'z-alert' }), T0); // INC-000001
    w.desk.onAlert(alert('battery_low', 'd1', { id: 'a-alert', severity: 'warning' }), T0); // opens nothing
    expect(w.desk.saveState().alerts_by_device).toEqual([['d1', ['a-alert', 'z-alert']]]);
    w.desk.onAlert(alert('battery_low', 'd1', { id: 'a-alert', severity: 'warning', status: 'resolved', resolved_ms: T0 + MIN }), T0 + MIN);
    expect(w.desk.saveState().alerts_by_device).toEqual([['d1', ['z-alert']]]);
    expect(w.desk.saveState().known.map((a) => a.id)).toEqual(['z-alert']);
  });

  it('a gateway outage ending drops its coverage and leaves the gateway\'s own device incident open for grouping', () => {
    const w = world(twoGateways());
    for (const d of twoGateways()) w.set(d.id, 'ONLINE', T0 - HOUR);
    w.desk.onAlert(alert('threshold', 'gw1', { started_ms: T0 }), T0); // INC-000001, device gw1
    w.set('gw1', 'OFFLINE', T0 + MIN); // INC-000002, gateway gw1
    expect(w.desk.saveState().covering).toEqual([
      ['c1', ['INC-000002']],
      ['c2', ['INC-000002']],
      ['c3', ['INC-000002']],
      ['gw1', ['INC-000002']],
    ]);
    w.set('gw1', 'ONLINE', T0 + 2 * MIN);
    expect(w.desk.get('INC-000002')).toMatchObject({ status: 'resolved', resolved_ms: T0 + 2 * MIN });
    const saved = w.desk.saveState();
    expect(saved.covering).toEqual([]);
    expect(saved.site_outages).toEqual([['s1', []]]);
    expect(saved.device_incident).toEqual([['gw1', 'INC-000001']]);
    w.desk.onAlert(alert('threshold', 'gw1', { id: 'second', started_ms: T0 + 3 * MIN }), T0 + 3 * MIN);
    expect(w.desk.all().map((i) => [i.id, i.status, i.alert_ids])).toEqual([
      ['INC-000001', 'open', ['threshold:gw1', 'second']],
      ['INC-000002', 'resolved', []],
    ]);
  });
});

describe('incident desk: eviction edges', () => {
  it('nothing goes at exactly max_incidents; beyond it only resolved incidents go, never an older open one', () => {
    const w = world([dev('d1', 'occupancy'), dev('d2', 'occupancy'), dev('d3', 'occupancy')], { max_incidents: 2 });
    w.desk.onAlert(alert('threshold', 'd1'), T0); // INC-000001, stays open
    w.desk.onAlert(alert('threshold', 'd2'), T0 + MIN); // INC-000002
    w.desk.resolve('INC-000002', T0 + 2 * MIN, 'op');
    expect(w.desk.evicted()).toBe(0);
    expect(w.desk.all().map((i) => i.id)).toEqual(['INC-000001', 'INC-000002']);
    w.desk.onAlert(alert('threshold', 'd3'), T0 + 3 * MIN); // INC-000003: 3 > 2, one resolved goes
    expect(w.desk.evicted()).toBe(1);
    expect(w.desk.all().map((i) => [i.id, i.status])).toEqual([
      ['INC-000001', 'open'],
      ['INC-000003', 'open'],
    ]);
  });
});

describe('incident desk: area edges', () => {
  it('a site stays down at exactly half its gateways and is over below half (its saved active flag)', () => {
    const devs = [dev('gw1', 'gateway'), dev('gw2', 'gateway', { building: 'b2', floor: 'g1' }), dev('gw3', 'gateway', { building: 'b3', floor: 'h1' }), dev('gw4', 'gateway', { building: 'b4', floor: 'k1' })];
    const w = world(devs);
    for (const d of devs) w.set(d.id, 'ONLINE', T0);
    const site = () => w.desk.saveState().groups.find((g) => g.key === 'site:s1')!;
    for (const d of devs) w.set(d.id, 'OFFLINE', T0 + MIN);
    expect(site()).toMatchObject({ gateways_offline: 4, active: true });
    w.set('gw1', 'ONLINE', T0 + 2 * MIN);
    w.set('gw2', 'ONLINE', T0 + 2 * MIN);
    expect(site()).toMatchObject({ gateways_offline: 2, active: true }); // 2 of 4 = 50 %
    w.set('gw3', 'ONLINE', T0 + 3 * MIN);
    expect(site()).toMatchObject({ gateways_offline: 1, active: false }); // 25 %
  });

  it('with two gateways down, cut-off devices making exactly 80 % of the floor open its outage', () => {
    // b1/f1: gw1 (c1…c3), gw2 (d1…d3), o1, o2 = 10 devices; gw3 elsewhere keeps the site up.
    const devs = [
      dev('gw1', 'gateway'),
      dev('gw2', 'gateway'),
      ...['c1', 'c2', 'c3'].map((id) => dev(id, 'occupancy', { gateway: 'gw1' })),
      ...['d1', 'd2', 'd3'].map((id) => dev(id, 'occupancy', { gateway: 'gw2' })),
      dev('o1', 'env'),
      dev('o2', 'env'),
      dev('gw3', 'gateway', { building: 'b2', floor: 'g1' }),
    ];
    const w = world(devs);
    for (const d of devs) w.set(d.id, 'ONLINE', T0);
    w.set('gw1', 'OFFLINE', T0 + MIN);
    w.set('gw2', 'OFFLINE', T0 + MIN);
    for (const id of ['c1', 'c2', 'c3', 'd1', 'd2']) w.set(id, 'UNREACHABLE', T0 + MIN);
    expect(w.desk.open().map((i) => i.scope.kind)).toEqual(['gateway', 'gateway']); // 7 of 10
    w.set('d3', 'UNREACHABLE', T0 + 2 * MIN); // 8 of 10: the building (= the floor) is down
    expect(w.desk.open().map((i) => [i.scope.kind, i.scope.id])).toEqual([['building', 'b1']]);
  });

  it('a floor outage covers the children of its gateway on another floor', () => {
    const devs = [
      dev('gw1', 'gateway'),
      ...['e0', 'e1', 'e2', 'e3'].map((id) => dev(id, 'env')),
      ...['c1', 'c2', 'c3'].map((id) => dev(id, 'occupancy', { floor: 'f2', gateway: 'gw1' })),
      ...['u0', 'u1', 'u2'].map((id) => dev(id, 'env', { floor: 'f2' })),
      dev('gw9', 'gateway', { building: 'b2', floor: 'g1' }), // keeps the site up
    ];
    const w = world(devs);
    for (const d of devs) w.set(d.id, 'ONLINE', T0);
    // The floor first (4 of 5, its gateway still up): the floor incident itself, not a widened
    // gateway one, covers the children of the gateway inside it.
    for (const id of ['e0', 'e1', 'e2', 'e3']) w.set(id, 'OFFLINE', T0 + MIN);
    expect(w.desk.open().map((i) => [i.scope.kind, i.scope.id, i.device_ids])).toEqual([['floor', 'f1', ['c1', 'c2', 'c3', 'e0', 'e1', 'e2', 'e3', 'gw1']]]);
    w.set('gw1', 'OFFLINE', T0 + 2 * MIN);
    expect(w.desk.open().map((i) => [i.scope.kind, i.scope.id, i.device_ids])).toEqual([['floor', 'f1', ['c1', 'c2', 'c3', 'e0', 'e1', 'e2', 'e3', 'gw1']]]);
  });

  it('a site outage with a device behind a gateway the registry does not know', () => {
    const w = world([dev('gw1', 'gateway'), dev('orph', 'env', { gateway: 'ghost' })]);
    w.set('orph', 'ONLINE', T0);
    w.set('gw1', 'OFFLINE', T0 + MIN);
    expect(w.desk.open().map((i) => [i.scope.kind, i.scope.id, i.device_ids])).toEqual([['site', 's1', ['gw1', 'orph']]]);
  });
});

describe('incident desk: two outages in one site', () => {
  it('a building outage and a floor outage of another building stay two incidents; nothing new covered writes no line', () => {
    const devs = [
      ...['a0', 'a1', 'a2'].map((id) => dev(id, 'env')),
      ...['q0', 'q1', 'q2'].map((id) => dev(id, 'env', { building: 'b2', floor: 'g1' })),
      ...['r0', 'r1', 'r2'].map((id) => dev(id, 'env', { building: 'b2', floor: 'g2' })),
    ];
    const w = world(devs);
    for (const d of devs) w.set(d.id, 'ONLINE', T0);
    for (const id of ['a0', 'a1', 'a2']) w.set(id, 'OFFLINE', T0 + MIN); // b1 (and its floor): INC-000001
    for (const id of ['q0', 'q1', 'q2']) w.set(id, 'OFFLINE', T0 + 2 * MIN); // b2/g1 only (b2 3 of 6): INC-000002
    expect(w.desk.open().map((i) => [i.id, i.scope.kind, i.scope.id, i.building, i.priority, i.device_ids])).toEqual([
      ['INC-000001', 'building', 'b1', 'b1', 'P1', ['a0', 'a1', 'a2']],
      ['INC-000002', 'floor', 'g1', 'b2', 'P2', ['q0', 'q1', 'q2']],
    ]);
    const line = (id: string, pri: string, scope: string, nd: number) => ({ id, pri, scope, s: 'open', n: 0, nd });
    expect(w.of('p.inc')).toEqual([
      [T0 + MIN, line('INC-000001', 'P1', 'building:b1', 0)],
      [T0 + MIN, line('INC-000001', 'P1', 'building:b1', 3)],
      [T0 + 2 * MIN, line('INC-000002', 'P2', 'floor:g1', 0)],
      [T0 + 2 * MIN, line('INC-000002', 'P2', 'floor:g1', 3)],
    ]);
  });
});

describe('incident desk: eviction order and the limit', () => {
  it('a desk at exactly max_incidents after a creation evicts nothing', () => {
    const w = world([dev('d1', 'occupancy'), dev('d2', 'occupancy')], { max_incidents: 2 });
    w.desk.onAlert(alert('threshold', 'd1'), T0); // INC-000001
    w.desk.resolve('INC-000001', T0 + MIN, 'op');
    w.desk.onAlert(alert('threshold', 'd2'), T0 + 2 * MIN); // INC-000002: 2 incidents, the limit
    expect(w.desk.evicted()).toBe(0);
    expect(w.desk.all().map((i) => i.id)).toEqual(['INC-000001', 'INC-000002']);
    expect(w.of('p.inc_evict')).toEqual([]);
  });

  it('the resolved incident that opened first goes first, not the one created first', () => {
    const w = world([dev('d1', 'occupancy'), dev('d2', 'occupancy'), dev('d3', 'occupancy')], { max_incidents: 2 });
    // INC-000001 opens at its alert's start, 10 min ahead; INC-000002 opens at T0 + 1 min.
    w.desk.onAlert(alert('threshold', 'd1', { started_ms: T0 + 10 * MIN }), T0);
    w.desk.onAlert(alert('threshold', 'd2', { started_ms: T0 + MIN }), T0 + MIN);
    w.desk.resolve('INC-000001', T0 + 20 * MIN, 'op');
    w.desk.resolve('INC-000002', T0 + 21 * MIN, 'op');
    w.desk.onAlert(alert('threshold', 'd3', { started_ms: T0 + 30 * MIN }), T0 + 30 * MIN); // 3 > 2: one goes
    expect(w.desk.all().map((i) => [i.id, i.opened_ms])).toEqual([
      ['INC-000001', T0 + 10 * MIN],
      ['INC-000003', T0 + 30 * MIN],
    ]);
    expect(w.of('p.inc_evict')).toEqual([[T0 + 21 * MIN, { n: 1, total: 1 }]]);
  });
});
