import { SimError } from '../kernel/errors.ts';
import { RngTree } from '../kernel/rng.ts';
import type { DeviceSpec, Portfolio } from '../world/topology.ts';
import { faultClass, withDefaults, type FaultClass, type FaultScope } from './catalog.ts';
import { isBatteryPowered, isRadio, selectDevices, type Selector } from './selector.ts';

/**
 * A run's fault plan: the timeline and the random fault processes, compiled before the run into
 * plain data — every fault instance with its class, target and interval, every other action with
 * its time and devices. The plan is a function of the scenario, the seed and the run's span only,
 * so it is the ground truth the oracle scores against (the trace's `fault` lines restate it).
 */

/** What a timeline step does (docs/scenarios.md "timeline"). */
export type StepAction =
  | { readonly action: 'fault.inject'; readonly fault: string; readonly target: Selector; readonly for_ms?: number; readonly with: Readonly<Record<string, number>> }
  | { readonly action: 'fault.clear'; readonly ref: string }
  | { readonly action: 'outage.start'; readonly outage: string; readonly target: Selector; readonly for_ms?: number; readonly with: Readonly<Record<string, number>> }
  | { readonly action: 'outage.stop'; readonly ref: string }
  | { readonly action: 'rollout.start' | 'rollout.resume'; readonly rollout: string }
  | { readonly action: 'rollout.pause' | 'rollout.cancel'; readonly rollout: string; readonly reason: string }
  | { readonly action: 'setpoint'; readonly target: Selector; readonly setpoint_c: number | null }
  | { readonly action: 'schedule'; readonly target: Selector; readonly schedule: string }
  | { readonly action: 'operator.ack' | 'operator.resolve'; readonly target?: Selector; readonly by: string }
  | { readonly action: 'operator.repair'; readonly target: Selector; readonly by: string };

export type ActionName = StepAction['action'];

export type TimelineStep = StepAction & {
  readonly id: string;
  /** Offset from the run's start. */
  readonly at_ms: number;
  /** Repeat every this long (absent = once). */
  readonly every_ms?: number;
  /** Stop repeating at this offset (exclusive); default the run's end. */
  readonly until_ms?: number;
  /** At most this many occurrences. */
  readonly times?: number;
};

/** A random fault process: each matching device fails after Exp(mtbf) and recovers after Exp(mttr), over and over. */
export interface FaultProcess {
  readonly id: string;
  readonly fault: string;
  readonly target: Selector;
  readonly mtbf_ms: number;
  readonly mttr_ms: number;
  readonly with: Readonly<Record<string, number>>;
}

export interface FaultInstance {
  /** Unique in the plan: `<step>`, `<step>#<n>` for repetitions, `/<target>` when a step hits several. */
  readonly id: string;
  readonly fault: string;
  readonly scope: FaultScope;
  /** Device, gateway, floor, building or site id; `broker` or `platform`. */
  readonly on: string;
  /** Absolute epoch ms. */
  readonly start_ms: number;
  /** Absolute epoch ms; null = until the run ends. */
  readonly end_ms: number | null;
  readonly params: Readonly<Record<string, number>>;
  /** The timeline step or process it came from. */
  readonly source: string;
}

/** A timeline action that is not a fault: setpoints, schedules, operator actions, rollouts. */
export type PlannedAction = Exclude<StepAction, { action: 'fault.inject' | 'fault.clear' | 'outage.start' | 'outage.stop' }> & {
  readonly id: string;
  readonly at_ms: number;
  /** Resolved targets (sorted); empty for actions without a target. */
  readonly devices: readonly string[];
};

/** An action on the platform rather than on devices: rollout control, acknowledging or resolving incidents. */
export type PlatformAction = Extract<PlannedAction, { action: 'rollout.start' | 'rollout.resume' | 'rollout.pause' | 'rollout.cancel' | 'operator.ack' | 'operator.resolve' }>;

/**
 * Whether the harness, not the simulator, carries `a` out: it acts on the platform, which a shard
 * does not hold (docs/scenarios.md, "Actions on the platform").
 */
export function isPlatformAction(a: PlannedAction): a is PlatformAction {
  return a.action.startsWith('rollout.') || a.action === 'operator.ack' || a.action === 'operator.resolve';
}

