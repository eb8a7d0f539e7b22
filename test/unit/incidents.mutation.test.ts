/**
 * The incident desk (platform/monitoring/incidents.ts) driven directly, with hand-built alerts and
 * liveness changes: priorities and their deadlines, grouping, acknowledgement and resolution,
 * auto-resolve, floor, building, gateway and site outages with their hysteresis, inhibition,
 * eviction and the saved state. Every expected value is worked out by hand from the brief's
 * tables (impact × urgency; P1 15 min / 4 h, P2 1 h / 8 h, P3 4 h / 2 d, P4 1 d / 5 d).
 * Each test builds its own desk (a shared fixture hides kills: docs/testing.md).
 */
import { describe, expect, it } from 'vitest';
import type { DeviceKind } from '../../platform/contract/messages.ts';
import type { Alert, AlertType, DeviceInfo, Liveness, Severity } from '../../platform/core/model.ts';
import { IncidentDesk, defaultPriorityTargets, priorityOf, type IncidentDeskDeps } from '../../platform/monitoring/incidents.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
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

describe('incident desk: priorities', () => {
  it('priorityOf is the whole 3 × 3 impact × urgency matrix', () => {
    const levels = ['high', 'medium', 'low'] as const;
    const table = levels.map((impact) => levels.map((urgency) => priorityOf(impact, urgency)));
    expect(table).toEqual([
      ['P1', 'P2', 'P3'],
      ['P2', 'P3', 'P4'],
      ['P3', 'P4', 'P4'],
    ]);
  });

  it('defaultPriorityTargets is a copy of the brief table', () => {
    const t = defaultPriorityTargets();
    expect(t).toEqual({
      P1: { respond_ms: 15 * MIN, resolve_ms: 4 * HOUR },
      P2: { respond_ms: HOUR, resolve_ms: 8 * HOUR },
      P3: { respond_ms: 4 * HOUR, resolve_ms: 2 * DAY },
      P4: { respond_ms: DAY, resolve_ms: 5 * DAY },
    });
    (t as Record<string, unknown>).P1 = null;
    expect(defaultPriorityTargets().P1).toEqual({ respond_ms: 15 * MIN, resolve_ms: 4 * HOUR });
  });

  it('leak is P1 on any device; a critical device or a clinic is high impact; hvac, lock, leak and gateway are medium', () => {
    const devs = [
      dev('o1', 'occupancy'),
      dev('o2', 'occupancy', { building: 'b2' }),
      dev('o3', 'occupancy'),
      dev('h1', 'hvac'),
      dev('l1', 'lock'),
      dev('k1', 'leak'),
      dev('g1', 'gateway'),
      dev('c1', 'occupancy'),
    ];
    const w = world(devs, { building_type: (b) => (b === 'b2' ? 'clinic' : 'office'), critical_device: (id) => id === 'c1' });
    for (const d of ['o1', 'o2', 'h1', 'l1', 'k1', 'g1', 'c1']) w.desk.onAlert(alert('threshold', d, { severity: 'major' }), T0);
    w.desk.onAlert(alert('leak', 'o3', { severity: 'minor' }), T0);
    // major = medium urgency: low impact P4, medium P3, high P2; a leak is P1 whatever its severity.
    expect(w.desk.all().map((i) => [i.scope.id, i.priority])).toEqual([
      ['o1', 'P4'],
      ['o2', 'P2'],
      ['h1', 'P3'],
      ['l1', 'P3'],
      ['k1', 'P3'],
      ['g1', 'P3'],
      ['c1', 'P2'],
      ['o3', 'P1'],
    ]);
  });

  it('critical_building_types replaces the default clinic; an unknown device is low impact', () => {
    const w = world([dev('o2', 'occupancy', { building: 'b2' }), dev('o4', 'occupancy', { building: 'b4' })], {
      building_type: (b) => (b === 'b2' ? 'clinic' : b === 'b4' ? 'lab' : undefined),
      critical_building_types: ['lab'],
    });
    w.desk.onAlert(alert('threshold', 'o2', { severity: 'critical' }), T0);
    w.desk.onAlert(alert('threshold', 'o4', { severity: 'critical' }), T0);
    w.desk.onAlert(alert('threshold', 'ghost', { severity: 'critical' }), T0);
    // critical = high urgency: low impact P3, high P1.
    expect(w.desk.all().map((i) => [i.scope.id, i.priority, i.site, i.building])).toEqual([
      ['o2', 'P3', 's1', 'b2'],
      ['o4', 'P1', 's1', 'b4'],
      ['ghost', 'P3', '', null],
    ]);
  });

  it('critical_device counts only when it says true', () => {
    const w = world([dev('o1', 'occupancy')], { critical_device: () => false });
    w.desk.onAlert(alert('threshold', 'o1', { severity: 'critical' }), T0);
    expect(w.desk.all()[0]!.priority).toBe('P3');
  });
});

