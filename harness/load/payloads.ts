import type { BirthPayload, EventPayload, TelemetryPayload } from '../../platform/contract/messages.ts';
import { deviceTopic } from '../../platform/contract/topics.ts';
import { DEFAULT_MODEL, modelById } from '../../sim/devices/models.ts';
import type { LoadDevice } from './fleet.ts';

/**
 * Contract v1 messages for load devices. Values sit well inside every default monitoring rule
 * (battery high, humidity normal, HVAC at setpoint) so the only alerts a load run raises are the
 * leak probes it injects on purpose, whose latency it measures.
 */
export const LOAD_HEARTBEAT_MS = 3_600_000; // an hour: no device goes offline in a load run of any sane length

export interface Outgoing {
  readonly topic: string;
  readonly payload: string;
}

export function birth(d: LoadDevice, session: number, seq: number, ts_ms: number): Outgoing {
  const model = modelById(DEFAULT_MODEL[d.kind]);
  const p: BirthPayload = {
    v: 1, id: d.id, kind: d.kind, model: model.id, serial: `LD-${d.id}`, fw: '1.0.0', site: d.site, building: d.building, floor: d.floor, zone: d.zone,
    gateway: d.gateway, power: model.power, caps: [...model.caps], heartbeat_ms: LOAD_HEARTBEAT_MS, session, seq, ts: ts_ms,
  };
  return { topic: deviceTopic(d.site, d.id, 'birth'), payload: JSON.stringify(p) };
}

function values(kind: LoadDevice['kind'], n: number): TelemetryPayload['values'] {
  const wiggle = (n % 10) / 10;
  switch (kind) {
    case 'env':
      return { temperature_c: 21 + wiggle, humidity_pct: 42 + wiggle };
    case 'occupancy':
      return { occupied: n % 2 === 0 };
    case 'lighting':
      return { level_pct: 60 + (n % 5) * 5, power_w: 24 };
    case 'hvac':
      return { zone_temp_c: 21 + wiggle / 2, setpoint_c: 21, output_pct: 30 };
    case 'lock':
      return { locked: true, door: 'closed' };
    case 'leak':
      return { leak: false, temperature_c: 19 + wiggle };
    case 'gateway':
      return { cpu_pct: 10 + wiggle, mem_pct: 35 };
  }
}

export function telemetry(d: LoadDevice, seq: number, ts_ms: number, n: number): Outgoing {
  const p: TelemetryPayload = { v: 1, id: d.id, seq, ts: ts_ms, values: values(d.kind, n) };
  if (d.kind !== 'gateway' && d.kind !== 'hvac' && d.kind !== 'lighting') p.battery_pct = 90;
  return { topic: deviceTopic(d.site, d.id, 'telemetry'), payload: JSON.stringify(p) };
}

export function leakEvent(d: LoadDevice, seq: number, ts_ms: number, detected: boolean): Outgoing {
  const p: EventPayload = { v: 1, id: d.id, seq, ts: ts_ms, type: detected ? 'leak_detected' : 'leak_cleared' };
  return { topic: deviceTopic(d.site, d.id, 'event'), payload: JSON.stringify(p) };
}
