import type { Alert, Incident } from '../../platform/core/model.ts';
import { faultClass } from '../../sim/faults/catalog.ts';
import type { FaultScope } from '../../sim/faults/catalog.ts';
import { ScopeIndex } from '../../sim/faults/scope.ts';
import type { Portfolio } from '../../sim/world/topology.ts';
import { nearestRank } from './stats.ts';
import { stormReports, type StormReport } from './storms.ts';
import { ConnectLog } from './connect-log.ts';
import { slaTruth, type SlaTruth } from './sla-truth.ts';
import type { SlaContract } from '../../platform/sla/contract.ts';
import type { SlaReport } from '../../platform/sla/ledger.ts';

/**
 * The ground-truth oracle. The simulator knows what it did: every injected fault is a labelled
 * interval in the trace (`fault` start/end lines), and the world's own facts (power, sessions,
 * leaks, the broker) say when a device really was down. Reading the trace as it is written, the
 * oracle scores the platform's alerts and incidents against that truth: per fault class the
 * detection latency (p50/p95/max), the faults it missed, and the alerts that had nothing behind
 * them (false alerts). It reads only the trace and the platform's final alert and incident lists,
 * so the same seed gives the same report.
 */

export type FaultStatus = 'detected' | 'missed' | 'pending' | 'not_applied' | 'unscored';

export interface OracleFault {
  readonly id: string;
  /** The timeline step or fault process it came from. */
  readonly source: string;
  readonly fault: string;
  readonly scope: FaultScope;
  readonly on: string;
  readonly start_ms: number;
  /** null: still active when the run ended. */
  readonly end_ms: number | null;
  readonly applied: boolean;
  readonly affected: number;
  readonly status: FaultStatus;
  readonly detected_ms: number | null;
  readonly latency_ms: number | null;
  /** The alert or incident that counted as detection. */
  readonly detected_by: string | null;
  /** Alerts attributed to this fault (symptoms, inhibited or not). */
  readonly alerts: number;
}

export interface LatencyStats {
  readonly n: number;
  readonly p50_ms: number;
  readonly p95_ms: number;
  readonly max_ms: number;
}

export interface OracleClass {
  readonly fault: string;
  readonly injected: number;
  readonly detected: number;
  readonly missed: number;
  readonly pending: number;
  readonly not_applied: number;
  readonly latency: LatencyStats | null;
  /** Alert types that count as detecting this class (empty: no rule covers it). */
  readonly rules: readonly string[];
  /** False for classes no platform is expected to notice (its own restart). */
  readonly scored: boolean;
}

export interface FalseAlert {
  readonly id: string;
  readonly device: string;
  readonly type: string;
  readonly at_ms: number;
}

export interface OracleReport {
  readonly faults: readonly OracleFault[];
  readonly classes: readonly OracleClass[];
  readonly totals: { readonly injected: number; readonly detected: number; readonly missed: number; readonly pending: number };
  readonly alerts: {
    readonly total: number;
    /** Explained by an injected fault. */
    readonly attributed: number;
    /** Explained by the world itself: a real reboot, a dead battery, a natural leak, a condition the device reported truthfully. */
    readonly natural: number;
    /** Nothing behind them. */
    readonly false: number;
    readonly false_by_type: Readonly<Record<string, number>>;
    /**
     * Natural alerts a person would close without doing anything: cleared by themselves within
     * NUISANCE_MAX_MS, no technician on the device meanwhile, not a leak (a resident's door held
     * open 40 s; a sensor's short reboot). Counted among `natural`; per rule, so a noisy default shows.
     */
    readonly nuisance: number;
    readonly nuisance_by_type: Readonly<Record<string, number>>;
    /** The first few, for the report. */
    readonly false_examples: readonly FalseAlert[];
  };
  readonly storms: readonly StormReport[];
  readonly truth: { readonly bricked: number; readonly natural_leaks: number; readonly deaths: number; readonly reboots: number };
  /** Facts the collector could not keep (its bounds were hit): the report is then incomplete. */
  readonly dropped_facts: number;
  /** True vs measured down time under the contract; null when no SLA report was given. */
  readonly sla: SlaTruth | null;
}

export interface OracleFinishInput {
  readonly end_ms: number;
  readonly alerts: readonly Alert[];
  readonly incidents: readonly Incident[];
  readonly sla?: { readonly report: SlaReport; readonly contract: SlaContract; readonly timezone_of: (site_id: string) => string };
}

