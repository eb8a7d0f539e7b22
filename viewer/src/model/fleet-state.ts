/**
 * The viewer's fold: what a fleet looks like after a sequence of decoded trace lines. Replay and
 * live mode feed the same class, so the same line always has the same effect on screen.
 *
 * Per-device state lives in typed arrays (indexed by DeviceRegistry indices) so the replay can take
 * cheap keyframes, and alert/incident records are immutable objects replaced on every change so a
 * keyframe can share them instead of deep-copying.
 */
import { BIT, DS, EV, HIGH_SEVERITIES, LV, OTA_BRICKED, OTA_FAILED, OTA_FAILED_CODE, OTA_ROLLED_BACK, OTA_UPDATING, ST } from './codes.ts';
import { EVENT_LEAK_CLEARED, EVENT_LEAK_DETECTED, type Decoded } from './decode.ts';
import type { DeviceRegistry } from './registry.ts';

export interface AlertRec {
  readonly id: string;
  readonly d: number;
  readonly type: string;
  readonly sev: string;
  /** firing | acknowledged | resolved */
  readonly s: string;
  /** Incident that inhibits it (a topology outage explains it), or null. */
  readonly inh: string | null;
  readonly n: number;
  readonly flap: boolean;
  readonly started_t: number;
  readonly t: number;
}

export interface IncidentRec {
  readonly id: string;
  readonly pri: string;
  /** `<kind>:<id>`, e.g. `floor:hq-f01`, `device:hq-f02-leak-001`. */
  readonly scope: string;
  /** open | acknowledged | resolved */
  readonly s: string;
  readonly n: number;
  readonly nd: number;
  readonly opened_t: number;
  readonly acked_t: number | null;
  readonly resolved_t: number | null;
  readonly by: string | null;
  readonly tech: string | null;
  readonly t: number;
}

export interface FaultRec {
  readonly id: string;
  readonly kind: string;
  readonly device: string | null;
  readonly start_t: number;
  readonly end_t: number | null;
}

export interface RolloutEventRec {
  readonly t: number;
  readonly event: string;
  readonly wave: number | null;
  readonly reason: string | null;
}

export interface RolloutRec {
  readonly id: string;
  /** Target, e.g. `HVAC-ZC-400@2.4.0`. */
  readonly fw: string | null;
  /** Current wave, 0-based as the audit log counts it. */
  readonly wave: number | null;
  readonly waves: number | null;
  readonly targets: number | null;
  /** running | soaking | paused | rolling_back | completed | aborted | cancelled | rolled_back */
  readonly state: string;
  readonly halted: boolean;
  readonly succeeded: number;
  readonly failed: number;
  /** Rollout-level decisions (waves, gates, pauses); per-device steps are only counted. */
  readonly events: readonly RolloutEventRec[];
  readonly t: number;
}

type OutageKey = 'gateway' | 'floor' | 'building' | 'site';

/** `gateway:gw-1` → the birth field and value its devices share; null for device scopes and junk. */
function outageScope(scope: string): { key: OutageKey; id: string } | null {
  const i = scope.indexOf(':');
  const kind = scope.slice(0, i);
  if (kind !== 'gateway' && kind !== 'floor' && kind !== 'building' && kind !== 'site') return null;
  return { key: kind, id: scope.slice(i + 1) };
}

const ROLLOUT_EVENTS_KEPT = 40;
/** Per-device steps of a rollout: counted, not listed. */
const ROLLOUT_DEVICE_EVENTS: ReadonlySet<string> = new Set(['download', 'deferred', 'downloaded', 'install', 'succeeded', 'failed', 'retry']);

/** The rollout's state after an audit event (docs/patching.md: running ⇄ paused, soaking, terminal states). */
function rolloutState(state: string, event: string, action: string | null): string {
  switch (event) {
    case 'created':
    case 'wave_started':
    case 'wave_passed':
    case 'soak_passed':
    case 'resumed':
      return 'running';
    case 'soak_started':
      return 'soaking';
    case 'paused':
      return 'paused';
    case 'rollback_started':
      return 'rolling_back';
    case 'completed':
    case 'aborted':
    case 'cancelled':
    case 'rolled_back':
      return event;
    case 'error_gate':
    case 'health_gate':
    case 'success_gate_failed':
      return action === 'pause' ? 'paused' : action === 'abort' ? 'aborted' : action === 'rollback' ? 'rolling_back' : state;
    default:
      return state;
  }
}

