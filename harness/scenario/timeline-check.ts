import type { DeviceKind } from '../../platform/contract/messages.ts';
import { faultClass, type FaultClass } from '../../sim/faults/catalog.ts';
import { applicable, scopeTargets } from '../../sim/faults/plan.ts';
import { SELECTOR_KEYS, selectDevices, selectorValues, type Selector } from '../../sim/faults/selector.ts';
import type { FleetSpec } from '../../sim/world/fleet-spec.ts';
import { generatePortfolio } from '../../sim/world/generate.ts';
import type { Portfolio } from '../../sim/world/topology.ts';
import { checkExpectations } from '../expect/expectations.ts';
import type { ExpectationFile } from '../expect/schema.ts';
import { didYouMean } from './did-you-mean.ts';
import type { SemanticIssue } from './load-yaml.ts';
import type { FaultProcessFile, TimelineStepFile } from './timeline-schema.ts';
import { offsetOf, paramValue, processId, stepId, stepTimezone, toSelector, type TimeContext } from './timeline.ts';

/**
 * Checks of a structurally valid timeline against the fleet it will run on: every target exists
 * (with a did-you-mean), selects something the action applies to, references resolve, parameters
 * fit their fault class and local times are real and not before the start. Problems are reported
 * through `add(path, message)`, which the loader turns into `file:line:col: message`.
 */
export type { AddIssue } from './errors.ts';
import type { AddIssue } from './errors.ts';

export interface TimelineCheckInput extends TimeContext {
  readonly timeline: readonly TimelineStepFile[];
  readonly processes: readonly FaultProcessFile[];
  /** Rollout ids the scenario defines (the `rollouts:` section), whatever its shape. */
  readonly rollout_ids: ReadonlySet<string>;
}

function countKinds(kinds: readonly DeviceKind[]): string {
  const counts = new Map<string, number>();
  for (const k of kinds) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, n]) => `${n} ${k}`).join(', ');
}

function wantedKinds(cls: FaultClass): string {
  const kinds = cls.kinds === null ? 'device' : cls.kinds.join(' or ');
  return `${cls.battery_only ? 'battery-powered ' : ''}${cls.radio_only ? 'radio ' : ''}${kinds}`;
}

/** Every selector value must name something in the fleet. */
function checkSelector(portfolio: Portfolio, selector: Selector, path: ReadonlyArray<string | number>, raw: Record<string, unknown>, add: AddIssue): boolean {
  let ok = true;
  for (const key of SELECTOR_KEYS) {
    const wanted = selector[key];
    if (wanted === undefined || key === 'kind') continue;
    const known = new Set<string>();
    for (const d of portfolio.devices) for (const v of selectorValues(d, key)) known.add(v);
    wanted.forEach((value, i) => {
      if (known.has(value)) return;
      ok = false;
      const hint = didYouMean(value, [...known]);
      const where = typeof raw[key] === 'string' ? [...path, key] : [...path, key, i];
      add(where, `no ${key === 'behind' ? 'gateway' : key} "${value}" in the fleet${hint === undefined ? '' : ` (did you mean "${hint}"?)`}`);
    });
  }
  return ok;
}

function checkTime(ctx: TimeContext, t: { local: string } | { offset_ms: number }, tz: string, path: ReadonlyArray<string | number>, add: AddIssue): void {
  if (!('local' in t)) return;
  const offset = offsetOf(ctx, t, tz);
  if (Number.isNaN(offset)) add(path, `"${t.local}" is not a real local date-time`);
  else if (offset < 0) add(path, `"${t.local}" (${tz}) is before the run starts`);
}