describe('incident desk: device incidents', () => {
  it('an alert of minor or worse opens an incident with deadlines from its start; a warning or a resolved alert opens none', () => {
    const w = world([dev('d1', 'occupancy'), dev('d2', 'occupancy')]);
    const warn = alert('battery_low', 'd1', { severity: 'warning' });
    expect(w.desk.onAlert(warn, T0)).toBe(warn);
    w.desk.onAlert(alert('door_forced', 'd2', { status: 'resolved', resolved_ms: T0 }), T0);
    expect(w.desk.all()).toEqual([]);
    // Started after the desk hears it (the alert manager's time is ahead): opened at its start.
    w.desk.onAlert(alert('threshold', 'd1', { severity: 'minor', started_ms: T0 + MIN }), T0);
    // Started before: opened when the desk hears it.
    w.desk.onAlert(alert('threshold', 'd2', { severity: 'minor', started_ms: T0 - MIN }), T0 + 2 * MIN);
    expect(w.desk.all()).toEqual([
      {
        id: 'INC-000001',
        priority: 'P4',
        scope: { kind: 'device', id: 'd1' },
        site: 's1',
        building: 'b1',
        cause: 'threshold',
        status: 'open',
        opened_ms: T0 + MIN,
        acked_ms: null,
        resolved_ms: null,
        response_due_ms: T0 + MIN + DAY,
        resolution_due_ms: T0 + MIN + 5 * DAY,
        alert_ids: ['threshold:d1'],
        device_ids: ['d1'],
      },
      {
        id: 'INC-000002',
        priority: 'P4',
        scope: { kind: 'device', id: 'd2' },
        site: 's1',
        building: 'b1',
        cause: 'threshold',
        status: 'open',
        opened_ms: T0 + 2 * MIN,
        acked_ms: null,
        resolved_ms: null,
        response_due_ms: T0 + 2 * MIN + DAY,
        resolution_due_ms: T0 + 2 * MIN + 5 * DAY,
        alert_ids: ['threshold:d2'],
        device_ids: ['d2'],
      },
    ]);
    expect(w.of('p.inc')).toEqual([
      [T0 + MIN, { id: 'INC-000001', pri: 'P4', scope: 'device:d1', s: 'open', n: 1, nd: 1 }],
      [T0 + 2 * MIN, { id: 'INC-000002', pri: 'P4', scope: 'device:d2', s: 'open', n: 1, nd: 1 }],
    ]);
  });

  it('opens_incident decides instead of the severity, both ways', () => {
    const w = world([dev('d1', 'occupancy'), dev('d2', 'occupancy')], { opens_incident: (type, severity, device_id) => device_id === 'd1' && type === 'threshold' && severity === 'warning' });
    w.desk.onAlert(alert('threshold', 'd1', { severity: 'warning' }), T0);
    w.desk.onAlert(alert('threshold', 'd2', { severity: 'critical' }), T0);
    expect(w.desk.all().map((i) => [i.scope.id, i.priority])).toEqual([['d1', 'P4']]);
  });

  it('alerts on one device group into its open incident; priority only rises, its deadlines from the opening', () => {
    const w = world([dev('h1', 'hvac')]);
    w.desk.onAlert(alert('threshold', 'h1', { severity: 'minor' }), T0); // medium × low: P4
    w.desk.onAlert(alert('freeze_risk', 'h1', { severity: 'critical', started_ms: T0 + 10 * MIN }), T0 + 10 * MIN); // medium × high: P2
    w.desk.onAlert(alert('battery_low', 'h1', { severity: 'major', started_ms: T0 + 20 * MIN }), T0 + 20 * MIN); // P3: no change
    // The same alert again (its count went up): nothing to record.
    w.desk.onAlert(alert('battery_low', 'h1', { severity: 'major', started_ms: T0 + 20 * MIN }), T0 + 25 * MIN);
    expect(w.desk.all()).toMatchObject([
      {
        id: 'INC-000001',
        priority: 'P2',
        opened_ms: T0,
        response_due_ms: T0 + HOUR,
        resolution_due_ms: T0 + 8 * HOUR,
        alert_ids: ['threshold:h1', 'freeze_risk:h1', 'battery_low:h1'],
        device_ids: ['h1'],
      },
    ]);
    expect(w.of('p.inc')).toEqual([
      [T0, { id: 'INC-000001', pri: 'P4', scope: 'device:h1', s: 'open', n: 1, nd: 1 }],
      [T0 + 10 * MIN, { id: 'INC-000001', pri: 'P2', scope: 'device:h1', s: 'open', n: 2, nd: 1, up: true }],
      [T0 + 20 * MIN, { id: 'INC-000001', pri: 'P2', scope: 'device:h1', s: 'open', n: 3, nd: 1 }],
    ]);
  });

  it('an update of a grouped alert raises the incident too', () => {
    const w = world([dev('h1', 'hvac')]);
    w.desk.onAlert(alert('threshold', 'h1', { severity: 'minor' }), T0); // P4
    w.desk.onAlert(alert('threshold', 'h1', { severity: 'critical' }), T0 + MIN); // P2 now
    expect(w.desk.get('INC-000001')).toMatchObject({ priority: 'P2', response_due_ms: T0 + HOUR, resolution_due_ms: T0 + 8 * HOUR, alert_ids: ['threshold:h1'] });
    expect(w.of('p.inc').at(-1)).toEqual([T0 + MIN, { id: 'INC-000001', pri: 'P2', scope: 'device:h1', s: 'open', n: 1, nd: 1, up: true }]);
  });

  it('the incident resolves itself when its last alert resolves, at the latest alert resolution', () => {
    const w = world([dev('h1', 'hvac')]);
    const a1 = alert('threshold', 'h1', { severity: 'minor' });
    const a2 = alert('freeze_risk', 'h1', { severity: 'minor' });
    const a3 = alert('battery_low', 'h1', { severity: 'minor' });
    for (const a of [a1, a2, a3]) w.desk.onAlert(a, T0);
    w.desk.onAlert({ ...a1, status: 'resolved', resolved_ms: T0 + 30 * MIN }, T0 + 31 * MIN);
    w.desk.onAlert({ ...a2, status: 'resolved', resolved_ms: T0 + 40 * MIN }, T0 + 41 * MIN);
    expect(w.desk.open()).toHaveLength(1);
    w.desk.onAlert({ ...a3, status: 'resolved', resolved_ms: T0 + 35 * MIN }, T0 + 45 * MIN);
    expect(w.desk.get('INC-000001')).toMatchObject({ status: 'resolved', resolved_ms: T0 + 40 * MIN });
    expect(w.of('p.inc').at(-1)).toEqual([T0 + 40 * MIN, { id: 'INC-000001', pri: 'P4', scope: 'device:h1', s: 'resolved', n: 3, nd: 1, auto: true }]);
    // Nothing open refers to the alerts any more: the desk forgets them.
    const s = w.desk.saveState();
    expect([s.known, s.alert_incident, s.alerts_by_device, s.device_incident]).toEqual([[], [], [], []]);
    // A later alert on the device opens a new incident.
    w.desk.onAlert(alert('threshold', 'h1', { id: 'threshold:h1:2', severity: 'minor' }), T0 + HOUR);
    expect(w.desk.open().map((i) => i.id)).toEqual(['INC-000002']);
  });

  it('an alert resolved without a time resolves its incident when the desk hears it', () => {
    const w = world([dev('h1', 'hvac')]);
    const a1 = alert('threshold', 'h1', { severity: 'minor' });
    w.desk.onAlert(a1, T0);
    w.desk.onAlert({ ...a1, status: 'resolved', resolved_ms: null }, T0 + 7 * MIN);
    expect(w.desk.get('INC-000001')).toMatchObject({ status: 'resolved', resolved_ms: T0 + 7 * MIN });
  });

  it('acknowledge and resolve: once each, never before the opening, journaled with who', () => {
    const w = world([dev('d1', 'occupancy')]);
    w.desk.onAlert(alert('threshold', 'd1', { severity: 'minor', started_ms: T0 + MIN }), T0);
    expect(w.desk.acknowledge('INC-000099', T0, 'op')).toBeUndefined();
    const acked = w.desk.acknowledge('INC-000001', T0, 'op');
    expect(acked).toMatchObject({ status: 'acknowledged', acked_ms: T0 + MIN });
    expect(w.desk.acknowledge('INC-000001', T0 + 2 * MIN, 'op')).toBeUndefined();
    expect(w.of('p.inc').at(-1)).toEqual([T0, { id: 'INC-000001', pri: 'P4', scope: 'device:d1', s: 'acknowledged', n: 1, nd: 1, by: 'op' }]);
    // An acknowledged incident still rises with its alerts.
    w.desk.onAlert(alert('threshold', 'd1', { severity: 'critical', started_ms: T0 + MIN }), T0 + 2 * MIN);
    expect(w.desk.get('INC-000001')).toMatchObject({ status: 'acknowledged', priority: 'P3' });
    expect(w.desk.resolve('INC-000099', T0, 'op')).toBeUndefined();
    const resolved = w.desk.resolve('INC-000001', T0, 'noc');
    expect(resolved).toMatchObject({ status: 'resolved', resolved_ms: T0 + MIN, acked_ms: T0 + MIN });
    expect(w.of('p.inc').at(-1)).toEqual([T0 + MIN, { id: 'INC-000001', pri: 'P3', scope: 'device:d1', s: 'resolved', n: 1, nd: 1, by: 'noc' }]);
    expect(w.desk.resolve('INC-000001', T0 + 3 * MIN, 'noc')).toBeUndefined();
    expect(w.desk.acknowledge('INC-000001', T0 + 3 * MIN, 'noc')).toBeUndefined();
    // The still-firing alert of a resolved incident opens nothing and changes nothing.
    w.desk.onAlert(alert('threshold', 'd1', { severity: 'critical', started_ms: T0 + MIN }), T0 + 4 * MIN);
    expect(w.desk.all()).toHaveLength(1);
    // A new alert on the device opens a new incident.
    w.desk.onAlert(alert('battery_low', 'd1', { severity: 'minor', started_ms: T0 + 5 * MIN }), T0 + 5 * MIN);
    expect(w.desk.open().map((i) => [i.id, i.alert_ids])).toEqual([['INC-000002', ['battery_low:d1']]]);
  });

  it('a manually resolved incident whose alert later resolves stays as it was', () => {
    const w = world([dev('d1', 'occupancy')]);
    const a = alert('threshold', 'd1', { severity: 'minor' });
    w.desk.onAlert(a, T0);
    w.desk.resolve('INC-000001', T0 + MIN, 'noc');
    const n = w.lines.length;
    w.desk.onAlert({ ...a, status: 'resolved', resolved_ms: T0 + 5 * MIN }, T0 + 5 * MIN);
    expect(w.desk.get('INC-000001')).toMatchObject({ status: 'resolved', resolved_ms: T0 + MIN });
    expect(w.lines.length).toBe(n);
    expect(w.desk.saveState().known).toEqual([]);
  });

  it('open() leaves out resolved incidents and orders by opening time, then id; snapshots are copies', () => {
    const w = world([dev('a', 'occupancy'), dev('b', 'occupancy'), dev('c', 'occupancy')]);
    w.desk.onAlert(alert('threshold', 'a', { severity: 'minor', started_ms: T0 + 2 * MIN }), T0);
    w.desk.onAlert(alert('threshold', 'b', { severity: 'minor', started_ms: T0 + MIN }), T0);
    w.desk.onAlert(alert('threshold', 'c', { severity: 'minor', started_ms: T0 + MIN }), T0);
    w.desk.resolve('INC-000002', T0 + 3 * MIN, 'noc');
    expect(w.desk.open().map((i) => i.id)).toEqual(['INC-000003', 'INC-000001']);
    expect(w.desk.all().map((i) => i.id)).toEqual(['INC-000002', 'INC-000003', 'INC-000001']);
    // The types say readonly; a caller in plain JS could still write.
    const snap = w.desk.get('INC-000001')! as unknown as { alert_ids: string[]; device_ids: string[]; scope: { id: string } };
    snap.alert_ids.push('x');
    snap.device_ids.push('y');
    snap.scope.id = 'z';
    expect(w.desk.get('INC-000001')).toMatchObject({ alert_ids: ['threshold:a'], device_ids: ['a'], scope: { kind: 'device', id: 'a' } });
    expect(w.desk.get('INC-000404')).toBeUndefined();
  });
});

