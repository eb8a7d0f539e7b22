import { describe, expect, it } from 'vitest';
import type { DeviceKind, EventType } from '../../platform/contract/messages.ts';
import type { DeviceInfo, DeviceMessage, Liveness } from '../../platform/core/model.ts';
import { Monitor, type AlertSignal } from '../../platform/monitoring/monitor.ts';
import { defaultMonitoringConfig, mergeMonitoringConfig, type DeepPartial, type MonitoringConfig } from '../../platform/monitoring/rules.ts';

// The rule engine's edges (platform/monitoring/monitor.ts), written to kill the mutants StrykerJS
// left alive (docs/testing.md, "Mutation testing"). The monitor is driven directly and its signals
// are compared whole: times, summaries and severities are worked out by hand from the defaults in
// docs/monitoring.md's rule table. Each test builds its own monitor (per-test coverage).

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 0, 12, 9);

type Line = [number, string, Record<string, unknown>];

function dev(id: string, kind: DeviceKind): DeviceInfo {
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
  };
}

const DEVICES = [dev('gw1', 'gateway'), dev('env1', 'env'), dev('th1', 'hvac'), dev('lk1', 'lock'), dev('lt1', 'lighting')];

function monitor(over: DeepPartial<MonitoringConfig> = {}): { m: Monitor; lines: Line[] } {
  const lines: Line[] = [];
  const by_id = new Map(DEVICES.map((d) => [d.id, d]));
  const config = mergeMonitoringConfig(defaultMonitoringConfig(), over);
  const m = new Monitor({ journal: (t, k, f) => lines.push([t, k, f]), config, device: (id) => by_id.get(id) });
  return { m, lines };
}

function tel(id: string, at: number, values: Record<string, number | boolean | string>, extra: { battery_pct?: number; rssi_dbm?: number } = {}): DeviceMessage {
  return { type: 'telemetry', device_id: id, site_id: 's1', received_ms: at, payload: { v: 1, id, seq: 0, ts: at, values, ...extra } };
}

function ev(id: string, at: number, type: EventType): DeviceMessage {
  return { type: 'event', device_id: id, site_id: 's1', received_ms: at, payload: { v: 1, id, seq: 0, ts: at, type } };
}

function birth(id: string, at: number, session: number): DeviceMessage {
  return { type: 'birth', device_id: id, site_id: 's1', received_ms: at, payload: { v: 1, id, session, seq: 0, ts: at } } as unknown as DeviceMessage;
}

function live(id: string, at_ms: number, from: Liveness, to: Liveness, reason = 'will') {
  return { device_id: id, at_ms, from, to, reason };
}

function raise(device_id: string, type: AlertSignal['type'], severity: AlertSignal['severity'], at_ms: number, summary: string): AlertSignal {
  return { kind: 'raise', device_id, type, severity, at_ms, summary };
}

function clear(device_id: string, type: AlertSignal['type'], severity: AlertSignal['severity'], at_ms: number, summary: string): AlertSignal {
  return { kind: 'clear', device_id, type, severity, at_ms, summary };
}

describe('monitor: offline rules', () => {
  it('device_offline waits 5 min to the ms, journals the signal, and clears when back', () => {
    const { m, lines } = monitor();
    expect(m.onLiveness(live('env1', T0, 'ONLINE', 'OFFLINE'))).toEqual([]);
    expect(m.size()).toEqual({ conditions: 1, timers: 1 });
    expect(m.tick(T0 + 5 * MIN - 1)).toEqual([]);
    expect(m.tick(T0 + 5 * MIN)).toEqual([raise('env1', 'device_offline', 'major', T0 + 5 * MIN, 'env offline (will)')]);
    expect(lines).toEqual([[T0 + 5 * MIN, 'p.sig', { d: 'env1', type: 'device_offline', edge: 'raise', sev: 'major', rule: 'device_offline' }]]);
    expect(m.size()).toEqual({ conditions: 1, timers: 0 });
    expect(m.onLiveness(live('env1', T0 + 9 * MIN, 'OFFLINE', 'ONLINE', 'birth'))).toEqual([clear('env1', 'device_offline', 'major', T0 + 9 * MIN, 'back ONLINE (birth)')]);
  });

  it('a device back before the wait raises nothing later; a device the registry does not know is a "device"', () => {
    const { m } = monitor();
    m.onLiveness(live('env1', T0, 'ONLINE', 'OFFLINE'));
    expect(m.onLiveness(live('env1', T0 + 2 * MIN, 'OFFLINE', 'ONLINE'))).toEqual([]);
    expect(m.tick(T0 + HOUR)).toEqual([]);
    m.onLiveness(live('ghost', T0, 'ONLINE', 'OFFLINE', 'offline_deadline'));
    expect(m.tick(T0 + 5 * MIN)).toEqual([raise('ghost', 'device_offline', 'major', T0 + 5 * MIN, 'device offline (offline_deadline)')]);
  });

  it('timers due before a message are fired at their own time by that message', () => {
    const { m } = monitor();
    m.onLiveness(live('env1', T0, 'ONLINE', 'OFFLINE'));
    expect(m.onMessage(ev('lk1', T0 + 7 * MIN, 'door_forced'), T0 + 7 * MIN)).toEqual([
      raise('env1', 'device_offline', 'major', T0 + 5 * MIN, 'env offline (will)'),
      raise('lk1', 'door_forced', 'major', T0 + 7 * MIN, 'door_forced'),
    ]);
  });

  it('a gateway pages at once as critical; a change to the same state, or any change with the rule off, does nothing', () => {
    const { m } = monitor();
    expect(m.onLiveness(live('gw1', T0, 'ONLINE', 'OFFLINE'))).toEqual([raise('gw1', 'gateway_offline', 'critical', T0, 'gateway offline (will)')]);
    expect(m.onLiveness(live('gw1', T0 + MIN, 'SUSPECT', 'SUSPECT'))).toEqual([]);
    expect(m.onLiveness(live('gw1', T0 + 2 * MIN, 'OFFLINE', 'SUSPECT', 'state'))).toEqual([clear('gw1', 'gateway_offline', 'critical', T0 + 2 * MIN, 'back SUSPECT (state)')]);
    const off = monitor({ gateway_offline: { enabled: false }, device_offline: { enabled: false } });
    expect(off.m.onLiveness(live('gw1', T0, 'ONLINE', 'OFFLINE'))).toEqual([]);
    expect(off.m.onLiveness(live('env1', T0, 'ONLINE', 'OFFLINE'))).toEqual([]);
    expect(off.m.tick(T0 + HOUR)).toEqual([]);
    expect(off.m.size()).toEqual({ conditions: 0, timers: 0 });
  });
});

