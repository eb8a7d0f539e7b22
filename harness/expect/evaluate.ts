import type { Alert, Incident } from '../../platform/core/model.ts';
import type { Platform } from '../../platform/core/platform.ts';
import { ScopeIndex } from '../../sim/faults/scope.ts';
import { formatDuration } from '../../common/duration.ts';
import type { DeviceSet, Expectation } from './expectations.ts';
import { compare, formatValue, matchMetric, type Comparison, type RunFacts, type Unit } from './metrics.ts';
import type { OracleFault } from './oracle.ts';

/**
 * Evaluates a scenario's expectations. `always:` checks run after every lockstep step on the live
 * platform (LiveChecks); everything else is decided from the finished run's facts, which hold the
 * times of every alert and incident, so "within 2 min of onset" is judged at the moment it refers
 * to. Each result carries the measured value, so a failure says what happened, not only that
 * something did not.
 */
export type ExpectationStatus = 'passed' | 'failed' | 'skipped';

export interface ExpectationResult {
  readonly name: string;
  readonly kind: Expectation['kind'];
  readonly status: ExpectationStatus;
  /** What the run showed, for people ("99.982%", "1m 10s after onset", "none"). */
  readonly measured: string;
  /** What was asked ("≥ 99.5%", "within 2m"). */
  readonly expected: string;
  /** One line: why it passed, failed or was skipped. */
  readonly message: string;
  /** Line of the expectation in the scenario file (0 when unknown). */
  readonly line: number;
  /** Simulated time the verdict was reached (a detection, a deadline, a first violation), if it has one. */
  readonly decided_ms: number | null;
}

const OP_TEXT: Record<Comparison['op'], string> = { '=': '=', '!=': '≠', '<': '<', '<=': '≤', '>': '>', '>=': '≥' };

function expectedText(c: Comparison, unit: Unit): string {
  return `${OP_TEXT[c.op]} ${formatValue(unit, c.value)}`;
}

// ---- always: live checks ------------------------------------------------------------------------

interface LiveState {
  first_violation_ms: number | null;
  first_violation_value: number | null;
  worst: number | null;
  samples: number;
}

function liveValue(metric: string, platform: Platform): number {
  const [name, arg] = metric.split('.') as [string, string | undefined];
  switch (name) {
    case 'open_incidents':
      return platform.incidents.all().filter((i) => i.status !== 'resolved' && (arg === undefined || i.priority === arg)).length;
    case 'firing_alerts':
      return platform.alerts.active().length;
    case 'offline_devices':
      return platform.registry.stats().by_liveness.OFFLINE ?? 0;
    default:
      return Number.NaN;
  }
}

/** Checks `always:` expectations after every step; hand `step` to the runner's `on_step`. */
export class LiveChecks {
  readonly #checks: Array<{ index: number; e: Extract<Expectation, { kind: 'that' | 'always' }>; state: LiveState }>;

  constructor(expectations: readonly Expectation[]) {
    this.#checks = [];
    expectations.forEach((e, index) => {
      if (e.kind === 'always') this.#checks.push({ index, e, state: { first_violation_ms: null, first_violation_value: null, worst: null, samples: 0 } });
    });
  }

  get active(): boolean {
    return this.#checks.length > 0;
  }

  readonly step = (t_ms: number, live: { readonly platform: Platform | undefined }): void => {
    const platform = live.platform;
    if (!platform) return;
    for (const c of this.#checks) {
      const value = liveValue(c.e.comparison.metric, platform);
      const s = c.state;
      s.samples++;
      const limit = c.e.comparison.value as number;
      const lower_is_worse = c.e.comparison.op === '>' || c.e.comparison.op === '>=';
      if (s.worst === null || (lower_is_worse ? value < s.worst : value > s.worst)) s.worst = value;
      if (s.first_violation_ms === null && !compare(value, c.e.comparison.op, limit)) {
        s.first_violation_ms = t_ms;
        s.first_violation_value = value;
      }
    }
  };

  state(index: number): LiveState | undefined {
    return this.#checks.find((c) => c.index === index)?.state;
  }
}

// ---- fault checks --------------------------------------------------------------------------------

function stamp(facts: RunFacts, t: number): string {
  return `+${human(Math.max(0, t - facts.summary.start_ms))}`;
}

/** A duration for messages: whole seconds once it is over ten seconds. */
function human(ms: number): string {
  return formatValue('ms', ms);
}