describe('incident desk: eviction', () => {
  it('beyond max_incidents the oldest resolved go (one, or a tenth of the limit more), counted and journaled', () => {
    const devs = Array.from({ length: 12 }, (_, i) => dev(`d${i}`, 'occupancy'));
    const w = world(devs, { max_incidents: 10 });
    for (let i = 0; i < 10; i++) w.desk.onAlert(alert('threshold', `d${i}`, { severity: 'minor', started_ms: T0 + i * MIN }), T0);
    for (const [id, at] of [['INC-000004', 20], ['INC-000002', 21], ['INC-000003', 22]] as const) w.desk.resolve(id, T0 + at * MIN, 'noc');
    expect(w.desk.evicted()).toBe(0);
    // The 11th: 11 − 10 + 10 / 10 = 2 go, the earliest opened of the resolved ones (2 and 3).
    w.desk.onAlert(alert('threshold', 'd10', { severity: 'minor', started_ms: T0 + 30 * MIN }), T0);
    expect(w.desk.evicted()).toBe(2);
    expect(w.desk.get('INC-000002')).toBeUndefined();
    expect(w.desk.get('INC-000003')).toBeUndefined();
    expect(w.desk.get('INC-000004')).toMatchObject({ status: 'resolved' });
    expect(w.desk.all()).toHaveLength(9);
    expect(w.of('p.inc_evict')).toEqual([[T0 + 22 * MIN, { n: 2, total: 2 }]]);
  });

  it('a small limit still drops one; with nothing resolved nothing is dropped', () => {
    const devs = Array.from({ length: 6 }, (_, i) => dev(`d${i}`, 'occupancy'));
    const w = world(devs, { max_incidents: 3 });
    for (let i = 0; i < 3; i++) w.desk.onAlert(alert('threshold', `d${i}`, { severity: 'minor', started_ms: T0 + i * MIN }), T0);
    w.desk.onAlert(alert('threshold', 'd3', { severity: 'minor', started_ms: T0 + 3 * MIN }), T0);
    expect(w.desk.all()).toHaveLength(4);
    expect(w.desk.evicted()).toBe(0);
    expect(w.of('p.inc_evict')).toEqual([]);
    w.desk.resolve('INC-000002', T0 + 10 * MIN, 'noc');
    w.desk.resolve('INC-000001', T0 + 11 * MIN, 'noc');
    // 5 > 3: 5 − 3 + floor(3 / 10) = 2 go, both resolved ones, earliest opened first.
    w.desk.onAlert(alert('threshold', 'd4', { severity: 'minor', started_ms: T0 + 4 * MIN }), T0);
    expect(w.desk.evicted()).toBe(2);
    expect(w.desk.all().map((i) => i.id)).toEqual(['INC-000003', 'INC-000004', 'INC-000005']);
    expect(w.of('p.inc_evict')).toEqual([[T0 + 10 * MIN, { n: 2, total: 2 }]]);
    // At the limit exactly nothing is dropped.
    w.desk.resolve('INC-000003', T0 + 12 * MIN, 'noc');
    expect(w.desk.all()).toHaveLength(3);
    w.desk.onAlert(alert('threshold', 'd5', { severity: 'minor', started_ms: T0 + 5 * MIN }), T0);
    // 4 > 3: max(1, 4 − 3 + 0) = 1 goes.
    expect(w.desk.evicted()).toBe(3);
    expect(w.desk.all().map((i) => i.id)).toEqual(['INC-000004', 'INC-000005', 'INC-000006']);
    expect(w.of('p.inc_evict').at(-1)).toEqual([T0 + 12 * MIN, { n: 1, total: 3 }]);
  });
});

