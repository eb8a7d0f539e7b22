import type { Alert, Incident, Priority } from '../../platform/core/model.ts';
import type { SlaReport } from '../../platform/sla/ledger.ts';
import type { RunSummary } from '../run/run-types.ts';
import { formatDuration, parseDuration } from '../../common/duration.ts';
import type { OracleReport } from './oracle.ts';

/**
 * The metrics expectations compare (docs/scenarios.md lists them). A metric name is a dotted path
 * whose `<placeholders>` take a priority, a fault class, an alert type, a site … Each metric reads
 * the run's facts — the summary, the final SLA report, the oracle, and (for rollouts) whatever
 * the patching module reports — and has a unit, which decides how the compared value is written:
 * `99.5%` for ratios, `2m` for durations, plain numbers for counts and money (in the scenario's
 * `operations.costs.currency`).
 */
export type Unit = 'ratio' | 'ms' | 'count' | 'score' | 'money' | 'text';

/** Everything a finished run offers to expectations. */
export interface RunFacts {
  readonly summary: RunSummary;
  readonly sla: SlaReport | null;
  readonly oracle: OracleReport | null;
  readonly alerts: readonly Alert[];
  readonly incidents: readonly Incident[];
  /**
   * Rollout outcomes by rollout id (state, committed, failed, bricked, rolled_back,
   * halted_at_wave, halt_reason …), read from `summary.rollouts` when the patching module reports
   * them; null when the run has none.
   */
  readonly rollouts: Readonly<Record<string, Readonly<Record<string, unknown>>>> | null;
  /** A moment as the site's wall clock shows it (the device's site, else the scenario's start zone), for messages. */
  readonly local_time?: (t_ms: number, device_id?: string) => string;
}

/** What a metric resolved to: a value, or why there is none (skip when nothing happened that it measures; fail otherwise). */
export type Measured = { readonly value: number | string } | { readonly none: string; readonly verdict: 'skip' | 'fail' };

export interface MetricDef {
  /** Dotted name; `<x>` segments are placeholders. */
  readonly pattern: string;
  readonly unit: Unit;
  readonly describe: string;
  /** Only for `always:` (evaluated on the live platform after each step). */
  readonly live?: boolean;
  readonly get: (facts: RunFacts, args: readonly string[]) => Measured;
}

const v = (value: number | string | null | undefined, none = 'not measured in this run', verdict: 'skip' | 'fail' = 'skip'): Measured =>
  value === null || value === undefined || (typeof value === 'number' && !Number.isFinite(value)) ? { none, verdict } : { value };

function sla(f: RunFacts): SlaReport | null {
  return f.sla;
}

const NO_PLATFORM = 'the run had no platform in the loop';
const NO_NOC = 'no simulated NOC in this run';

function byPriority(f: RunFacts, p: string) {
  return sla(f)?.incidents.by_priority.find((x) => x.priority === (p as Priority));
}

function oracleClass(f: RunFacts, name: string) {
  return f.oracle?.classes.find((c) => c.fault === name);
}

function latency(f: RunFacts, name: string, pick: 'p50_ms' | 'p95_ms' | 'max_ms'): Measured {
  const c = oracleClass(f, name);
  if (!c || c.injected === c.not_applied) return { none: `no ${name} fault took hold in this run`, verdict: 'skip' };
  if (c.latency === null) return c.missed > 0 ? { none: `none of ${c.injected} ${name} fault(s) was detected`, verdict: 'fail' } : { none: `no ${name} fault was decided yet`, verdict: 'skip' };
  return { value: c.latency[pick] };
}

function storms(f: RunFacts) {
  return f.oracle?.storms ?? [];
}

function rollout(f: RunFacts, id: string, field: string): Measured {
  if (f.rollouts === null) return { none: 'the run reported no rollouts (the patching module reports them in summary.rollouts)', verdict: 'fail' };
  const r = f.rollouts[id];
  if (r === undefined) return { none: `the run reported no rollout "${id}"`, verdict: 'fail' };
  const value = r[field];
  if (typeof value === 'number' || typeof value === 'string') return { value };
  if (typeof value === 'boolean') return { value: String(value) };
  if (value === null) return { value: 'none' };
  return { none: `rollout "${id}" has no field "${field}"`, verdict: 'fail' };
}