function deviceSet(index: ScopeIndex, f: OracleFault, which: DeviceSet): Set<string> | null {
  if (f.scope === 'broker' || f.scope === 'platform') return which === 'targets' ? new Set() : null;
  const affected = index.affected(f.fault, f.scope, f.on);
  if (which === 'affected') return new Set(affected);
  // What the fault hits directly: its device or gateway, or the gateways of a floor/building/site.
  const direct = f.scope === 'device' || f.scope === 'gateway' ? [f.on] : index.devices(f.scope, f.on).filter((d) => d.kind === 'gateway').map((d) => d.id);
  if (which === 'targets') return new Set(f.scope === 'device' || f.scope === 'gateway' ? [f.on] : index.devices(f.scope, f.on).map((d) => d.id));
  const skip = new Set(direct);
  return new Set(affected.filter((d) => !skip.has(d)));
}

function instancesOf(facts: RunFacts, ref: string): OracleFault[] {
  return (facts.oracle?.faults ?? []).filter((f) => f.source === ref && f.applied);
}

function covers(set: Set<string> | null, d: string): boolean {
  return set === null || set.has(d);
}

function incidentCovers(i: Incident, set: Set<string> | null, f: OracleFault): boolean {
  return set === null || i.scope.id === f.on || set.has(i.scope.id) || i.device_ids.some((d) => set.has(d));
}

interface Verdict {
  status: ExpectationStatus;
  measured: string;
  message: string;
  decided_ms: number | null;
}

/** alert / incident: something matching on the fault's devices within `within` of each onset. */
function firstWithin(facts: RunFacts, index: ScopeIndex, e: Extract<Expectation, { kind: 'alert' | 'incident' }>): Verdict {
  const instances = instancesOf(facts, e.for_fault);
  if (instances.length === 0) return { status: 'skipped', measured: 'n/a', message: `fault "${e.for_fault}" did not happen in this run`, decided_ms: null };
  const end = facts.summary.end_ms;
  const latencies: number[] = [];
  let undecided = 0;
  let decided_ms: number | null = null;
  for (const f of instances) {
    const set = deviceSet(index, f, e.devices);
    const deadline = f.start_ms + e.within_ms;
    let at: number | undefined;
    if (e.kind === 'alert') {
      const types = new Set(e.types);
      at = facts.alerts.filter((a) => types.has(a.type) && covers(set, a.device_id) && a.started_ms >= f.start_ms && a.started_ms <= deadline).reduce<number | undefined>((m, a) => (m === undefined || a.started_ms < m ? a.started_ms : m), undefined);
    } else {
      const m = e.match;
      at = facts.incidents
        .filter((i) => (m.priority === undefined || i.priority === m.priority) && (m.cause === undefined || i.cause === m.cause) && (m.scope === undefined || i.scope.kind === m.scope))
        .filter((i) => i.opened_ms >= f.start_ms && i.opened_ms <= deadline && incidentCovers(i, set, f))
        .reduce<number | undefined>((mn, i) => (mn === undefined || i.opened_ms < mn ? i.opened_ms : mn), undefined);
    }
    if (at !== undefined) {
      latencies.push(at - f.start_ms);
      decided_ms = Math.max(decided_ms ?? at, at);
      continue;
    }
    if (deadline >= end) {
      undecided++;
      continue;
    }
    const what = e.kind === 'alert' ? `${e.types.join('/')} alert` : `${[e.match.priority, e.match.cause].filter(Boolean).join(' ') || 'matching'} incident`;
    return {
      status: 'failed',
      measured: 'none',
      message: `no ${what} for fault ${f.id} (${f.fault} on ${f.on}, onset ${stamp(facts, f.start_ms)}) within ${formatDuration(e.within_ms)}`,
      decided_ms: deadline,
    };
  }
  if (latencies.length === 0) return { status: 'skipped', measured: 'n/a', message: `the run ended before ${formatDuration(e.within_ms)} had passed since "${e.for_fault}" began`, decided_ms: null };
  const worst = Math.max(...latencies);
  return {
    status: 'passed',
    measured: `${human(worst)} after onset${latencies.length > 1 ? ` (worst of ${latencies.length})` : ''}`,
    message: `${latencies.length} of ${instances.length - undecided} fault(s) answered within ${formatDuration(e.within_ms)}`,
    decided_ms,
  };
}