/**
 * Ten devices without a gateway on floor f1, and three more on f2 that stay up, so the building
 * (8 of 13 at most) never goes down with f1: only the floor can.
 */
function tenOnAFloor(): DeviceInfo[] {
  return [...Array.from({ length: 10 }, (_, i) => dev(`e${i}`, 'env')), ...Array.from({ length: 3 }, (_, i) => dev(`h${i}`, 'env', { floor: 'f2' }))];
}

describe('incident desk: floor and building outages', () => {
  it('a floor is down at 80 % of its devices and back below 50 % (hysteresis)', () => {
    const w = world(tenOnAFloor());
    for (let i = 0; i < 10; i++) w.set(`e${i}`, 'ONLINE', T0);
    for (let i = 0; i < 7; i++) w.set(`e${i}`, 'OFFLINE', T0 + MIN);
    expect(w.desk.all()).toEqual([]); // 7 of 10
    w.set('e7', 'OFFLINE', T0 + 2 * MIN); // 8 of 10
    expect(w.desk.all()).toEqual([
      {
        id: 'INC-000001',
        priority: 'P2',
        scope: { kind: 'floor', id: 'f1' },
        site: 's1',
        building: 'b1',
        cause: 'power_or_network',
        status: 'open',
        opened_ms: T0 + 2 * MIN,
        acked_ms: null,
        resolved_ms: null,
        response_due_ms: T0 + 2 * MIN + HOUR,
        resolution_due_ms: T0 + 2 * MIN + 8 * HOUR,
        alert_ids: [],
        device_ids: ['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8', 'e9'],
      },
    ]);
    for (const id of ['e7', 'e6', 'e5']) w.set(id, 'ONLINE', T0 + 3 * MIN); // 5 of 10: still down
    expect(w.desk.open()).toHaveLength(1);
    w.set('e4', 'ONLINE', T0 + 4 * MIN); // 4 of 10: over
    expect(w.desk.get('INC-000001')).toMatchObject({ status: 'resolved', resolved_ms: T0 + 4 * MIN });
    expect(w.of('p.inc').at(-1)).toEqual([T0 + 4 * MIN, { id: 'INC-000001', pri: 'P2', scope: 'floor:f1', s: 'resolved', n: 0, nd: 10, ended: true }]);
    // 7 of 10 again: below the 80 % that opens a new one.
    for (const id of ['e4', 'e5', 'e6']) w.set(id, 'OFFLINE', T0 + 5 * MIN);
    expect(w.desk.open()).toEqual([]);
  });

  it('a building whose floors are both down widens the first floor incident to P1 from its opening', () => {
    const devs = [...Array.from({ length: 5 }, (_, i) => dev(`a${i}`, 'env')), ...Array.from({ length: 5 }, (_, i) => dev(`b${i}`, 'env', { floor: 'f2' }))];
    const w = world(devs);
    for (const d of devs) w.set(d.id, 'ONLINE', T0);
    for (let i = 0; i < 4; i++) w.set(`a${i}`, 'OFFLINE', T0 + MIN);
    expect(w.desk.open()).toMatchObject([{ id: 'INC-000001', scope: { kind: 'floor', id: 'f1' }, device_ids: ['a0', 'a1', 'a2', 'a3', 'a4'] }]);
    for (let i = 0; i < 3; i++) w.set(`b${i}`, 'OFFLINE', T0 + 2 * MIN); // building 7 of 10, f2 3 of 5
    expect(w.desk.open()).toHaveLength(1);
    w.set('b3', 'OFFLINE', T0 + 3 * MIN); // building 8 of 10
    expect(w.desk.all()).toEqual([
      {
        id: 'INC-000001',
        priority: 'P1',
        scope: { kind: 'building', id: 'b1' },
        site: 's1',
        building: 'b1',
        cause: 'power_or_network',
        status: 'open',
        opened_ms: T0 + MIN,
        acked_ms: null,
        resolved_ms: null,
        response_due_ms: T0 + MIN + 15 * MIN,
        resolution_due_ms: T0 + MIN + 4 * HOUR,
        alert_ids: [],
        device_ids: ['a0', 'a1', 'a2', 'a3', 'a4', 'b0', 'b1', 'b2', 'b3', 'b4'],
      },
    ]);
    expect(w.of('p.inc').filter(([, f]) => f.widened === true)).toEqual([[T0 + 3 * MIN, { id: 'INC-000001', pri: 'P1', scope: 'building:b1', s: 'open', n: 0, nd: 5, widened: true }]]);
    // Floor f2 recovers and the building falls to 5 of 10: still down (hysteresis).
    for (const id of ['b3', 'b2', 'b1']) w.set(id, 'ONLINE', T0 + 4 * MIN);
    expect(w.desk.open()).toHaveLength(1);
    // 4 of 10: the building is over, but floor f1 (3 of 5 ≥ 50 %) still holds inside it, so the
    // wide incident stays open until that ends too.
    w.set('a0', 'ONLINE', T0 + 5 * MIN);
    expect(w.desk.open()).toMatchObject([{ id: 'INC-000001', scope: { kind: 'building', id: 'b1' } }]);
    w.set('a1', 'ONLINE', T0 + 6 * MIN); // f1 2 of 5
    expect(w.desk.get('INC-000001')).toMatchObject({ status: 'resolved', resolved_ms: T0 + 6 * MIN });
    expect(w.desk.all()).toHaveLength(1);
  });

  it('floors with fewer than 3 devices never count; exactly 3 does', () => {
    const devs = [dev('p0', 'env'), dev('p1', 'env'), dev('q0', 'env', { building: 'b2', floor: 'g1' }), dev('q1', 'env', { building: 'b2', floor: 'g1' }), dev('q2', 'env', { building: 'b2', floor: 'g1' })];
    const w = world(devs);
    for (const d of devs) w.set(d.id, 'ONLINE', T0);
    w.set('p0', 'OFFLINE', T0 + MIN);
    w.set('p1', 'OFFLINE', T0 + MIN);
    expect(w.desk.all()).toEqual([]);
    for (const id of ['q0', 'q1', 'q2']) w.set(id, 'OFFLINE', T0 + 2 * MIN);
    // The floor and the building b2 both hold (3 of 3); the building is the wider, so it wins.
    expect(w.desk.all().map((i) => [i.scope.kind, i.scope.id, i.building, i.device_ids])).toEqual([['building', 'b2', 'b2', ['q0', 'q1', 'q2']]]);
  });

  it('outage_fraction, outage_clear_fraction and outage_min_devices are honoured; the clear fraction never exceeds the open one', () => {
    const five = Array.from({ length: 5 }, (_, i) => dev(`e${i}`, 'env'));
    const w = world(five, { outage_fraction: 0.6, outage_clear_fraction: 0.9, outage_min_devices: 5 });
    for (const d of five) w.set(d.id, 'ONLINE', T0);
    w.set('e0', 'OFFLINE', T0 + MIN);
    w.set('e1', 'OFFLINE', T0 + MIN);
    expect(w.desk.all()).toEqual([]); // 2 of 5 = 40 %
    w.set('e2', 'OFFLINE', T0 + 2 * MIN); // 60 %
    expect(w.desk.open()).toMatchObject([{ scope: { kind: 'building', id: 'b1' } }]);
    // The clear fraction is capped at 0.6: still down at 3 of 5, over at 2 of 5.
    w.set('e3', 'OFFLINE', T0 + 3 * MIN);
    w.set('e3', 'ONLINE', T0 + 4 * MIN);
    expect(w.desk.open()).toHaveLength(1);
    w.set('e2', 'ONLINE', T0 + 5 * MIN);
    expect(w.desk.open()).toEqual([]);

    const small = world(five.slice(0, 4), { outage_min_devices: 5 });
    for (let i = 0; i < 4; i++) small.set(`e${i}`, 'OFFLINE', T0);
    expect(small.desk.all()).toEqual([]);
  });

  it('SUSPECT and UNKNOWN are not down; UNREACHABLE is', () => {
    const w = world(tenOnAFloor());
    for (let i = 0; i < 10; i++) w.set(`e${i}`, 'ONLINE', T0);
    for (let i = 0; i < 8; i++) w.set(`e${i}`, 'SUSPECT', T0 + MIN);
    expect(w.desk.all()).toEqual([]);
    for (let i = 0; i < 4; i++) w.set(`e${i}`, 'OFFLINE', T0 + 2 * MIN);
    for (let i = 4; i < 8; i++) w.set(`e${i}`, 'UNREACHABLE', T0 + 2 * MIN);
    // Cut-off devices count only with two gateways down; there are no gateways here, so 4 of 10.
    expect(w.desk.all()).toEqual([]);
    for (let i = 4; i < 8; i++) w.set(`e${i}`, 'OFFLINE', T0 + 3 * MIN);
    expect(w.desk.open()).toMatchObject([{ scope: { kind: 'floor', id: 'f1' }, opened_ms: T0 + 3 * MIN }]);
  });

  it('a liveness change of a device the registry does not know changes nothing', () => {
    const w = world(tenOnAFloor());
    w.desk.onLiveness({ device_id: 'ghost', at_ms: T0, from: 'ONLINE', to: 'OFFLINE', reason: 'test' }, T0);
    expect(w.desk.all()).toEqual([]);
    expect(w.desk.saveState().recs.map((r) => r.info.id)).not.toContain('ghost');
  });

  it('a device registered after the index was built joins its floor', () => {
    const devs = tenOnAFloor().slice(0, 4);
    const w = world(devs);
    for (const d of devs) w.set(d.id, 'ONLINE', T0);
    const late = dev('late', 'env');
    w.byId.set('late', late);
    w.live.set('late', 'OFFLINE');
    w.desk.onLiveness({ device_id: 'late', at_ms: T0 + MIN, from: 'ONLINE', to: 'OFFLINE', reason: 'test' }, T0 + MIN);
    for (const id of ['e0', 'e1', 'e2']) w.set(id, 'OFFLINE', T0 + 2 * MIN);
    // 4 of 5 with the late one; 3 of 4 (75 %) without it would not be an outage.
    expect(w.desk.open()).toMatchObject([{ device_ids: ['e0', 'e1', 'e2', 'e3', 'late'] }]);
  });

  it('a desk started after devices went down opens the outage at the first change it hears', () => {
    const devs = tenOnAFloor();
    const w = world(devs);
    for (let i = 0; i < 8; i++) w.live.set(`e${i}`, 'OFFLINE');
    w.live.set('e8', 'ONLINE');
    w.live.set('e9', 'ONLINE');
    // The change arrives late: the desk's time is the later of the two. The building is 8 of 13
    // down (62 %), no outage, although its first 8 devices by id are all down: a group is judged
    // whole, not on the part indexed so far (whose 100 % hysteresis would then keep it down).
    w.desk.onLiveness({ device_id: 'e9', at_ms: T0 + 5 * MIN, from: 'ONLINE', to: 'SUSPECT', reason: 'test' }, T0 + 7 * MIN);
    expect(w.desk.all().map((i) => [i.scope.kind, i.scope.id, i.opened_ms])).toEqual([['floor', 'f1', T0 + 7 * MIN]]);
    const v = world(devs);
    for (let i = 0; i < 8; i++) v.live.set(`e${i}`, 'OFFLINE');
    v.desk.onLiveness({ device_id: 'e9', at_ms: T0 + 9 * MIN, from: 'ONLINE', to: 'SUSPECT', reason: 'test' }, T0 + 7 * MIN);
    expect(v.desk.open()).toMatchObject([{ opened_ms: T0 + 9 * MIN }]);
  });
});