/** Arrays snapshotted by keyframes; `grow` keeps them in step with the registry. */
interface Columns {
  born: Uint8Array;
  first_birth: Float64Array;
  session: Int32Array;
  ds: Uint8Array;
  lv: Uint8Array;
  ota: Uint8Array;
  job: Int32Array;
  fw: Int32Array;
  alerts: Uint16Array;
  alerts_all: Uint16Array;
  /** Of `alerts`, those of severity critical or major (building health turns red on them). */
  alerts_hi: Uint16Array;
  status: Uint8Array;
  down_since: Float64Array;
  down_ms: Float64Array;
  val: Float32Array;
  bat: Float32Array;
  rssi: Float32Array;
  bits: Uint8Array;
  tel_t: Float64Array;
  tel_ref: Int32Array;
  ota_ref: Int32Array;
  event_ref: Int32Array;
  event_t: Float64Array;
  /** Last time the device itself said anything with data in it (birth, telemetry, event, OTA status). */
  heard_t: Float64Array;
  /** Opening time of the oldest open outage incident (gateway/floor/building/site scope) covering the device, else NaN. */
  reach_since: Float64Array;
}

type ColumnName = keyof Columns;
const COLUMN_INIT: Record<ColumnName, { make: (n: number) => Columns[ColumnName]; fill: number }> = {
  born: { make: (n) => new Uint8Array(n), fill: 0 },
  first_birth: { make: (n) => new Float64Array(n), fill: NaN },
  session: { make: (n) => new Int32Array(n), fill: 0 },
  ds: { make: (n) => new Uint8Array(n), fill: DS.none },
  lv: { make: (n) => new Uint8Array(n), fill: LV.UNKNOWN },
  ota: { make: (n) => new Uint8Array(n), fill: 0 },
  job: { make: (n) => new Int32Array(n), fill: 0 },
  fw: { make: (n) => new Int32Array(n), fill: 0 },
  alerts: { make: (n) => new Uint16Array(n), fill: 0 },
  alerts_all: { make: (n) => new Uint16Array(n), fill: 0 },
  alerts_hi: { make: (n) => new Uint16Array(n), fill: 0 },
  status: { make: (n) => new Uint8Array(n), fill: ST.unknown },
  down_since: { make: (n) => new Float64Array(n), fill: NaN },
  down_ms: { make: (n) => new Float64Array(n), fill: 0 },
  val: { make: (n) => new Float32Array(n), fill: NaN },
  bat: { make: (n) => new Float32Array(n), fill: NaN },
  rssi: { make: (n) => new Float32Array(n), fill: NaN },
  bits: { make: (n) => new Uint8Array(n), fill: 0 },
  tel_t: { make: (n) => new Float64Array(n), fill: NaN },
  tel_ref: { make: (n) => new Int32Array(n), fill: -1 },
  ota_ref: { make: (n) => new Int32Array(n), fill: -1 },
  event_ref: { make: (n) => new Int32Array(n), fill: -1 },
  event_t: { make: (n) => new Float64Array(n), fill: NaN },
  heard_t: { make: (n) => new Float64Array(n), fill: NaN },
  reach_since: { make: (n) => new Float64Array(n), fill: NaN },
};
const COLUMN_NAMES = Object.keys(COLUMN_INIT) as ColumnName[];

function makeColumns(capacity: number): Columns {
  const c = {} as Record<ColumnName, Columns[ColumnName]>;
  for (const name of COLUMN_NAMES) {
    const arr = COLUMN_INIT[name].make(capacity);
    if (COLUMN_INIT[name].fill !== 0) arr.fill(COLUMN_INIT[name].fill);
    c[name] = arr;
  }
  return c as Columns;
}

