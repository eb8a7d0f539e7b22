import { describe, expect, it } from 'vitest';
import type { DeviceKind, EventType } from '../../platform/contract/messages.ts';
import type { DeviceInfo, DeviceMessage, Journal, Liveness } from '../../platform/core/model.ts';
import { AlertManager } from '../../platform/monitoring/alert-manager.ts';
import { IncidentDesk, priorityOf } from '../../platform/monitoring/incidents.ts';
import { Monitor, type AlertSignal } from '../../platform/monitoring/monitor.ts';
import { defaultMonitoringConfig, mergeMonitoringConfig, opensIncident, type DeepPartial, type MonitoringConfig } from '../../platform/monitoring/rules.ts';

const MIN = 60_000;
const HOUR = 3_600_000;
const T0 = 1_700_000_000_000;

function dev(id: string, kind: DeviceKind, over: Partial<DeviceInfo> = {}): DeviceInfo {
  return {
    id,
    kind,
    model: 'm',
    fw: '1.0.0',
    serial: `s-${id}`,
    site: 's1',
    building: 'b1',
    floor: 'b1-f01',
    zone: kind === 'gateway' ? null : 'z1',
    gateway: kind === 'gateway' ? null : 'gw1',
    power: 'mains',
    heartbeat_ms: 300_000,
    caps: [],
    ...over,
  };
}

function telemetry(id: string, at: number, values: Record<string, number | boolean | string>, battery_pct?: number): DeviceMessage {
  return {
    type: 'telemetry',
    device_id: id,
    site_id: 's1',
    received_ms: at,
    payload: { v: 1, id, seq: 0, ts: at, values, ...(battery_pct === undefined ? {} : { battery_pct }) },
  };
}

function event(id: string, at: number, type: EventType): DeviceMessage {
  return { type: 'event', device_id: id, site_id: 's1', received_ms: at, payload: { v: 1, id, seq: 0, ts: at, type } };
}

function birth(d: DeviceInfo, at: number, session: number): DeviceMessage {
  return {
    type: 'birth',
    device_id: d.id,
    site_id: d.site,
    received_ms: at,
    payload: {
      v: 1,
      id: d.id,
      kind: d.kind,
      model: d.model,
      serial: d.serial,
      fw: d.fw,
      site: d.site,
      building: d.building,
      floor: d.floor,
      zone: d.zone,
      gateway: d.gateway,
      power: d.power,
      caps: [],
      heartbeat_ms: d.heartbeat_ms,
      session,
      seq: 0,
      ts: at,
    },
  };
}

/** Monitor → AlertManager → IncidentDesk, wired as the platform wires them. */
function pipeline(devs: DeviceInfo[], overrides: DeepPartial<MonitoringConfig> = {}, building_type?: (b: string) => string | undefined) {
  const lines: string[] = [];
  const journal: Journal = (t, k, f) => lines.push(JSON.stringify([t, k, f]));
  const byId = new Map(devs.map((d) => [d.id, d]));
  const live = new Map<string, Liveness>();
  const config = mergeMonitoringConfig(defaultMonitoringConfig(), overrides);
  const monitor = new Monitor({ journal, config, device: (id) => byId.get(id) });
  const alerts = new AlertManager({ journal });
  const desk = new IncidentDesk({
    journal,
    device: (id) => byId.get(id),
    devices: () => devs,
    liveness: (id) => live.get(id) ?? 'UNKNOWN',
    alerts,
    ...(building_type ? { building_type } : {}),
    opens_incident: opensIncident(config, (id) => {
      const d = byId.get(id);
      return d === undefined ? undefined : { site: d.site, building: d.building };
    }),
  });
  const signals: AlertSignal[] = [];
  const feed = (ss: AlertSignal[], now: number): void => {
    for (const s of ss) {
      signals.push(s);
      const a = alerts.apply(s);
      if (a) desk.onAlert(a, now);
    }
  };
  return {
    lines,
    monitor,
    alerts,
    desk,
    signals,
    liveness(id: string, to: Liveness, at: number): void {
      const from = live.get(id) ?? 'UNKNOWN';
      live.set(id, to);
      const change = { device_id: id, at_ms: at, from, to, reason: 'test' };
      desk.onLiveness(change, at);
      feed(monitor.onLiveness(change), at);
    },
    message(msg: DeviceMessage, now = msg.received_ms): void {
      feed(monitor.onMessage(msg, now), now);
    },
    tick(now: number): void {
      feed(monitor.tick(now), now);
      for (const a of alerts.tick(now)) desk.onAlert(a, now);
    },
  };
}

