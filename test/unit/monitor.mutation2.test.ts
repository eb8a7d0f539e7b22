import { describe, expect, it } from 'vitest';
import type { DeviceKind, EventType } from '../../platform/contract/messages.ts';
import type { DeviceInfo, DeviceMessage } from '../../platform/core/model.ts';
import { Monitor, type AlertSignal } from '../../platform/monitoring/monitor.ts';
import { defaultMonitoringConfig, mergeMonitoringConfig, type DeepPartial, type MonitoringConfig } from '../../platform/monitoring/rules.ts';

// Second round of cases for the mutants of platform/monitoring/monitor.ts (docs/testing.md,
// "Mutation testing"): the rule name each signal is journaled under, a saved monitor's sorted
// threshold names and birth times, and battery_replaced being the only event that clears
// battery_low. Expected values are hand-written from docs/monitoring.md's defaults.

const MIN = 60_000;
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

function raise(device_id: string, type: AlertSignal['type'], severity: AlertSignal['severity'], at_ms: number, summary: string): AlertSignal {
  return { kind: 'raise', device_id, type, severity, at_ms, summary };
}

function clear(device_id: string, type: AlertSignal['type'], severity: AlertSignal['severity'], at_ms: number, summary: string): AlertSignal {
  return { kind: 'clear', device_id, type, severity, at_ms, summary };
}

describe('monitor: journaled rule names and saved order', () => {
  it('reboot_rate is journaled under its rule; the saved births start at the second session', () => {
    const { m, lines } = monitor();
    m.onMessage(birth('env1', T0, 1), T0);
    m.onMessage(birth('env1', T0 + 10 * MIN, 2), T0 + 10 * MIN);
    expect(m.saveState().reboots).toEqual([['env1', { last_session: 2, births_ms: [T0 + 10 * MIN] }]]);
    m.onMessage(birth('env1', T0 + 20 * MIN, 3), T0 + 20 * MIN);
    expect(m.onMessage(birth('env1', T0 + 30 * MIN, 4), T0 + 30 * MIN)).toEqual([raise('env1', 'reboot_rate', 'major', T0 + 30 * MIN, `3 new sessions since ${T0 + 10 * MIN}`)]);
    expect(lines).toEqual([[T0 + 30 * MIN, 'p.sig', { d: 'env1', type: 'reboot_rate', edge: 'raise', sev: 'major', rule: 'reboot_rate' }]]);
  });

  it('a door closing clears door_held_open journaled under its rule', () => {
    const { m, lines } = monitor();
    m.onMessage(ev('lk1', T0, 'door_held_open'), T0);
    expect(m.tick(T0 + 10 * MIN)).toEqual([raise('lk1', 'door_held_open', 'minor', T0 + 10 * MIN, 'door_held_open')]);
    expect(m.onMessage(tel('lk1', T0 + 13 * MIN, { door: 'closed' }), T0 + 13 * MIN)).toEqual([clear('lk1', 'door_held_open', 'minor', T0 + 13 * MIN, 'door closed')]);
    expect(lines.at(-1)).toEqual([T0 + 13 * MIN, 'p.sig', { d: 'lk1', type: 'door_held_open', edge: 'clear', sev: 'minor', rule: 'door_held_open' }]);
  });

  it('only battery_replaced clears battery_low: another event leaves it firing', () => {
    const { m } = monitor();
    m.onMessage(tel('env1', T0, {}, { battery_pct: 14 }), T0);
    expect(m.onMessage(tel('env1', T0 + 1, {}, { battery_pct: 13 }), T0 + 1)).toEqual([raise('env1', 'battery_low', 'warning', T0 + 1, 'battery 13%')]);
    expect(m.onMessage(ev('env1', T0 + 2, 'door_forced'), T0 + 2)).toEqual([raise('env1', 'door_forced', 'major', T0 + 2, 'door_forced')]);
    expect(m.saveState().conds.find(([k]) => k === 'env1\u0000battery_low')![1]).toMatchObject({ firing: true });
  });

  it('the firing threshold names are saved sorted whatever order they fired in', () => {
    const rule = { for_ms: 0, raise_after: 1, clear_after: 1, severity: 'minor' as const };
    const { m } = monitor({
      thresholds: [
        { name: 'a_co2', metric: 'co2_ppm', op: '>', value: 1000, ...rule },
        { name: 'z_temp', metric: 'temperature_c', op: '>', value: 30, ...rule },
      ],
    });
    m.onMessage(tel('env1', T0, { temperature_c: 35 }), T0); // z_temp first
    m.onMessage(tel('env1', T0 + MIN, { co2_ppm: 2000 }), T0 + MIN); // then a_co2
    expect(m.saveState().thresholds_firing).toEqual([['env1', ['a_co2', 'z_temp']]]);
  });

  it('a timer due earlier fires first even when a later one belongs to a device that sorts first', () => {
    const { m } = monitor();
    m.onLiveness({ device_id: 'th1', at_ms: T0, from: 'ONLINE', to: 'OFFLINE', reason: 'will' }); // due T0 + 5 min
    m.onLiveness({ device_id: 'env1', at_ms: T0 + 3 * MIN, from: 'ONLINE', to: 'OFFLINE', reason: 'will' }); // due T0 + 8 min
    expect(m.tick(T0 + 6 * MIN)).toEqual([raise('th1', 'device_offline', 'major', T0 + 5 * MIN, 'hvac offline (will)')]);
    expect(m.tick(T0 + 8 * MIN)).toEqual([raise('env1', 'device_offline', 'major', T0 + 8 * MIN, 'env offline (will)')]);
  });

  it('signals of one drain come out by time first, then by device', () => {
    const { m } = monitor();
    m.onLiveness({ device_id: 'th1', at_ms: T0, from: 'ONLINE', to: 'OFFLINE', reason: 'will' }); // due T0 + 5 min
    m.onLiveness({ device_id: 'env1', at_ms: T0 + MIN, from: 'ONLINE', to: 'OFFLINE', reason: 'will' }); // due T0 + 6 min
    m.onLiveness({ device_id: 'lk1', at_ms: T0 + MIN, from: 'ONLINE', to: 'OFFLINE', reason: 'will' }); // due T0 + 6 min
    expect(m.tick(T0 + 10 * MIN)).toEqual([
      raise('th1', 'device_offline', 'major', T0 + 5 * MIN, 'hvac offline (will)'),
      raise('env1', 'device_offline', 'major', T0 + 6 * MIN, 'env offline (will)'),
      raise('lk1', 'device_offline', 'major', T0 + 6 * MIN, 'lock offline (will)'),
    ]);
  });
});
