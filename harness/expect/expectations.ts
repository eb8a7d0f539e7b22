import { FAULT_CLASSES } from '../../sim/faults/catalog.ts';
import { modelIds } from '../../sim/devices/models.ts';
import type { Portfolio } from '../../sim/world/topology.ts';
import { didYouMean } from '../scenario/did-you-mean.ts';
import { formatDuration } from '../../common/duration.ts';
import type { AddIssue } from '../scenario/errors.ts';
import { matchMetric, METRICS, parseValue, splitComparison, type Comparison, type Unit } from './metrics.ts';
import { ALERT_TYPES, EXPECTATION_KINDS, PRIORITIES, type ExpectationFile } from './schema.ts';

/**
 * Expectations resolved from the scenario file: each has a name (given, or made from what it
 * checks), its source line for reports, and its parsed comparison or fault check.
 */
export type DeviceSet = 'targets' | 'affected' | 'behind';

interface Common {
  readonly name: string;
  /** Line of the entry in the scenario file (0 when unknown). */
  readonly line: number;
}

export type Expectation =
  | (Common & { readonly kind: 'that' | 'always'; readonly comparison: Comparison; readonly unit: Unit })
  | (Common & { readonly kind: 'alert'; readonly types: readonly string[]; readonly for_fault: string; readonly within_ms: number; readonly devices: DeviceSet })
  | (Common & { readonly kind: 'incident'; readonly match: { readonly priority?: string; readonly cause?: string; readonly scope?: string }; readonly for_fault: string; readonly within_ms: number; readonly devices: DeviceSet })
  | (Common & { readonly kind: 'no_alert'; readonly types: readonly string[] | 'any'; readonly for_fault: string; readonly within_ms: number; readonly devices: DeviceSet; readonly include_inhibited: boolean });

/** How long after a fault ends a `no_alert` check still looks, unless `within` says otherwise. */
export const NO_ALERT_TAIL_MS = 15 * 60_000;

const list = (x: string | readonly string[]): readonly string[] => (typeof x === 'string' ? [x] : x);

function kindOf(e: ExpectationFile): (typeof EXPECTATION_KINDS)[number] {
  return EXPECTATION_KINDS.find((k) => e[k] !== undefined)!;
}

function incidentMatch(m: NonNullable<ExpectationFile['incident']>): { priority?: string; cause?: string; scope?: string } {
  return typeof m === 'string' ? { priority: m } : { ...m };
}

export function resolveExpectations(files: readonly ExpectationFile[] | undefined, lines: readonly number[] = []): Expectation[] {
  return (files ?? []).map((e, i) => {
    const line = lines[i] ?? 0;
    const kind = kindOf(e);
    switch (kind) {
      case 'that':
      case 'always': {
        const text = (kind === 'that' ? e.that : e.always)!;
        const s = splitComparison(text)!;
        const m = matchMetric(s.metric)!;
        const value = parseValue(m.def.unit, s.value_text) as number | string;
        return { kind, name: e.name ?? `${kind} ${text.trim()}`, line, unit: m.def.unit, comparison: { metric: s.metric, op: s.op, value, value_text: s.value_text } };
      }
      case 'alert': {
        const types = list(e.alert!);
        return { kind, name: e.name ?? `${types.join('/')} alert within ${formatDuration(e.within!)} of ${e.for_fault}`, line, types, for_fault: e.for_fault!, within_ms: e.within!, devices: e.devices ?? 'affected' };
      }
      case 'incident': {
        const match = incidentMatch(e.incident!);
        const what = [match.priority, match.cause, match.scope && `${match.scope}-scope`].filter(Boolean).join(' ');
        return { kind, name: e.name ?? `${what || 'an'} incident within ${formatDuration(e.within!)} of ${e.for_fault}`, line, match, for_fault: e.for_fault!, within_ms: e.within!, devices: e.devices ?? 'affected' };
      }
      case 'no_alert': {
        const types = e.no_alert === 'any' ? 'any' : list(e.no_alert!);
        const devices = e.devices ?? 'behind';
        return {
          kind,
          name: e.name ?? `no ${types === 'any' ? '' : `${types.join('/')} `}alert on the devices ${devices === 'behind' ? 'behind' : devices === 'targets' ? 'hit by' : 'affected by'} ${e.for_fault}`,
          line,
          types,
          for_fault: e.for_fault!,
          within_ms: e.within ?? NO_ALERT_TAIL_MS,
          devices,
          include_inhibited: e.include_inhibited ?? false,
        };
      }
    }
  });
}

// ---- checks against the scenario ----------------------------------------------------------------