const CONNECTIVITY = new Set(['device_offline', 'gateway_offline', 'stale_telemetry']);
/** A connectivity alert is explained by a down episode that overlapped this long before it fired. */
const CONNECTIVITY_LOOKBACK_MS = 4 * 3_600_000;
/** A leak alert is explained by water that was there, or dried up at most this long before. */
const LEAK_SLACK_MS = 30 * 60_000;
const MAX_FALSE_EXAMPLES = 20;
/** Bounds on what the collector keeps (counted when hit). */
const MAX_WINDOWS = 5_000_000;

interface Window {
  from: number;
  to: number | null;
}

interface FaultInterval {
  id: string;
  fault: string;
  scope: FaultScope;
  on: string;
  start_ms: number;
  end_ms: number | null;
  applied: boolean;
  params: Readonly<Record<string, number>>;
}

/** The record kind of a canonical trace line without parsing it (`"k":"…"` is the record's own key). */
export function lineKind(line: string): string | undefined {
  const i = line.indexOf('"k":"');
  if (i < 0) return undefined;
  const j = line.indexOf('"', i + 5);
  return j < 0 ? undefined : line.slice(i + 5, j);
}

const WANTED = new Set(['fault', 'power', 'connect', 'will', 'lost', 'broker', 'leak', 'repair', 'p.live']);
/** A natural alert that cleared by itself within this long, with nobody touching the device, is a nuisance. */
export const NUISANCE_MAX_MS = 30 * 60_000;

type Rec = Record<string, unknown> & { t: number; k: string };

export class OracleCollector {
  readonly #index: ScopeIndex;
  readonly #faults = new Map<string, FaultInterval>();
  readonly #down = new Map<string, Window[]>();
  readonly #broker: Window[] = [];
  readonly #leaks = new Map<string, Window[]>();
  readonly #connects = new ConnectLog();
  readonly #first_connect = new Map<string, number>();
  /** The platform's down marks (p.live to OFFLINE or UNREACHABLE), for detection delays only. */
  readonly #marked_down = new Map<string, number[]>();
  #windows = 0;
  overflow = 0;
  readonly #truth = { bricked: 0, natural_leaks: 0, deaths: 0, reboots: 0 };
  /** When technicians repaired each device (the `repair` trace lines). */
  readonly #repairs = new Map<string, number[]>();

  constructor(portfolio: Portfolio | ScopeIndex) {
    this.#index = portfolio instanceof ScopeIndex ? portfolio : new ScopeIndex(portfolio);
  }