export const METRICS: readonly MetricDef[] = [
  { pattern: 'sla.availability', unit: 'ratio', describe: 'portfolio availability (device-weighted)', get: (f) => v(sla(f)?.portfolio.availability, NO_PLATFORM) },
  { pattern: 'sla.availability.rule', unit: 'ratio', describe: 'portfolio availability (building-down rule)', get: (f) => v(sla(f)?.portfolio.rule.availability, NO_PLATFORM) },
  { pattern: 'sla.availability.site.<site>', unit: 'ratio', describe: 'a site’s availability', get: (f, [s]) => v(sla(f)?.sites.find((x) => x.id === s)?.availability) },
  { pattern: 'sla.availability.building.<building>', unit: 'ratio', describe: 'a building’s availability', get: (f, [b]) => v(sla(f)?.buildings.find((x) => x.id === b)?.availability) },
  { pattern: 'sla.response_compliance', unit: 'ratio', describe: 'incidents responded to within target', get: (f) => v(sla(f)?.incidents.response.compliance, NO_PLATFORM) },
  { pattern: 'sla.response_compliance.<priority>', unit: 'ratio', describe: 'response compliance of one priority', get: (f, [p]) => v(byPriority(f, p!)?.response.compliance, NO_PLATFORM) },
  { pattern: 'sla.resolution_compliance', unit: 'ratio', describe: 'incidents resolved within target', get: (f) => v(sla(f)?.incidents.resolution.compliance, NO_PLATFORM) },
  { pattern: 'sla.resolution_compliance.<priority>', unit: 'ratio', describe: 'resolution compliance of one priority', get: (f, [p]) => v(byPriority(f, p!)?.resolution.compliance, NO_PLATFORM) },
  { pattern: 'sla.patch_coverage', unit: 'ratio', describe: 'devices on approved firmware', get: (f) => v(sla(f)?.patch.coverage, NO_PLATFORM) },
  { pattern: 'sla.patch_coverage.<model>', unit: 'ratio', describe: 'patch coverage of one model', get: (f, [m]) => v(sla(f)?.patch.by_model.find((x) => x.model === m)?.coverage) },
  { pattern: 'sla.health_score', unit: 'score', describe: 'fleet health score (0–100)', get: (f) => v(sla(f)?.health.score, NO_PLATFORM) },
  { pattern: 'sla.error_budget_remaining', unit: 'ratio', describe: 'error budget left (negative once overspent)', get: (f) => v(sla(f)?.error_budget.remaining_fraction, NO_PLATFORM) },
  { pattern: 'sla.mtta.<priority>', unit: 'ms', describe: 'mean time to acknowledge', get: (f, [p]) => { const s = byPriority(f, p!)?.mtta; return s && s.n > 0 ? { value: s.mean_ms } : { none: `no ${p} incident was acknowledged`, verdict: 'skip' }; } },
  { pattern: 'sla.mttr.<priority>', unit: 'ms', describe: 'mean time to resolve', get: (f, [p]) => { const s = byPriority(f, p!)?.mttr; return s && s.n > 0 ? { value: s.mean_ms } : { none: `no ${p} incident was resolved`, verdict: 'skip' }; } },
  { pattern: 'sla.device_outages', unit: 'count', describe: 'device outages counted against the SLA', get: (f) => v(sla(f)?.portfolio.device_outage_count, NO_PLATFORM) },
  { pattern: 'sla.credit_pct', unit: 'ratio', describe: 'service credit owed for the period: the contract tier the availability reached (0 when none)', get: (f) => v(sla(f)?.credits.credit_pct, NO_PLATFORM) },
  { pattern: 'sla.credit_pct.client.<client>', unit: 'ratio', describe: 'service credit reached by one client (contract clients)', get: (f, [c]) => v(sla(f)?.credits.clients.find((x) => x.id === c)?.credit_pct, `no client "${c ?? ''}" in the contract`, 'fail') },
  { pattern: 'sla.credit_amount', unit: 'score', describe: 'service credit in money (monthly fee × credit)', get: (f) => v(sla(f)?.credits.amount_owed, sla(f) ? 'the contract names no monthly_fee' : NO_PLATFORM, 'fail') },
  { pattern: 'sla.unreachable_minutes', unit: 'score', describe: 'agreed device-minutes spent UNREACHABLE (behind a dead gateway)', get: (f) => { const r = sla(f); return v(r ? r.devices.reduce((n, d) => n + d.unreachable_ms, 0) / 60_000 : null, NO_PLATFORM); } },
  { pattern: 'oracle.sla.error_pct', unit: 'score', describe: 'measured vs true down device-minutes, |m − t| / t in percent (harness/expect/sla-truth.ts)', get: (f) => v(f.oracle?.sla?.error_pct, NO_PLATFORM) },
  { pattern: 'oracle.sla.true_downtime_device_min', unit: 'score', describe: 'true down device-minutes under the contract', get: (f) => v(f.oracle?.sla?.true_downtime_device_min, NO_PLATFORM) },
  { pattern: 'oracle.sla.measured_downtime_device_min', unit: 'score', describe: 'measured down device-minutes under the contract', get: (f) => v(f.oracle?.sla?.measured_downtime_device_min, NO_PLATFORM) },
  { pattern: 'oracle.sla.error_pct.building.<building>', unit: 'score', describe: 'a building’s measured vs true down time, in percent', get: (f, [b]) => v(f.oracle?.sla?.buildings.find((x) => x.building === b)?.error_pct) },
  { pattern: 'oracle.sla.detection_max.<kind>', unit: 'ms', describe: 'worst delay from a device of this kind truly going down to the platform marking it OFFLINE or UNREACHABLE', get: (f, [k]) => v(f.oracle?.sla?.detection_delay.find((x) => x.kind === k)?.max_ms, `no detected down episode of a ${k ?? ''} device`) },
  { pattern: 'incidents', unit: 'count', describe: 'incidents opened', get: (f) => v(f.summary.platform ? f.incidents.length : null, NO_PLATFORM) },
  { pattern: 'incidents.<priority>', unit: 'count', describe: 'incidents opened of one priority', get: (f, [p]) => v(f.summary.platform ? f.incidents.filter((i) => i.priority === p).length : null, NO_PLATFORM) },
  { pattern: 'incidents.cause.<cause>', unit: 'count', describe: 'incidents opened for one cause (an alert type, or an outage cause)', get: (f, [c]) => v(f.summary.platform ? f.incidents.filter((i) => i.cause === c).length : null, NO_PLATFORM) },
  { pattern: 'incidents.open', unit: 'count', describe: 'incidents still open at the end', get: (f) => v(f.summary.platform?.incidents_open, NO_PLATFORM) },
  { pattern: 'alerts', unit: 'count', describe: 'alerts raised', get: (f) => v(f.summary.platform?.alerts, NO_PLATFORM) },
  { pattern: 'alerts.<alert>', unit: 'count', describe: 'alerts raised of one type', get: (f, [t]) => v(f.summary.platform ? f.alerts.filter((a) => a.type === t).length : null, NO_PLATFORM) },
  { pattern: 'alerts.paging', unit: 'count', describe: 'alerts not inhibited by an outage', get: (f) => v(f.summary.platform ? f.summary.platform.alerts - f.summary.platform.alerts_inhibited : null, NO_PLATFORM) },
  { pattern: 'truck_rolls', unit: 'count', describe: 'technician visits', get: (f) => v(f.summary.platform?.noc?.truck_rolls, 'no simulated NOC in this run') },
  { pattern: 'costs.total', unit: 'money', describe: 'what the field service cost (truck rolls, technician hours, batteries, replaced devices; docs/operations.md)', get: (f) => v(f.summary.costs?.total, NO_NOC) },
  { pattern: 'costs.truck_rolls', unit: 'count', describe: 'truck rolls the field service made', get: (f) => v(f.summary.costs?.truck_rolls, NO_NOC) },
  { pattern: 'costs.avoided_truck_rolls', unit: 'count', describe: 'incidents a naive dispatch-on-every-dead-device policy would have sent a truck for and this policy did not', get: (f) => v(f.summary.costs?.avoided_truck_rolls, NO_NOC) },
  { pattern: 'costs.naive_total', unit: 'money', describe: 'what the naive dispatch-on-every-dead-device policy would have cost', get: (f) => v(f.summary.costs?.naive.total, NO_NOC) },
  { pattern: 'costs.technician_hours', unit: 'count', describe: 'technician hours billed (driving and on site)', get: (f) => v(f.summary.costs?.technician_hours, NO_NOC) },
  { pattern: 'costs.batteries', unit: 'count', describe: 'batteries replaced', get: (f) => v(f.summary.costs?.batteries, NO_NOC) },
  { pattern: 'costs.by_cause.<cause>', unit: 'money', describe: 'field-service cost attributed to one cause (an alert type, or battery_low for proactive swaps)', get: (f, [c]) => v(f.summary.costs ? (f.summary.costs.by_cause[c!] ?? 0) : null, NO_NOC) },
  { pattern: 'repairs', unit: 'count', describe: 'repairs done by technicians', get: (f) => v(f.summary.platform?.noc?.repairs, 'no simulated NOC in this run') },
  { pattern: 'lost_qos1', unit: 'count', describe: 'QoS 1 messages that never reached the platform (outbox overflow, RAM lost in a reboot, broker shortfall)', get: (f) => ({ value: lostQos1(f.summary) }) },
  { pattern: 'quarantined', unit: 'count', describe: 'messages the platform rejected', get: (f) => v(f.summary.platform?.ingest_rejected, NO_PLATFORM) },
  { pattern: 'messages', unit: 'count', describe: 'messages the devices published', get: (f) => ({ value: f.summary.messages }) },
  { pattern: 'wills', unit: 'count', describe: 'last wills the broker published', get: (f) => ({ value: f.summary.wills }) },
  { pattern: 'dropped.<reason>', unit: 'count', describe: 'reports dropped for one reason (radio_loss, parent_down, outbox_full, reboot)', get: (f, [r]) => v((f.summary.dropped as Record<string, number>)[r!]) },
  { pattern: 'bricked', unit: 'count', describe: 'devices bricked (dead until replaced)', get: (f) => v(f.oracle?.truth.bricked, NO_PLATFORM) },
  { pattern: 'oracle.missed', unit: 'count', describe: 'injected faults the platform never noticed', get: (f) => v(f.oracle?.totals.missed, NO_PLATFORM) },
  { pattern: 'oracle.detected', unit: 'count', describe: 'injected faults the platform noticed', get: (f) => v(f.oracle?.totals.detected, NO_PLATFORM) },
  { pattern: 'oracle.pending', unit: 'count', describe: 'faults still undecided when the run ended', get: (f) => v(f.oracle?.totals.pending, NO_PLATFORM) },
  { pattern: 'oracle.false_alerts', unit: 'count', describe: 'alerts with no fault or real condition behind them', get: (f) => v(f.oracle?.alerts.false, NO_PLATFORM) },
  { pattern: 'oracle.false_alerts.<alert>', unit: 'count', describe: 'false alerts of one type', get: (f, [t]) => v(f.oracle ? (f.oracle.alerts.false_by_type[t!] ?? 0) : null, NO_PLATFORM) },
  { pattern: 'oracle.nuisance_alerts', unit: 'count', describe: 'natural alerts a person would close without action (cleared by themselves within 30 min, nobody touched the device)', get: (f) => v(f.oracle?.alerts.nuisance, NO_PLATFORM) },
  { pattern: 'oracle.nuisance_alerts.<alert>', unit: 'count', describe: 'nuisance alerts of one type', get: (f, [t]) => v(f.oracle ? (f.oracle.alerts.nuisance_by_type[t!] ?? 0) : null, NO_PLATFORM) },
  { pattern: 'oracle.<class>.injected', unit: 'count', describe: 'faults of a class injected', get: (f, [c]) => v(f.oracle ? (oracleClass(f, c!)?.injected ?? 0) : null, NO_PLATFORM) },
  { pattern: 'oracle.<class>.detected', unit: 'count', describe: 'faults of a class detected', get: (f, [c]) => v(f.oracle ? (oracleClass(f, c!)?.detected ?? 0) : null, NO_PLATFORM) },
  { pattern: 'oracle.<class>.missed', unit: 'count', describe: 'faults of a class missed', get: (f, [c]) => v(f.oracle ? (oracleClass(f, c!)?.missed ?? 0) : null, NO_PLATFORM) },
  { pattern: 'oracle.<class>.detection_p50', unit: 'ms', describe: 'median detection latency of a class', get: (f, [c]) => latency(f, c!, 'p50_ms') },
  { pattern: 'oracle.<class>.detection_p95', unit: 'ms', describe: '95th percentile detection latency of a class', get: (f, [c]) => latency(f, c!, 'p95_ms') },
  { pattern: 'oracle.<class>.detection_max', unit: 'ms', describe: 'worst detection latency of a class', get: (f, [c]) => latency(f, c!, 'max_ms') },
  { pattern: 'storm.unreconnected', unit: 'count', describe: 'devices still not reconnected 30 min after a restore', get: (f) => (storms(f).length ? { value: storms(f).reduce((n, s) => n + s.unreconnected, 0) } : { none: 'no restore in this run', verdict: 'skip' }) },
  { pattern: 'storm.reconnect_all', unit: 'ms', describe: 'longest time from a restore until every device was back', get: (f) => {
    const s = storms(f);
    if (s.length === 0) return { none: 'no restore in this run', verdict: 'skip' };
    if (s.some((x) => x.reconnect_all_ms === null)) return { none: 'some devices never reconnected', verdict: 'fail' };
    return { value: Math.max(...s.map((x) => x.reconnect_all_ms!)) };
  } },
  { pattern: 'storm.peak_share', unit: 'ratio', describe: 'largest share of a storm’s connection attempts in one 10 s bucket', get: (f) => (storms(f).length ? { value: Math.max(...storms(f).map((s) => s.peak_share)) } : { none: 'no restore in this run', verdict: 'skip' }) },
  { pattern: 'rollout.<rollout>.<field>', unit: 'text', describe: 'a rollout outcome field (state, committed, failed, bricked, rolled_back, halted_at_wave, halt_reason)', get: (f, [id, field]) => rollout(f, id!, field!) },
  // Live metrics (`always:`), read from the platform after every step.
  { pattern: 'open_incidents', unit: 'count', live: true, describe: 'incidents open right now', get: () => ({ none: 'live only', verdict: 'skip' }) },
  { pattern: 'open_incidents.<priority>', unit: 'count', live: true, describe: 'incidents of one priority open right now', get: () => ({ none: 'live only', verdict: 'skip' }) },
  { pattern: 'firing_alerts', unit: 'count', live: true, describe: 'alerts active right now', get: () => ({ none: 'live only', verdict: 'skip' }) },
  { pattern: 'offline_devices', unit: 'count', live: true, describe: 'devices the platform sees OFFLINE right now', get: () => ({ none: 'live only', verdict: 'skip' }) },
  { pattern: 'unreachable_devices', unit: 'count', live: true, describe: 'devices the platform sees UNREACHABLE (behind a dead gateway) right now', get: () => ({ none: 'live only', verdict: 'skip' }) },
];