/**
 * Floor f1 of building b1: gateways gw1 and gw2 with three children each, and one device of its
 * own; floor f2: five devices without a gateway, up. Building b2 holds gw3 (up), so the site never
 * loses every gateway.
 */
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

describe('incident desk: gateway and site outages', () => {
  it('a dead gateway is a P2 gateway_down incident over it and its children; its cut-off children alone do not make a floor outage', () => {
    const devs = twoGateways();
    const w = world(devs);
    for (const d of devs) w.set(d.id, 'ONLINE', T0);
    w.set('gw1', 'OFFLINE', T0 + MIN);
    for (const id of ['c1', 'c2', 'c3']) w.set(id, 'UNREACHABLE', T0 + MIN);
    expect(w.desk.all()).toEqual([
      {
        id: 'INC-000001',
        priority: 'P2',
        scope: { kind: 'gateway', id: 'gw1' },
        site: 's1',
        building: 'b1',
        cause: 'gateway_down',
        status: 'open',
        opened_ms: T0 + MIN,
        acked_ms: null,
        resolved_ms: null,
        response_due_ms: T0 + MIN + HOUR,
        resolution_due_ms: T0 + MIN + 8 * HOUR,
        alert_ids: [],
        device_ids: ['c1', 'c2', 'c3', 'gw1'],
      },
    ]);
    // Its children coming back while it is down changes nothing; the gateway coming back ends it.
    w.set('c1', 'ONLINE', T0 + 2 * MIN);
    expect(w.desk.open()).toHaveLength(1);
    w.set('gw1', 'ONLINE', T0 + 3 * MIN);
    expect(w.desk.get('INC-000001')).toMatchObject({ status: 'resolved', resolved_ms: T0 + 3 * MIN });
  });

  it('with two gateways of a floor down their cut-off children count: the floor outage absorbs both gateway incidents', () => {
    const devs = twoGateways();
    const w = world(devs);
    for (const d of devs) w.set(d.id, 'ONLINE', T0);
    w.set('gw1', 'OFFLINE', T0 + MIN);
    for (const id of ['c1', 'c2', 'c3']) w.set(id, 'UNREACHABLE', T0 + MIN);
    w.set('gw2', 'OFFLINE', T0 + 2 * MIN);
    for (const id of ['d1', 'd2']) w.set(id, 'UNREACHABLE', T0 + 2 * MIN);
    // f1: 7 of 9 down (78 %), 5 of them only cut off: no floor outage yet.
    expect(w.desk.open().map((i) => i.scope.id)).toEqual(['gw1', 'gw2']);
    w.set('d3', 'UNREACHABLE', T0 + 3 * MIN); // 8 of 9
    expect(w.desk.all()).toMatchObject([
      { id: 'INC-000001', status: 'open', priority: 'P2', scope: { kind: 'floor', id: 'f1' }, cause: 'power_or_network', building: 'b1', opened_ms: T0 + MIN, response_due_ms: T0 + MIN + HOUR },
      { id: 'INC-000002', status: 'resolved', resolved_ms: T0 + 3 * MIN, scope: { kind: 'gateway', id: 'gw2' } },
    ]);
    expect(w.desk.get('INC-000001')!.device_ids).toEqual(['c1', 'c2', 'c3', 'd1', 'd2', 'd3', 'gw1', 'gw2', 'o1']);
    expect(w.of('p.inc').filter(([, f]) => f.into !== undefined || f.widened !== undefined)).toEqual([
      [T0 + 3 * MIN, { id: 'INC-000001', pri: 'P2', scope: 'floor:f1', s: 'open', n: 0, nd: 4, widened: true }],
      [T0 + 3 * MIN, { id: 'INC-000002', pri: 'P2', scope: 'gateway:gw2', s: 'resolved', n: 0, nd: 4, into: 'INC-000001' }],
    ]);
  });

  it('cut-off devices alone, with one gateway down, never make a floor outage', () => {
    // gw1 and its three children down, and the floor's own device: 5 of 9, 3 only cut off.
    const devs = twoGateways();
    const w = world(devs);
    for (const d of devs) w.set(d.id, 'ONLINE', T0);
    w.set('gw1', 'OFFLINE', T0 + MIN);
    for (const id of ['c1', 'c2', 'c3']) w.set(id, 'UNREACHABLE', T0 + MIN);
    // d1…d3 OFFLINE by their own deadlines (gw2 up): 8 of 9 down but only 5 on their own (56 %).
    for (const id of ['d1', 'd2', 'd3']) w.set(id, 'OFFLINE', T0 + 2 * MIN);
    w.set('o1', 'OFFLINE', T0 + 2 * MIN);
    expect(w.desk.open().map((i) => i.scope.id)).toEqual(['gw1']);
    // A cut-off child seen OFFLINE by its own deadline now counts as down on its own: 6 of 9 is still short.
    w.set('c1', 'OFFLINE', T0 + 3 * MIN);
    expect(w.desk.open().map((i) => i.scope.id)).toEqual(['gw1']);
    w.set('c2', 'OFFLINE', T0 + 3 * MIN); // 7 of 9 (78 %)
    expect(w.desk.open().map((i) => i.scope.id)).toEqual(['gw1']);
    w.set('c3', 'OFFLINE', T0 + 3 * MIN); // 8 of 9 (89 %)
    expect(w.desk.open().map((i) => [i.scope.kind, i.scope.id])).toEqual([['floor', 'f1']]);
  });

  it('a site is down when every gateway is, and back when fewer than half are', () => {
    const devs = [dev('gw1', 'gateway'), dev('gw2', 'gateway', { building: 'b2', floor: 'g1' }), dev('gw3', 'gateway', { building: 'b3', floor: 'h1' }), dev('gw4', 'gateway', { building: 'b4', floor: 'k1' })];
    const w = world(devs);
    for (const d of devs) w.set(d.id, 'ONLINE', T0);
    for (const id of ['gw1', 'gw2', 'gw3']) w.set(id, 'OFFLINE', T0 + MIN);
    expect(w.desk.open().map((i) => i.scope.kind)).toEqual(['gateway', 'gateway', 'gateway']);
    w.set('gw4', 'OFFLINE', T0 + 2 * MIN);
    expect(w.desk.open()).toMatchObject([
      { id: 'INC-000001', priority: 'P1', scope: { kind: 'site', id: 's1' }, building: null, cause: 'uplink', opened_ms: T0 + MIN, response_due_ms: T0 + MIN + 15 * MIN, resolution_due_ms: T0 + MIN + 4 * HOUR, device_ids: ['gw1', 'gw2', 'gw3', 'gw4'] },
    ]);
    w.set('gw1', 'ONLINE', T0 + 3 * MIN);
    w.set('gw2', 'ONLINE', T0 + 3 * MIN); // 2 of 4 down: 50 %, still down
    expect(w.desk.open().map((i) => i.scope.kind)).toEqual(['site']);
    // 1 of 4: the site condition is over, but gw4's outage inside it persists, and the wide
    // incident keeps it rather than handing it to a new one.
    w.set('gw3', 'ONLINE', T0 + 4 * MIN);
    expect(w.desk.open().map((i) => [i.id, i.scope.kind])).toEqual([['INC-000001', 'site']]);
    w.set('gw4', 'ONLINE', T0 + 5 * MIN);
    expect(w.desk.get('INC-000001')).toMatchObject({ status: 'resolved', resolved_ms: T0 + 5 * MIN });
    expect(w.desk.all()).toHaveLength(3); // gw2 and gw3 were absorbed into INC-000001
  });

  it('sites are separate: an outage in one never covers the other', () => {
    const devs = [...Array.from({ length: 3 }, (_, i) => dev(`a${i}`, 'env')), ...Array.from({ length: 3 }, (_, i) => dev(`z${i}`, 'env', { site: 's2' }))];
    const w = world(devs);
    for (const d of devs) w.set(d.id, 'ONLINE', T0);
    for (let i = 0; i < 3; i++) w.set(`a${i}`, 'OFFLINE', T0 + MIN);
    expect(w.desk.open()).toMatchObject([{ site: 's1', scope: { kind: 'building', id: 'b1' }, device_ids: ['a0', 'a1', 'a2'] }]);
    w.desk.onAlert(alert('device_offline', 'z0'), T0 + 2 * MIN);
    expect(w.desk.open().map((i) => [i.site, i.scope.kind])).toEqual([
      ['s1', 'building'],
      ['s2', 'device'],
    ]);
  });
});