function noAlert(facts: RunFacts, index: ScopeIndex, e: Extract<Expectation, { kind: 'no_alert' }>): Verdict {
  const instances = instancesOf(facts, e.for_fault);
  if (instances.length === 0) return { status: 'skipped', measured: 'n/a', message: `fault "${e.for_fault}" did not happen in this run`, decided_ms: null };
  const offending: Alert[] = [];
  for (const f of instances) {
    const set = deviceSet(index, f, e.devices);
    const until = (f.end_ms ?? facts.summary.end_ms) + e.within_ms;
    for (const a of facts.alerts) {
      if (e.types !== 'any' && !e.types.includes(a.type)) continue;
      if (!e.include_inhibited && a.inhibited_by !== null) continue;
      if (covers(set, a.device_id) && a.started_ms >= f.start_ms && a.started_ms <= until && !offending.includes(a)) offending.push(a);
    }
  }
  if (offending.length === 0) return { status: 'passed', measured: '0 alerts', message: `no ${e.include_inhibited ? '' : 'paging '}alert on the ${e.devices} devices of ${instances.length} fault(s)`, decided_ms: null };
  offending.sort((a, b) => a.started_ms - b.started_ms || (a.id < b.id ? -1 : 1));
  const shown = offending.slice(0, 3).map((a) => `${a.id} at ${stamp(facts, a.started_ms)}`).join(', ');
  return { status: 'failed', measured: `${offending.length} alert(s)`, message: `${offending.length} ${e.include_inhibited ? '' : 'uninhibited '}alert(s) on the ${e.devices} devices: ${shown}${offending.length > 3 ? ', …' : ''}`, decided_ms: offending[0]!.started_ms };
}

// ---- everything -----------------------------------------------------------------------------------

function thatCheck(facts: RunFacts, e: Extract<Expectation, { kind: 'that' | 'always' }>): Verdict {
  const m = matchMetric(e.comparison.metric);
  if (!m) return { status: 'failed', measured: 'n/a', message: `unknown metric "${e.comparison.metric}"`, decided_ms: null };
  const got = m.def.get(facts, m.args);
  if ('none' in got) return { status: got.verdict === 'skip' ? 'skipped' : 'failed', measured: 'none', message: got.none, decided_ms: null };
  const ok = compare(got.value, e.comparison.op, e.comparison.value);
  const measured = formatValue(m.def.unit, got.value);
  return { status: ok ? 'passed' : 'failed', measured, message: `${e.comparison.metric} = ${measured}, expected ${expectedText(e.comparison, m.def.unit)}`, decided_ms: null };
}

function alwaysCheck(e: Extract<Expectation, { kind: 'that' | 'always' }>, facts: RunFacts, state: LiveState | undefined): Verdict {
  if (!state || state.samples === 0) return { status: 'skipped', measured: 'n/a', message: 'never sampled (no platform in the loop, or no lockstep step ran)', decided_ms: null };
  const unit = e.unit;
  if (state.first_violation_ms !== null) {
    return {
      status: 'failed',
      measured: formatValue(unit, state.first_violation_value!),
      message: `${e.comparison.metric} was ${formatValue(unit, state.first_violation_value!)} at ${stamp(facts, state.first_violation_ms)}, expected always ${expectedText(e.comparison, unit)} (worst ${formatValue(unit, state.worst!)})`,
      decided_ms: state.first_violation_ms,
    };
  }
  return { status: 'passed', measured: `worst ${formatValue(unit, state.worst!)}`, message: `held at all ${state.samples} step ends`, decided_ms: null };
}

export function evaluateExpectations(expectations: readonly Expectation[], facts: RunFacts, index: ScopeIndex, live?: LiveChecks): ExpectationResult[] {
  return expectations.map((e, i) => {
    let v: Verdict;
    let expected: string;
    switch (e.kind) {
      case 'that':
        v = thatCheck(facts, e);
        expected = expectedText(e.comparison, e.unit);
        break;
      case 'always':
        v = alwaysCheck(e, facts, live?.state(i));
        expected = `always ${expectedText(e.comparison, e.unit)}`;
        break;
      case 'alert':
      case 'incident':
        v = facts.oracle === null ? { status: 'skipped', measured: 'n/a', message: 'the run had no platform in the loop', decided_ms: null } : firstWithin(facts, index, e);
        expected = `within ${formatDuration(e.within_ms)}`;
        break;
      case 'no_alert':
        v = facts.oracle === null ? { status: 'skipped', measured: 'n/a', message: 'the run had no platform in the loop', decided_ms: null } : noAlert(facts, index, e);
        expected = '0 alerts';
        break;
    }
    return { name: e.name, kind: e.kind, status: v.status, measured: v.measured, expected, message: v.message, line: e.line, decided_ms: v.decided_ms };
  });
}

export function expectationsPassed(results: readonly ExpectationResult[]): boolean {
  return results.every((r) => r.status !== 'failed');
}