export interface FleetSnapshot {
  readonly columns: Columns;
  readonly alerts: Map<string, AlertRec>;
  readonly incidents: Map<string, IncidentRec>;
  readonly faults: Map<string, FaultRec>;
  readonly rollouts: Map<string, RolloutRec>;
  readonly scalars: Scalars;
}

interface Scalars {
  t: number;
  has_platform: boolean;
  sla_final: Record<string, unknown> | null;
  ended: boolean;
}

export class FleetState {
  readonly registry: DeviceRegistry;
  capacity = 0;
  c: Columns;
  alerts = new Map<string, AlertRec>();
  incidents = new Map<string, IncidentRec>();
  faults = new Map<string, FaultRec>();
  rollouts = new Map<string, RolloutRec>();
  run: Record<string, unknown> | null = null;
  /** Simulated time the state is at. */
  t = 0;
  /** True once platform decisions (p.live) were seen: liveness then comes from the platform. */
  has_platform = false;
  /** The platform's own final SLA line (`p.sla`), once folded. */
  sla_final: Record<string, unknown> | null = null;
  ended = false;
  /** Bumped on every change the panels show; they redraw only when it moved. */
  version = 0;

  constructor(registry: DeviceRegistry, capacity = 1024) {
    this.registry = registry;
    this.c = makeColumns(capacity);
    this.capacity = capacity;
  }

  /** Makes room for every device the registry knows. */
  grow(): void {
    const need = this.registry.size;
    if (need <= this.capacity) return;
    let cap = this.capacity;
    while (cap < need) cap *= 2;
    const next = makeColumns(cap);
    for (const name of COLUMN_NAMES) (next[name] as { set(a: ArrayLike<number>): void }).set(this.c[name] as ArrayLike<number>);
    this.c = next;
    this.capacity = cap;
  }

  snapshot(): FleetSnapshot {
    const columns = {} as Record<ColumnName, Columns[ColumnName]>;
    for (const name of COLUMN_NAMES) columns[name] = this.c[name].slice();
    return {
      columns: columns as Columns,
      alerts: new Map(this.alerts),
      incidents: new Map(this.incidents),
      faults: new Map(this.faults),
      rollouts: new Map(this.rollouts),
      scalars: { t: this.t, has_platform: this.has_platform, sla_final: this.sla_final, ended: this.ended },
    };
  }

  restore(s: FleetSnapshot): void {
    this.grow();
    for (const name of COLUMN_NAMES) {
      const src = s.columns[name];
      const dst = this.c[name];
      (dst as { set(a: ArrayLike<number>): void }).set(src as ArrayLike<number>);
      if (src.length < dst.length) dst.fill(COLUMN_INIT[name].fill, src.length);
    }
    this.alerts = new Map(s.alerts);
    this.incidents = new Map(s.incidents);
    this.faults = new Map(s.faults);
    this.rollouts = new Map(s.rollouts);
    this.t = s.scalars.t;
    this.has_platform = s.scalars.has_platform;
    this.sla_final = s.scalars.sla_final;
    this.ended = s.scalars.ended;
    this.version++;
  }

  /** Back to before the first line (replay seeks before the start). */
  clear(): void {
    this.restore({ columns: makeColumns(0), alerts: new Map(), incidents: new Map(), faults: new Map(), rollouts: new Map(), scalars: { t: 0, has_platform: false, sla_final: null, ended: false } });
  }