export interface ExpectationCheckInput {
  readonly portfolio: Portfolio;
  /** Timeline step ids → action, and fault process ids. */
  readonly steps: ReadonlyMap<string, string>;
  readonly processes: ReadonlySet<string>;
  readonly rollout_ids: ReadonlySet<string>;
}

const DROP_REASONS = ['radio_loss', 'parent_down', 'outbox_full', 'reboot'];

function domains(input: ExpectationCheckInput): Record<string, readonly string[]> {
  return {
    priority: PRIORITIES,
    class: FAULT_CLASSES.map((c) => c.name),
    alert: ALERT_TYPES,
    site: input.portfolio.sites.map((s) => s.id),
    building: input.portfolio.sites.flatMap((s) => s.buildings.map((b) => b.id)),
    model: modelIds(),
    reason: DROP_REASONS,
    rollout: [...input.rollout_ids],
    field: ['state', 'committed', 'failed', 'bricked', 'rolled_back', 'halted_at_wave', 'halt_reason'],
  };
}

/** Every concrete metric name (placeholders expanded), for did-you-mean. */
function concreteNames(d: Record<string, readonly string[]>, live: boolean): string[] {
  const out: string[] = [];
  for (const def of METRICS) {
    if ((def.live === true) !== live) continue;
    let names = [''];
    for (const seg of def.pattern.split('.')) {
      const values = seg.startsWith('<') ? (d[seg.slice(1, -1)] ?? []) : [seg];
      names = names.flatMap((n) => values.map((v) => (n === '' ? v : `${n}.${v}`)));
      if (names.length > 20_000) break;
    }
    out.push(...names);
  }
  return out;
}

function checkComparison(text: string, live: boolean, d: Record<string, readonly string[]>, path: ReadonlyArray<string | number>, add: AddIssue): void {
  const s = splitComparison(text);
  if (!s) {
    add(path, `expected "<metric> <op> <value>" such as "sla.availability >= 99.5%", got ${JSON.stringify(text)}`);
    return;
  }
  const m = matchMetric(s.metric);
  if (!m || (m.def.live === true) !== live) {
    const hint = didYouMean(s.metric, concreteNames(d, live));
    const other = m !== undefined ? (live ? ' ("always:" takes live metrics: open_incidents, firing_alerts, offline_devices)' : ' (a live metric: use "always:")') : '';
    add(path, `unknown metric "${s.metric}"${hint !== undefined ? ` (did you mean "${hint}"?)` : other}`);
    return;
  }
  const pats = m.def.pattern.split('.').filter((p) => p.startsWith('<')).map((p) => p.slice(1, -1));
  for (const [i, name] of pats.entries()) {
    const arg = m.args[i]!;
    const allowed = d[name];
    if (allowed === undefined || allowed.includes(arg)) continue;
    // Rollout ids are only known to scenarios that define rollouts.
    const hint = didYouMean(arg, allowed);
    add(path, allowed.length === 0 && name === 'rollout'
      ? `unknown rollout "${arg}": this scenario defines no rollouts (the "rollouts:" section)`
      : `unknown ${name} "${arg}" in metric "${s.metric}"${hint !== undefined ? ` (did you mean "${hint}"?)` : ''}`);
    return;
  }
  const value = parseValue(m.def.unit, s.value_text);
  if (typeof value === 'object') add(path, `${s.metric}: ${value.error}`);
  else if (typeof value === 'string' && !['=', '!='].includes(s.op)) add(path, `${s.metric}: "${s.op}" compares numbers; a word can only be compared with = or !=`);
}

export function checkExpectations(files: readonly ExpectationFile[], input: ExpectationCheckInput, add: AddIssue): void {
  const d = domains(input);
  files.forEach((e, i) => {
    const path = ['expect', i];
    const kind = kindOf(e);
    if (kind === 'that' || kind === 'always') {
      checkComparison((kind === 'that' ? e.that : e.always)!, kind === 'always', d, [...path, kind], add);
      return;
    }
    const ref = e.for_fault!;
    const action = input.steps.get(ref);
    if (action === undefined && !input.processes.has(ref)) {
      const hint = didYouMean(ref, [...input.steps.keys(), ...input.processes]);
      add([...path, 'for_fault'], `no timeline step or fault process "${ref}"${hint !== undefined ? ` (did you mean "${hint}"?)` : ''}`);
    } else if (action !== undefined && action !== 'fault.inject' && action !== 'outage.start') {
      add([...path, 'for_fault'], `"${ref}" is a ${action} step; ${kind} checks are about fault.inject or outage.start steps`);
    }
  });
}