describe('monitoring rules', () => {
  it('device_offline waits for_ms (pending → firing) and clears when the device is back', () => {
    const d = dev('occ1', 'occupancy');
    const p = pipeline([d, dev('gw1', 'gateway')]);
    p.liveness('occ1', 'ONLINE', T0);
    p.liveness('occ1', 'OFFLINE', T0 + MIN);
    p.tick(T0 + MIN + 5 * MIN - 1);
    expect(p.signals).toEqual([]);
    p.tick(T0 + 6 * MIN + 30_000);
    expect(p.signals).toMatchObject([{ kind: 'raise', type: 'device_offline', at_ms: T0 + 6 * MIN, severity: 'major' }]);
    p.liveness('occ1', 'ONLINE', T0 + 10 * MIN);
    expect(p.signals[1]).toMatchObject({ kind: 'clear', type: 'device_offline', at_ms: T0 + 10 * MIN });
    expect(p.alerts.get('device_offline:occ1')).toMatchObject({ status: 'resolved', started_ms: T0 + 6 * MIN, resolved_ms: T0 + 10 * MIN });
  });

  it('a device back before for_ms raises nothing, and a late tick still fires at the due time', () => {
    const p = pipeline([dev('occ1', 'occupancy'), dev('occ2', 'occupancy')]);
    p.liveness('occ1', 'OFFLINE', T0);
    p.liveness('occ1', 'ONLINE', T0 + 4 * MIN);
    p.liveness('occ2', 'OFFLINE', T0);
    p.tick(T0 + HOUR);
    expect(p.signals.map((s) => [s.device_id, s.kind, s.at_ms])).toEqual([['occ2', 'raise', T0 + 5 * MIN]]);
  });

  it('gateway_offline is immediate and critical; gateways never raise device_offline', () => {
    const p = pipeline([dev('gw1', 'gateway')]);
    p.liveness('gw1', 'OFFLINE', T0);
    p.tick(T0 + HOUR);
    expect(p.signals).toMatchObject([{ kind: 'raise', type: 'gateway_offline', severity: 'critical', at_ms: T0 }]);
  });

  it('battery_low needs 2 consecutive points below 15 % and 2 at or above 20 % to clear', () => {
    const p = pipeline([dev('env1', 'env', { power: 'battery' })]);
    const pts = [14, 16, 14, 13, 18, 21, 19, 21, 22];
    pts.forEach((b, i) => p.message(telemetry('env1', T0 + i * MIN, { temperature_c: 21 }, b)));
    expect(p.signals.map((s) => [s.kind, s.at_ms])).toEqual([
      ['raise', T0 + 3 * MIN],
      ['clear', T0 + 8 * MIN],
    ]);
  });

  it('a battery replacement clears battery_low at once', () => {
    const p = pipeline([dev('env1', 'env', { power: 'battery' })]);
    p.message(telemetry('env1', T0, {}, 10));
    p.message(telemetry('env1', T0 + MIN, {}, 10));
    p.message(event('env1', T0 + 2 * MIN, 'battery_replaced'));
    expect(p.signals.map((s) => s.kind)).toEqual(['raise', 'clear']);
  });

  it('leak_detected → critical alert → P1 incident at once; leak_cleared resolves both', () => {
    const p = pipeline([dev('lk1', 'leak')]);
    p.message(event('lk1', T0, 'leak_detected'));
    const alert = p.alerts.get('leak:lk1');
    expect(alert).toMatchObject({ severity: 'critical', status: 'firing', started_ms: T0 });
    const [inc] = p.desk.open();
    expect(inc).toMatchObject({ priority: 'P1', opened_ms: T0, response_due_ms: T0 + 15 * MIN, resolution_due_ms: T0 + 4 * HOUR, alert_ids: ['leak:lk1'], scope: { kind: 'device', id: 'lk1' } });
    p.message(event('lk1', T0 + 20 * MIN, 'leak_cleared'));
    expect(p.alerts.get('leak:lk1')).toMatchObject({ status: 'resolved', resolved_ms: T0 + 20 * MIN });
    expect(p.desk.get(inc!.id)).toMatchObject({ status: 'resolved', resolved_ms: T0 + 20 * MIN });
  });

  it('disabling the leak rule means no alert and no incident', () => {
    const p = pipeline([dev('lk1', 'leak')], { leak: { enabled: false } });
    p.message(event('lk1', T0, 'leak_detected'));
    expect(p.signals).toEqual([]);
    expect(p.alerts.all()).toEqual([]);
    expect(p.desk.all()).toEqual([]);
  });

  it('hvac_off_setpoint needs 45 min continuously off setpoint while not off, clears within 1 °C for 2 points', () => {
    const p = pipeline([dev('hv1', 'hvac')]);
    p.message(telemetry('hv1', T0, { zone_temp_c: 25, setpoint_c: 21, mode: 'cool', output_pct: -100 }));
    p.message(telemetry('hv1', T0 + 30 * MIN, { zone_temp_c: 24 }));
    p.tick(T0 + 44 * MIN);
    expect(p.signals).toEqual([]);
    p.tick(T0 + 50 * MIN);
    expect(p.signals).toMatchObject([{ kind: 'raise', type: 'hvac_off_setpoint', at_ms: T0 + 45 * MIN }]);
    p.message(telemetry('hv1', T0 + 60 * MIN, { zone_temp_c: 21.5 }));
    p.message(telemetry('hv1', T0 + 61 * MIN, { zone_temp_c: 22.5 })); // deadband: resets the clear count
    p.message(telemetry('hv1', T0 + 62 * MIN, { zone_temp_c: 21.5 }));
    expect(p.signals).toHaveLength(1);
    p.message(telemetry('hv1', T0 + 63 * MIN, { zone_temp_c: 21.2 }));
    expect(p.signals[1]).toMatchObject({ kind: 'clear', at_ms: T0 + 63 * MIN });
  });

  it('hvac_off_setpoint: a point back within 2.5 °C breaks continuity, and mode off never raises', () => {
    const p = pipeline([dev('hv1', 'hvac'), dev('hv2', 'hvac')]);
    p.message(telemetry('hv1', T0, { zone_temp_c: 25, setpoint_c: 21, mode: 'cool' }));
    p.message(telemetry('hv1', T0 + 40 * MIN, { zone_temp_c: 23 }));
    p.message(telemetry('hv1', T0 + 41 * MIN, { zone_temp_c: 25 }));
    p.message(telemetry('hv2', T0, { zone_temp_c: 30, setpoint_c: 21, mode: 'off' }));
    p.tick(T0 + 80 * MIN);
    expect(p.signals).toEqual([]);
    p.tick(T0 + 90 * MIN);
    expect(p.signals.map((s) => [s.device_id, s.at_ms])).toEqual([['hv1', T0 + 86 * MIN]]);
  });

  it('freeze_risk: a room below 7 °C for two readings and 30 min is critical, a P2 on a thermostat; it clears at 10 °C', () => {
    const p = pipeline([dev('hv1', 'hvac')]);
    p.message(telemetry('hv1', T0, { zone_temp_c: 6.5, setpoint_c: 21, mode: 'heat' }));
    p.message(telemetry('hv1', T0 + 5 * MIN, { zone_temp_c: 6.2, setpoint_c: 21, mode: 'heat' }));
    p.tick(T0 + 29 * MIN);
    expect(p.signals.filter((x) => x.type === 'freeze_risk')).toEqual([]);
    p.tick(T0 + 30 * MIN);
    expect(p.signals.filter((x) => x.type === 'freeze_risk')).toMatchObject([{ device_id: 'hv1', kind: 'raise', severity: 'critical' }]);
    expect(p.desk.all().find((i) => i.cause === 'freeze_risk')?.priority).toBe('P2');
    // 9 °C is warmer but not safe yet (hysteresis); 10 °C twice clears it.
    p.message(telemetry('hv1', T0 + 40 * MIN, { zone_temp_c: 9, setpoint_c: 21, mode: 'heat' }));
    p.message(telemetry('hv1', T0 + 45 * MIN, { zone_temp_c: 10, setpoint_c: 21, mode: 'heat' }));
    p.message(telemetry('hv1', T0 + 50 * MIN, { zone_temp_c: 10.5, setpoint_c: 21, mode: 'heat' }));
    expect(p.signals.filter((x) => x.type === 'freeze_risk').map((x) => [x.kind, x.at_ms])).toEqual([['raise', T0 + 30 * MIN], ['clear', T0 + 50 * MIN]]);
  });

  it('humidity_out_of_range on env sensors after 60 min; hvac humidity is not checked', () => {
    const p = pipeline([dev('env1', 'env'), dev('hv1', 'hvac')]);
    p.message(telemetry('env1', T0, { humidity_pct: 75, temperature_c: 21 }));
    p.message(telemetry('hv1', T0, { humidity_pct: 90 }));
    p.tick(T0 + 59 * MIN);
    expect(p.signals).toEqual([]);
    p.tick(T0 + 60 * MIN);
    expect(p.signals).toMatchObject([{ device_id: 'env1', type: 'humidity_out_of_range', kind: 'raise', severity: 'minor' }]);
    p.message(telemetry('env1', T0 + 70 * MIN, { humidity_pct: 50 }));
    p.message(telemetry('env1', T0 + 71 * MIN, { humidity_pct: 50 }));
    expect(p.signals[1]).toMatchObject({ kind: 'clear', at_ms: T0 + 71 * MIN });
  });

  it('lock_jammed clears on a later granted access; door_forced stays until an operator resolves it', () => {
    const p = pipeline([dev('lk1', 'lock')]);
    p.message(event('lk1', T0, 'lock_jammed'));
    p.message(event('lk1', T0 + MIN, 'door_forced'));
    p.message(event('lk1', T0 + 2 * MIN, 'access_granted'));
    p.tick(T0 + 48 * HOUR);
    expect(p.alerts.get('lock_jammed:lk1')).toMatchObject({ status: 'resolved', resolved_ms: T0 + 2 * MIN });
    expect(p.alerts.get('door_forced:lk1')).toMatchObject({ status: 'firing', severity: 'major' });
    p.alerts.acknowledge('door_forced:lk1', T0 + 3 * MIN, 'noc');
    expect(p.alerts.get('door_forced:lk1')).toMatchObject({ status: 'acknowledged', acked_ms: T0 + 3 * MIN });
    p.alerts.resolve('door_forced:lk1', T0 + 4 * MIN, 'noc');
    expect(p.alerts.active()).toEqual([]);
  });

  it('opens_incident: a rule can keep its alerts out of incidents, or open them below minor', () => {
    const quiet = pipeline([dev('lk1', 'lock')], { door_held_open: { opens_incident: false, for_ms: 0 } });
    quiet.message(event('lk1', T0, 'door_held_open'));
    expect(quiet.alerts.active()).toMatchObject([{ type: 'door_held_open', severity: 'minor' }]);
    expect(quiet.desk.all()).toEqual([]);
    const loud = pipeline([dev('lk1', 'lock')], { door_held_open: { for_ms: 0 } });
    loud.message(event('lk1', T0, 'door_held_open'));
    expect(loud.desk.all()).toMatchObject([{ cause: 'door_held_open' }]);
    // A warning opens nothing by default; with opens_incident: true it does.
    const fn = opensIncident(mergeMonitoringConfig(defaultMonitoringConfig(), { battery_low: { opens_incident: true } }));
    expect(fn('battery_low', 'warning')).toBe(true);
    expect(opensIncident(defaultMonitoringConfig())('battery_low', 'warning')).toBe(false);
    expect(opensIncident(defaultMonitoringConfig())('leak', 'critical')).toBe(true);
  });

  it('incident policy per client: a building beats its site, its site beats the portfolio; within a scope the rule beats the severity threshold', () => {
    const devs = [
      dev('lk-a', 'lock', { site: 's1', building: 'tower' }),
      dev('lk-b', 'lock', { site: 's1', building: 'annex' }),
      dev('lk-c', 'lock', { site: 's2', building: 'loft' }),
      dev('en-b', 'env', { site: 's1', building: 'annex' }),
    ];
    const p = pipeline(devs, {
      door_held_open: { for_ms: 0 },
      battery_low: { opens_incident: true },
      incident_policy: {
        min_severity: 'minor',
        scopes: [
          // Site s1 (one client) wants only major and worse …
          { site: 's1', min_severity: 'major' },
          // … except its annex, whose landlord wants propped doors as tickets and no battery tickets.
          { building: 'annex', rules: { door_held_open: true, battery_low: false } },
        ],
      },
    });
    for (const id of ['lk-a', 'lk-b', 'lk-c']) p.message(event(id, T0, 'door_held_open'));
    p.message(telemetry('en-b', T0, { temperature_c: 20 }, 5));
    p.message(telemetry('en-b', T0 + MIN, { temperature_c: 20 }, 5));
    expect(p.alerts.active().map((a) => a.device_id).sort()).toEqual(['en-b', 'lk-a', 'lk-b', 'lk-c']);
    // tower: the site's major threshold turns the minor door alert away; annex: its rule opens it;
    // s2: the portfolio's minor opens it. The annex's battery_low: false beats the portfolio rule.
    expect(p.desk.all().flatMap((i) => i.device_ids).sort()).toEqual(['lk-b', 'lk-c']);
  });

  it('door_held_open waits its 10-minute for: a door closed within it raises nothing, one still open then pages until it closes', () => {
    const p = pipeline([dev('lk1', 'lock')]);
    // A resident carrying shopping: the lock's 30 s alarm, then the door closes 40 s later.
    p.message(event('lk1', T0, 'door_held_open'));
    p.message(telemetry('lk1', T0 + 40_000, { locked: false, door: 'closed' }));
    p.tick(T0 + 30 * MIN);
    expect(p.alerts.all()).toEqual([]);
    // Propped for 8 minutes (moving boxes): still nothing.
    p.message(event('lk1', T0 + HOUR, 'door_held_open'));
    p.message(event('lk1', T0 + HOUR + 3 * MIN, 'door_held_open'));
    p.message(telemetry('lk1', T0 + HOUR + 8 * MIN, { locked: false, door: 'closed' }));
    p.tick(T0 + 2 * HOUR);
    expect(p.alerts.all()).toEqual([]);
    // Nobody closes it: the alert fires 10 min after the alarm (a repeat alarm does not restart the wait) …
    p.message(event('lk1', T0 + 3 * HOUR, 'door_held_open'));
    p.message(telemetry('lk1', T0 + 3 * HOUR + 2 * MIN, { locked: false, door: 'open' }));
    p.message(event('lk1', T0 + 3 * HOUR + 5 * MIN, 'door_held_open'));
    p.tick(T0 + 3 * HOUR + 10 * MIN - 1);
    expect(p.alerts.all()).toEqual([]);
    p.tick(T0 + 3 * HOUR + 10 * MIN);
    expect(p.alerts.get('door_held_open:lk1')).toMatchObject({ status: 'firing', severity: 'minor', started_ms: T0 + 3 * HOUR + 10 * MIN });
    expect(p.desk.all()).toMatchObject([{ cause: 'door_held_open' }]);
    // … stays while the door is open (no auto-resolve by time) and ends when the lock reports it closed.
    p.tick(T0 + 5 * HOUR);
    expect(p.alerts.get('door_held_open:lk1')).toMatchObject({ status: 'firing' });
    p.message(telemetry('lk1', T0 + 5 * HOUR + 1, { locked: true, door: 'closed' }));
    expect(p.alerts.get('door_held_open:lk1')).toMatchObject({ status: 'resolved', resolved_ms: T0 + 5 * HOUR + 1 });
  });

  it('an event rule with for: fires when nothing clears it in time, and a clearing event voids the wait', () => {
    const p = pipeline([dev('lk1', 'lock')], { lock_jammed: { for_ms: 5 * MIN } });
    p.message(event('lk1', T0, 'lock_jammed'));
    p.message(event('lk1', T0 + 2 * MIN, 'access_granted'));
    p.tick(T0 + HOUR);
    expect(p.alerts.all()).toEqual([]);
    p.message(event('lk1', T0 + 2 * HOUR, 'lock_jammed'));
    p.tick(T0 + 2 * HOUR + 5 * MIN);
    expect(p.alerts.get('lock_jammed:lk1')).toMatchObject({ status: 'firing', started_ms: T0 + 2 * HOUR + 5 * MIN });
  });

  it('driver_failure raises lighting_driver_failure', () => {
    const p = pipeline([dev('li1', 'lighting')]);
    p.message(event('li1', T0, 'driver_failure'));
    expect(p.alerts.active()).toMatchObject([{ type: 'lighting_driver_failure', device_id: 'li1' }]);
  });

  it('reboot_rate: 3 new sessions within 1 h raise; a redelivered birth is not a session; 1 h quiet clears', () => {
    const d = dev('hv1', 'hvac');
    const p = pipeline([d]);
    p.message(birth(d, T0, 1)); // the first birth seen is a start, not a reboot
    p.message(birth(d, T0 + 10 * MIN, 2));
    p.message(birth(d, T0 + 11 * MIN, 2)); // retained redelivery
    p.message(birth(d, T0 + 20 * MIN, 3));
    expect(p.signals).toEqual([]);
    p.message(birth(d, T0 + 30 * MIN, 4));
    expect(p.signals).toMatchObject([{ kind: 'raise', type: 'reboot_rate', severity: 'major', at_ms: T0 + 30 * MIN }]);
    p.tick(T0 + 89 * MIN);
    expect(p.signals).toHaveLength(1);
    p.tick(T0 + 91 * MIN);
    expect(p.signals[1]).toMatchObject({ kind: 'clear', at_ms: T0 + 90 * MIN });
  });

  it('holds no condition for a device that only came online or heard a clearing event, and saves its reboot memory whole', () => {
    // Most devices never raise anything: a condition or a reboot record made for each of them
    // was ~300 B a device (docs/performance.md). What must survive is the behaviour.
    const d = dev('lk1', 'lock');
    const p = pipeline([d]);
    p.liveness('lk1', 'ONLINE', T0);
    p.message(event('lk1', T0 + MIN, 'access_granted')); // clears lock_jammed, which never fired
    p.message(birth(d, T0 + 2 * MIN, 1));
    expect(p.monitor.size().conditions).toBe(0);
    const saved = p.monitor.saveState();
    expect(saved.conds).toEqual([]);
    expect(saved.reboots).toEqual([['lk1', { last_session: 1, births_ms: [] }]]);
    // A restored monitor remembers the session: the same session again is no reboot, the next is.
    const q = pipeline([d], { reboot_rate: { sessions: 1 } });
    q.monitor.loadState(saved);
    q.message(birth(d, T0 + 3 * MIN, 1));
    expect(q.signals).toEqual([]);
    q.message(birth(d, T0 + 4 * MIN, 2));
    expect(q.signals).toMatchObject([{ kind: 'raise', type: 'reboot_rate', at_ms: T0 + 4 * MIN }]);
    expect(q.monitor.saveState().reboots).toEqual([['lk1', { last_session: 2, births_ms: [T0 + 4 * MIN] }]]);
    // Going offline still opens an episode from nothing.
    p.liveness('lk1', 'OFFLINE', T0 + 5 * MIN);
    expect(p.monitor.size()).toEqual({ conditions: 1, timers: 1 });
  });

  it('generic thresholds use raise_after/clear_after and share the one threshold alert per device', () => {
    const p = pipeline([dev('occ1', 'occupancy')], {
      thresholds: [
        { name: 'weak_radio', metric: 'rssi_dbm', op: '<', value: -90, for_ms: 0, raise_after: 2, clear_after: 1, severity: 'warning' },
        { name: 'crowded', kinds: ['occupancy'], metric: 'people_count', op: '>=', value: 50, for_ms: 0, raise_after: 1, clear_after: 1, severity: 'minor' },
      ],
    });
    const m = (at: number, rssi: number, people: number): DeviceMessage => ({
      ...(telemetry('occ1', at, { people_count: people }) as Extract<DeviceMessage, { type: 'telemetry' }>),
      payload: { v: 1, id: 'occ1', seq: 0, ts: at, rssi_dbm: rssi, values: { people_count: people } },
    });
    p.message(m(T0, -95, 10));
    expect(p.signals).toEqual([]);
    p.message(m(T0 + MIN, -95, 60));
    expect(p.alerts.get('threshold:occ1')).toMatchObject({ count: 2, severity: 'minor', status: 'firing' });
    p.message(m(T0 + 2 * MIN, -80, 60));
    expect(p.alerts.get('threshold:occ1')?.status).toBe('firing');
    p.message(m(T0 + 3 * MIN, -80, 10));
    expect(p.alerts.get('threshold:occ1')).toMatchObject({ status: 'resolved', resolved_ms: T0 + 3 * MIN });
  });

  it('mergeMonitoringConfig overrides deeply, replaces arrays and rejects unknown keys', () => {
    const base = defaultMonitoringConfig();
    const merged = mergeMonitoringConfig(base, { device_offline: { for_ms: 60_000 }, leak: { clear_on: [] } });
    expect(merged.device_offline).toEqual({ ...base.device_offline, for_ms: 60_000 });
    expect(merged.leak.clear_on).toEqual([]);
    expect(base.device_offline.for_ms).toBe(300_000);
    expect(() => mergeMonitoringConfig(base, { device_ofline: {} } as never)).toThrow(/MON001/);
    expect(() => mergeMonitoringConfig(base, { battery_low: { raise_after: 0 } })).toThrow(/MON002/);
  });
});