export interface FaultPlan {
  /** Sorted by (start, id). */
  readonly faults: readonly FaultInstance[];
  /** Sorted by (at, id). */
  readonly actions: readonly PlannedAction[];
}

export interface PlanInput {
  readonly portfolio: Portfolio;
  readonly seed: string;
  readonly start_ms: number;
  readonly end_ms: number;
  readonly steps: readonly TimelineStep[];
  readonly processes?: readonly FaultProcess[];
}

/** Bounds: a runaway `every: 1s` or `mtbf: 1m` fails loudly instead of filling memory. */
export const MAX_OCCURRENCES_PER_STEP = 10_000;
export const MAX_FAULT_INSTANCES = 200_000;
const MIN_PROCESS_INTERVAL_MS = 60_000;

export class PlanError extends SimError {
  constructor(message: string) {
    super('SIM_BOUND_EXCEEDED', message);
  }
}

/** Devices the class can act on, from a selection. */
export function applicable(cls: FaultClass, devices: readonly DeviceSpec[]): DeviceSpec[] {
  return devices.filter((d) => (cls.kinds === null || cls.kinds.includes(d.kind)) && (!cls.battery_only || isBatteryPowered(d)) && (!cls.radio_only || isRadio(d)));
}

/** The scope ids a selection covers for a class: devices, gateways, floors, buildings or sites. */
export function scopeTargets(cls: FaultClass, selected: readonly DeviceSpec[]): string[] {
  const devices = applicable(cls, selected);
  const ids = new Set<string>();
  for (const d of devices) {
    switch (cls.scope) {
      case 'device':
      case 'gateway':
        ids.add(d.id);
        break;
      case 'floor':
        ids.add(d.floor_id);
        break;
      case 'building':
        ids.add(d.building_id);
        break;
      case 'site':
        ids.add(d.site_id);
        break;
      case 'broker':
        ids.add('broker');
        break;
      case 'platform':
        ids.add('platform');
        break;
    }
  }
  // The broker and the platform need no target: a step without one still means "the" broker.
  if (cls.scope === 'broker' && ids.size === 0) ids.add('broker');
  if (cls.scope === 'platform' && ids.size === 0) ids.add('platform');
  return [...ids].sort();
}

/** Occurrence times (absolute) of a step, bounded. */
export function occurrences(step: Pick<TimelineStep, 'id' | 'at_ms' | 'every_ms' | 'until_ms' | 'times'>, start_ms: number, end_ms: number): number[] {
  const out: number[] = [];
  const stop = Math.min(end_ms, start_ms + (step.until_ms ?? Number.MAX_SAFE_INTEGER - start_ms));
  const limit = step.times ?? (step.every_ms === undefined ? 1 : Number.MAX_SAFE_INTEGER);
  for (let t = start_ms + step.at_ms; t < stop && out.length < limit; t += step.every_ms ?? Number.MAX_SAFE_INTEGER) {
    out.push(t);
    if (out.length > MAX_OCCURRENCES_PER_STEP) throw new PlanError(`timeline step "${step.id}" repeats more than ${MAX_OCCURRENCES_PER_STEP} times; use a longer "every" or "times"`);
    if (step.every_ms === undefined) break;
  }
  return out;
}

interface MutableInstance {
  id: string;
  fault: string;
  scope: FaultScope;
  on: string;
  start_ms: number;
  end_ms: number | null;
  params: Readonly<Record<string, number>>;
  source: string;
}