  /**
   * A device id from a trace line, as the portfolio's own string when the device is in it: each
   * line is parsed afresh, so keeping the parsed copy would hold one more string per device in
   * every table below (about 100 bytes a device on the flagship).
   */
  #id(raw: unknown): string {
    const id = String(raw);
    return this.#index.device(id)?.id ?? id;
  }

  /** A trace sink: call with every line, in order, and its kind when the caller knows it (the journal does). */
  readonly line = (line: string, known_kind?: string): void => {
    const kind = known_kind ?? lineKind(line);
    if (kind === undefined || !WANTED.has(kind)) return;
    const r = JSON.parse(line) as Rec;
    if (r.k !== kind) return;
    switch (kind) {
      case 'fault':
        this.#fault(r);
        break;
      case 'power': {
        const d = this.#id(r.d);
        if (r.s === 'online') break; // up again, but not reachable until it connects
        this.#open(d, r.t);
        if (r.s === 'dead') {
          this.#truth.deaths++;
          if (typeof r.why === 'string' && r.why.includes('brick')) this.#truth.bricked++;
        } else if (r.why === 'firmware_reboot') this.#truth.reboots++;
        break;
      }
      case 'will':
      case 'lost':
        this.#open(this.#id(r.c), r.t);
        break;
      case 'connect': {
        const d = this.#id(r.d);
        if (this.#connects.length < MAX_WINDOWS) this.#connects.push(r.t, d, r.ok === true);
        else this.overflow++;
        if (r.ok === true) {
          if (!this.#first_connect.has(d)) this.#first_connect.set(d, r.t);
          this.#close(d, r.t);
        }
        break;
      }
      case 'p.live': {
        // What the platform concluded, never part of the truth: only to time its detections.
        if ((r.to !== 'OFFLINE' && r.to !== 'UNREACHABLE') || r.from === 'OFFLINE' || r.from === 'UNREACHABLE') break;
        const d = this.#id(r.d);
        const list = this.#marked_down.get(d);
        if (list) list.push(r.t);
        else if (this.#windows < MAX_WINDOWS) this.#marked_down.set(d, [r.t]);
        break;
      }
      case 'broker':
        if (r.s === 'down') {
          this.#broker.push({ from: r.t, to: null });
          // Every session dies with the broker (no wills, no 'lost' lines): each device that had
          // connected is cut off until its own next successful connect, reconnect storm included.
          for (const d of this.#first_connect.keys()) this.#open(d, r.t);
        }
        else {
          const w = this.#broker[this.#broker.length - 1];
          if (w && w.to === null) w.to = r.t;
        }
        break;
      case 'repair': {
        const d = this.#id(r.d);
        const list = this.#repairs.get(d) ?? [];
        if (list.length < MAX_WINDOWS) list.push(r.t);
        this.#repairs.set(d, list);
        break;
      }
      case 'leak': {
        const d = this.#id(r.d);
        const list = this.#leaks.get(d) ?? [];
        if (r.s === 'start') list.push({ from: r.t, to: null });
        else {
          const w = list[list.length - 1];
          if (w && w.to === null) w.to = r.t;
        }
        this.#leaks.set(d, list);
        break;
      }
    }
  };

  #fault(r: Rec): void {
    const id = String(r.id);
    if (r.s === 'start') {
      const device = typeof r.d === 'string' ? r.d : null;
      const cls = faultClass(String(r.kind));
      const scope: FaultScope = device !== null ? (cls?.scope === 'gateway' ? 'gateway' : 'device') : (String(r.scope) as FaultScope);
      const params = r.p !== null && typeof r.p === 'object' ? (r.p as Record<string, number>) : {};
      this.#faults.set(id, { id, fault: String(r.kind), scope, on: device ?? String(r.on), start_ms: r.t, end_ms: null, applied: r.applied !== false, params });
    } else {
      const f = this.#faults.get(id);
      if (f) f.end_ms = r.t;
    }
  }

  #open(device: string, t: number): void {
    const list = this.#down.get(device);
    const last = list?.[list.length - 1];
    if (last && last.to === null) return;
    if (this.#windows >= MAX_WINDOWS) {
      this.overflow++;
      return;
    }
    this.#windows++;
    if (list) list.push({ from: t, to: null });
    else this.#down.set(device, [{ from: t, to: null }]);
  }

  #close(device: string, t: number): void {
    const last = this.#down.get(device)?.at(-1);
    if (last && last.to === null) last.to = t;
  }

  /** Leaks the world made by itself: water with no injected leak starting at that moment. */
  #naturalLeaks(intervals: readonly FaultInterval[]): number {
    const injected = new Set(intervals.filter((f) => f.fault === 'leak' && f.applied).map((f) => `${f.on}@${f.start_ms}`));
    let n = 0;
    for (const [d, list] of this.#leaks) for (const w of list) if (!injected.has(`${d}@${w.from}`)) n++;
    return n;
  }

  /** The fault intervals read from the trace so far, in start order. */
  intervals(): FaultInterval[] {
    return [...this.#faults.values()].sort((a, b) => a.start_ms - b.start_ms || (a.id < b.id ? -1 : 1));
  }

  #overlaps(list: readonly Window[] | undefined, from: number, to: number): boolean {
    if (!list) return false;
    for (const w of list) if (w.from <= to && (w.to === null || w.to >= from)) return true;
    return false;
  }

  /** Was the device (or its path: its gateway, the broker) really down shortly before `at`? */
  #reallyDown(device: string, at: number): boolean {
    const from = at - CONNECTIVITY_LOOKBACK_MS;
    if (this.#overlaps(this.#down.get(device), from, at) || this.#overlaps(this.#broker, from, at)) return true;
    const gw = this.#index.device(device)?.gateway_id;
    return gw !== null && gw !== undefined && this.#overlaps(this.#down.get(gw), from, at);
  }

  #nuisance(a: Alert): boolean {
    if (a.type === 'leak' || a.resolved_ms === null || a.resolved_ms - a.started_ms > NUISANCE_MAX_MS) return false;
    const to = a.resolved_ms;
    return !(this.#repairs.get(a.device_id) ?? []).some((t) => t >= a.started_ms && t <= to);
  }

  #natural(a: Alert): boolean {
    if (CONNECTIVITY.has(a.type)) return this.#reallyDown(a.device_id, a.started_ms);
    if (a.type === 'leak') {
      const list = this.#leaks.get(a.device_id);
      return (list ?? []).some((w) => w.from <= a.started_ms && (w.to === null || w.to + LEAK_SLACK_MS >= a.started_ms));
    }
    // Everything else is a condition the device reported about itself (battery level, a door,
    // a zone off setpoint): true unless a fault corrupted the report, which attribution covers.
    return true;
  }

  /** True down time against the contract, beside the platform's measured (harness/expect/sla-truth.ts). */
  #sla(input: OracleFinishInput, intervals: readonly FaultInterval[]): SlaTruth | null {
    const s = input.sla;
    if (s === undefined) return null;
    return slaTruth({
      index: this.#index,
      from_ms: s.report.period.from_ms,
      to_ms: s.report.period.to_ms,
      contract: s.contract,
      timezone_of: s.timezone_of,
      down: this.#down,
      broker: this.#broker,
      first_connect: this.#first_connect,
      faults: intervals,
      marked_down: this.#marked_down,
      measured: s.report,
    });
  }

  finish(input: OracleFinishInput): OracleReport {
    const { end_ms } = input;
    const intervals = this.intervals();
    const alerts = [...input.alerts].sort((a, b) => a.started_ms - b.started_ms || (a.id < b.id ? -1 : 1));
    const outages = input.incidents.filter((i) => i.scope.kind !== 'device').sort((a, b) => a.opened_ms - b.opened_ms || (a.id < b.id ? -1 : 1));

    // Which faults explain each device, for attribution.
    const by_device = new Map<string, FaultInterval[]>();
    const everywhere: FaultInterval[] = [];
    const affected = new Map<string, ReadonlySet<string> | null>();
    for (const f of intervals) {
      if (f.scope === 'broker' || f.scope === 'platform') {
        everywhere.push(f);
        affected.set(f.id, null);
        continue;
      }
      const ids = this.#index.affected(f.fault, f.scope, f.on);
      affected.set(f.id, new Set(ids));
      for (const d of ids) {
        const list = by_device.get(d);
        if (list) list.push(f);
        else by_device.set(d, [f]);
      }
    }
    const graceOf = (f: FaultInterval): number => faultClass(f.fault)?.grace_ms ?? 0;
    const inWindow = (f: FaultInterval, t: number): boolean => t >= f.start_ms && t <= (f.end_ms ?? end_ms) + graceOf(f);

    // Each alert (and each outage incident) belongs to at most one fault: the one that explains
    // it best — a fault whose class this kind of alert detects, then one still active at that
    // moment rather than in its grace tail, then the narrowest (a gateway before the broker), then
    // the most recent. So a later gateway failure is not scored as a late detection of an earlier
    // broker outage that also "covers" the gateway, and a leak seen after a platform restart is
    // still the leak's.
    const size = (f: FaultInterval): number => affected.get(f.id)?.size ?? Number.POSITIVE_INFINITY;
    const pick = (candidates: readonly FaultInterval[], t: number, type: string | null): FaultInterval | undefined => {
      const rank = (f: FaultInterval): number[] => [
        type === null || faultClass(f.fault)?.detected_by.includes(type) === true ? 0 : 1,
        t <= (f.end_ms ?? end_ms) ? 0 : 1,
        size(f),
        -f.start_ms,
      ];
      let best: FaultInterval | undefined;
      let best_rank: number[] = [];
      for (const f of candidates) {
        const r = rank(f);
        let cmp = 0;
        for (let i = 0; i < r.length && cmp === 0; i++) cmp = r[i]! - best_rank[i]!;
        if (best === undefined || cmp < 0 || (cmp === 0 && f.id < best.id)) {
          best = f;
          best_rank = r;
        }
      }
      return best;
    };

    const assigned = new Map<string, Alert[]>();
    let n_attributed = 0;
    let n_natural = 0;
    const nuisance_by_type: Record<string, number> = {};
    const false_by_type: Record<string, number> = {};
    const false_examples: FalseAlert[] = [];
    let n_false = 0;
    for (const a of alerts) {
      const explaining = [...(by_device.get(a.device_id) ?? []), ...everywhere].filter((f) => f.applied && inWindow(f, a.started_ms));
      const owner = pick(explaining, a.started_ms, a.type);
      if (owner) {
        n_attributed++;
        const list = assigned.get(owner.id);
        if (list) list.push(a);
        else assigned.set(owner.id, [a]);
      } else if (this.#natural(a)) {
        n_natural++;
        if (this.#nuisance(a)) nuisance_by_type[a.type] = (nuisance_by_type[a.type] ?? 0) + 1;
      } else {
        n_false++;
        false_by_type[a.type] = (false_by_type[a.type] ?? 0) + 1;
        if (false_examples.length < MAX_FALSE_EXAMPLES) false_examples.push({ id: a.id, device: a.device_id, type: a.type, at_ms: a.started_ms });
      }
    }
    const incident_of = new Map<string, Incident>();
    for (const i of outages) {
      const candidates = intervals.filter((f) => {
        if (!f.applied || faultClass(f.fault)?.outage_incident !== true || !inWindow(f, i.opened_ms)) return false;
        const set = affected.get(f.id) ?? null;
        return set === null || i.device_ids.some((d) => set.has(d));
      });
      const owner = pick(candidates, i.opened_ms, null);
      if (owner && !incident_of.has(owner.id)) incident_of.set(owner.id, i);
    }

    const faults: OracleFault[] = intervals.map((f) => {
      const cls = faultClass(f.fault);
      const set = affected.get(f.id) ?? null;
      let detected: { at: number; by: string } | null = null;
      if (cls && cls.scored && f.applied) {
        const types = new Set(cls.detected_by);
        const first = (assigned.get(f.id) ?? []).find((a) => types.has(a.type));
        if (first) detected = { at: first.started_ms, by: first.id };
        const inc = incident_of.get(f.id);
        if (inc && (detected === null || inc.opened_ms < detected.at)) detected = { at: inc.opened_ms, by: inc.id };
      }
      // Decided once the grace after its end has passed (for a slow fault, after it could show at all).
      const onset = cls?.onset_param !== undefined ? (f.params[cls.onset_param] ?? 0) : 0;
      const horizon = Math.max(f.end_ms ?? f.start_ms, f.start_ms + onset) + graceOf(f);
      // A blip shorter than the class's floor (a quick reboot) is nothing a platform should page for.
      const blip = cls?.min_scored_ms !== undefined && f.end_ms !== null && f.end_ms - f.start_ms < cls.min_scored_ms;
      const status: FaultStatus = !cls?.scored || blip ? 'unscored' : !f.applied ? 'not_applied' : detected ? 'detected' : end_ms >= horizon ? 'missed' : 'pending';
      return {
        id: f.id,
        source: f.id.split(/[#/]/)[0]!,
        fault: f.fault,
        scope: f.scope,
        on: f.on,
        start_ms: f.start_ms,
        end_ms: f.end_ms,
        applied: f.applied,
        affected: set === null ? this.#index.portfolio.devices.length : set.size,
        status,
        detected_ms: detected?.at ?? null,
        latency_ms: detected ? detected.at - f.start_ms : null,
        detected_by: detected?.by ?? null,
        alerts: assigned.get(f.id)?.length ?? 0,
      };
    });

    const names = [...new Set(faults.map((f) => f.fault))].sort();
    const classes: OracleClass[] = names.map((name) => {
      const mine = faults.filter((f) => f.fault === name);
      const lat = mine.filter((f) => f.latency_ms !== null).map((f) => f.latency_ms!).sort((a, b) => a - b);
      const count = (s: FaultStatus): number => mine.filter((f) => f.status === s).length;
      return {
        fault: name,
        injected: mine.length,
        detected: count('detected'),
        missed: count('missed'),
        pending: count('pending'),
        not_applied: count('not_applied'),
        latency: lat.length === 0 ? null : { n: lat.length, p50_ms: nearestRank(lat, 0.5), p95_ms: nearestRank(lat, 0.95), max_ms: lat[lat.length - 1]! },
        rules: [...(faultClass(name)?.detected_by ?? [])],
        scored: faultClass(name)?.scored ?? false,
      };
    });
    const sum = (k: 'detected' | 'missed' | 'pending'): number => classes.reduce((n, c) => n + c[k], 0);
    return {
      faults,
      classes,
      totals: { injected: faults.length, detected: sum('detected'), missed: sum('missed'), pending: sum('pending') },
      alerts: {
        total: alerts.length,
        attributed: n_attributed,
        natural: n_natural,
        false: n_false,
        false_by_type: Object.fromEntries(Object.entries(false_by_type).sort((a, b) => (a[0] < b[0] ? -1 : 1))),
        nuisance: Object.values(nuisance_by_type).reduce((a, b) => a + b, 0),
        nuisance_by_type: Object.fromEntries(Object.entries(nuisance_by_type).sort((a, b) => (a[0] < b[0] ? -1 : 1))),
        false_examples,
      },
      storms: stormReports({ faults: intervals, broker: this.#broker, connects: this.#connects, index: this.#index, end_ms }),
      truth: { ...this.#truth, natural_leaks: this.#naturalLeaks(intervals) },
      sla: this.#sla(input, intervals),
      dropped_facts: this.overflow,
    };
  }
}
