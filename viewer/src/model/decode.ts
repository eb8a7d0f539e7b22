/**
 * One trace line (or one live MQTT message shaped like one) → a flat `Decoded` record. Telemetry,
 * the bulk of every trace, is reduced to a few numbers here so a replay of millions of lines stays
 * in typed arrays; the few other kinds keep their parsed object. Unknown kinds return false and are
 * skipped: the trace grows new kinds as the project grows, and an old viewer must not choke on them.
 */
import { BIT, DS, EV, LV, otaCode } from './codes.ts';
import type { DeviceRegistry } from './registry.ts';

export interface Decoded {
  code: number;
  t: number;
  /** Device index, or -1. */
  d: number;
  /** birth: session; state: DS code; ota: OTA code; live: LV code; event: EVENT_LEAK_* or 0. */
  a: number;
  /** birth: firmware string id; state: session (-1 when absent); ota: job string id. */
  b: number;
  /** telemetry: primary value (temperature °C, light level %), NaN when none. */
  val: number;
  /** telemetry: battery %, NaN when absent. */
  bat: number;
  /** telemetry: RSSI dBm, NaN when absent. */
  rssi: number;
  /** telemetry: BIT flags. */
  bits: number;
  /** Everything but telemetry: the line itself (pub lines: the payload). */
  obj: Record<string, unknown> | null;
}

export function emptyDecoded(): Decoded {
  return { code: 0, t: 0, d: -1, a: 0, b: 0, val: NaN, bat: NaN, rssi: NaN, bits: 0, obj: null };
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : NaN);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

const LIVENESS_CODE: Record<string, number> = { UNKNOWN: LV.UNKNOWN, ONLINE: LV.ONLINE, SUSPECT: LV.SUSPECT, OFFLINE: LV.OFFLINE, UNREACHABLE: LV.UNREACHABLE };
/** Events that change a value the telemetry also carries (event: a = EVENT_LEAK_*). */
export const EVENT_LEAK_DETECTED = 1;
export const EVENT_LEAK_CLEARED = 2;
const STATE_CODE: Record<string, number> = { online: DS.online, offline: DS.offline, rebooting: DS.rebooting };

function reset(out: Decoded, code: number, t: number): void {
  out.code = code;
  out.t = t;
  out.d = -1;
  out.a = 0;
  out.b = 0;
  out.val = NaN;
  out.bat = NaN;
  out.rssi = NaN;
  out.bits = 0;
  out.obj = null;
}

function device(reg: DeviceRegistry, id: unknown): number {
  return typeof id === 'string' && id.length > 0 ? reg.intern(id) : -1;
}

/** A device message by its topic class; `p` is the payload, `t` the time it happened. */
export function decodeMessage(reg: DeviceRegistry, cls: string, p: Record<string, unknown>, t: number, out: Decoded): boolean {
  switch (cls) {
    case 'birth': {
      const d = device(reg, p.id);
      const kind = str(p.kind);
      if (d < 0 || kind === undefined) return false;
      reset(out, EV.birth, t);
      out.d = d;
      out.a = num(p.session) || 0;
      out.b = reg.str(str(p.fw) ?? '?');
      out.obj = p;
      reg.setInfo(d, {
        id: reg.ids[d]!,
        kind: kind as never,
        model: str(p.model) ?? '?',
        serial: str(p.serial) ?? '',
        site: str(p.site) ?? '?',
        building: str(p.building) ?? '?',
        floor: str(p.floor) ?? '?',
        zone: str(p.zone) ?? null,
        gateway: str(p.gateway) ?? null,
        power: str(p.power) ?? '',
        heartbeat_ms: num(p.heartbeat_ms) || 0,
      });
      return true;
    }
    case 'state': {
      const d = device(reg, p.id);
      const s = STATE_CODE[str(p.state) ?? ''];
      if (d < 0 || s === undefined) return false;
      reset(out, EV.state, t);
      out.d = d;
      out.a = s;
      out.b = typeof p.session === 'number' ? p.session : -1;
      out.obj = p;
      return true;
    }
    case 'telemetry': {
      const d = device(reg, p.id);
      if (d < 0) return false;
      reset(out, EV.telemetry, t);
      out.d = d;
      out.bat = num(p.battery_pct);
      out.rssi = num(p.rssi_dbm);
      const v = (p.values ?? {}) as Record<string, unknown>;
      const temp = num(v.temperature_c);
      out.val = Number.isNaN(temp) ? (Number.isNaN(num(v.zone_temp_c)) ? num(v.level_pct) : num(v.zone_temp_c)) : temp;
      let bits = 0;
      if (v.locked === true) bits |= BIT.locked;
      if (v.door === 'open') bits |= BIT.door_open;
      if (v.occupied === true) bits |= BIT.occupied;
      if (v.leak === true) bits |= BIT.leak;
      out.bits = bits;
      return true;
    }
    case 'event': {
      const d = device(reg, p.id);
      if (d < 0) return false;
      reset(out, EV.event, t);
      out.d = d;
      out.a = p.type === 'leak_detected' ? EVENT_LEAK_DETECTED : p.type === 'leak_cleared' ? EVENT_LEAK_CLEARED : 0;
      out.obj = p;
      return true;
    }
    case 'ota': {
      const d = device(reg, p.id);
      const code = otaCode(str(p.state) ?? '');
      if (d < 0 || code === 0) return false;
      reset(out, EV.ota, t);
      out.d = d;
      out.a = code;
      out.b = reg.str(str(p.job) ?? '');
      out.obj = p;
      return true;
    }
    default:
      return false;
  }
}