describe('monitor: battery and hysteresis', () => {
  it('two points below 15 % raise; 15 % is not below; a point in range breaks the run', () => {
    const { m } = monitor();
    expect(m.onMessage(tel('env1', T0, {}, { battery_pct: 14 }), T0)).toEqual([]);
    expect(m.onMessage(tel('env1', T0 + 1, {}, { battery_pct: 15 }), T0 + 1)).toEqual([]);
    expect(m.onMessage(tel('env1', T0 + 2, {}, { battery_pct: 14 }), T0 + 2)).toEqual([]);
    expect(m.onMessage(tel('env1', T0 + 3, {}, { battery_pct: 13 }), T0 + 3)).toEqual([raise('env1', 'battery_low', 'warning', T0 + 3, 'battery 13%')]);
  });

  it('good points keep no condition; a bad one makes one, which stays while its run or alert lasts', () => {
    const { m } = monitor();
    m.onMessage(tel('env1', T0, {}, { battery_pct: 80 }), T0);
    expect(m.size().conditions).toBe(0);
    m.onMessage(tel('env1', T0 + 1, {}, { battery_pct: 14 }), T0 + 1);
    expect(m.size().conditions).toBe(1);
    // A good point after a bad one breaks the run (the next two bad points are needed again).
    m.onMessage(tel('env1', T0 + 2, {}, { battery_pct: 80 }), T0 + 2);
    expect(m.onMessage(tel('env1', T0 + 3, {}, { battery_pct: 14 }), T0 + 3)).toEqual([]);
    expect(m.onMessage(tel('env1', T0 + 4, {}, { battery_pct: 14 }), T0 + 4)).toEqual([raise('env1', 'battery_low', 'warning', T0 + 4, 'battery 14%')]);
    // Firing: a point in the clear band counts, even though it is not bad.
    m.onMessage(tel('env1', T0 + 5, {}, { battery_pct: 25 }), T0 + 5);
    expect(m.onMessage(tel('env1', T0 + 6, {}, { battery_pct: 25 }), T0 + 6)).toEqual([clear('env1', 'battery_low', 'warning', T0 + 6, 'battery 25%')]);
  });

  it('clearing takes two points at or above 20 %; a point in the dead band restarts the count', () => {
    const { m } = monitor();
    m.onMessage(tel('env1', T0, {}, { battery_pct: 10 }), T0);
    m.onMessage(tel('env1', T0 + 1, {}, { battery_pct: 10 }), T0 + 1);
    expect(m.onMessage(tel('env1', T0 + 2, {}, { battery_pct: 20 }), T0 + 2)).toEqual([]);
    expect(m.onMessage(tel('env1', T0 + 3, {}, { battery_pct: 19 }), T0 + 3)).toEqual([]);
    expect(m.onMessage(tel('env1', T0 + 4, {}, { battery_pct: 20 }), T0 + 4)).toEqual([]);
    expect(m.onMessage(tel('env1', T0 + 5, {}, { battery_pct: 25 }), T0 + 5)).toEqual([clear('env1', 'battery_low', 'warning', T0 + 5, 'battery 25%')]);
    // Cleared: the raise count starts again from zero.
    expect(m.onMessage(tel('env1', T0 + 6, {}, { battery_pct: 10 }), T0 + 6)).toEqual([]);
  });

  it('a battery replacement clears a firing alert, and voids a pending run', () => {
    const { m } = monitor();
    expect(m.onMessage(ev('env1', T0, 'battery_replaced'), T0)).toEqual([]);
    m.onMessage(tel('env1', T0, {}, { battery_pct: 10 }), T0);
    expect(m.onMessage(ev('env1', T0 + 1, 'battery_replaced'), T0 + 1)).toEqual([]);
    expect(m.onMessage(tel('env1', T0 + 2, {}, { battery_pct: 10 }), T0 + 2)).toEqual([]);
    expect(m.onMessage(tel('env1', T0 + 3, {}, { battery_pct: 10 }), T0 + 3)).toEqual([raise('env1', 'battery_low', 'warning', T0 + 3, 'battery 10%')]);
    expect(m.onMessage(ev('env1', T0 + 4, 'battery_replaced'), T0 + 4)).toEqual([clear('env1', 'battery_low', 'warning', T0 + 4, 'battery replaced')]);
  });

  it('a raise_after run with a for: fires when both are met, at the later of the two', () => {
    const { m } = monitor({ battery_low: { for_ms: 10 * MIN } });
    m.onMessage(tel('env1', T0, {}, { battery_pct: 10 }), T0);
    m.onMessage(tel('env1', T0 + MIN, {}, { battery_pct: 10 }), T0 + MIN);
    expect(m.size().timers).toBe(1);
    // The run started at T0, so the wait ends at T0 + 10 min, not 10 min after the second point.
    expect(m.onMessage(tel('env1', T0 + 10 * MIN, {}, { battery_pct: 10 }), T0 + 10 * MIN)).toEqual([raise('env1', 'battery_low', 'warning', T0 + 10 * MIN, 'battery 10%')]);
    expect(m.size().timers).toBe(0);
    expect(m.tick(T0 + HOUR)).toEqual([]);
  });

  it('battery_low off: battery reports raise nothing', () => {
    const { m } = monitor({ battery_low: { enabled: false } });
    m.onMessage(tel('env1', T0, {}, { battery_pct: 1 }), T0);
    expect(m.onMessage(tel('env1', T0 + 1, {}, { battery_pct: 1 }), T0 + 1)).toEqual([]);
    expect(m.size().conditions).toBe(0);
  });
});