function checkParams(cls: FaultClass, given: Record<string, number | string> | undefined, path: ReadonlyArray<string | number>, add: AddIssue): void {
  for (const [name, value] of Object.entries(given ?? {})) {
    const spec = Object.hasOwn(cls.params, name) ? cls.params[name] : undefined;
    if (!spec) {
      const names = Object.keys(cls.params);
      const hint = didYouMean(name, names);
      add([...path, name], `${cls.name} has no parameter "${name}"${hint !== undefined ? ` (did you mean "${hint}"?)` : names.length ? ` (it takes ${names.join(', ')})` : ' (it takes none)'}`);
      continue;
    }
    const v = paramValue(cls, name, value);
    const unit = spec.unit === 'duration' ? 'a duration like "90s" or "5m"' : spec.unit === 'percent' ? 'a percentage (0–100)' : 'a number';
    if (v === undefined) add([...path, name], `expected ${unit}, got ${JSON.stringify(value)}`);
    else if (v < spec.min || v > spec.max) add([...path, name], `must be between ${spec.min} and ${spec.max}${spec.unit === 'duration' ? ' ms' : ''}, got ${v}`);
  }
}

export function checkTimeline(input: TimelineCheckInput, add: AddIssue): void {
  const { portfolio } = input;
  const ids = new Map<string, { index: number; action: string }>();
  input.timeline.forEach((step, i) => {
    const id = stepId(step, i);
    const prev = ids.get(id);
    if (prev !== undefined) add(['timeline', i, 'id'], `duplicate step id "${id}" (also timeline[${prev.index}])`);
    else ids.set(id, { index: i, action: step.action });
  });

  input.timeline.forEach((step, i) => {
    const path = ['timeline', i];
    const id = stepId(step, i);
    const target = 'target' in step && step.target !== undefined ? toSelector(step.target) : undefined;
    const tz = stepTimezone(input, target, id);
    checkTime(input, step.at, tz, [...path, 'at'], add);
    if (step.until !== undefined) checkTime(input, step.until, tz, [...path, 'until'], add);
    if ((step.until !== undefined || step.times !== undefined) && step.every === undefined) add([...path, step.until !== undefined ? 'until' : 'times'], '"until" and "times" only make sense with "every"');
    const targetOk = target === undefined || checkSelector(portfolio, target, [...path, 'target'], ('target' in step ? step.target : undefined) as Record<string, unknown>, add);

    switch (step.action) {
      case 'fault.inject':
      case 'outage.start': {
        const cls = faultClass(step.action === 'fault.inject' ? step.fault : step.outage)!;
        checkParams(cls, step.with, [...path, 'with'], add);
        if (!targetOk) break;
        const needsTarget = cls.scope !== 'broker' && cls.scope !== 'platform';
        if (needsTarget && target === undefined) {
          add(path, `${cls.name} needs a target (e.g. target: { ${cls.scope === 'gateway' || cls.scope === 'device' ? 'device' : cls.scope}: … })`);
          break;
        }
        if (!needsTarget) break;
        const selected = selectDevices(portfolio, target!, id);
        if (scopeTargets(cls, selected).length === 0) {
          const what = selected.length === 0 ? 'selects no device' : `selects ${selected.length} devices (${countKinds(selected.map((d) => d.kind))}) but no ${wantedKinds(cls)}`;
          add([...path, 'target'], `${what}; ${cls.name} applies to ${wantedKinds(cls)}s`);
        }
        break;
      }
      case 'fault.clear':
      case 'outage.stop': {
        const ref = ids.get(step.ref);
        const wanted = step.action === 'fault.clear' ? 'fault.inject' : 'outage.start';
        if (ref === undefined) {
          const hint = didYouMean(step.ref, [...ids.keys()]);
          add([...path, 'ref'], `no timeline step "${step.ref}"${hint !== undefined ? ` (did you mean "${hint}"?)` : ''}`);
        } else if (ref.action !== wanted) {
          add([...path, 'ref'], `"${step.ref}" is a ${ref.action} step; ${step.action} ends ${wanted === 'fault.inject' ? 'a fault.inject' : 'an outage.start'} step`);
        }
        break;
      }
      case 'rollout.start':
      case 'rollout.resume':
      case 'rollout.pause':
      case 'rollout.cancel':
        if (!input.rollout_ids.has(step.rollout)) {
          const hint = didYouMean(step.rollout, [...input.rollout_ids]);
          add([...path, 'rollout'], input.rollout_ids.size === 0
            ? `unknown rollout "${step.rollout}": this scenario defines no rollouts (the "rollouts:" section)`
            : `unknown rollout "${step.rollout}"${hint !== undefined ? ` (did you mean "${hint}"?)` : ''}`);
        }
        break;
      case 'setpoint':
      case 'schedule':
        if (targetOk && !selectDevices(portfolio, target!, id).some((d) => d.kind === 'hvac')) add([...path, 'target'], `selects no HVAC controller; ${step.action} changes HVAC controllers`);
        break;
      case 'operator.repair':
      case 'operator.ack':
      case 'operator.resolve':
        if (targetOk && target !== undefined && selectDevices(portfolio, target, id).length === 0) add([...path, 'target'], 'selects no device');
        break;
    }
  });

  const pids = new Set<string>();
  input.processes.forEach((p, i) => {
    const path = ['fault_processes', i];
    const id = processId(p, i);
    if (pids.has(id) || ids.has(id)) add([...path, 'id'], `duplicate id "${id}" (timeline steps and fault processes share ids)`);
    pids.add(id);
    const cls = faultClass(p.fault)!;
    checkParams(cls, p.with, [...path, 'with'], add);
    const target = toSelector(p.target);
    if (!checkSelector(portfolio, target, [...path, 'target'], p.target as Record<string, unknown>, add)) return;
    const selected = selectDevices(portfolio, target, id);
    if (applicable(cls, selected).length === 0) add([...path, 'target'], `selects no ${wantedKinds(cls)}; ${cls.name} applies to ${wantedKinds(cls)}s`);
  });
}

