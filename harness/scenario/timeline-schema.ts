import { z } from 'zod';
import { DEVICE_KINDS } from '../../platform/contract/messages.ts';
import { FAULT_NAMES, OUTAGE_NAMES } from '../../sim/faults/catalog.ts';
import { SCHEDULES } from '../../sim/faults/runtime.ts';
import { describeValue } from './errors.ts';
import { didYouMean } from './did-you-mean.ts';
import { DurationError, parseDuration, zPositiveDuration } from '../../common/duration.ts';

/**
 * Shapes of the scenario file's `timeline:` and `fault_processes:` sections (docs/scenarios.md).
 * Structure only: whether a target exists, a reference resolves or a parameter fits its fault is
 * checked against the generated fleet by timeline-check.ts, with the same file:line messages.
 */

/**
 * A fault or outage class name. Unknown names get the closest class (or one whose name contains
 * the word, `gateway_reboot` → `reboot`); a class of the other family says which action injects it.
 */
function zClassName(names: readonly string[], other: { readonly names: readonly string[]; readonly action: string; readonly key: string }): z.ZodType<string> {
  return z.string().superRefine((value, ctx) => {
    if (names.includes(value)) return;
    if (other.names.includes(value)) {
      const family = other.action === 'fault.inject' ? 'a device fault class' : 'an outage class';
      ctx.addIssue({ code: 'custom', message: `"${value}" is ${family}, injected with action: ${other.action} and ${other.key}: ${value}` });
      return;
    }
    const hit = didYouMean(value, names) ?? [...names].sort().find((n) => n.length >= 4 && value.toLowerCase().includes(n));
    ctx.addIssue({ code: 'custom', message: `expected one of ${names.join(', ')}, got ${describeValue(value)}${hit === undefined ? '' : ` (did you mean "${hit}"?)`}` });
  });
}

const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}$/;

/** A step time: an offset from the start (`2d 03:00`, `90m`) or a site-local date-time (`2026-03-04 14:00`). */
export type StepTime = { readonly offset_ms: number } | { readonly local: string };

const AT_EXPECTED = 'expected a time like "3h", "2d 03:00" (from the start) or "2026-03-04 14:00" (site-local)';

export const zStepTime = z
  .custom<string | number>((v) => typeof v === 'string' || typeof v === 'number', { error: (issue) => `${AT_EXPECTED}, got ${describeValue(issue.input)}` })
  .transform((value, ctx): StepTime => {
    if (typeof value === 'string' && LOCAL_DATE_TIME.test(value.trim())) return { local: value.trim() };
    try {
      return { offset_ms: parseDuration(value) };
    } catch (err) {
      if (!(err instanceof DurationError)) throw err;
      ctx.addIssue({ code: 'custom', message: `${AT_EXPECTED}, got ${describeValue(value)}${err.detail === undefined ? '' : ` (${err.detail})`}`, input: value });
      return z.NEVER;
    }
  });

// Ids are referenced by `ref:` and by expectations; keep them plain.
const zStepId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'an id of letters, digits, ".", "_" or "-" (at most 64)');
const zText = z.string().min(1).max(200);
const zOneOrMany = z.union([zText, z.array(zText).min(1)]);

export const zSelector = z.strictObject({
  site: zOneOrMany.optional(),
  building: zOneOrMany.optional(),
  floor: zOneOrMany.optional(),
  zone: zOneOrMany.optional(),
  unit: zOneOrMany.optional(),
  kind: z.union([z.enum(DEVICE_KINDS), z.array(z.enum(DEVICE_KINDS)).min(1)]).optional(),
  model: zOneOrMany.optional(),
  firmware: zOneOrMany.optional(),
  tag: zOneOrMany.optional(),
  device: zOneOrMany.optional(),
  behind: zOneOrMany.optional(),
  percent: z.number().gt(0).max(100).optional(),
});
export type SelectorFile = z.infer<typeof zSelector>;

/** Fault parameters: numbers, or durations for duration parameters (checked per class). */
const zParams = z.record(z.string(), z.union([z.number(), z.string()]));

const common = {
  id: zStepId.optional(),
  at: zStepTime,
  every: zPositiveDuration.optional(),
  until: zStepTime.optional(),
  times: z.number().int().min(1).max(10_000).optional(),
  note: z.string().optional(),
};


export const zTimelineStep = z.discriminatedUnion('action', [
  z.strictObject({ ...common, action: z.literal('fault.inject'), fault: zClassName(FAULT_NAMES, { names: OUTAGE_NAMES, action: 'outage.start', key: 'outage' }), target: zSelector, for: zPositiveDuration.optional(), with: zParams.optional() }),
  z.strictObject({ ...common, action: z.literal('fault.clear'), ref: zStepId }),
  z.strictObject({ ...common, action: z.literal('outage.start'), outage: zClassName(OUTAGE_NAMES, { names: FAULT_NAMES, action: 'fault.inject', key: 'fault' }), target: zSelector.optional(), for: zPositiveDuration.optional(), with: zParams.optional() }),
  z.strictObject({ ...common, action: z.literal('outage.stop'), ref: zStepId }),
  z.strictObject({ ...common, action: z.literal('rollout.start'), rollout: zText }),
  z.strictObject({ ...common, action: z.literal('rollout.resume'), rollout: zText }),
  z.strictObject({ ...common, action: z.literal('rollout.pause'), rollout: zText, reason: zText.optional() }),
  z.strictObject({ ...common, action: z.literal('rollout.cancel'), rollout: zText, reason: zText.optional() }),
  z.strictObject({ ...common, action: z.literal('setpoint'), target: zSelector, setpoint_c: z.number().min(5).max(35).nullable() }),
  z.strictObject({ ...common, action: z.literal('schedule'), target: zSelector, schedule: z.enum(SCHEDULES) }),
  z.strictObject({ ...common, action: z.literal('operator.ack'), target: zSelector.optional(), by: zText.optional() }),
  z.strictObject({ ...common, action: z.literal('operator.resolve'), target: zSelector.optional(), by: zText.optional() }),
  z.strictObject({ ...common, action: z.literal('operator.repair'), target: zSelector, by: zText.optional() }),
]);
export type TimelineStepFile = z.infer<typeof zTimelineStep>;

export const zFaultProcess = z.strictObject({
  id: zStepId.optional(),
  fault: z.enum([...FAULT_NAMES, ...OUTAGE_NAMES.filter((n) => n !== 'broker' && n !== 'platform_restart')] as [string, ...string[]]),
  target: zSelector,
  mtbf: zPositiveDuration,
  mttr: zPositiveDuration,
  with: zParams.optional(),
});
export type FaultProcessFile = z.infer<typeof zFaultProcess>;

export const zTimeline = z.array(zTimelineStep).max(10_000);
export const zFaultProcesses = z.array(zFaultProcess).max(1_000);
