/**
 * The incident desk: what the NOC works on. Two sources of incidents:
 * - topology outages, read from liveness: a gateway down, most of a floor or a building down
 *   (power or network), every gateway of a site down (uplink). The widest scope wins, so a
 *   building outage is one incident, not one per gateway or floor; its connectivity alerts
 *   (device_offline, stale_telemetry, gateway_offline) are inhibited by it, as Alertmanager's
 *   inhibition silences a site's devices during a site outage.
 * - alerts: every other alert of severity minor or worse opens an incident for its device, or
 *   joins the device's open one (grouping), with priority = impact × urgency (ITIL).
 * Pure: every method takes the time; ids come from a counter driven by the input order.
 */
import type { DeviceKind } from '../contract/messages.ts';
import { DEFAULT_PRIORITY_TARGETS, type PriorityTarget } from '../contract/priorities.ts';
import type { Alert, AlertType, DeviceInfo, Incident, Journal, Liveness, LivenessChange, Priority, ScopeKind, Severity } from '../core/model.ts';
import { MS_PER_MINUTE as MINUTE_MS } from '../../common/time.ts';
import { copyData, sortedEntries } from '../core/state-codec.ts';

export type { PriorityTarget } from '../contract/priorities.ts';

export interface IncidentDeskDeps {
  journal: Journal;
  device: (id: string) => DeviceInfo | undefined;
  devices: () => readonly DeviceInfo[];
  liveness: (id: string) => Liveness;
  /** Where inhibition is written back (the AlertManager); optional so the desk can run alone. */
  alerts?: { setInhibited(alert_id: string, incident_id: string | null, now_ms?: number): Alert | undefined };
  targets?: Record<Priority, PriorityTarget>;
  /** Offline fraction of a floor's or building's devices that declares an outage. Default 0.8. */
  outage_fraction?: number;
  /** The outage ends when the offline fraction falls below this (hysteresis). Default 0.5. */
  outage_clear_fraction?: number;
  /** Floors/buildings with fewer devices never count as an outage (one dead sensor is not a power cut). Default 3. */
  outage_min_devices?: number;
  /** Connectivity alerts raised up to this long before an outage was detected are still its symptoms. Default 10 min. */
  inhibit_grace_ms?: number;
  building_type?: (building_id: string) => string | undefined;
  /** Whether an alert of this type and severity, on this device, opens (or joins) an incident; default: minor or worse. */
  opens_incident?: (alert_type: string, severity: Severity, device_id: string) => boolean;
  /** Building types whose devices have high impact. Default ['clinic']. */
  critical_building_types?: readonly string[];
  /** Devices flagged critical by the contract (a clinic's HVAC); default none. */
  critical_device?: (device_id: string) => boolean;
  /** Most incidents kept; beyond it the oldest resolved ones are evicted (counted). Default 100,000. */
  max_incidents?: number;
}


/** A copy of the one default table (platform/contract/priorities.ts). */
export function defaultPriorityTargets(): Record<Priority, PriorityTarget> {
  return { ...DEFAULT_PRIORITY_TARGETS };
}

/** Alert types an outage explains: the device is silent because its path to us is down. */
export const CONNECTIVITY_ALERT_TYPES: readonly AlertType[] = ['device_offline', 'stale_telemetry', 'gateway_offline'];

type Level = 'high' | 'medium' | 'low';
const URGENCY: Record<Severity, Level> = { critical: 'high', major: 'medium', minor: 'low', warning: 'low' };
const MEDIUM_IMPACT_KINDS: readonly DeviceKind[] = ['hvac', 'lock', 'leak', 'gateway'];
const PRIORITY_RANK: Record<Priority, number> = { P1: 1, P2: 2, P3: 3, P4: 4 };

/** ITIL's impact × urgency matrix as the brief fixes it. */
export function priorityOf(impact: Level, urgency: Level): Priority {
  if (impact === 'high' && urgency === 'high') return 'P1';
  if ((impact === 'high' && urgency === 'medium') || (impact === 'medium' && urgency === 'high')) return 'P2';
  if ((impact === 'medium' && urgency === 'medium') || (impact === 'low' && urgency === 'high') || (impact === 'high' && urgency === 'low')) return 'P3';
  return 'P4';
}

type OutageKind = Exclude<ScopeKind, 'device'>;
const RANK: Record<OutageKind, number> = { gateway: 1, floor: 2, building: 3, site: 4 };
const OUTAGE_PRIORITY: Record<OutageKind, Priority> = { gateway: 'P2', floor: 'P2', building: 'P1', site: 'P1' };
const OUTAGE_CAUSE: Record<OutageKind, string> = { gateway: 'gateway_down', floor: 'power_or_network', building: 'power_or_network', site: 'uplink' };