// ---- the whole scenario ----------------------------------------------------------------------

/** What the reference checks read from a parsed scenario file (a structural subset of ScenarioFile). */
export interface CheckableScenario {
  readonly name: string;
  readonly fleet: FleetSpec;
  readonly faults?: ReadonlyArray<{ readonly kind: string }> | undefined;
  readonly timeline?: readonly TimelineStepFile[] | undefined;
  readonly fault_processes?: readonly FaultProcessFile[] | undefined;
  readonly expect?: readonly ExpectationFile[] | undefined;
  readonly rollouts?: ReadonlyArray<{ readonly id: string }> | undefined;
}

/**
 * Checks the timeline, fault processes and expectations against the fleet they run on. Returns
 * nothing (and generates no fleet) for a scenario without them; a fleet that cannot be generated
 * is left for the run to report.
 */
export function checkScenarioReferences(raw: CheckableScenario, start_timezone: string, start_ms: number): SemanticIssue[] {
  if (raw.timeline === undefined && raw.fault_processes === undefined && raw.expect === undefined) return [];
  let portfolio: Portfolio;
  try {
    portfolio = generatePortfolio(raw.name, raw.fleet);
  } catch {
    return [];
  }
  const issues: SemanticIssue[] = [];
  const add: AddIssue = (path, message) => issues.push({ path: [...path], message });
  const rollout_ids = new Set((raw.rollouts ?? []).map((r) => r.id));
  const timeline = raw.timeline ?? [];
  const processes = raw.fault_processes ?? [];
  checkTimeline({ portfolio, start_ms, start_timezone, timeline, processes, rollout_ids }, add);
  const steps = new Map<string, string>();
  (raw.faults ?? []).forEach((f, i) => steps.set(`fault-${i + 1}`, f.kind === 'gateway_down' ? 'outage.start' : 'fault.inject'));
  timeline.forEach((s, i) => steps.set(stepId(s, i), s.action));
  checkExpectations(raw.expect ?? [], { portfolio, steps, processes: new Set(processes.map((p, i) => processId(p, i))), rollout_ids }, add);
  return issues;
}