describe('monitor: HVAC, humidity and freeze', () => {
  it('off setpoint by more than 2.5 °C for 45 min raises; exactly 2.5 °C does not; partial reports keep the last of each field', () => {
    const { m } = monitor();
    expect(m.onMessage(tel('th1', T0, { zone_temp_c: 22.5, setpoint_c: 20, mode: 'heat' }), T0)).toEqual([]);
    expect(m.tick(T0 + HOUR)).toEqual([]);
    m.onMessage(tel('th1', T0 + HOUR, { zone_temp_c: 23 }), T0 + HOUR);
    expect(m.tick(T0 + HOUR + 45 * MIN)).toEqual([raise('th1', 'hvac_off_setpoint', 'minor', T0 + HOUR + 45 * MIN, 'zone 23 °C vs setpoint 20 °C (mode heat)')]);
    // Within 1 °C (exactly) twice clears; mode off counts as within.
    expect(m.onMessage(tel('th1', T0 + 2 * HOUR, { zone_temp_c: 21 }), T0 + 2 * HOUR)).toEqual([]);
    expect(m.onMessage(tel('th1', T0 + 2 * HOUR + 1, { mode: 'off', zone_temp_c: 30 }), T0 + 2 * HOUR + 1)).toEqual([
      clear('th1', 'hvac_off_setpoint', 'minor', T0 + 2 * HOUR + 1, 'zone 30 °C vs setpoint 20 °C (mode off)'),
    ]);
    // Off never raises, however far off.
    m.onMessage(tel('th1', T0 + 3 * HOUR, { zone_temp_c: 35 }), T0 + 3 * HOUR);
    expect(m.tick(T0 + 5 * HOUR)).toEqual([]);
  });

  it('a setpoint change starts a 90-minute recovery; the first setpoint seen, or the same one again, does not', () => {
    const { m } = monitor({ hvac_off_setpoint: { for_ms: 0 } });
    expect(m.onMessage(tel('th1', T0, { zone_temp_c: 17, setpoint_c: 20 }), T0)).toEqual([raise('th1', 'hvac_off_setpoint', 'minor', T0, 'zone 17 °C vs setpoint 20 °C (mode ?)')]);
    m.onMessage(tel('th1', T0 + 1, { zone_temp_c: 20 }), T0 + 1);
    m.onMessage(tel('th1', T0 + 2, { zone_temp_c: 20, setpoint_c: 20 }), T0 + 2);
    // Same setpoint: no recovery, so far off raises again at once.
    expect(m.onMessage(tel('th1', T0 + 3, { zone_temp_c: 16 }), T0 + 3)).toHaveLength(1);
    const r = monitor({ hvac_off_setpoint: { for_ms: 0 } });
    r.m.onMessage(tel('th1', T0, { zone_temp_c: 20, setpoint_c: 20 }), T0);
    r.m.onMessage(tel('th1', T0 + MIN, { setpoint_c: 24 }), T0 + MIN);
    expect(r.m.onMessage(tel('th1', T0 + MIN + 90 * MIN - 1, { zone_temp_c: 20 }), T0 + 91 * MIN - 1)).toEqual([]);
    expect(r.m.onMessage(tel('th1', T0 + MIN + 90 * MIN, { zone_temp_c: 20 }), T0 + 91 * MIN)).toEqual([
      raise('th1', 'hvac_off_setpoint', 'minor', T0 + 91 * MIN, 'zone 20 °C vs setpoint 24 °C (mode ?)'),
    ]);
  });

  it('non-numeric HVAC fields are ignored, and a zone alone raises nothing', () => {
    const { m } = monitor({ hvac_off_setpoint: { for_ms: 0 } });
    expect(m.onMessage(tel('th1', T0, { zone_temp_c: 30 }), T0)).toEqual([]);
    expect(m.onMessage(tel('th1', T0 + 1, { setpoint_c: 'x', mode: 3 } as never), T0 + 1)).toEqual([]);
    expect(m.onMessage(tel('th1', T0 + 2, { setpoint_c: Number.NaN }), T0 + 2)).toEqual([]);
    expect(m.onMessage(tel('th1', T0 + 3, { setpoint_c: 20 }), T0 + 3)).toEqual([raise('th1', 'hvac_off_setpoint', 'minor', T0 + 3, 'zone 30 °C vs setpoint 20 °C (mode ?)')]);
    const off = monitor({ hvac_off_setpoint: { enabled: false, for_ms: 0 } });
    expect(off.m.onMessage(tel('th1', T0, { zone_temp_c: 30, setpoint_c: 20 }), T0)).toEqual([]);
  });

  it('humidity on env sensors only: above 70 % or below 12 % for 60 min; the limits themselves are in range', () => {
    const { m } = monitor({ humidity_out_of_range: { for_ms: 0 } });
    expect(m.onMessage(tel('env1', T0, { humidity_pct: 70 }), T0)).toEqual([]);
    expect(m.onMessage(tel('env1', T0 + 1, { humidity_pct: 12 }), T0 + 1)).toEqual([]);
    expect(m.onMessage(tel('env1', T0 + 2, { humidity_pct: 11.5 }), T0 + 2)).toEqual([raise('env1', 'humidity_out_of_range', 'minor', T0 + 2, 'humidity 11.5%')]);
    expect(m.onMessage(tel('env1', T0 + 3, { humidity_pct: 50 }), T0 + 3)).toEqual([]);
    expect(m.onMessage(tel('env1', T0 + 4, { humidity_pct: 71 }), T0 + 4)).toEqual([]);
    expect(m.onMessage(tel('env1', T0 + 5, { humidity_pct: 50 }), T0 + 5)).toEqual([]);
    expect(m.onMessage(tel('env1', T0 + 6, { humidity_pct: 50 }), T0 + 6)).toEqual([clear('env1', 'humidity_out_of_range', 'minor', T0 + 6, 'humidity 50%')]);
    expect(m.onMessage(tel('env1', T0 + 7, { humidity_pct: 71 }), T0 + 7)).toEqual([raise('env1', 'humidity_out_of_range', 'minor', T0 + 7, 'humidity 71%')]);
    expect(m.onMessage(tel('th1', T0, { humidity_pct: 99 }), T0)).toEqual([]);
    expect(m.onMessage(tel('ghost', T0, { humidity_pct: 99 }), T0)).toEqual([]);
    const off = monitor({ humidity_out_of_range: { enabled: false, for_ms: 0 } });
    expect(off.m.onMessage(tel('env1', T0, { humidity_pct: 99 }), T0)).toEqual([]);
  });

  it("freeze: a thermostat's zone or an env sensor's temperature below 7 °C, twice; 7 °C is not below; clears at 10 °C twice", () => {
    const { m } = monitor({ freeze_risk: { for_ms: 0 } });
    m.onMessage(tel('env1', T0, { temperature_c: 7 }), T0);
    expect(m.onMessage(tel('env1', T0 + 1, { temperature_c: 7 }), T0 + 1)).toEqual([]);
    m.onMessage(tel('env1', T0 + 2, { temperature_c: 6.5 }), T0 + 2);
    expect(m.onMessage(tel('env1', T0 + 3, { temperature_c: 6 }), T0 + 3)).toEqual([raise('env1', 'freeze_risk', 'critical', T0 + 3, 'room 6 °C, pipes at risk below 7 °C')]);
    m.onMessage(tel('env1', T0 + 4, { temperature_c: 10 }), T0 + 4);
    expect(m.onMessage(tel('env1', T0 + 5, { temperature_c: 10 }), T0 + 5)).toEqual([clear('env1', 'freeze_risk', 'critical', T0 + 5, 'room 10 °C, pipes at risk below 7 °C')]);
    // A thermostat: its zone reading counts, a temperature_c value does not.
    const t = monitor({ freeze_risk: { for_ms: 0 }, hvac_off_setpoint: { enabled: false } });
    t.m.onMessage(tel('th1', T0, { temperature_c: 1 }), T0);
    expect(t.m.onMessage(tel('th1', T0 + 1, { temperature_c: 1 }), T0 + 1)).toEqual([]);
    t.m.onMessage(tel('th1', T0 + 2, { zone_temp_c: 5 }), T0 + 2);
    expect(t.m.onMessage(tel('th1', T0 + 3, { zone_temp_c: 5 }), T0 + 3)).toEqual([raise('th1', 'freeze_risk', 'critical', T0 + 3, 'room 5 °C, pipes at risk below 7 °C')]);
    // A lock, an unknown device, or the rule off: nothing.
    const o = monitor({ freeze_risk: { for_ms: 0 } });
    for (const id of ['lk1', 'ghost']) {
      o.m.onMessage(tel(id, T0, { temperature_c: 1 }), T0);
      expect(o.m.onMessage(tel(id, T0 + 1, { temperature_c: 1 }), T0 + 1)).toEqual([]);
    }
    const off = monitor({ freeze_risk: { enabled: false, for_ms: 0 } });
    off.m.onMessage(tel('env1', T0, { temperature_c: 1 }), T0);
    expect(off.m.onMessage(tel('env1', T0 + 1, { temperature_c: 1 }), T0 + 1)).toEqual([]);
  });
});