/** A part of the topology whose devices can go down together. */
interface Group {
  readonly kind: OutageKind;
  /** Internal key, unique across sites. */
  readonly key: string;
  /** The id shown in the incident's scope. */
  readonly scope_id: string;
  readonly site: string;
  /**
   * Its devices' ids, each once, in the order indexed. A list, not a set: a device is a member of
   * four or five groups, and a set entry cost ~30 B where a list slot costs 8 (docs/performance.md).
   */
  members: string[];
  offline: number;
  /** Of the offline ones, how many are only cut off (UNREACHABLE behind a dead gateway). */
  cut_off: number;
  /** The group's gateways, and how many are offline (a site's rule; floors and buildings need ≥ 2 for cut-off devices to count). */
  gateways: Set<string>;
  gateways_offline: number;
  active: boolean;
}

interface DevRec {
  readonly info: DeviceInfo;
  offline: boolean;
  /** Down only because its gateway is (UNREACHABLE), not by its own will or deadline. */
  cut_off: boolean;
  readonly floor_key: string;
  readonly building_key: string;
}

/** Where an outage area sits, for containment: site ⊇ building ⊇ floor ⊇ gateway (by its own location). */
interface Area {
  readonly kind: OutageKind;
  readonly key: string;
  readonly site: string;
  readonly building_key: string | null;
  readonly floor_key: string | null;
}

interface MutableIncident {
  id: string;
  priority: Priority;
  scope: { kind: ScopeKind; id: string };
  site: string;
  building: string | null;
  cause: string;
  status: 'open' | 'acknowledged' | 'resolved';
  opened_ms: number;
  acked_ms: number | null;
  resolved_ms: number | null;
  response_due_ms: number;
  resolution_due_ms: number;
  alert_ids: string[];
  device_ids: string[];
  /** Outage incidents: the area they cover. */
  area: Area | null;
}

/** The incident desk as saved in a snapshot (see `IncidentDesk.saveState`). */
export interface IncidentDeskState {
  incidents: MutableIncident[];
  next_seq: number;
  evicted_count: number;
  device_incident: Array<[string, string]>;
  covering: Array<[string, string[]]>;
  site_outages: Array<[string, string[]]>;
  known: Alert[];
  alert_incident: Array<[string, string]>;
  alerts_by_device: Array<[string, string[]]>;
  indexed: boolean;
  recs: Array<{ info: DeviceInfo; offline: boolean; cut_off: boolean }>;
  groups: Array<Omit<Group, 'members' | 'gateways'> & { members: string[]; gateways: string[] }>;
}

function snapshot(i: MutableIncident): Incident {
  return {
    id: i.id,
    priority: i.priority,
    scope: { kind: i.scope.kind, id: i.scope.id },
    site: i.site,
    building: i.building,
    cause: i.cause,
    status: i.status,
    opened_ms: i.opened_ms,
    acked_ms: i.acked_ms,
    resolved_ms: i.resolved_ms,
    response_due_ms: i.response_due_ms,
    resolution_due_ms: i.resolution_due_ms,
    alert_ids: [...i.alert_ids],
    device_ids: [...i.device_ids],
  };
}

