/**
 * The story of a recorded run, gathered in one pass over the trace (Timeline.finish): the fault
 * intervals of the ground truth, each incident's life (open → ack → dispatch → repair → resolve),
 * alert firings, rollout waves and gate decisions. The timeline strip, the incident outlines, the
 * causal chain and the run summary all read it; none of it depends on the time the page shows.
 */
import { EV } from './codes.ts';
import type { Decoded } from './decode.ts';
import type { DeviceRegistry } from './registry.ts';

export interface StoryFault {
  readonly id: string;
  readonly kind: string;
  /** Device id (`d`) or the id the scope names (`on`). */
  readonly target: string | null;
  /** device | gateway | floor | building | site */
  readonly scope: string;
  readonly start_t: number;
  end_t: number | null;
}

export interface StoryIncident {
  readonly id: string;
  pri: string;
  scope: string;
  nd: number;
  readonly opened_t: number;
  acked_t: number | null;
  acked_by: string | null;
  dispatched_t: number | null;
  tech: string | null;
  repaired_t: number | null;
  resolved_t: number | null;
}

export interface StoryAlert {
  readonly id: string;
  readonly d: number;
  readonly type: string;
  readonly sev: string;
  /** First firing. */
  readonly t: number;
  inh: string | null;
}

export interface StoryWave {
  readonly rollout: string;
  readonly wave: number;
  readonly start_t: number;
  end_t: number | null;
}

export interface StoryDecision {
  readonly rollout: string;
  readonly t: number;
  readonly event: string;
  readonly reason: string | null;
}

const WAVE_ENDS: ReadonlySet<string> = new Set(['wave_passed', 'paused', 'aborted', 'cancelled', 'completed', 'rolled_back', 'rollback_started', 'error_gate', 'health_gate', 'success_gate_failed']);
const DECISIONS: ReadonlySet<string> = new Set(['error_gate', 'health_gate', 'success_gate_failed', 'paused', 'resumed', 'aborted', 'cancelled', 'completed', 'rolled_back', 'rollback_started', 'soak_passed']);

export class Story {
  readonly faults: StoryFault[] = [];
  readonly incidents: StoryIncident[] = [];
  readonly alerts: StoryAlert[] = [];
  readonly waves: StoryWave[] = [];
  readonly decisions: StoryDecision[] = [];
  /** The platform's own closing figures (`p.sla`). */
  sla: Record<string, unknown> | null = null;
  private readonly fault_by_id = new Map<string, StoryFault>();
  private readonly incident_by_id = new Map<string, StoryIncident>();
  private readonly alert_by_id = new Map<string, StoryAlert>();
  private readonly open_wave = new Map<string, StoryWave>();
  private readonly fault_memo = new Map<string, StoryFault | null>();
  private readonly fault_devices = new Map<StoryFault, { size: number; ids: string[] }>();

  incident(id: string): StoryIncident | undefined {
    return this.incident_by_id.get(id);
  }

  alert(id: string): StoryAlert | undefined {
    return this.alert_by_id.get(id);
  }

  /** Folds one line (file order). */
  observe(e: Decoded): void {
    const o = e.obj;
    if (o === null) return;
    switch (e.code) {
      case EV.fault: {
        const id = typeof o.id === 'string' ? o.id : `${String(o.kind)}:${String(o.d ?? o.on)}`;
        const prev = this.fault_by_id.get(id);
        if (o.s === 'end') {
          if (prev && prev.end_t === null) prev.end_t = e.t;
          return;
        }
        if (prev && prev.end_t === null) return;
        const target = typeof o.d === 'string' ? o.d : typeof o.on === 'string' ? o.on : null;
        const f: StoryFault = { id, kind: typeof o.kind === 'string' ? o.kind : 'fault', target, scope: typeof o.scope === 'string' ? o.scope : 'device', start_t: e.t, end_t: null };
        this.fault_by_id.set(id, f);
        this.faults.push(f);
        return;
      }
      case EV.incident: {
        const id = String(o.id);
        let inc = this.incident_by_id.get(id);
        if (!inc) {
          inc = { id, pri: 'P4', scope: '', nd: 0, opened_t: e.t, acked_t: null, acked_by: null, dispatched_t: null, tech: null, repaired_t: null, resolved_t: null };
          this.incident_by_id.set(id, inc);
          this.incidents.push(inc);
        }
        if (typeof o.pri === 'string') inc.pri = o.pri;
        if (typeof o.scope === 'string') inc.scope = o.scope;
        if (typeof o.nd === 'number') inc.nd = Math.max(inc.nd, o.nd);
        if (o.s === 'acknowledged' && inc.acked_t === null) {
          inc.acked_t = e.t;
          inc.acked_by = typeof o.by === 'string' ? o.by : null;
        }
        if (o.s === 'resolved' && inc.resolved_t === null) inc.resolved_t = e.t;
        return;
      }
      case EV.noc: {
        const inc = typeof o.inc === 'string' ? this.incident_by_id.get(o.inc) : undefined;
        if (!inc) return;
        if (o.act === 'ack' && inc.acked_t === null) inc.acked_t = e.t;
        else if (o.act === 'dispatch' && inc.dispatched_t === null) {
          inc.dispatched_t = e.t;
          inc.tech = typeof o.tech === 'string' ? o.tech : null;
        } else if (o.act === 'repair' && inc.repaired_t === null) inc.repaired_t = e.t;
        return;
      }
      case EV.alert: {
        const id = String(o.id);
        const prev = this.alert_by_id.get(id);
        if (prev) {
          if (prev.inh === null && typeof o.inh === 'string') prev.inh = o.inh;
          return;
        }
        if (o.s === 'resolved') return;
        const a: StoryAlert = { id, d: e.d, type: typeof o.type === 'string' ? o.type : '?', sev: typeof o.sev === 'string' ? o.sev : 'minor', t: e.t, inh: typeof o.inh === 'string' ? o.inh : null };
        this.alert_by_id.set(id, a);
        this.alerts.push(a);
        return;
      }
      case EV.rollout: {
        const rollout = typeof o.id === 'string' ? o.id : typeof o.rollout === 'string' ? o.rollout : 'rollout';
        const ev = typeof o.ev === 'string' ? o.ev : typeof o.event === 'string' ? o.event : '';
        if (e.d >= 0) return; // per-device steps
        const open = this.open_wave.get(rollout);
        if (ev === 'wave_started' && typeof o.wave === 'number') {
          if (open) open.end_t = e.t;
          const w: StoryWave = { rollout, wave: o.wave, start_t: e.t, end_t: null };
          this.open_wave.set(rollout, w);
          this.waves.push(w);
        } else if (open && WAVE_ENDS.has(ev) && open.end_t === null && ev !== 'error_gate' && ev !== 'health_gate') {
          open.end_t = e.t;
        }
        if (DECISIONS.has(ev)) this.decisions.push({ rollout, t: e.t, event: ev, reason: typeof o.why === 'string' ? o.why : typeof o.reason === 'string' ? o.reason : null });
        return;
      }
      case EV.bricked: {
        // The truth that an install bricked the device is a fault like the injected ones: it
        // explains the incident that follows, until the replacement's birth ends it.
        const target = typeof o.d === 'string' ? o.d : null;
        if (target === null || this.fault_by_id.get(`bricked:${target}`)?.end_t === null) return;
        const f: StoryFault = { id: `bricked:${target}`, kind: 'bricked_by_update', target, scope: 'device', start_t: e.t, end_t: null };
        this.fault_by_id.set(f.id, f);
        this.faults.push(f);
        return;
      }
      case EV.birth: {
        const f = typeof o.id === 'string' ? this.fault_by_id.get(`bricked:${o.id}`) : undefined;
        if (f && f.end_t === null) f.end_t = e.t;
        return;
      }
      case EV.sla:
        this.sla = o;
        return;
      default:
        return;
    }
  }

