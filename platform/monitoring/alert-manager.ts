/**
 * Alert lifecycle: one active alert per (device, type) as ThingsBoard's alarms — a raise on an
 * active alert re-triggers it (`count` + 1) instead of opening another — and firing →
 * acknowledged → resolved. Flap detection is ours (Alertmanager declined it upstream): when the
 * same (device, type) changes between raised and cleared `flap_threshold` times within
 * `flap_window_ms`, the alert is marked flapping and a clear only starts a hold of
 * `keep_firing_for_ms` (Alertmanager's keep_firing_for); a raise within the hold cancels it, so the
 * NOC sees one alert instead of a page per oscillation.
 */
import type { Alert, AlertStatus, AlertType, Journal, Severity } from '../core/model.ts';
import type { AlertSignal } from './monitor.ts';
import { copyData, sortedEntries } from '../core/state-codec.ts';

export interface AlertManagerDeps {
  journal: Journal;
  /** Default 1 h. */
  flap_window_ms?: number;
  /** Raise/clear transitions within the window that make an alert flapping. Default 4. */
  flap_threshold?: number;
  /** How long a flapping alert keeps firing after a clear. Default 15 min. */
  keep_firing_for_ms?: number;
  /** Most alerts kept; beyond it the oldest resolved ones are evicted (counted). Default 200,000. */
  max_alerts?: number;
}

export const DEFAULT_FLAP_WINDOW_MS = 3_600_000;
export const DEFAULT_FLAP_THRESHOLD = 4;
export const DEFAULT_KEEP_FIRING_FOR_MS = 15 * 60_000;
export const DEFAULT_MAX_ALERTS = 200_000;

interface Mutable {
  id: string;
  device_id: string;
  type: AlertType;
  severity: Severity;
  status: AlertStatus;
  started_ms: number;
  acked_ms: number | null;
  resolved_ms: number | null;
  count: number;
  flapping: boolean;
  inhibited_by: string | null;
  summary: string;
  /** Set while a flapping alert's clear is being held: resolve at this time unless re-raised. */
  hold_until_ms: number | null;
}

/** The alert manager as saved in a snapshot (see `AlertManager.saveState`). */
export interface AlertManagerState {
  alerts: Mutable[];
  active_by_key: Array<[string, string]>;
  occurrences: Array<[string, number]>;
  transitions: Array<[string, number[]]>;
  outbox: Alert[];
  evicted_count: number;
  held: string[];
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 4, major: 3, minor: 2, warning: 1 };

function snapshot(a: Mutable): Alert {
  return {
    id: a.id,
    device_id: a.device_id,
    type: a.type,
    severity: a.severity,
    status: a.status,
    started_ms: a.started_ms,
    acked_ms: a.acked_ms,
    resolved_ms: a.resolved_ms,
    count: a.count,
    flapping: a.flapping,
    inhibited_by: a.inhibited_by,
    summary: a.summary,
  };
}