describe('monitor: thresholds', () => {
  const base = { for_ms: 0, raise_after: 1, clear_after: 1, severity: 'minor' as const };

  it('each operator at its limit, in the summary, on the metric it names', () => {
    const cases = [
      { op: '>' as const, at: [false, true] },
      { op: '>=' as const, at: [true, true] },
      { op: '<' as const, at: [false, false] },
      { op: '<=' as const, at: [true, false] },
    ];
    for (const { op, at } of cases) {
      const { m } = monitor({ thresholds: [{ ...base, name: 'co2', metric: 'co2_ppm', op, value: 1000 }] });
      // At the limit (1000), then above it (1001).
      expect(m.onMessage(tel('env1', T0, { co2_ppm: 1000 }), T0).length).toBe(at[0] ? 1 : 0);
      const above = m.onMessage(tel('env1', T0 + 1, { co2_ppm: 1001 }), T0 + 1);
      if (at[0] === at[1]) expect(above).toEqual([]);
      else if (at[1]) expect(above).toEqual([raise('env1', 'threshold', 'minor', T0 + 1, `co2: co2_ppm 1001 ${op} 1000`)]);
      else expect(above).toEqual([clear('env1', 'threshold', 'minor', T0 + 1, `co2: co2_ppm 1001 ${op} 1000`)]);
    }
  });

  it('battery_pct and rssi_dbm come from the payload; a non-number value or a missing metric is skipped', () => {
    const { m, lines } = monitor({
      battery_low: { enabled: false },
      thresholds: [
        { ...base, name: 'batt', metric: 'battery_pct', op: '<', value: 50 },
        { ...base, name: 'weak', metric: 'rssi_dbm', op: '<', value: -80 },
        { ...base, name: 'flag', metric: 'flag', op: '>', value: 0 },
      ],
    });
    expect(m.onMessage(tel('env1', T0, { flag: true, battery_pct: 1, rssi_dbm: -99 }), T0)).toEqual([]);
    expect(m.onMessage(tel('env1', T0 + 1, {}, { battery_pct: 40, rssi_dbm: -90 }), T0 + 1)).toEqual([
      raise('env1', 'threshold', 'minor', T0 + 1, 'batt: battery_pct 40 < 50'),
      raise('env1', 'threshold', 'minor', T0 + 1, 'weak: rssi_dbm -90 < -80'),
    ]);
    expect(lines.map((l) => l[2].rule)).toEqual(['threshold:batt', 'threshold:weak']);
  });

  it('all thresholds of a device share one alert: it clears when the last one clears; rules run in name order', () => {
    const { m, lines } = monitor({
      thresholds: [
        { ...base, name: 'zeta', metric: 'co2_ppm', op: '>', value: 1000 },
        { ...base, name: 'alpha', metric: 'co2_ppm', op: '>', value: 1500 },
      ],
    });
    expect(m.onMessage(tel('env1', T0, { co2_ppm: 2000 }), T0)).toHaveLength(2);
    expect(lines.map((l) => [l[2].rule, l[2].edge])).toEqual([
      ['threshold:alpha', 'raise'],
      ['threshold:zeta', 'raise'],
    ]);
    expect(m.onMessage(tel('env1', T0 + 1, { co2_ppm: 1200 }), T0 + 1)).toEqual([]);
    expect(m.onMessage(tel('env1', T0 + 2, { co2_ppm: 900 }), T0 + 2)).toEqual([clear('env1', 'threshold', 'minor', T0 + 2, 'zeta: co2_ppm 900 > 1000')]);
    expect(m.saveState().thresholds_firing).toEqual([]);
    m.onMessage(tel('env1', T0 + 3, { co2_ppm: 1200 }), T0 + 3);
    expect(m.saveState().thresholds_firing).toEqual([['env1', ['zeta']]]);
  });

  it('kinds restrict a threshold, an unknown device is skipped by it, enabled: false turns it off; its for uses a timer', () => {
    const { m } = monitor({
      thresholds: [
        { ...base, name: 'env-only', kinds: ['env'], metric: 'co2_ppm', op: '>', value: 1000, for_ms: 5 * MIN },
        { ...base, name: 'off', enabled: false, metric: 'co2_ppm', op: '>', value: 0 },
      ],
    });
    expect(m.onMessage(tel('th1', T0, { co2_ppm: 2000 }), T0)).toEqual([]);
    expect(m.onMessage(tel('ghost', T0, { co2_ppm: 2000 }), T0)).toEqual([]);
    expect(m.onMessage(tel('env1', T0, { co2_ppm: 2000 }), T0)).toEqual([]);
    expect(m.tick(T0 + 5 * MIN)).toEqual([raise('env1', 'threshold', 'minor', T0 + 5 * MIN, 'env-only: co2_ppm 2000 > 1000')]);
    expect(m.size()).toEqual({ conditions: 1, timers: 0 });
  });
});