/**
 * QoS 1 messages that never reached the platform: reports that overflowed a device's outbox while
 * it was cut off, reports held in RAM when the device rebooted, and any shortfall between what
 * was published (plus wills) and what the platform received.
 */
export function lostQos1(s: RunSummary): number {
  const shortfall = s.speed === null ? Math.max(0, s.messages + s.wills - s.received_by_monitor) : 0;
  return shortfall + s.dropped.outbox_full + s.dropped.reboot;
}

/**
 * Binds a pattern's segments to a name's: fixed segments must be equal, a `<placeholder>` takes one
 * or more segments (ids may contain dots), the earlier placeholders as many as still lets the rest
 * match — so `rollout.<rollout>.<field>` reads `rollout.hvac.2.4.state` as rollout `hvac.2.4`.
 */
function bind(pat: readonly string[], parts: readonly string[], args: string[]): boolean {
  if (pat.length === 0) return parts.length === 0;
  const [head, ...rest] = pat as [string, ...string[]];
  if (!head.startsWith('<')) return parts[0] === head && bind(rest, parts.slice(1), args);
  for (let take = parts.length - rest.length; take >= 1; take--) {
    args.push(parts.slice(0, take).join('.'));
    if (bind(rest, parts.slice(take), args)) return true;
    args.pop();
  }
  return false;
}