describe('alert manager', () => {
  const sig = (kind: 'raise' | 'clear', at: number, device_id = 'd1'): AlertSignal => ({ kind, device_id, type: 'leak', severity: 'critical', at_ms: at, summary: '' });

  it('one active alert per (device, type): a re-trigger increments count; a later occurrence gets :2', () => {
    const lines: string[] = [];
    const am = new AlertManager({ journal: (t, k, f) => lines.push(JSON.stringify([t, k, f])) });
    am.apply(sig('raise', T0));
    am.apply(sig('raise', T0 + MIN));
    expect(am.active()).toMatchObject([{ id: 'leak:d1', count: 2 }]);
    am.apply(sig('clear', T0 + 2 * MIN));
    am.apply(sig('raise', T0 + 3 * HOUR));
    expect(am.all().map((a) => [a.id, a.status])).toEqual([
      ['leak:d1', 'resolved'],
      ['leak:d1:2', 'firing'],
    ]);
    expect(JSON.parse(lines[0]!)).toEqual([T0, 'p.alert', { id: 'leak:d1', d: 'd1', type: 'leak', s: 'firing', sev: 'critical', n: 1, inh: null }]);
  });

  it('a flapping alert keeps firing for 15 min after a clear instead of re-paging', () => {
    const am = new AlertManager({ journal: () => {} });
    am.apply(sig('raise', T0));
    am.apply(sig('clear', T0 + MIN));
    am.apply(sig('raise', T0 + 2 * MIN));
    const held = am.apply(sig('clear', T0 + 3 * MIN));
    expect(held).toMatchObject({ id: 'leak:d1:2', status: 'firing', flapping: true });
    // Raised again within the hold: the same alert, not a third page.
    am.apply(sig('raise', T0 + 4 * MIN));
    am.apply(sig('clear', T0 + 5 * MIN));
    expect(am.tick(T0 + 19 * MIN)).toEqual([]);
    expect(am.all()).toHaveLength(2);
    const done = am.tick(T0 + 21 * MIN);
    expect(done).toMatchObject([{ id: 'leak:d1:2', status: 'resolved', resolved_ms: T0 + 20 * MIN, flapping: true }]);
  });
});