  /** Applies one decoded line. `ref` is how the source finds the line again (details panel). */
  apply(e: Decoded, ref: number): void {
    const d = e.d;
    if (d >= this.capacity) this.grow();
    const c = this.c;
    switch (e.code) {
      case EV.birth: {
        if (!c.born[d]) {
          c.born[d] = 1;
          c.first_birth[d] = e.t;
        }
        c.session[d] = e.a;
        c.fw[d] = e.b;
        c.ds[d] = DS.online;
        c.heard_t[d] = e.t;
        if (!this.has_platform) this.setDown(d, false, e.t);
        // A birth ends whatever update was in flight: a replacement (of a bricked or failed unit)
        // starts clean, and a device that rebooted into its new firmware says so again in its next
        // `ota` status. A rolled-back one keeps its badge.
        if (c.ota[d] === OTA_BRICKED || OTA_FAILED[c.ota[d]!] || OTA_UPDATING[c.ota[d]!]) c.ota[d] = 0;
        break;
      }
      case EV.state: {
        // A will from an earlier session than the current birth is stale (docs/mqtt-contract.md).
        if (e.b >= 0 && e.b < c.session[d]!) return;
        c.ds[d] = e.a;
        // Without platform decisions (a bare live broker) the device's own word is all there is.
        if (!this.has_platform) this.setDown(d, e.a === DS.offline, e.t);
        break;
      }
      case EV.telemetry:
        c.tel_t[d] = e.t;
        c.heard_t[d] = e.t;
        c.tel_ref[d] = ref;
        if (!Number.isNaN(e.val)) c.val[d] = e.val;
        if (!Number.isNaN(e.bat)) c.bat[d] = e.bat;
        if (!Number.isNaN(e.rssi)) c.rssi[d] = e.rssi;
        c.bits[d] = e.bits;
        // Telemetry changes no status unless it proves an unreachable device reachable; skip the
        // recompute otherwise (telemetry is most of every trace).
        if (!Number.isNaN(c.reach_since[d]!)) break;
        return;
      case EV.event:
        c.event_ref[d] = ref;
        c.event_t[d] = e.t;
        c.heard_t[d] = e.t;
        // A leak event is newer news than the last telemetry: the values shown must agree with the alert.
        if (e.a === EVENT_LEAK_DETECTED) c.bits[d] = c.bits[d]! | BIT.leak;
        else if (e.a === EVENT_LEAK_CLEARED) c.bits[d] = c.bits[d]! & ~BIT.leak;
        if (!Number.isNaN(c.reach_since[d]!)) break;
        return;
      case EV.ota:
        c.ota[d] = e.a;
        c.job[d] = e.b;
        c.ota_ref[d] = ref;
        c.heard_t[d] = e.t;
        break;
      case EV.bricked:
        c.ota[d] = OTA_BRICKED;
        break;
      case EV.live:
        this.has_platform = true;
        this.setLiveness(d, e.a, e.t);
        break;
      case EV.alert:
        this.applyAlert(e);
        if (d < 0) return;
        break;
      case EV.incident:
        this.applyIncident(e.obj!, e.t);
        return;
      case EV.noc:
        this.applyNoc(e.obj!);
        return;
      case EV.fault:
        this.applyFault(e.obj!, e.t);
        return;
      case EV.rollout:
        this.applyRollout(e.obj!, e.t);
        // The rollout's verdict on one device: an install that timed out or failed is no longer
        // "updating" (a bricked unit never reports again, so its last word was "rebooting").
        if (d < 0 || e.obj!.ev !== 'failed' || c.ota[d] === OTA_BRICKED) return;
        c.ota[d] = OTA_FAILED_CODE;
        break;
      case EV.sla:
        this.sla_final = e.obj;
        this.version++;
        return;
      case EV.run:
        this.run = e.obj;
        return;
      case EV.end:
        this.ended = true;
        this.version++;
        return;
      default:
        return;
    }
    if (d >= 0) this.recompute(d);
  }

  private setLiveness(d: number, lv: number, t: number): void {
    this.c.lv[d] = lv;
    // Down time for the availability gauge follows the platform's ledger: OFFLINE is down, and so
    // is UNREACHABLE (behind a dead parent the device serves no one, whoever is to blame).
    this.setDown(d, lv === LV.OFFLINE || lv === LV.UNREACHABLE, t);
  }

  private setDown(d: number, down: boolean, t: number): void {
    const c = this.c;
    const was_down = !Number.isNaN(c.down_since[d]!);
    if (down && !was_down) c.down_since[d] = t;
    else if (!down && was_down) {
      c.down_ms[d] = c.down_ms[d]! + Math.max(0, t - c.down_since[d]!);
      c.down_since[d] = NaN;
    }
  }