describe('monitor: event rules', () => {
  it('a repeat re-raises; auto_resolve clears that long after the latest raise', () => {
    const { m } = monitor({ leak: { auto_resolve_ms: 10 * MIN } });
    expect(m.onMessage(ev('env1', T0, 'leak_detected'), T0)).toEqual([raise('env1', 'leak', 'critical', T0, 'leak_detected')]);
    expect(m.onMessage(ev('env1', T0 + 5 * MIN, 'leak_detected'), T0 + 5 * MIN)).toEqual([raise('env1', 'leak', 'critical', T0 + 5 * MIN, 'leak_detected')]);
    expect(m.tick(T0 + 15 * MIN - 1)).toEqual([]);
    expect(m.tick(T0 + 15 * MIN)).toEqual([clear('env1', 'leak', 'critical', T0 + 15 * MIN, 'auto-resolved')]);
    expect(m.onMessage(ev('env1', T0 + HOUR, 'leak_cleared'), T0 + HOUR)).toEqual([]);
  });

  it('a clearing event clears a firing alert, with the event as the reason; with nothing firing it does nothing', () => {
    const { m } = monitor();
    expect(m.onMessage(ev('lk1', T0, 'access_granted'), T0)).toEqual([]);
    m.onMessage(ev('lk1', T0 + 1, 'lock_jammed'), T0 + 1);
    expect(m.onMessage(ev('lk1', T0 + 2, 'access_granted'), T0 + 2)).toEqual([clear('lk1', 'lock_jammed', 'major', T0 + 2, 'access_granted')]);
  });

  it('with a for, the first event starts the wait, a repeat does not restart it, and the door closing voids it', () => {
    const { m } = monitor();
    expect(m.onMessage(ev('lk1', T0, 'door_held_open'), T0)).toEqual([]);
    m.onMessage(ev('lk1', T0 + 5 * MIN, 'door_held_open'), T0 + 5 * MIN);
    expect(m.tick(T0 + 10 * MIN)).toEqual([raise('lk1', 'door_held_open', 'minor', T0 + 10 * MIN, 'door_held_open')]);
    expect(m.onMessage(tel('lk1', T0 + 12 * MIN, { door: 'open' }), T0 + 12 * MIN)).toEqual([]);
    expect(m.onMessage(tel('lk1', T0 + 13 * MIN, { door: 'closed' }), T0 + 13 * MIN)).toEqual([clear('lk1', 'door_held_open', 'minor', T0 + 13 * MIN, 'door closed')]);
    // Closed within the wait: nothing then or later.
    m.onMessage(ev('lk1', T0 + HOUR, 'door_held_open'), T0 + HOUR);
    expect(m.onMessage(tel('lk1', T0 + HOUR + MIN, { door: 'closed' }), T0 + HOUR + MIN)).toEqual([]);
    expect(m.tick(T0 + 2 * HOUR)).toEqual([]);
    // A new wait starts from the next event.
    m.onMessage(ev('lk1', T0 + 3 * HOUR, 'door_held_open'), T0 + 3 * HOUR);
    expect(m.tick(T0 + 3 * HOUR + 10 * MIN)).toHaveLength(1);
  });

  it('a waited event alert counts its auto-resolve from firing', () => {
    const { m } = monitor({ door_held_open: { auto_resolve_ms: 5 * MIN } });
    m.onMessage(ev('lk1', T0, 'door_held_open'), T0);
    expect(m.tick(T0 + 10 * MIN)).toHaveLength(1);
    expect(m.tick(T0 + 15 * MIN - 1)).toEqual([]);
    expect(m.tick(T0 + 15 * MIN)).toEqual([clear('lk1', 'door_held_open', 'minor', T0 + 15 * MIN, 'auto-resolved')]);
  });

  it('the door closing with the rule off, or with no door alert, does nothing', () => {
    const off = monitor({ door_held_open: { enabled: false } });
    expect(off.m.onMessage(ev('lk1', T0, 'door_held_open'), T0)).toEqual([]);
    expect(off.m.onMessage(tel('lk1', T0 + 1, { door: 'closed' }), T0 + 1)).toEqual([]);
    expect(off.m.tick(T0 + HOUR)).toEqual([]);
    expect(off.m.size().conditions).toBe(0);
    const on = monitor();
    expect(on.m.onMessage(tel('lk1', T0, { door: 'closed' }), T0)).toEqual([]);
    expect(on.m.size().conditions).toBe(0);
  });

  it('a disabled event rule listens to nothing; driver_failure raises the lighting alert', () => {
    const { m } = monitor({ leak: { enabled: false } });
    expect(m.onMessage(ev('env1', T0, 'leak_detected'), T0)).toEqual([]);
    expect(m.size().conditions).toBe(0);
    expect(m.onMessage(ev('lt1', T0, 'driver_failure'), T0)).toEqual([raise('lt1', 'lighting_driver_failure', 'minor', T0, 'driver_failure')]);
  });

  it('signals of one call come out by time, device, type, and a clear before a raise', () => {
    const { m } = monitor({ leak: { for_ms: 5 * MIN }, battery_low: { raise_after: 1 } });
    m.onMessage(ev('env1', T0, 'leak_detected'), T0);
    // At T0 + 5 min the leak wait ends (drained first), then the battery point raises: sorted by type.
    expect(m.onMessage(tel('env1', T0 + 5 * MIN, {}, { battery_pct: 5 }), T0 + 5 * MIN)).toEqual([
      raise('env1', 'battery_low', 'warning', T0 + 5 * MIN, 'battery 5%'),
      raise('env1', 'leak', 'critical', T0 + 5 * MIN, 'leak_detected'),
    ]);
    // An event that both raises (a re-trigger) and clears the same rule: the clear comes first.
    const both = monitor({ leak: { clear_on: ['leak_cleared', 'leak_detected'] } });
    both.m.onMessage(ev('env1', T0, 'leak_detected'), T0);
    expect(both.m.onMessage(ev('env1', T0 + 6 * MIN, 'leak_detected'), T0 + 6 * MIN)).toEqual([
      clear('env1', 'leak', 'critical', T0 + 6 * MIN, 'leak_detected'),
      raise('env1', 'leak', 'critical', T0 + 6 * MIN, 'leak_detected'),
    ]);
    // Two devices: a timer of gw-side env1 and a message of th1 at one instant, by device id.
    const two = monitor();
    two.m.onLiveness(live('th1', T0, 'ONLINE', 'OFFLINE'));
    expect(two.m.onLiveness(live('env1', T0 + 5 * MIN, 'ONLINE', 'OFFLINE')).map((s) => s.device_id)).toEqual(['th1']);
    const three = monitor();
    three.m.onLiveness(live('th1', T0, 'ONLINE', 'OFFLINE'));
    expect(three.m.onMessage(ev('env1', T0 + 5 * MIN, 'leak_detected'), T0 + 5 * MIN).map((s) => s.device_id)).toEqual(['env1', 'th1']);
  });
});