describe('incident desk', () => {
  it('priority is impact × urgency', () => {
    expect(priorityOf('high', 'high')).toBe('P1');
    expect(priorityOf('medium', 'high')).toBe('P2');
    expect(priorityOf('low', 'high')).toBe('P3');
    expect(priorityOf('medium', 'medium')).toBe('P3');
    expect(priorityOf('low', 'low')).toBe('P4');
  });

  it('clinic buildings raise impact; a new alert on a device joins its open incident', () => {
    const p = pipeline([dev('hv1', 'hvac'), dev('lk1', 'lock', { building: 'b2' })], {}, (b) => (b === 'b1' ? 'clinic' : 'office'));
    p.message(event('lk1', T0, 'lock_jammed')); // lock (medium) × major (medium) → P3
    p.message(telemetry('hv1', T0, { zone_temp_c: 30, setpoint_c: 21, mode: 'cool' }));
    p.tick(T0 + HOUR); // clinic (high) × minor (low) → P3
    p.message(birth(dev('hv1', 'hvac'), T0 + HOUR, 1));
    for (let s = 2; s <= 4; s++) p.message(birth(dev('hv1', 'hvac'), T0 + HOUR + s * MIN, s)); // clinic × major → P2
    const incs = p.desk.all();
    expect(incs.map((i) => [i.scope.id, i.priority, i.alert_ids])).toEqual([
      ['lk1', 'P3', ['lock_jammed:lk1']],
      ['hv1', 'P2', ['hvac_off_setpoint:hv1', 'reboot_rate:hv1']],
    ]);
  });

  it('a gateway outage inhibits its devices offline alerts but never a leak', () => {
    const devs = [dev('gw1', 'gateway'), dev('a', 'occupancy'), dev('b', 'occupancy'), dev('lk', 'leak'), dev('x', 'occupancy', { gateway: 'gw2', floor: 'b1-f02' }), dev('gw2', 'gateway', { floor: 'b1-f02' })];
    // Enough healthy devices that neither the floor nor the building crosses the outage fraction.
    devs.push(dev('gw3', 'gateway'), dev('c', 'occupancy', { gateway: 'gw3' }), dev('d', 'occupancy', { gateway: 'gw3' }));
    const p = pipeline(devs);
    for (const d of devs) p.liveness(d.id, 'ONLINE', T0);
    p.liveness('gw1', 'OFFLINE', T0 + MIN);
    for (const id of ['a', 'b', 'lk']) p.liveness(id, 'OFFLINE', T0 + 2 * MIN);
    p.liveness('x', 'OFFLINE', T0 + 2 * MIN); // on another gateway: its own fault
    p.message(event('lk', T0 + 3 * MIN, 'leak_detected'));
    p.tick(T0 + 10 * MIN);
    const outage = p.desk.all().find((i) => i.scope.kind !== 'device')!;
    expect(outage).toMatchObject({ priority: 'P2', cause: 'gateway_down', device_ids: ['a', 'b', 'gw1', 'lk'] });
    expect(p.alerts.get('device_offline:a')?.inhibited_by).toBe(outage.id);
    expect(p.alerts.get('gateway_offline:gw1')?.inhibited_by).toBe(outage.id);
    expect(p.alerts.get('leak:lk')?.inhibited_by).toBeNull();
    expect(p.alerts.get('device_offline:x')?.inhibited_by).toBeNull();
    const own = p.desk.all().filter((i) => i.scope.kind === 'device').map((i) => [i.scope.id, i.priority]);
    expect(own).toEqual([
      ['lk', 'P1'],
      ['x', 'P4'],
    ]);
    for (const id of ['gw1', 'a', 'b', 'lk']) p.liveness(id, 'ONLINE', T0 + 20 * MIN);
    expect(p.desk.get(outage.id)).toMatchObject({ status: 'resolved', resolved_ms: T0 + 20 * MIN });
    expect(p.alerts.get('device_offline:a')).toMatchObject({ status: 'resolved', inhibited_by: outage.id });
  });

  it('an outage of every gateway of a site absorbs the gateway outages into one P1 incident; early offline alerts are taken over', () => {
    const devs = [dev('gw1', 'gateway'), dev('gw2', 'gateway', { floor: 'b1-f02' })];
    for (let i = 0; i < 4; i++) devs.push(dev(`a${i}`, 'occupancy'), dev(`b${i}`, 'occupancy', { gateway: 'gw2', floor: 'b1-f02' }));
    const p = pipeline(devs);
    for (const d of devs) p.liveness(d.id, 'ONLINE', T0);
    // A device's own deadline passes first: its device_offline alert comes before any outage.
    p.liveness('a0', 'OFFLINE', T0);
    p.tick(T0 + 5 * MIN);
    expect(p.desk.open()).toMatchObject([{ scope: { kind: 'device', id: 'a0' } }]);
    p.liveness('gw1', 'OFFLINE', T0 + 6 * MIN);
    p.liveness('gw2', 'OFFLINE', T0 + 6 * MIN);
    for (let i = 1; i < 4; i++) p.liveness(`a${i}`, 'OFFLINE', T0 + 7 * MIN);
    for (let i = 0; i < 4; i++) p.liveness(`b${i}`, 'OFFLINE', T0 + 7 * MIN);
    p.tick(T0 + 20 * MIN);
    const open = p.desk.open();
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ priority: 'P1', scope: { kind: 'site', id: 's1' }, cause: 'uplink' });
    expect(open[0]!.device_ids).toHaveLength(10);
    const offline = p.alerts.all().filter((a) => a.type === 'device_offline');
    expect(offline).toHaveLength(8);
    expect(offline.every((a) => a.inhibited_by === open[0]!.id)).toBe(true);
    expect(p.desk.all().find((i) => i.scope.id === 'a0')).toMatchObject({ status: 'resolved', alert_ids: [] });
  });
});