  private applyAlert(e: Decoded): void {
    const o = e.obj!;
    const id = o.id as string;
    const prev = this.alerts.get(id);
    const rec: AlertRec = {
      id,
      d: e.d,
      type: typeof o.type === 'string' ? o.type : '?',
      sev: typeof o.sev === 'string' ? o.sev : 'minor',
      s: typeof o.s === 'string' ? o.s : 'firing',
      inh: typeof o.inh === 'string' ? o.inh : null,
      n: typeof o.n === 'number' ? o.n : 1,
      flap: o.flap === true,
      started_t: prev?.started_t ?? e.t,
      t: e.t,
    };
    this.alerts.set(id, rec);
    if (e.d >= 0) {
      const c = this.c;
      // Inhibited alerts are explained by an outage incident (the devices behind a dead gateway show
      // as offline), but a critical alert — the dead gateway itself, a leak — always shows.
      const alerting = (a: AlertRec | undefined): number => (a !== undefined && a.s !== 'resolved' && (a.inh === null || a.sev === 'critical') ? 1 : 0);
      const active = (a: AlertRec | undefined): number => (a !== undefined && a.s !== 'resolved' ? 1 : 0);
      const high = (a: AlertRec | undefined): number => (alerting(a) && HIGH_SEVERITIES.has(a!.sev) ? 1 : 0);
      c.alerts[e.d] = Math.max(0, c.alerts[e.d]! + alerting(rec) - alerting(prev));
      c.alerts_hi[e.d] = Math.max(0, c.alerts_hi[e.d]! + high(rec) - high(prev));
      c.alerts_all[e.d] = Math.max(0, c.alerts_all[e.d]! + active(rec) - active(prev));
    }
    this.version++;
  }

  private applyIncident(o: Record<string, unknown>, t: number): void {
    const id = o.id as string;
    const prev = this.incidents.get(id);
    const s = typeof o.s === 'string' ? o.s : 'open';
    const resolved_t = s === 'resolved' ? (prev?.resolved_t ?? t) : null;
    const scope = typeof o.scope === 'string' ? o.scope : '';
    const prev_open = prev !== undefined && prev.s !== 'resolved';
    this.incidents.set(id, {
      id,
      pri: typeof o.pri === 'string' ? o.pri : 'P4',
      scope: typeof o.scope === 'string' ? o.scope : '',
      s,
      n: typeof o.n === 'number' ? o.n : 0,
      nd: typeof o.nd === 'number' ? o.nd : 0,
      opened_t: prev?.opened_t ?? t,
      acked_t: prev?.acked_t ?? (s === 'acknowledged' ? t : null),
      resolved_t,
      by: typeof o.by === 'string' ? o.by : (prev?.by ?? null),
      tech: prev?.tech ?? null,
      t,
    });
    if (prev_open !== (s !== 'resolved') || (prev !== undefined && prev.scope !== scope)) {
      this.refreshReach(scope);
      if (prev !== undefined && prev.scope !== scope) this.refreshReach(prev.scope);
    }
    this.version++;
  }

  /** Devices an outage scope covers (`gateway:`, `floor:`, `building:`, `site:`); a device scope covers none. */
  scopeMembers(scope: string): number[] {
    const m = outageScope(scope);
    if (m === null) return [];
    const out: number[] = [];
    const info = this.registry.info;
    for (let d = 0; d < this.registry.size; d++) if (info[d]?.[m.key] === m.id) out.push(d);
    return out;
  }

  /**
   * Re-derives `reach_since` for the devices of `scope` from every open outage incident: one scan
   * of the registry for the scope, then a field comparison per open incident and member (not a
   * registry scan per open incident: at 50,000 devices that would cost seconds per replay).
   */
  private refreshReach(scope: string): void {
    const members = this.scopeMembers(scope);
    if (members.length === 0) return;
    const covering: Array<{ t: number; key: OutageKey; id: string }> = [];
    for (const x of this.incidents.values()) {
      const m = x.s !== 'resolved' ? outageScope(x.scope) : null;
      if (m !== null) covering.push({ t: x.opened_t, ...m });
    }
    const info = this.registry.info;
    for (const d of members) {
      let since = NaN;
      for (const x of covering) if (info[d]?.[x.key] === x.id && !(x.t >= since)) since = x.t;
      this.c.reach_since[d] = since;
      this.recompute(d);
    }
  }