describe('monitor: reboot rate', () => {
  it('3 new sessions within the hour raise; the first birth, a redelivered or an older one are not sessions; quiet for an hour clears', () => {
    const { m } = monitor();
    expect(m.onMessage(birth('env1', T0, 1), T0)).toEqual([]);
    m.onMessage(birth('env1', T0 + 10 * MIN, 2), T0 + 10 * MIN);
    m.onMessage(birth('env1', T0 + 20 * MIN, 3), T0 + 20 * MIN);
    expect(m.onMessage(birth('env1', T0 + 25 * MIN, 3), T0 + 25 * MIN)).toEqual([]);
    expect(m.onMessage(birth('env1', T0 + 26 * MIN, 2), T0 + 26 * MIN)).toEqual([]);
    expect(m.onMessage(birth('env1', T0 + 30 * MIN, 4), T0 + 30 * MIN)).toEqual([raise('env1', 'reboot_rate', 'major', T0 + 30 * MIN, `3 new sessions since ${T0 + 10 * MIN}`)]);
    // Firing: every new session re-triggers and restarts the quiet hour.
    expect(m.onMessage(birth('env1', T0 + 40 * MIN, 5), T0 + 40 * MIN)).toEqual([raise('env1', 'reboot_rate', 'major', T0 + 40 * MIN, `3 new sessions since ${T0 + 20 * MIN}`)]);
    expect(m.tick(T0 + 100 * MIN - 1)).toEqual([]);
    expect(m.tick(T0 + 100 * MIN)).toEqual([clear('env1', 'reboot_rate', 'major', T0 + 100 * MIN, 'no new session for the quiet period')]);
  });

  it('sessions spread over exactly the window raise; one ms more do not', () => {
    const edge = monitor();
    edge.m.onMessage(birth('env1', T0, 1), T0);
    edge.m.onMessage(birth('env1', T0 + MIN, 2), T0 + MIN);
    edge.m.onMessage(birth('env1', T0 + 30 * MIN, 3), T0 + 30 * MIN);
    expect(edge.m.onMessage(birth('env1', T0 + 61 * MIN, 4), T0 + 61 * MIN)).toHaveLength(1);
    const past = monitor();
    past.m.onMessage(birth('env1', T0, 1), T0);
    past.m.onMessage(birth('env1', T0 + MIN, 2), T0 + MIN);
    past.m.onMessage(birth('env1', T0 + 30 * MIN, 3), T0 + 30 * MIN);
    expect(past.m.onMessage(birth('env1', T0 + 61 * MIN + 1, 4), T0 + 61 * MIN + 1)).toEqual([]);
    // Only the latest 3 count: [30, 61:00.001, 62] min is within the hour.
    expect(past.m.onMessage(birth('env1', T0 + 62 * MIN, 5), T0 + 62 * MIN)).toEqual([raise('env1', 'reboot_rate', 'major', T0 + 62 * MIN, `3 new sessions since ${T0 + 30 * MIN}`)]);
  });

  it('reboot_rate off: births are not counted', () => {
    const { m } = monitor({ reboot_rate: { enabled: false } });
    for (let s = 1; s <= 6; s++) expect(m.onMessage(birth('env1', T0 + s, s), T0 + s)).toEqual([]);
    expect(m.saveState().reboots).toEqual([]);
  });

  it('state and ota messages raise nothing', () => {
    const { m } = monitor();
    const state = { type: 'state', device_id: 'env1', site_id: 's1', received_ms: T0, payload: { v: 1, id: 'env1', state: 'offline', ts: T0 } } as unknown as DeviceMessage;
    const ota = { type: 'ota', device_id: 'env1', site_id: 's1', received_ms: T0, payload: { v: 1, id: 'env1', ts: T0 } } as unknown as DeviceMessage;
    expect(m.onMessage(state, T0)).toEqual([]);
    expect(m.onMessage(ota, T0)).toEqual([]);
    expect(m.size()).toEqual({ conditions: 0, timers: 0 });
  });
});

