import { faultClass, type FaultClass } from '../../sim/faults/catalog.ts';
import type { FaultProcess, StepAction, TimelineStep } from '../../sim/faults/plan.ts';
import { SELECTOR_KEYS, selectDevices, type Selector } from '../../sim/faults/selector.ts';
import { zonedToUtcMs } from '../../platform/contract/local-time.ts';
import type { Portfolio } from '../../sim/world/topology.ts';
import { parseDuration } from '../../common/duration.ts';
import type { FaultProcessFile, SelectorFile, StepTime, TimelineStepFile } from './timeline-schema.ts';

/**
 * Turns the validated `timeline:` and `fault_processes:` sections into the simulator's plan input:
 * selectors as lists, times as offsets from the run's start (a site-local date-time is read in the
 * timezone of the one site the step targets, else in the scenario's start timezone), default ids
 * (`t<n>` by position, `p<n>` for processes) and parameters in their units.
 */
export interface TimelineSpec {
  readonly steps: readonly TimelineStep[];
  readonly processes: readonly FaultProcess[];
}

const list = <T extends string>(v: T | readonly T[] | undefined): readonly T[] | undefined => (v === undefined ? undefined : typeof v === 'string' ? [v] : v);

export function toSelector(s: SelectorFile | undefined): Selector {
  if (s === undefined) return {};
  const out: Record<string, unknown> = {};
  for (const key of SELECTOR_KEYS) {
    const v = list(s[key] as string | string[] | undefined);
    if (v !== undefined) out[key] = v;
  }
  if (s.percent !== undefined) out.percent = s.percent;
  return out as Selector;
}

export function stepId(step: { id?: string | undefined }, index: number): string {
  return step.id ?? `t${index + 1}`;
}

export function processId(p: { id?: string | undefined }, index: number): string {
  return p.id ?? `p${index + 1}`;
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})$/;

/** A local date-time as epoch ms in `timezone`; undefined when it is no real date-time. */
export function localToMs(text: string, timezone: string): number | undefined {
  const m = LOCAL.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > days || h > 23 || mi > 59) return undefined;
  return zonedToUtcMs(timezone, y, mo, d, h, mi);
}

export interface TimeContext {
  readonly portfolio: Portfolio;
  readonly start_ms: number;
  readonly start_timezone: string;
}

/** The timezone a step's local times are read in: its one target site's, or the start timezone. */
export function stepTimezone(ctx: TimeContext, target: Selector | undefined, salt: string): string {
  if (target === undefined || Object.keys(target).length === 0) return ctx.start_timezone;
  const sites = new Set(selectDevices(ctx.portfolio, target, salt).map((d) => d.site_id));
  if (sites.size !== 1) return ctx.start_timezone;
  const site = ctx.portfolio.sites.find((s) => sites.has(s.id));
  return site?.timezone ?? ctx.start_timezone;
}

/** Offset from the start; NaN when a local date-time is not a real one (the check reports it). */
export function offsetOf(ctx: TimeContext, t: StepTime, timezone: string): number {
  if ('offset_ms' in t) return t.offset_ms;
  const ms = localToMs(t.local, timezone);
  return ms === undefined ? Number.NaN : ms - ctx.start_ms;
}

/** A parameter value in the class's unit: durations may be written "90s", percents "30%". */
export function paramValue(cls: FaultClass, name: string, value: number | string): number | undefined {
  // Own keys only: a parameter named like an Object.prototype key ("constructor") is unknown.
  const spec = Object.hasOwn(cls.params, name) ? cls.params[name] : undefined;
  if (!spec) return undefined;
  if (typeof value === 'number') return spec.unit === 'duration' ? value * 1000 : value;
  const text = value.trim();
  if (spec.unit === 'percent' && /^\d+(\.\d+)?%$/.test(text)) return Number(text.slice(0, -1));
  if (spec.unit === 'duration') {
    try {
      return parseDuration(text);
    } catch {
      return undefined;
    }
  }
  const n = Number(text);
  return Number.isFinite(n) && text !== '' ? n : undefined;
}

function params(fault: string, given: Readonly<Record<string, number | string>> | undefined): Record<string, number> {
  const cls = faultClass(fault);
  const out: Record<string, number> = {};
  if (!cls || !given) return out;
  for (const [name, v] of Object.entries(given)) {
    const value = paramValue(cls, name, v);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

function action(step: TimelineStepFile): StepAction {
  switch (step.action) {
    case 'fault.inject':
      return { action: step.action, fault: step.fault, target: toSelector(step.target), with: params(step.fault, step.with), ...(step.for !== undefined ? { for_ms: step.for } : {}) };
    case 'outage.start':
      return { action: step.action, outage: step.outage, target: toSelector(step.target), with: params(step.outage, step.with), ...(step.for !== undefined ? { for_ms: step.for } : {}) };
    case 'fault.clear':
    case 'outage.stop':
      return { action: step.action, ref: step.ref };
    case 'rollout.start':
    case 'rollout.resume':
      return { action: step.action, rollout: step.rollout };
    case 'rollout.pause':
    case 'rollout.cancel':
      return { action: step.action, rollout: step.rollout, reason: step.reason ?? 'timeline' };
    case 'setpoint':
      return { action: step.action, target: toSelector(step.target), setpoint_c: step.setpoint_c };
    case 'schedule':
      return { action: step.action, target: toSelector(step.target), schedule: step.schedule };
    case 'operator.ack':
    case 'operator.resolve':
      return { action: step.action, by: step.by ?? 'operator', ...(step.target !== undefined ? { target: toSelector(step.target) } : {}) };
    case 'operator.repair':
      return { action: step.action, target: toSelector(step.target), by: step.by ?? 'technician' };
  }
}

export function resolveTimeline(ctx: TimeContext, steps: readonly TimelineStepFile[] | undefined, processes: readonly FaultProcessFile[] | undefined): TimelineSpec {
  const out: TimelineStep[] = (steps ?? []).map((s, i) => {
    const id = stepId(s, i);
    const a = action(s);
    const tz = stepTimezone(ctx, 'target' in a ? a.target : undefined, id);
    return {
      ...a,
      id,
      at_ms: offsetOf(ctx, s.at, tz),
      ...(s.every !== undefined ? { every_ms: s.every } : {}),
      ...(s.until !== undefined ? { until_ms: offsetOf(ctx, s.until, tz) } : {}),
      ...(s.times !== undefined ? { times: s.times } : {}),
    };
  });
  const procs: FaultProcess[] = (processes ?? []).map((p, i) => ({
    id: processId(p, i),
    fault: p.fault,
    target: toSelector(p.target),
    mtbf_ms: p.mtbf,
    mttr_ms: p.mttr,
    with: params(p.fault, p.with),
  }));
  return { steps: out, processes: procs };
}