function byStart(a: { start_ms: number; id: string }, b: { start_ms: number; id: string }): number {
  return a.start_ms - b.start_ms || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function active(f: MutableInstance, t: number): boolean {
  return f.start_ms <= t && (f.end_ms === null || f.end_ms > t);
}

export function compilePlan(input: PlanInput): FaultPlan {
  const { portfolio, start_ms, end_ms } = input;
  const faults: MutableInstance[] = [];
  const actions: PlannedAction[] = [];
  const ends: Array<{ at: number; order: number; apply: () => void }> = [];
  const push = (f: MutableInstance): void => {
    faults.push(f);
    if (faults.length > MAX_FAULT_INSTANCES) throw new PlanError(`the timeline and fault processes inject more than ${MAX_FAULT_INSTANCES} faults`);
  };

  input.steps.forEach((step, order) => {
    const times = occurrences(step, start_ms, end_ms);
    const repeated = step.every_ms !== undefined;
    times.forEach((at, n) => {
      const base = repeated ? `${step.id}#${n + 1}` : step.id;
      switch (step.action) {
        case 'fault.inject':
        case 'outage.start': {
          const name = step.action === 'fault.inject' ? step.fault : step.outage;
          const cls = faultClass(name);
          if (!cls) throw new SimError('SIM_INVALID_ARGUMENT', `timeline step "${step.id}": unknown fault class "${name}"`);
          const targets = scopeTargets(cls, selectDevices(portfolio, step.target, step.id));
          const params = withDefaults(cls, step.with);
          for (const on of targets) {
            const spec = cls.default_for && step.for_ms === undefined ? portfolio.devices.find((d) => d.id === on) : undefined;
            const for_ms = step.for_ms ?? (spec && cls.default_for ? cls.default_for(spec) : undefined);
            push({
              id: targets.length === 1 ? base : `${base}/${on}`,
              fault: cls.name,
              scope: cls.scope,
              on,
              start_ms: at,
              end_ms: for_ms === undefined ? null : at + for_ms,
              params,
              source: step.id,
            });
          }
          break;
        }
        case 'fault.clear':
        case 'outage.stop': {
          const ref = step.ref;
          ends.push({ at, order, apply: () => {
            for (const f of faults) if (f.source === ref && active(f, at)) f.end_ms = at;
          } });
          break;
        }
        default: {
          const target = 'target' in step ? step.target : undefined;
          const devices = target === undefined ? [] : selectDevices(portfolio, target, step.id).map((d) => d.id);
          const { id: _id, at_ms: _at, every_ms: _every, until_ms: _until, times: _times, ...action } = step;
          actions.push({ ...(action as PlannedAction), id: base, at_ms: at, devices });
          if (step.action === 'operator.repair') {
            // A technician's visit ends the device faults on what they repaired.
            const fixed = new Set(devices);
            ends.push({ at, order, apply: () => {
              for (const f of faults) if (f.scope === 'device' && fixed.has(f.on) && active(f, at)) f.end_ms = at;
            } });
          }
        }
      }
    });
  });

  for (const p of input.processes ?? []) {
    const cls = faultClass(p.fault);
    if (!cls) throw new SimError('SIM_INVALID_ARGUMENT', `fault process "${p.id}": unknown fault class "${p.fault}"`);
    const params = withDefaults(cls, p.with);
    const rngs = new RngTree(input.seed);
    for (const on of scopeTargets(cls, selectDevices(portfolio, p.target, p.id))) {
      // One stream per (process, target): adding a device or a process never shifts another's faults.
      const rng = rngs.get(`faults/process/${p.id}/${on}`);
      let t = start_ms;
      for (let n = 1; ; n++) {
        t += Math.max(MIN_PROCESS_INTERVAL_MS, Math.round(rng.exponential(p.mtbf_ms)));
        if (t >= end_ms) break;
        const duration_ms = Math.max(MIN_PROCESS_INTERVAL_MS, Math.round(rng.exponential(p.mttr_ms)));
        push({ id: `${p.id}/${on}#${n}`, fault: cls.name, scope: cls.scope, on, start_ms: t, end_ms: t + duration_ms, params, source: p.id });
        t += duration_ms;
      }
    }
  }

  // Clears apply in time order (then file order), each to what is active at its moment.
  ends.sort((a, b) => a.at - b.at || a.order - b.order);
  for (const e of ends) e.apply();

  faults.sort(byStart);
  const ids = new Set<string>();
  for (const f of faults) {
    if (ids.has(f.id)) throw new SimError('SIM_INVALID_ARGUMENT', `two faults share the id "${f.id}"`);
    ids.add(f.id);
  }
  actions.sort((a, b) => a.at_ms - b.at_ms || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { faults: faults.map((f) => ({ ...f })), actions };
}
