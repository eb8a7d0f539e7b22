/**
 * Reads what a set of devices said during a run out of its trace.jsonl: every telemetry value as a
 * time series (numbers as they were reported, booleans as 0/1, strings such as an HVAC mode or a
 * door state as a list of changes), the envelope's battery and RSSI, events, power changes and
 * the faults injected into them. Streams the file, so a month-long trace of a large fleet is read
 * once without holding it in memory; lines of other devices are skipped before they are parsed.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Point } from './svg-chart.ts';

export interface StateChange {
  t_ms: number;
  value: string;
}

export interface DeviceSeries {
  id: string;
  /** Numeric and boolean (0/1) telemetry values, plus battery_pct and rssi_dbm from the envelope. */
  numbers: Map<string, Point[]>;
  /** String-valued telemetry (mode, door) as reported. */
  states: Map<string, StateChange[]>;
  events: Array<{ t_ms: number; type: string }>;
  /** Power transitions (online, dead, …) as the simulator logged them. */
  power: StateChange[];
  faults: Array<{ t_ms: number; kind: string; phase: 'start' | 'end' }>;
  reports: number;
}

function emptySeries(id: string): DeviceSeries {
  return { id, numbers: new Map(), states: new Map(), events: [], power: [], faults: [], reports: 0 };
}

function push<T>(map: Map<string, T[]>, key: string, item: T): void {
  const list = map.get(key);
  if (list) list.push(item);
  else map.set(key, [item]);
}

interface TraceLine {
  k: string;
  t: number;
  c?: string;
  d?: string;
  s?: string;
  kind?: string;
  topic?: string;
  p?: { values?: Record<string, unknown>; battery_pct?: number; rssi_dbm?: number; type?: string };
}

/** The device a trace line is about, read from its first key without parsing the line. */
function lineDevice(line: string): string | undefined {
  const m = /^\{"[cd]":"([^"]+)"/.exec(line);
  return m?.[1];
}

export async function readDeviceSeries(trace_path: string, ids: ReadonlySet<string>): Promise<Map<string, DeviceSeries>> {
  const out = new Map<string, DeviceSeries>([...ids].map((id) => [id, emptySeries(id)]));
  const lines = createInterface({ input: createReadStream(trace_path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) {
    const id = lineDevice(line);
    if (id === undefined || !ids.has(id)) continue;
    const l = JSON.parse(line) as TraceLine;
    const s = out.get(id)!;
    if (l.k === 'pub' && l.topic !== undefined) {
      if (l.topic.endsWith('/telemetry') && l.p) {
        s.reports++;
        for (const [key, v] of Object.entries(l.p.values ?? {})) {
          if (typeof v === 'number') push(s.numbers, key, [l.t, v] as const);
          else if (typeof v === 'boolean') push(s.numbers, key, [l.t, v ? 1 : 0] as const);
          else if (typeof v === 'string') push(s.states, key, { t_ms: l.t, value: v });
        }
        if (typeof l.p.battery_pct === 'number') push(s.numbers, 'battery_pct', [l.t, l.p.battery_pct] as const);
        if (typeof l.p.rssi_dbm === 'number') push(s.numbers, 'rssi_dbm', [l.t, l.p.rssi_dbm] as const);
      } else if (l.topic.endsWith('/event') && typeof l.p?.type === 'string') {
        s.events.push({ t_ms: l.t, type: l.p.type });
      }
    } else if (l.k === 'power' && typeof l.s === 'string') {
      s.power.push({ t_ms: l.t, value: l.s });
    } else if (l.k === 'fault' && (l.s === 'start' || l.s === 'end')) {
      s.faults.push({ t_ms: l.t, kind: l.kind ?? 'fault', phase: l.s });
    }
  }
  return out;
}