  /** After the last line: everything in time order (ids break ties, so the order never depends on arrival). */
  finish(): void {
    const by = <T extends { id?: string }>(t: (x: T) => number) => (a: T, b: T) => t(a) - t(b) || ((a.id ?? '') < (b.id ?? '') ? -1 : (a.id ?? '') > (b.id ?? '') ? 1 : 0);
    this.faults.sort(by((f) => f.start_t));
    this.incidents.sort(by((i) => i.opened_t));
    this.alerts.sort(by((a) => a.t));
    this.waves.sort((a, b) => a.start_t - b.start_t || a.wave - b.wave);
    this.decisions.sort((a, b) => a.t - b.t);
  }

  /** The ground-truth fault that best explains an incident: the latest one starting before it opened whose target overlaps its scope. */
  faultFor(inc: StoryIncident, reg: DeviceRegistry): StoryFault | null {
    // Memoized: the strip, the captions and the summary all ask, and a scope lookup scans the registry.
    const key = `${inc.id}|${reg.size}`;
    const hit = this.fault_memo.get(key);
    if (hit !== undefined) return hit;
    const found = this.findFault(inc, reg);
    this.fault_memo.set(key, found);
    return found;
  }

  private findFault(inc: StoryIncident, reg: DeviceRegistry): StoryFault | null {
    const members = scopeDevices(inc.scope, reg);
    let best: StoryFault | null = null;
    for (const f of this.faults) {
      if (f.start_t > inc.opened_t) break;
      if (f.end_t !== null && f.end_t + 3_600_000 < inc.opened_t) continue;
      let memo = this.fault_devices.get(f);
      if (!memo || memo.size !== reg.size) this.fault_devices.set(f, (memo = { size: reg.size, ids: faultDevices(f, reg) }));
      if (!memo.ids.some((d) => members.has(d))) continue;
      best = f;
    }
    return best;
  }
}

/** Device ids an incident scope names: a device, a gateway and the devices behind it, a floor, building or site. */
export function scopeDevices(scope: string, reg: DeviceRegistry): Set<string> {
  const i = scope.indexOf(':');
  const kind = scope.slice(0, i);
  const id = scope.slice(i + 1);
  const out = new Set<string>();
  if (kind === 'device') out.add(id);
  else if (kind === 'gateway') out.add(id);
  const key = kind === 'gateway' ? 'gateway' : kind === 'floor' ? 'floor' : kind === 'building' ? 'building' : kind === 'site' ? 'site' : null;
  if (key !== null) for (let d = 0; d < reg.size; d++) if (reg.info[d]?.[key] === id) out.add(reg.ids[d]!);
  return out;
}

function faultDevices(f: StoryFault, reg: DeviceRegistry): string[] {
  if (f.target === null) return [];
  if (f.scope === 'device' || reg.indexOf(f.target) >= 0) return [f.target];
  return [...scopeDevices(`${f.scope}:${f.target}`, reg)];
}

/** "leak", "gateway down", "power cut": what a person calls the fault. */
export function faultName(kind: string): string {
  const names: Record<string, string> = { building_power: 'power cut', floor_power: 'power cut', gateway_down: 'gateway down', site_uplink: 'line down', leak: 'leak', lock_jam: 'lock jam', hvac_compressor_failure: 'compressor failure', bricked_by_update: 'bricked by update' };
  return names[kind] ?? kind.replace(/_/g, ' ');
}