  /** Unreachable: the platform says so, or an open outage covers the device and it has not been heard since. */
  unreachable(d: number): boolean {
    const c = this.c;
    if (c.lv[d] === LV.UNREACHABLE) return true;
    const since = c.reach_since[d]!;
    return !Number.isNaN(since) && !(c.heard_t[d]! >= since);
  }

  private applyNoc(o: Record<string, unknown>): void {
    const inc = typeof o.inc === 'string' ? this.incidents.get(o.inc) : undefined;
    if (inc === undefined || o.act !== 'dispatch' || typeof o.tech !== 'string') return;
    this.incidents.set(inc.id, { ...inc, tech: o.tech });
    this.version++;
  }

  private applyFault(o: Record<string, unknown>, t: number): void {
    const id = typeof o.id === 'string' ? o.id : `${String(o.kind)}:${String(o.d)}`;
    const prev = this.faults.get(id);
    this.faults.set(id, {
      id,
      kind: typeof o.kind === 'string' ? o.kind : (prev?.kind ?? 'fault'),
      device: typeof o.d === 'string' ? o.d : (prev?.device ?? null),
      start_t: prev?.start_t ?? t,
      end_t: o.s === 'end' ? t : null,
    });
    this.version++;
  }

  /** Rollout audit lines (`p.rollout`, docs/patching.md "Audit log"): `id`, `ev`, `why`, and per event `wave`, `waves`, `targets`, `action`. */
  private applyRollout(o: Record<string, unknown>, t: number): void {
    const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
    const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    const id = str(o.id) ?? str(o.rollout) ?? 'rollout';
    const prev = this.rollouts.get(id);
    const event = str(o.ev) ?? str(o.event) ?? 'update';
    let state = prev?.state ?? 'running';
    let succeeded = prev?.succeeded ?? 0;
    let failed = prev?.failed ?? 0;
    let events = prev?.events ?? [];
    if (ROLLOUT_DEVICE_EVENTS.has(event)) {
      if (event === 'succeeded') succeeded++;
      else if (event === 'failed') failed++;
    } else {
      state = rolloutState(state, event, str(o.action));
      events = [...events, { t, event, wave: num(o.wave), reason: str(o.why) ?? str(o.reason) }];
      if (events.length > ROLLOUT_EVENTS_KEPT) events = events.slice(events.length - ROLLOUT_EVENTS_KEPT);
    }
    const waves = Array.isArray(o.waves) ? o.waves.length : num(o.waves);
    this.rollouts.set(id, {
      id,
      fw: str(o.fw) ?? prev?.fw ?? null,
      wave: num(o.wave) ?? prev?.wave ?? null,
      waves: waves ?? prev?.waves ?? null,
      targets: num(o.targets) ?? prev?.targets ?? null,
      state,
      halted: state === 'paused' || state === 'aborted' || state === 'rolling_back' || state === 'rolled_back',
      succeeded,
      failed,
      events,
      t,
    });
    this.version++;
  }

  /** The status rule (docs/viewer.md "Device status"); the e2e test re-implements it independently. */
  recompute(d: number): void {
    const c = this.c;
    let s: number;
    const ota = c.ota[d]!;
    if (!c.born[d] && c.lv[d] === LV.UNKNOWN) s = ST.unknown;
    else if (ota === OTA_BRICKED) s = ST.bricked;
    else if (c.alerts_hi[d]! > 0) s = ST.alerting;
    else if (this.unreachable(d)) s = ST.unreachable;
    else if (OTA_UPDATING[ota]) s = ST.updating;
    else if (OTA_FAILED[ota]) s = ST.update_failed;
    else if (c.ds[d] === DS.offline || c.lv[d] === LV.OFFLINE) s = ST.offline;
    else if (c.alerts[d]! > 0) s = ST.warning;
    else if (ota === OTA_ROLLED_BACK) s = ST.rolled_back;
    else if (c.lv[d] === LV.SUSPECT || c.ds[d] === DS.rebooting) s = ST.suspect;
    else s = ST.online;
    if (c.status[d] !== s) {
      c.status[d] = s;
      this.version++;
    }
  }
}