describe('incident desk: inhibition', () => {
  it('an outage takes over the connectivity alerts that raced ahead of it, in start order, within the grace period', () => {
    const w = world(tenOnAFloor());
    for (let i = 0; i < 10; i++) w.set(`e${i}`, 'ONLINE', T0 - HOUR);
    w.desk.onAlert(alert('device_offline', 'e0', { started_ms: T0 + MIN }), T0 + MIN); // INC-000001
    w.desk.onAlert(alert('device_offline', 'e1', { started_ms: T0 + MIN }), T0 + MIN); // INC-000002
    w.desk.onAlert(alert('battery_low', 'e2', { started_ms: T0 }), T0); // INC-000003
    w.desk.onAlert(alert('device_offline', 'e2', { started_ms: T0 + MIN }), T0 + MIN); // joins INC-000003
    w.desk.onAlert(alert('device_offline', 'e3', { started_ms: T0 - 5 * MIN - 1 }), T0); // INC-000004: 1 ms before the grace
    w.desk.onAlert(alert('device_offline', 'e4', { started_ms: T0 - 5 * MIN }), T0); // INC-000005: at the grace's edge
    w.desk.onAlert(alert('stale_telemetry', 'e5', { started_ms: T0, status: 'resolved', resolved_ms: T0 + MIN }), T0 + MIN);
    expect(w.desk.all()).toHaveLength(5);
    // The floor goes down at T0 + 5 min: the outage is INC-000006; grace reaches back to T0 − 5 min.
    for (let i = 0; i < 8; i++) w.set(`e${i}`, 'OFFLINE', T0 + 5 * MIN);
    const outage = w.desk.get('INC-000006')!;
    expect(outage).toMatchObject({ scope: { kind: 'floor', id: 'f1' }, alert_ids: ['device_offline:e4', 'device_offline:e0', 'device_offline:e1', 'device_offline:e2'] });
    expect(w.inhibited).toEqual([
      ['device_offline:e4', 'INC-000006', T0 + 5 * MIN],
      ['device_offline:e0', 'INC-000006', T0 + 5 * MIN],
      ['device_offline:e1', 'INC-000006', T0 + 5 * MIN],
      ['device_offline:e2', 'INC-000006', T0 + 5 * MIN],
    ]);
    expect(w.desk.all().map((i) => [i.id, i.status, i.resolved_ms, i.alert_ids])).toEqual([
      ['INC-000003', 'open', null, ['battery_low:e2']],
      ['INC-000004', 'open', null, ['device_offline:e3']],
      ['INC-000005', 'resolved', T0 + 5 * MIN, []],
      ['INC-000001', 'resolved', T0 + 5 * MIN, []],
      ['INC-000002', 'resolved', T0 + 5 * MIN, []],
      ['INC-000006', 'open', null, ['device_offline:e4', 'device_offline:e0', 'device_offline:e1', 'device_offline:e2']],
    ]);
    expect(w.of('p.inc').filter(([, f]) => f.into !== undefined).map(([t, f]) => [t, f.id, f.into])).toEqual([
      [T0 + 5 * MIN, 'INC-000005', 'INC-000006'],
      [T0 + 5 * MIN, 'INC-000001', 'INC-000006'],
      [T0 + 5 * MIN, 'INC-000002', 'INC-000006'],
    ]);
  });

  it('a connectivity alert on a covered device is inhibited as it arrives; a leak or an alert from before the grace is not', () => {
    const w = world(tenOnAFloor());
    for (let i = 0; i < 10; i++) w.set(`e${i}`, 'ONLINE', T0 - HOUR);
    for (let i = 0; i < 8; i++) w.set(`e${i}`, 'OFFLINE', T0 + 20 * MIN); // INC-000001
    const stale = w.desk.onAlert(alert('stale_telemetry', 'e6', { started_ms: T0 + 21 * MIN }), T0 + 22 * MIN);
    expect(stale.inhibited_by).toBe('INC-000001');
    const edge = w.desk.onAlert(alert('device_offline', 'e5', { started_ms: T0 + 10 * MIN }), T0 + 22 * MIN);
    expect(edge.inhibited_by).toBe('INC-000001');
    const before = w.desk.onAlert(alert('device_offline', 'e4', { started_ms: T0 + 10 * MIN - 1 }), T0 + 22 * MIN);
    expect(before.inhibited_by).toBeNull();
    const leak = w.desk.onAlert(alert('leak', 'e7', { started_ms: T0 + 21 * MIN }), T0 + 22 * MIN);
    expect(leak.inhibited_by).toBeNull();
    // A device the outage does not cover (f2) is not inhibited either.
    const other = w.desk.onAlert(alert('device_offline', 'h0', { started_ms: T0 + 21 * MIN }), T0 + 22 * MIN);
    expect(other.inhibited_by).toBeNull();
    expect(w.inhibited).toEqual([
      ['stale_telemetry:e6', 'INC-000001', T0 + 22 * MIN],
      ['device_offline:e5', 'INC-000001', T0 + 22 * MIN],
    ]);
    expect(w.desk.get('INC-000001')!.alert_ids).toEqual(['stale_telemetry:e6', 'device_offline:e5']);
    expect(w.desk.all().filter((i) => i.scope.kind === 'device').map((i) => [i.scope.id, i.priority])).toEqual([
      ['e4', 'P4'],
      ['e7', 'P1'],
      ['h0', 'P4'],
    ]);
    // The alert manager, not wired to the desk's write-back, sends the alert again uninhibited:
    // the desk's inhibition stands, and the alert opens nothing.
    const again = w.desk.onAlert(alert('stale_telemetry', 'e6', { started_ms: T0 + 21 * MIN }), T0 + 23 * MIN);
    expect(again.inhibited_by).toBe('INC-000001');
    expect(w.desk.all()).toHaveLength(4);
    // An alert already marked inhibited by its manager is passed through as it is.
    const marked = alert('device_offline', 'e3', { started_ms: T0 + 21 * MIN, inhibited_by: 'INC-000001' });
    expect(w.desk.onAlert(marked, T0 + 23 * MIN)).toBe(marked);
    expect(w.inhibited).toHaveLength(2);
    expect(w.desk.get('INC-000001')!.alert_ids).toEqual(['stale_telemetry:e6', 'device_offline:e5']);
  });

  it('a resolved alert and an outage that already ended inhibit nothing; the earliest of two covering outages wins', () => {
    const devs = twoGateways();
    const w = world(devs);
    for (const d of devs) w.set(d.id, 'ONLINE', T0 - HOUR);
    const resolved = w.desk.onAlert(alert('device_offline', 'c1', { status: 'resolved', resolved_ms: T0 }), T0);
    expect(resolved.inhibited_by).toBeNull();
    // gw1 down and back: its outage is over, so a later offline alert of a child is its own.
    w.set('gw1', 'OFFLINE', T0);
    w.set('gw1', 'ONLINE', T0 + MIN);
    expect(w.desk.onAlert(alert('device_offline', 'c2', { started_ms: T0 + 2 * MIN }), T0 + 2 * MIN).inhibited_by).toBeNull();
  });

  it('alerts of an absorbed outage move to the wider one, their inhibition rewritten', () => {
    const devs = twoGateways();
    const w = world(devs);
    for (const d of devs) w.set(d.id, 'ONLINE', T0 - HOUR);
    w.set('gw1', 'OFFLINE', T0 + MIN); // INC-000001
    for (const id of ['c1', 'c2', 'c3']) w.set(id, 'UNREACHABLE', T0 + MIN);
    w.set('gw2', 'OFFLINE', T0 + 2 * MIN); // INC-000002
    w.desk.onAlert(alert('gateway_offline', 'gw2', { started_ms: T0 + 2 * MIN, severity: 'critical' }), T0 + 2 * MIN);
    w.desk.onAlert(alert('device_offline', 'd1', { started_ms: T0 + 2 * MIN }), T0 + 2 * MIN);
    expect(w.desk.get('INC-000002')!.alert_ids).toEqual(['gateway_offline:gw2', 'device_offline:d1']);
    for (const id of ['d1', 'd2', 'd3']) w.set(id, 'UNREACHABLE', T0 + 3 * MIN); // the floor: INC-000001 widens
    expect(w.desk.get('INC-000001')).toMatchObject({ scope: { kind: 'floor' }, alert_ids: ['gateway_offline:gw2', 'device_offline:d1'] });
    expect(w.desk.get('INC-000002')).toMatchObject({ status: 'resolved', alert_ids: [] });
    expect(w.inhibited.slice(2)).toEqual([
      ['gateway_offline:gw2', 'INC-000001', T0 + 3 * MIN],
      ['device_offline:d1', 'INC-000001', T0 + 3 * MIN],
    ]);
    expect(w.desk.saveState().known.map((a) => [a.id, a.inhibited_by])).toEqual([
      ['device_offline:d1', 'INC-000001'],
      ['gateway_offline:gw2', 'INC-000001'],
    ]);
    // Resolving such an alert keeps it while its outage is open; the outage's end lets it go.
    w.desk.onAlert(alert('device_offline', 'd1', { started_ms: T0 + 2 * MIN, status: 'resolved', resolved_ms: T0 + 4 * MIN, inhibited_by: 'INC-000001' }), T0 + 4 * MIN);
    expect(w.desk.saveState().known.map((a) => a.id)).toEqual(['device_offline:d1', 'gateway_offline:gw2']);
    for (const id of ['gw1', 'gw2', 'c1', 'c2', 'c3', 'd1', 'd2', 'd3']) w.set(id, 'ONLINE', T0 + 5 * MIN);
    expect(w.desk.open()).toEqual([]);
    expect(w.desk.saveState().known.map((a) => a.id)).toEqual(['gateway_offline:gw2']);
  });
});