function compareIncidents(a: { opened_ms: number; id: string }, b: { opened_ms: number; id: string }): number {
  if (a.opened_ms !== b.opened_ms) return a.opened_ms - b.opened_ms;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** True when area `outer` contains `inner` (or is it). */
function contains(outer: Area, inner: Area): boolean {
  if (outer.site !== inner.site || RANK[outer.kind] < RANK[inner.kind]) return false;
  if (outer.kind === 'site') return true;
  if (outer.kind === 'building') return inner.building_key === outer.building_key;
  if (outer.kind === 'floor') return inner.floor_key === outer.floor_key;
  return inner.kind === 'gateway' && inner.key === outer.key;
}

const SEP = '/';

/** Not heard and not hearable: OFFLINE, or cut off behind a dead parent. */
function isDown(l: Liveness): boolean {
  return l === 'OFFLINE' || l === 'UNREACHABLE';
}

export class IncidentDesk {
  private readonly journal: Journal;
  private readonly deps: IncidentDeskDeps;
  private readonly targets: Record<Priority, PriorityTarget>;
  private readonly outage_fraction: number;
  private readonly outage_clear_fraction: number;
  private readonly outage_min_devices: number;
  private readonly inhibit_grace_ms: number;
  private readonly critical_building_types: readonly string[];
  private readonly max_incidents: number;

  private readonly incidents = new Map<string, MutableIncident>();
  private next_seq = 1;
  private evicted_count = 0;
  /** Open device-scope incident per device (grouping). */
  private readonly device_incident = new Map<string, string>();
  /** Open outage incidents covering each device (for inhibition). */
  private readonly covering = new Map<string, Set<string>>();
  /** Open outage incidents per site. */
  private readonly site_outages = new Map<string, Set<string>>();
  /** Alerts the desk still needs: unresolved ones, and those of open incidents. */
  private readonly known = new Map<string, Alert>();
  private readonly alert_incident = new Map<string, string>();
  private readonly alerts_by_device = new Map<string, Set<string>>();

  // Topology index, built on first use from `devices()` and extended as devices appear.
  private indexed = false;
  private readonly recs = new Map<string, DevRec>();
  /** Building and floor keys by their text (newRec); grows with the portfolio's floors, not its devices. */
  private readonly area_keys = new Map<string, string>();
  private readonly groups = new Map<string, Group>();
  /** Per site: the keys of its groups, so an evaluation touches one site only. */
  private readonly site_groups = new Map<string, Set<string>>();

  constructor(deps: IncidentDeskDeps) {
    this.journal = deps.journal;
    this.deps = deps;
    this.targets = deps.targets ?? defaultPriorityTargets();
    this.outage_fraction = deps.outage_fraction ?? 0.8;
    this.outage_clear_fraction = Math.min(deps.outage_clear_fraction ?? 0.5, this.outage_fraction);
    this.outage_min_devices = deps.outage_min_devices ?? 3;
    this.inhibit_grace_ms = deps.inhibit_grace_ms ?? 10 * MINUTE_MS;
    this.critical_building_types = deps.critical_building_types ?? ['clinic'];
    this.max_incidents = deps.max_incidents ?? 100_000;
  }

  // ---- public API -----------------------------------------------------------------------------

  onLiveness(change: LivenessChange, now_ms: number): void {
    const at = Math.max(now_ms, change.at_ms);
    this.ensureIndex(at);
    let rec = this.recs.get(change.device_id);
    if (rec === undefined) {
      const info = this.deps.device(change.device_id);
      if (info === undefined) return; // not registered: nothing to place in the topology
      rec = this.index(info, false, false);
    }
    // UNREACHABLE counts with OFFLINE here: the desk infers outages from devices whose path to
    // the platform is gone, and a gateway's cut-off children are exactly that.
    const touched = this.setOffline(rec, isDown(change.to), change.to === 'UNREACHABLE');
    if (touched) this.evaluateSite(rec.info.site, at);
  }

  /** Takes an alert's latest version; returns it, marked inhibited when an outage explains it. */
  onAlert(alert: Alert, now_ms: number): Alert {
    const prior = this.known.get(alert.id);
    // The desk's inhibition stands even when no AlertManager is wired to write it back.
    let a: Alert = prior?.inhibited_by && alert.inhibited_by === null ? { ...alert, inhibited_by: prior.inhibited_by } : alert;
    this.remember(a);
    if (a.inhibited_by === null && a.status !== 'resolved' && CONNECTIVITY_ALERT_TYPES.includes(a.type)) {
      const outage = this.coveringOutage(a);
      if (outage !== undefined) a = this.inhibit(a, outage, now_ms);
    }
    if (a.inhibited_by !== null) {
      this.forgetIfDone(a);
      return a;
    }
    const inc_id = this.alert_incident.get(a.id);
    const inc = inc_id === undefined ? undefined : this.incidents.get(inc_id);
    if (inc !== undefined) {
      if (inc.status !== 'resolved') {
        if (a.status === 'resolved') this.autoResolve(inc, now_ms);
        else this.raisePriority(inc, this.alertPriority(a), now_ms);
      }
      this.forgetIfDone(a);
      return a;
    }
    if (a.status === 'resolved' || !(this.deps.opens_incident?.(a.type, a.severity, a.device_id) ?? a.severity !== 'warning')) {
      this.forgetIfDone(a);
      return a;
    }
    const open_id = this.device_incident.get(a.device_id);
    const open = open_id === undefined ? undefined : this.incidents.get(open_id);
    if (open !== undefined && open.status !== 'resolved') {
      open.alert_ids.push(a.id);
      this.alert_incident.set(a.id, open.id);
      this.raisePriority(open, this.alertPriority(a), now_ms, true);
    } else {
      this.openDeviceIncident(a, now_ms);
    }
    return a;
  }

  acknowledge(incident_id: string, now_ms: number, by: string): Incident | undefined {
    const inc = this.incidents.get(incident_id);
    if (inc === undefined || inc.status !== 'open') return undefined;
    inc.status = 'acknowledged';
    inc.acked_ms = Math.max(now_ms, inc.opened_ms);
    this.record(inc, now_ms, { by });
    return snapshot(inc);
  }

  resolve(incident_id: string, now_ms: number, by: string): Incident | undefined {
    const inc = this.incidents.get(incident_id);
    if (inc === undefined || inc.status === 'resolved') return undefined;
    this.close(inc, now_ms, { by });
    return snapshot(inc);
  }

  open(): Incident[] {
    return [...this.incidents.values()].filter((i) => i.status !== 'resolved').sort(compareIncidents).map(snapshot);
  }

  all(): Incident[] {
    return [...this.incidents.values()].sort(compareIncidents).map(snapshot);
  }

  get(id: string): Incident | undefined {
    const i = this.incidents.get(id);
    return i === undefined ? undefined : snapshot(i);
  }

  /** Resolved incidents dropped to honour `max_incidents`. */
  evicted(): number {
    return this.evicted_count;
  }

  // ---- alert incidents ------------------------------------------------------------------------------

  private alertPriority(a: Alert): Priority {
    if (a.type === 'leak') return 'P1'; // water spreads: always P1 whatever the device
    const info = this.deps.device(a.device_id);
    let impact: Level = 'low';
    const critical_building = info !== undefined && this.critical_building_types.includes(this.deps.building_type?.(info.building) ?? '');
    if (this.deps.critical_device?.(a.device_id) === true || critical_building) impact = 'high';
    else if (info !== undefined && MEDIUM_IMPACT_KINDS.includes(info.kind)) impact = 'medium';
    return priorityOf(impact, URGENCY[a.severity]);
  }

  private openDeviceIncident(a: Alert, now_ms: number): void {
    const info = this.deps.device(a.device_id);
    const priority = this.alertPriority(a);
    const opened = Math.max(now_ms, a.started_ms);
    const inc = this.create({
      priority,
      scope: { kind: 'device', id: a.device_id },
      site: info?.site ?? '',
      building: info?.building ?? null,
      cause: a.type,
      opened_ms: opened,
      alert_ids: [a.id],
      device_ids: [a.device_id],
      area: null,
    });
    this.device_incident.set(a.device_id, inc.id);
    this.alert_incident.set(a.id, inc.id);
    this.record(inc, opened);
  }

  /** Priority only rises while an incident is open (a lowered page would hide a breach). */
  private raisePriority(inc: MutableIncident, p: Priority, now_ms: number, joined = false): void {
    if (PRIORITY_RANK[p] < PRIORITY_RANK[inc.priority]) {
      inc.priority = p;
      // Targets run from when the incident opened: an upgrade tightens them, it does not reset them.
      inc.response_due_ms = inc.opened_ms + this.targets[p].respond_ms;
      inc.resolution_due_ms = inc.opened_ms + this.targets[p].resolve_ms;
      this.record(inc, now_ms, { up: true });
    } else if (joined) this.record(inc, now_ms);
  }

  private autoResolve(inc: MutableIncident, now_ms: number): void {
    if (inc.area !== null) return; // outages end with the topology, not with their alerts
    let last = -Infinity;
    for (const id of inc.alert_ids) {
      const a = this.known.get(id);
      if (a === undefined) continue; // forgotten = resolved long ago
      if (a.status !== 'resolved') return;
      last = Math.max(last, a.resolved_ms ?? now_ms);
    }
    this.close(inc, Number.isFinite(last) ? last : now_ms, { auto: true });
  }

  // ---- inhibition ---------------------------------------------------------------------------------

  private coveringOutage(a: Alert): MutableIncident | undefined {
    const ids = this.covering.get(a.device_id);
    if (ids === undefined) return undefined;
    let best: MutableIncident | undefined;
    for (const id of ids) {
      const inc = this.incidents.get(id);
      if (inc === undefined || inc.status === 'resolved') continue;
      if (a.started_ms < inc.opened_ms - this.inhibit_grace_ms) continue; // a fault of its own, from before
      if (best === undefined || compareIncidents(inc, best) < 0) best = inc;
    }
    return best;
  }

  private inhibit(a: Alert, outage: MutableIncident, now_ms: number): Alert {
    const marked: Alert = { ...a, inhibited_by: outage.id };
    this.deps.alerts?.setInhibited(a.id, outage.id, now_ms);
    this.remember(marked);
    // An alert that got here first opened its own incident; the outage takes it over.
    const prev_id = this.alert_incident.get(a.id);
    const prev = prev_id === undefined ? undefined : this.incidents.get(prev_id);
    if (prev !== undefined && prev.id !== outage.id) {
      prev.alert_ids = prev.alert_ids.filter((x) => x !== a.id);
      if (prev.status !== 'resolved') {
        if (prev.alert_ids.length === 0) this.close(prev, now_ms, { into: outage.id });
        else {
          this.record(prev, now_ms);
          this.autoResolve(prev, now_ms);
        }
      }
    }
    if (!outage.alert_ids.includes(a.id)) outage.alert_ids.push(a.id);
    this.alert_incident.set(a.id, outage.id);
    this.record(outage, now_ms);
    return marked;
  }

  /** After an outage opens or grows: inhibit the connectivity alerts that raced ahead of it. */
  private inhibitExisting(outage: MutableIncident, device_ids: readonly string[], now_ms: number): void {
    const candidates: Alert[] = [];
    for (const d of device_ids) {
      const ids = this.alerts_by_device.get(d);
      if (ids === undefined) continue;
      for (const id of ids) {
        const a = this.known.get(id);
        if (a === undefined || a.inhibited_by !== null || a.status === 'resolved') continue;
        if (!CONNECTIVITY_ALERT_TYPES.includes(a.type) || a.started_ms < outage.opened_ms - this.inhibit_grace_ms) continue;
        candidates.push(a);
      }
    }
    candidates.sort((x, y) => x.started_ms - y.started_ms || byString(x.id, y.id));
    for (const a of candidates) this.inhibit(a, outage, now_ms);
  }

  /**
   * Incidents, the grouping and inhibition indexes and the topology index (with each group's
   * hysteresis state) as plain data, sorted by key (platform/store snapshots). Devices are saved
   * with the info they were indexed under, which may be older than the registry's.
   */
  saveState(): IncidentDeskState {
    const sets = (m: ReadonlyMap<string, ReadonlySet<string>>): Array<[string, string[]]> => sortedEntries(m).map(([k, v]) => [k, [...v].sort(byString)]);
    return copyData({
      incidents: sortedEntries(this.incidents).map(([, i]) => i),
      next_seq: this.next_seq,
      evicted_count: this.evicted_count,
      device_incident: sortedEntries(this.device_incident),
      covering: sets(this.covering),
      site_outages: sets(this.site_outages),
      known: sortedEntries(this.known).map(([, a]) => a),
      alert_incident: sortedEntries(this.alert_incident),
      alerts_by_device: sets(this.alerts_by_device),
      indexed: this.indexed,
      recs: sortedEntries(this.recs).map(([, r]) => ({ info: r.info, offline: r.offline, cut_off: r.cut_off })),
      groups: sortedEntries(this.groups).map(([, g]) => ({ ...g, members: [...g.members].sort(byString), gateways: [...g.gateways].sort(byString) })),
    });
  }

  /** Replaces this (fresh) desk's state with a saved one. */
  loadState(state: IncidentDeskState): void {
    const s = copyData(state);
    const fill = <V>(m: Map<string, V>, entries: ReadonlyArray<readonly [string, V]>): void => {
      m.clear();
      for (const [k, v] of entries) m.set(k, v);
    };
    fill(this.incidents, s.incidents.map((i) => [i.id, i] as const));
    this.next_seq = s.next_seq;
    this.evicted_count = s.evicted_count;
    fill(this.device_incident, s.device_incident);
    fill(this.covering, s.covering.map(([k, v]) => [k, new Set(v)] as const));
    fill(this.site_outages, s.site_outages.map(([k, v]) => [k, new Set(v)] as const));
    fill(this.known, s.known.map((a) => [a.id, a] as const));
    fill(this.alert_incident, s.alert_incident);
    fill(this.alerts_by_device, s.alerts_by_device.map(([k, v]) => [k, new Set(v)] as const));
    this.indexed = s.indexed;
    this.recs.clear();
    for (const r of s.recs) {
      this.recs.set(r.info.id, this.newRec(Object.freeze(r.info), r.offline, r.cut_off ?? false));
    }
    this.groups.clear();
    this.site_groups.clear();
    for (const g of s.groups) {
      this.groups.set(g.key, { ...g, members: [...g.members], gateways: new Set(g.gateways) });
      const sg = this.site_groups.get(g.site) ?? new Set<string>();
      sg.add(g.key);
      this.site_groups.set(g.site, sg);
    }
  }

  // ---- topology -------------------------------------------------------------------------------------

  private ensureIndex(at: number): void {
    if (this.indexed) return;
    this.indexed = true;
    const all = [...this.deps.devices()].sort((a, b) => byString(a.id, b.id));
    for (const info of all) {
      const l = this.deps.liveness(info.id);
      this.index(info, isDown(l), l === 'UNREACHABLE');
    }
    // Each group was judged as its members were added one by one, and a group that looked down
    // while half-indexed (its first 3 devices by id down: 100 %) would stay down by the clear
    // fraction's hysteresis. Judge every group again, whole and as not yet down.
    for (const g of this.groups.values()) {
      g.active = false;
      g.active = this.conditionHolds(g);
    }
    // The desk may start after devices went down (a platform restart): open what already holds.
    for (const site of [...this.site_groups.keys()].sort()) this.evaluateSite(site, at);
  }

  private group(kind: OutageKind, key: string, scope_id: string, site: string): Group {
    let g = this.groups.get(key);
    if (g === undefined) {
      g = { kind, key, scope_id, site, members: [], offline: 0, cut_off: 0, gateways: new Set(), gateways_offline: 0, active: false };
      this.groups.set(key, g);
      const sg = this.site_groups.get(site) ?? new Set<string>();
      sg.add(key);
      this.site_groups.set(site, sg);
    }
    return g;
  }

  private groupsOf(rec: DevRec): Group[] {
    const info = rec.info;
    const out = [
      this.group('site', `site:${info.site}`, info.site, info.site),
      this.group('building', `building:${rec.building_key}`, info.building, info.site),
      this.group('floor', `floor:${rec.floor_key}`, info.floor, info.site),
    ];
    if (info.kind === 'gateway') out.push(this.group('gateway', `gateway:${info.site}${SEP}${info.id}`, info.id, info.site));
    if (info.gateway !== null) out.push(this.group('gateway', `gateway:${info.site}${SEP}${info.gateway}`, info.gateway, info.site));
    return out;
  }

  /**
   * A device's record with its building and floor keys, one string per building and floor shared
   * by its devices (built per device, each key was a rope of its own, ~100 B a device), written as
   * one literal with every field (spreading the keys into it put them in a separate property
   * store, 40 B more a device; docs/performance.md).
   */
  private newRec(info: DeviceInfo, offline: boolean, cut_off: boolean): DevRec {
    const building_key = this.intern(`${info.site}${SEP}${info.building}`);
    const floor_key = this.intern(`${building_key}${SEP}${info.floor}`);
    return { info, offline, cut_off, floor_key, building_key };
  }

  private intern(key: string): string {
    const held = this.area_keys.get(key);
    if (held !== undefined) return held;
    this.area_keys.set(key, key);
    return key;
  }

  private index(info: DeviceInfo, offline: boolean, cut_off: boolean): DevRec {
    // A device is indexed once; should it come again (records restored from a saved state), no
    // group may list it twice.
    const again = this.recs.has(info.id);
    const rec = this.newRec(info, false, false);
    this.recs.set(info.id, rec);
    for (const g of this.groupsOf(rec)) {
      if (!again || !g.members.includes(info.id)) g.members.push(info.id);
      if (g.kind !== 'gateway' && info.kind === 'gateway') g.gateways.add(info.id);
    }
    this.setOffline(rec, offline, cut_off);
    return rec;
  }

  /** Updates the counts; true when some group's outage condition changed. */
  private setOffline(rec: DevRec, offline: boolean, cut_off: boolean): boolean {
    const now_cut = offline && cut_off;
    if (rec.offline === offline && rec.cut_off === now_cut) return false;
    const d_off = rec.offline === offline ? 0 : offline ? 1 : -1;
    const d_cut = rec.cut_off === now_cut ? 0 : now_cut ? 1 : -1;
    rec.offline = offline;
    rec.cut_off = now_cut;
    let touched = false;
    for (const g of this.groupsOf(rec)) {
      g.offline += d_off;
      g.cut_off += d_cut;
      if (g.kind !== 'gateway' && rec.info.kind === 'gateway') g.gateways_offline += d_off;
      const was = g.active;
      g.active = this.conditionHolds(g);
      if (g.active !== was) touched = true;
    }
    return touched;
  }

  private conditionHolds(g: Group): boolean {
    switch (g.kind) {
      case 'gateway': {
        const gw = this.recs.get(g.scope_id);
        return gw !== undefined && gw.offline;
      }
      case 'site': {
        const total = g.gateways.size;
        if (total === 0) return false;
        return g.active ? g.gateways_offline / total >= this.outage_clear_fraction : g.gateways_offline === total;
      }
      default: {
        const total = g.members.length;
        if (total < this.outage_min_devices) return false;
        const threshold = g.active ? this.outage_clear_fraction : this.outage_fraction;
        if ((g.offline - g.cut_off) / total >= threshold) return true;
        // Devices cut off behind a dead gateway count only when two or more of the area's gateways
        // are down: one dead gateway explains its own children (a gateway incident, the MSP's),
        // and must not read as the client's floor or building power (power_or_network).
        return g.gateways_offline >= 2 && g.offline / total >= threshold;
      }
    }
  }

  private areaOf(g: Group): Area {
    if (g.kind === 'site') return { kind: 'site', key: g.key, site: g.site, building_key: null, floor_key: null };
    if (g.kind === 'gateway') {
      const gw = this.recs.get(g.scope_id);
      return { kind: 'gateway', key: g.key, site: g.site, building_key: gw?.building_key ?? null, floor_key: gw?.floor_key ?? null };
    }
    const prefix = g.key.slice(g.kind.length + 1);
    if (g.kind === 'building') return { kind: 'building', key: g.key, site: g.site, building_key: prefix, floor_key: null };
    return { kind: 'floor', key: g.key, site: g.site, building_key: prefix.slice(0, prefix.lastIndexOf(SEP)), floor_key: prefix };
  }

  /** Devices an outage area explains: its own members plus the children of gateways inside it. */
  private covered(area: Area): string[] {
    const out = new Set<string>();
    for (const key of [...(this.site_groups.get(area.site) ?? [])].sort()) {
      const g = this.groups.get(key);
      if (g === undefined) continue;
      const inside = g.key === area.key || (g.kind === 'gateway' && contains(area, this.areaOf(g)));
      if (inside) for (const d of g.members) out.add(d);
    }
    return [...out].sort(byString);
  }

  private evaluateSite(site: string, at: number): void {
    const active: Area[] = [];
    for (const key of this.site_groups.get(site) ?? []) {
      const g = this.groups.get(key);
      if (g !== undefined && g.active) active.push(this.areaOf(g));
    }
    const maximal = active
      .filter((c) => !active.some((o) => o.key !== c.key && RANK[o.kind] > RANK[c.kind] && contains(o, c)))
      .sort((a, b) => RANK[b.kind] - RANK[a.kind] || byString(a.key, b.key));
    const outages = (): MutableIncident[] =>
      [...(this.site_outages.get(site) ?? [])]
        .map((id) => this.incidents.get(id))
        .filter((i): i is MutableIncident => i !== undefined && i.status !== 'resolved')
        .sort(compareIncidents);

    for (const m of maximal) {
      const open = outages();
      const wider = open.find((i) => i.area !== null && i.area.key !== m.key && contains(i.area, m));
      if (wider !== undefined) {
        // A wider outage is still open (something inside it persists): it keeps this part too.
        this.cover(wider, this.covered(m), at);
        continue;
      }
      const inside = open.filter((i) => i.area !== null && contains(m, i.area));
      const covered = this.covered(m);
      const [survivor, ...absorbed] = inside;
      if (survivor === undefined) {
        const inc = this.create({
          priority: OUTAGE_PRIORITY[m.kind],
          scope: { kind: m.kind, id: this.groups.get(m.key)?.scope_id ?? m.key },
          site,
          building: this.buildingOf(m),
          cause: OUTAGE_CAUSE[m.kind],
          opened_ms: at,
          alert_ids: [],
          device_ids: [],
          area: m,
        });
        const ids = this.site_outages.get(site) ?? new Set<string>();
        ids.add(inc.id);
        this.site_outages.set(site, ids);
        this.record(inc, at);
        this.cover(inc, covered, at);
        continue;
      }
      // The widest scope wins: the earliest narrower incident becomes the wide one, so its
      // response clock keeps running from the first detection; the others merge into it.
      if (survivor.area?.key !== m.key) {
        survivor.area = m;
        survivor.scope = { kind: m.kind, id: this.groups.get(m.key)?.scope_id ?? m.key };
        survivor.building = this.buildingOf(m);
        survivor.cause = OUTAGE_CAUSE[m.kind];
        const p = OUTAGE_PRIORITY[m.kind];
        if (PRIORITY_RANK[p] < PRIORITY_RANK[survivor.priority]) {
          survivor.priority = p;
          survivor.response_due_ms = survivor.opened_ms + this.targets[p].respond_ms;
          survivor.resolution_due_ms = survivor.opened_ms + this.targets[p].resolve_ms;
        }
        this.record(survivor, at, { widened: true });
      }
      for (const other of absorbed) {
        for (const id of other.alert_ids) {
          if (!survivor.alert_ids.includes(id)) survivor.alert_ids.push(id);
          this.alert_incident.set(id, survivor.id);
          const a = this.known.get(id);
          if (a !== undefined && a.inhibited_by === other.id) {
            this.remember({ ...a, inhibited_by: survivor.id });
            this.deps.alerts?.setInhibited(id, survivor.id, at);
          }
        }
        other.alert_ids = [];
        this.close(other, at, { into: survivor.id });
      }
      this.cover(survivor, [...survivor.device_ids, ...covered], at);
    }

    for (const inc of outages()) {
      const area = inc.area;
      if (area !== null && !active.some((c) => contains(area, c))) this.close(inc, at, { ended: true });
    }
  }

  private buildingOf(area: Area): string | null {
    if (area.kind === 'site' || area.building_key === null) return null;
    return area.building_key.slice(area.building_key.indexOf(SEP) + 1);
  }

  /** Widens an outage's device set (it never shrinks while open) and inhibits what it now explains. */
  private cover(inc: MutableIncident, device_ids: readonly string[], at: number): void {
    const current = new Set(inc.device_ids);
    const added = device_ids.filter((d) => !current.has(d));
    if (added.length === 0) return;
    inc.device_ids = [...new Set([...inc.device_ids, ...added])].sort(byString);
    for (const d of added) {
      const s = this.covering.get(d) ?? new Set<string>();
      s.add(inc.id);
      this.covering.set(d, s);
    }
    this.record(inc, at);
    this.inhibitExisting(inc, added, at);
  }

  // ---- records ----------------------------------------------------------------------------------------

  private create(fields: Pick<MutableIncident, 'priority' | 'scope' | 'site' | 'building' | 'cause' | 'opened_ms' | 'alert_ids' | 'device_ids' | 'area'>): MutableIncident {
    const id = `INC-${String(this.next_seq++).padStart(6, '0')}`;
    const t = this.targets[fields.priority];
    const inc: MutableIncident = {
      id,
      ...fields,
      status: 'open',
      acked_ms: null,
      resolved_ms: null,
      response_due_ms: fields.opened_ms + t.respond_ms,
      resolution_due_ms: fields.opened_ms + t.resolve_ms,
    };
    this.incidents.set(id, inc);
    this.evict();
    return inc;
  }

  private close(inc: MutableIncident, at: number, extra: Record<string, unknown>): void {
    inc.status = 'resolved';
    inc.resolved_ms = Math.max(at, inc.opened_ms);
    if (this.device_incident.get(inc.scope.id) === inc.id) this.device_incident.delete(inc.scope.id);
    if (inc.area !== null) {
      this.site_outages.get(inc.site)?.delete(inc.id);
      for (const d of inc.device_ids) {
        const s = this.covering.get(d);
        s?.delete(inc.id);
        if (s !== undefined && s.size === 0) this.covering.delete(d);
      }
    }
    this.record(inc, inc.resolved_ms, extra);
    for (const id of inc.alert_ids) {
      const a = this.known.get(id);
      if (a !== undefined) this.forgetIfDone(a);
    }
  }

  private remember(a: Alert): void {
    this.known.set(a.id, a);
    const s = this.alerts_by_device.get(a.device_id) ?? new Set<string>();
    s.add(a.id);
    this.alerts_by_device.set(a.device_id, s);
  }

  /** Drops a resolved alert once nothing open refers to it, so memory follows what is live. */
  private forgetIfDone(a: Alert): void {
    if (a.status !== 'resolved') return;
    const inc_id = this.alert_incident.get(a.id);
    const inc = inc_id === undefined ? undefined : this.incidents.get(inc_id);
    if (inc !== undefined && inc.status !== 'resolved') return;
    this.known.delete(a.id);
    this.alert_incident.delete(a.id);
    const s = this.alerts_by_device.get(a.device_id);
    s?.delete(a.id);
    if (s !== undefined && s.size === 0) this.alerts_by_device.delete(a.device_id);
  }

  private record(inc: MutableIncident, at: number, extra?: Record<string, unknown>): void {
    this.journal(at, 'p.inc', {
      id: inc.id,
      pri: inc.priority,
      scope: `${inc.scope.kind}:${inc.scope.id}`,
      s: inc.status,
      n: inc.alert_ids.length,
      nd: inc.device_ids.length,
      ...extra,
    });
  }

  private evict(): void {
    if (this.incidents.size <= this.max_incidents) return;
    const resolved = [...this.incidents.values()].filter((i) => i.status === 'resolved').sort(compareIncidents);
    const drop = Math.min(resolved.length, Math.max(1, this.incidents.size - this.max_incidents + Math.floor(this.max_incidents / 10)));
    for (let i = 0; i < drop; i++) this.incidents.delete(resolved[i]!.id);
    this.evicted_count += drop;
    if (drop > 0) this.journal(resolved[drop - 1]!.resolved_ms ?? 0, 'p.inc_evict', { n: drop, total: this.evicted_count });
  }
}