/** Finds the metric a dotted name refers to; the most specific pattern wins (`oracle.missed` over `oracle.<class>.missed`). */
export function matchMetric(name: string): MetricMatch | undefined {
  const parts = name.split('.');
  if (parts.some((p) => p === '')) return undefined;
  let best: MetricMatch | undefined;
  let best_fixed = -1;
  for (const def of METRICS) {
    const pat = def.pattern.split('.');
    const args: string[] = [];
    if (!bind(pat, parts, args)) continue;
    const fixed = pat.filter((p) => !p.startsWith('<')).length;
    if (fixed > best_fixed) {
      best = { def, args };
      best_fixed = fixed;
    }
  }
  return best;
}

// ---- comparisons --------------------------------------------------------------------------------

export interface MetricMatch {
  readonly def: MetricDef;
  readonly args: readonly string[];
}

export type Op = '=' | '!=' | '<' | '<=' | '>' | '>=';
const OPS: readonly Op[] = ['<=', '>=', '!=', '=', '<', '>'];

export interface Comparison {
  readonly metric: string;
  readonly op: Op;
  readonly value: number | string;
  /** As written, for messages. */
  readonly value_text: string;
}

/** Splits `metric op value`; undefined when there is no operator. */
export function splitComparison(text: string): { metric: string; op: Op; value_text: string } | undefined {
  // A `<placeholder>` is taken only whole, so `sla.availability>=99.5%` (no spaces) splits at `>=`
  // instead of reading `sla.availability>` as the metric.
  const m = /^\s*((?:[A-Za-z0-9_.-]|<[A-Za-z0-9_]*>)+)\s*(<=|>=|!=|==|=|<|>)\s*(.+?)\s*$/.exec(text);
  if (!m) return undefined;
  const op = (m[2] === '==' ? '=' : m[2]) as Op;
  return OPS.includes(op) ? { metric: m[1]!, op, value_text: m[3]! } : undefined;
}