describe('monitor: timers and snapshots', () => {
  it('voided timers are dropped once they outnumber the live ones by the slack; a live one survives the rebuild', () => {
    const { m } = monitor();
    // Each OFFLINE/ONLINE pair leaves one voided 5-minute timer behind.
    for (let i = 0; i < 1100; i++) {
      m.onLiveness(live('env1', T0 + 2 * i, 'ONLINE', 'OFFLINE'));
      m.onLiveness(live('env1', T0 + 2 * i + 1, 'OFFLINE', 'ONLINE'));
    }
    // At the 1026th OFFLINE 1025 voided entries (> 2 × 0 + 1024) were dropped; 75 pairs since.
    expect(m.size()).toEqual({ conditions: 1, timers: 75 });
    m.onLiveness(live('env1', T0 + 3000, 'ONLINE', 'OFFLINE'));
    expect(m.tick(T0 + 3000 + 5 * MIN)).toEqual([raise('env1', 'device_offline', 'major', T0 + 3000 + 5 * MIN, 'env offline (will)')]);
  });

  it('a saved monitor, loaded into another, fires the same pending timers and remembers counts, sessions, HVAC and thresholds', () => {
    const over: DeepPartial<MonitoringConfig> = { thresholds: [{ name: 'co2', metric: 'co2_ppm', op: '>', value: 1000, for_ms: 0, raise_after: 1, clear_after: 1, severity: 'minor' }] };
    const { m } = monitor(over);
    m.onLiveness(live('env1', T0, 'ONLINE', 'OFFLINE'));
    m.onMessage(tel('env1', T0, { co2_ppm: 2000 }, { battery_pct: 5 }), T0);
    m.onMessage(tel('th1', T0, { zone_temp_c: 20, setpoint_c: 20 }), T0);
    m.onMessage(birth('lk1', T0, 1), T0);
    m.onMessage(birth('lk1', T0 + 1, 2), T0 + 1);
    m.onMessage(birth('lk1', T0 + 2, 3), T0 + 2);
    const state = m.saveState();
    const other = monitor(over);
    other.m.onLiveness(live('gw1', T0, 'ONLINE', 'OFFLINE'));
    other.m.loadState(state);
    expect(other.m.saveState()).toEqual(state);
    // env1: offline, battery, co2; lk1: reboots. th1's good HVAC and freeze points leave no
    // condition: an idle one is what `point` would have left, so none is kept (docs/performance.md).
    expect(other.m.size()).toEqual({ conditions: 4, timers: 1 });
    // The pending offline timer, the second battery point, the third session and the threshold's clear.
    expect(other.m.tick(T0 + 5 * MIN)).toEqual([raise('env1', 'device_offline', 'major', T0 + 5 * MIN, 'env offline (will)')]);
    expect(other.m.onMessage(tel('env1', T0 + 6 * MIN, { co2_ppm: 900 }, { battery_pct: 5 }), T0 + 6 * MIN)).toEqual([
      raise('env1', 'battery_low', 'warning', T0 + 6 * MIN, 'battery 5%'),
      clear('env1', 'threshold', 'minor', T0 + 6 * MIN, 'co2: co2_ppm 900 > 1000'),
    ]);
    expect(other.m.onMessage(birth('lk1', T0 + 7 * MIN, 4), T0 + 7 * MIN)).toEqual([raise('lk1', 'reboot_rate', 'major', T0 + 7 * MIN, `3 new sessions since ${T0 + 1}`)]);
    // HVAC memory: the setpoint 20 was seen, so 24 is a change and starts a recovery.
    other.m.onMessage(tel('th1', T0 + 8 * MIN, { setpoint_c: 24 }), T0 + 8 * MIN);
    expect(other.m.tick(T0 + 8 * MIN + 45 * MIN)).toEqual([]);
    // The gateway's own condition was replaced by the loaded state.
    expect(other.m.saveState().conds.map(([k]) => k.split('\u0000')[0])).not.toContain('gw1');
  });
});