export function compareAlerts(a: Alert, b: Alert): number {
  if (a.started_ms !== b.started_ms) return a.started_ms - b.started_ms;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** What a tick with nothing to release returns (frozen: a caller cannot add to it by mistake). */
const NO_ALERTS = Object.freeze([]) as readonly Alert[] as Alert[];

export class AlertManager {
  private readonly journal: Journal;
  private readonly flap_window_ms: number;
  private readonly flap_threshold: number;
  private readonly keep_firing_for_ms: number;
  private readonly max_alerts: number;
  private readonly alerts = new Map<string, Mutable>();
  /** (device, type) → id of its active (not resolved) alert. */
  private readonly active_by_key = new Map<string, string>();
  /** (device, type) → occurrences so far; survives eviction so ids are never reused. */
  private readonly occurrences = new Map<string, number>();
  /** (device, type) → times of its latest raise/clear transitions, at most `flap_threshold`. */
  private readonly transitions = new Map<string, number[]>();
  /** Alerts resolved by a hold expiring inside `apply`, handed out by the next `tick`. */
  private outbox: Alert[] = [];
  private evicted_count = 0;
  /** Ids of alerts with a clear on hold, so `tick` looks at those only (order fixed by sorting). */
  private readonly held = new Set<string>();

  constructor(deps: AlertManagerDeps) {
    this.journal = deps.journal;
    this.flap_window_ms = deps.flap_window_ms ?? DEFAULT_FLAP_WINDOW_MS;
    this.flap_threshold = Math.max(2, deps.flap_threshold ?? DEFAULT_FLAP_THRESHOLD);
    this.keep_firing_for_ms = deps.keep_firing_for_ms ?? DEFAULT_KEEP_FIRING_FOR_MS;
    this.max_alerts = deps.max_alerts ?? DEFAULT_MAX_ALERTS;
  }

  /** Applies a monitor signal; returns the alert it created or changed, if any. */
  apply(signal: AlertSignal): Alert | undefined {
    const key = signal.device_id + '\u0000' + signal.type;
    const at = signal.at_ms;
    let id = this.active_by_key.get(key);
    let a = id === undefined ? undefined : this.alerts.get(id);
    // A hold that ran out before this signal resolved the alert then, whatever the tick cadence.
    if (a !== undefined && a.hold_until_ms !== null && a.hold_until_ms <= at) {
      this.expire(a, key);
      this.outbox.push(snapshot(a));
      a = undefined;
      id = undefined;
    }
    if (signal.kind === 'raise') {
      if (a === undefined) return this.open(key, signal);
      a.count += 1;
      if (SEVERITY_RANK[signal.severity] > SEVERITY_RANK[a.severity]) a.severity = signal.severity;
      a.summary = signal.summary;
      if (a.hold_until_ms !== null) {
        this.held.delete(a.id);
        // Cleared then raised again within the hold: one more flap, still the same alert.
        a.hold_until_ms = null;
        a.flapping = this.transition(key, at) || a.flapping;
      }
      this.record(a, at);
      return snapshot(a);
    }
    if (a === undefined || a.hold_until_ms !== null) return undefined;
    const flapping = this.transition(key, at);
    if (flapping) {
      a.flapping = true;
      a.hold_until_ms = at + this.keep_firing_for_ms;
      this.held.add(a.id);
      this.record(a, at, { hold: a.hold_until_ms });
      return snapshot(a);
    }
    a.flapping = false;
    this.finish(a, key, at);
    this.record(a, at);
    return snapshot(a);
  }

  /** Resolves the flapping alerts whose hold has run out by `now_ms`; returns every alert so resolved. */
  tick(now_ms: number): Alert[] {
    if (this.held.size > 0) {
      const due: Mutable[] = [];
      for (const id of this.held) {
        const a = this.alerts.get(id);
        if (a !== undefined && a.hold_until_ms !== null && a.hold_until_ms <= now_ms) due.push(a);
      }
      due.sort(compareAlerts);
      for (const a of due) {
        this.expire(a, a.device_id + '\u0000' + a.type);
        this.outbox.push(snapshot(a));
      }
    }
    // The platform ticks before every message and almost always nothing is due: such a call
    // returns one frozen empty array rather than a new one each.
    if (this.outbox.length === 0) return NO_ALERTS;
    const out = this.outbox.sort((x, y) => (x.resolved_ms ?? 0) - (y.resolved_ms ?? 0) || compareAlerts(x, y));
    this.outbox = [];
    return out;
  }

  acknowledge(alert_id: string, now_ms: number, by: string): Alert | undefined {
    const a = this.alerts.get(alert_id);
    if (a === undefined || a.status !== 'firing') return undefined;
    a.status = 'acknowledged';
    a.acked_ms = Math.max(now_ms, a.started_ms);
    this.record(a, now_ms, { by });
    return snapshot(a);
  }

  resolve(alert_id: string, now_ms: number, by: string): Alert | undefined {
    const a = this.alerts.get(alert_id);
    if (a === undefined || a.status === 'resolved') return undefined;
    this.finish(a, a.device_id + '\u0000' + a.type, now_ms);
    this.record(a, now_ms, { by });
    return snapshot(a);
  }

  /** Marks (or, with null, unmarks) the incident whose outage explains this alert. */
  setInhibited(alert_id: string, incident_id: string | null, now_ms?: number): Alert | undefined {
    const a = this.alerts.get(alert_id);
    if (a === undefined) return undefined;
    if (a.inhibited_by !== incident_id) {
      a.inhibited_by = incident_id;
      this.record(a, now_ms ?? a.resolved_ms ?? a.started_ms);
    }
    return snapshot(a);
  }

  active(): Alert[] {
    const out: Alert[] = [];
    for (const id of this.active_by_key.values()) {
      const a = this.alerts.get(id);
      if (a !== undefined) out.push(snapshot(a));
    }
    return out.sort(compareAlerts);
  }

  all(): Alert[] {
    return [...this.alerts.values()].map(snapshot).sort(compareAlerts);
  }

  get(id: string): Alert | undefined {
    const a = this.alerts.get(id);
    return a === undefined ? undefined : snapshot(a);
  }

  /** Resolved alerts dropped to honour `max_alerts`. */
  evicted(): number {
    return this.evicted_count;
  }

  /** Every alert, the per-key indexes and the flap history as plain data, sorted by key (snapshots). */
  saveState(): AlertManagerState {
    return copyData({
      alerts: sortedEntries(this.alerts).map(([, a]) => a),
      active_by_key: sortedEntries(this.active_by_key),
      occurrences: sortedEntries(this.occurrences),
      transitions: sortedEntries(this.transitions),
      outbox: this.outbox,
      evicted_count: this.evicted_count,
      held: [...this.held].sort(),
    });
  }

  /** Replaces this (fresh) manager's state with a saved one. */
  loadState(state: AlertManagerState): void {
    const s = copyData(state);
    this.alerts.clear();
    for (const a of s.alerts) this.alerts.set(a.id, a);
    this.active_by_key.clear();
    for (const [k, v] of s.active_by_key) this.active_by_key.set(k, v);
    this.occurrences.clear();
    for (const [k, v] of s.occurrences) this.occurrences.set(k, v);
    this.transitions.clear();
    for (const [k, v] of s.transitions) this.transitions.set(k, v);
    this.outbox = s.outbox;
    this.evicted_count = s.evicted_count;
    this.held.clear();
    for (const id of s.held) this.held.add(id);
  }

  // ---- internals ----------------------------------------------------------------------------------

  private open(key: string, s: AlertSignal): Alert {
    const n = (this.occurrences.get(key) ?? 0) + 1;
    this.occurrences.set(key, n);
    const id = n === 1 ? `${s.type}:${s.device_id}` : `${s.type}:${s.device_id}:${n}`;
    const flapping = this.transition(key, s.at_ms);
    const a: Mutable = {
      id,
      device_id: s.device_id,
      type: s.type,
      severity: s.severity,
      status: 'firing',
      started_ms: s.at_ms,
      acked_ms: null,
      resolved_ms: null,
      count: 1,
      flapping,
      inhibited_by: null,
      summary: s.summary,
      hold_until_ms: null,
    };
    this.alerts.set(id, a);
    this.active_by_key.set(key, id);
    this.record(a, s.at_ms);
    this.evict();
    return snapshot(a);
  }

  /** Records a raise/clear transition; true when the key is flapping. */
  private transition(key: string, at: number): boolean {
    const times = this.transitions.get(key) ?? [];
    times.push(at);
    while (times.length > this.flap_threshold) times.shift();
    this.transitions.set(key, times);
    const oldest = times[0]!;
    return times.length >= this.flap_threshold && at - oldest <= this.flap_window_ms;
  }

  private expire(a: Mutable, key: string): void {
    const at = a.hold_until_ms ?? a.started_ms;
    this.finish(a, key, at);
    this.record(a, at, { held: true });
  }

  private finish(a: Mutable, key: string, at: number): void {
    a.status = 'resolved';
    // Never before it started, whatever order the signals came in.
    a.resolved_ms = Math.max(at, a.started_ms);
    a.hold_until_ms = null;
    this.held.delete(a.id);
    if (this.active_by_key.get(key) === a.id) this.active_by_key.delete(key);
  }

  private record(a: Mutable, at: number, extra?: Record<string, unknown>): void {
    this.journal(at, 'p.alert', {
      id: a.id,
      d: a.device_id,
      type: a.type,
      s: a.status,
      sev: a.severity,
      n: a.count,
      inh: a.inhibited_by,
      ...(a.flapping ? { flap: true } : {}),
      ...extra,
    });
  }

  private evict(): void {
    if (this.alerts.size <= this.max_alerts) return;
    const resolved = [...this.alerts.values()].filter((a) => a.status === 'resolved').sort(compareAlerts);
    // Evict a tenth at once so the sort is amortised over many opens.
    const drop = Math.min(resolved.length, Math.max(1, this.alerts.size - this.max_alerts + Math.floor(this.max_alerts / 10)));
    for (let i = 0; i < drop; i++) this.alerts.delete(resolved[i]!.id);
    this.evicted_count += drop;
    if (drop > 0) this.journal(resolved[drop - 1]!.resolved_ms ?? 0, 'p.alert_evict', { n: drop, total: this.evicted_count });
  }
}