/** Decodes one parsed trace line. Returns false for kinds the viewer does not show. */
export function decodeLine(reg: DeviceRegistry, o: Record<string, unknown>, out: Decoded): boolean {
  const t = num(o.t);
  if (Number.isNaN(t)) return false;
  switch (o.k) {
    case 'pub': {
      const topic = str(o.topic);
      const p = o.p;
      if (topic === undefined || p === null || typeof p !== 'object') return false;
      // msp/v1/<site>/<device>/<class>; the control plane ($sim) and commands are not device state.
      const parts = topic.split('/');
      if (parts.length !== 5 || parts[2]!.startsWith('$')) return false;
      return decodeMessage(reg, parts[4]!, p as Record<string, unknown>, t, out);
    }
    case 'will': {
      const p = o.p;
      if (p === null || typeof p !== 'object') return false;
      return decodeMessage(reg, 'state', p as Record<string, unknown>, t, out);
    }
    case 'p.live': {
      const d = device(reg, o.d);
      const to = LIVENESS_CODE[str(o.to) ?? ''];
      if (d < 0 || to === undefined) return false;
      reset(out, EV.live, t);
      out.d = d;
      out.a = to;
      out.obj = o;
      return true;
    }
    case 'p.alert':
      if (typeof o.id !== 'string') return false;
      reset(out, EV.alert, t);
      out.d = device(reg, o.d);
      out.obj = o;
      return true;
    case 'p.inc':
      if (typeof o.id !== 'string') return false;
      reset(out, EV.incident, t);
      out.obj = o;
      return true;
    case 'p.rollout':
      reset(out, EV.rollout, t);
      // Per-device steps name the device (`d`); rollout-level decisions do not.
      out.d = device(reg, o.d);
      out.obj = o;
      return true;
    case 'p.sla':
      reset(out, EV.sla, t);
      out.obj = o;
      return true;
    case 'fault':
      reset(out, EV.fault, t);
      out.d = device(reg, o.d);
      out.obj = o;
      return true;
    case 'noc':
      reset(out, EV.noc, t);
      out.obj = o;
      return true;
    case 'ota':
      // The simulator's truth about an install: only `bricked` matters to the picture (a bricked
      // device cannot report it; the platform only sees the install time out).
      if (o.s !== 'bricked') return false;
      reset(out, EV.bricked, t);
      out.d = device(reg, o.d);
      if (out.d < 0) return false;
      out.obj = o;
      return true;
    case 'repair':
      reset(out, EV.repair, t);
      out.d = device(reg, o.d);
      out.obj = o;
      return true;
    case 'run':
      reset(out, EV.run, t);
      out.obj = o;
      return true;
    case 'end':
      reset(out, EV.end, t);
      out.obj = o;
      return true;
    default:
      return false;
  }
}