describe('incident desk: saved state', () => {
  /** One run's inputs, split at `cut` so a second desk can take over from a snapshot. */
  function drive(w: ReturnType<typeof world>, from: number, to: number): void {
    const steps: Array<() => void> = [
      () => { for (const d of twoGateways()) w.set(d.id, 'ONLINE', T0); },
      () => w.desk.onAlert(alert('battery_low', 'c1', { started_ms: T0 + MIN, severity: 'minor' }), T0 + MIN),
      () => w.set('gw1', 'OFFLINE', T0 + 2 * MIN),
      () => { for (const id of ['c1', 'c2', 'c3']) w.set(id, 'UNREACHABLE', T0 + 2 * MIN); },
      () => w.desk.onAlert(alert('device_offline', 'c2', { started_ms: T0 + 2 * MIN }), T0 + 2 * MIN),
      () => w.set('gw2', 'OFFLINE', T0 + 3 * MIN),
      () => { for (const id of ['d1', 'd2', 'd3']) w.set(id, 'UNREACHABLE', T0 + 3 * MIN); },
      () => w.desk.onAlert(alert('device_offline', 'o1', { started_ms: T0 + 4 * MIN }), T0 + 4 * MIN),
      () => w.desk.acknowledge('INC-000001', T0 + 5 * MIN, 'op'),
      () => { for (const id of ['gw1', 'gw2', 'c1', 'c2', 'c3', 'd1', 'd2', 'd3']) w.set(id, 'ONLINE', T0 + 6 * MIN); },
      () => w.desk.onAlert(alert('battery_low', 'c1', { started_ms: T0 + MIN, severity: 'minor', status: 'resolved', resolved_ms: T0 + 7 * MIN }), T0 + 7 * MIN),
      () => w.desk.onAlert(alert('threshold', 'u0', { started_ms: T0 + 8 * MIN, severity: 'critical' }), T0 + 8 * MIN),
    ];
    for (let i = from; i < to; i++) steps[i]!();
  }

  it('a desk loaded from a snapshot taken at any step goes on exactly as the original', () => {
    const whole = world(twoGateways());
    drive(whole, 0, 12);
    for (const cut of [1, 3, 5, 7, 9, 11]) {
      const first = world(twoGateways());
      drive(first, 0, cut);
      const saved = first.desk.saveState();
      const second = world(twoGateways());
      for (const [id, l] of first.live) second.live.set(id, l);
      second.desk.loadState(saved);
      expect(second.desk.saveState(), `cut ${cut}`).toEqual(saved);
      drive(second, cut, 12);
      expect(second.desk.all(), `cut ${cut}`).toEqual(whole.desk.all());
      expect(second.desk.saveState(), `cut ${cut}`).toEqual(whole.desk.saveState());
      expect([...first.lines, ...second.lines], `cut ${cut}`).toEqual(whole.lines);
    }
    expect(whole.desk.all().length).toBeGreaterThanOrEqual(3);
  });

  it('the saved state is a copy, sorted by key', () => {
    const w = world(twoGateways());
    drive(w, 0, 8);
    const saved = w.desk.saveState();
    expect(saved.recs.map((r) => r.info.id)).toEqual(['c1', 'c2', 'c3', 'd1', 'd2', 'd3', 'gw1', 'gw2', 'gw3', 'o1', 'u0', 'u1', 'u2', 'u3', 'u4']);
    expect(saved.covering.map(([d]) => d)).toEqual([...saved.covering.map(([d]) => d)].sort());
    expect(saved.groups.find((g) => g.key === 'floor:s1/b1/f1')).toMatchObject({ kind: 'floor', scope_id: 'f1', site: 's1', members: ['c1', 'c2', 'c3', 'd1', 'd2', 'd3', 'gw1', 'gw2', 'o1'], gateways: ['gw1', 'gw2'], offline: 8, cut_off: 6, gateways_offline: 2, active: true });
    saved.incidents[0]!.alert_ids.push('x');
    expect(w.desk.saveState()).not.toEqual(saved);
  });
});

describe('incident desk: restart order', () => {
  it('a desk started with two sites down opens their outages in site order, whatever order the devices come in', () => {
    // s2's devices sort first by id and are listed first: s1 still gets the first number.
    const devs = [...['a0', 'a1', 'a2'].map((id) => dev(id, 'env', { site: 's2' })), ...['z0', 'z1', 'z2'].map((id) => dev(id, 'env'))];
    const w = world(devs);
    for (const d of devs) w.live.set(d.id, 'OFFLINE');
    w.desk.onLiveness({ device_id: 'z0', at_ms: T0, from: 'OFFLINE', to: 'OFFLINE', reason: 'test' }, T0);
    expect(w.desk.all().map((i) => [i.id, i.site, i.scope.kind])).toEqual([
      ['INC-000001', 's1', 'building'],
      ['INC-000002', 's2', 'building'],
    ]);
  });
});