/** The value of a comparison in the metric's unit; a string error when it does not fit. */
export function parseValue(unit: Unit, text: string): number | string | { error: string } {
  const t = text.trim();
  switch (unit) {
    case 'ratio': {
      const pct = /^(-?\d+(?:\.\d+)?)\s*%$/.exec(t);
      if (pct) return Number(pct[1]) / 100;
      const n = Number(t);
      return t !== '' && Number.isFinite(n) ? n : { error: `expected a ratio like "99.5%" or 0.995, got "${t}"` };
    }
    case 'ms':
      try {
        return parseDuration(t);
      } catch {
        return { error: `expected a duration like "2m" or "90s", got "${t}"` };
      }
    case 'count':
    case 'score':
    case 'money': {
      const n = Number(t);
      return t !== '' && Number.isFinite(n) ? n : { error: `expected a number, got "${t}"` };
    }
    case 'text': {
      const n = Number(t);
      return t !== '' && Number.isFinite(n) ? n : t;
    }
  }
}

export function compare(a: number | string, op: Op, b: number | string): boolean {
  if (typeof a !== typeof b) return op === '!=';
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

/** A value for people, in the metric's unit. */
export function formatValue(unit: Unit, value: number | string): string {
  if (typeof value === 'string') return value;
  switch (unit) {
    case 'ratio':
      return `${Number((value * 100).toFixed(4))}%`;
    case 'ms':
      // Milliseconds matter below ten seconds; beyond, whole seconds read better.
      return value >= 0 && Number.isSafeInteger(value) ? formatDuration(value >= 10_000 ? Math.round(value / 1000) * 1000 : value) : `${value} ms`;
    default:
      return String(Number.isInteger(value) ? value : Number(value.toFixed(4)));
  }
}
