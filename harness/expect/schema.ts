import { z } from 'zod';
import { RULE_NAMES } from '../../platform/monitoring/rules.ts';
import { zDuration } from '../../common/duration.ts';

/**
 * The scenario file's `expect:` section (docs/scenarios.md "expectations"). One entry is one
 * check, and names its kind by the key it uses:
 *
 *   that:     a metric compared with a value, at the end:   "sla.availability >= 99.5%"
 *   always:   a live metric checked after every step:        "open_incidents.P1 <= 2"
 *   alert:    alert type(s) on a fault's devices within a delay of its onset
 *   incident: an incident (priority, cause, scope) for a fault within a delay of its onset
 *   no_alert: no (uninhibited) alert of these types on a fault's devices while it lasts
 *
 * The structure is checked here; metric names, values and fault references are checked against
 * the scenario by check.ts, with the same file:line messages.
 */
export const ALERT_TYPES = [...RULE_NAMES, 'stale_telemetry', 'threshold'] as const;
export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export const DEVICE_SETS = ['targets', 'affected', 'behind'] as const;
export const EXPECTATION_KINDS = ['that', 'always', 'alert', 'incident', 'no_alert'] as const;
export type ExpectationKind = (typeof EXPECTATION_KINDS)[number];

const zAlertType = z.enum(ALERT_TYPES);
const zAlertTypes = z.union([zAlertType, z.array(zAlertType).min(1)]);
const zRef = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a timeline step id');

const zIncidentMatch = z.union([
  z.enum(PRIORITIES),
  z.strictObject({
    priority: z.enum(PRIORITIES).optional(),
    cause: z.string().min(1).optional(),
    scope: z.enum(['device', 'gateway', 'floor', 'building', 'site']).optional(),
  }),
]);

export const zExpectation = z
  .strictObject({
    name: z.string().min(1).max(200).optional(),
    that: z.string().min(1).optional(),
    always: z.string().min(1).optional(),
    alert: zAlertTypes.optional(),
    incident: zIncidentMatch.optional(),
    no_alert: z.union([z.literal('any'), zAlertTypes]).optional(),
    /** The timeline step whose fault(s) the check is about. */
    for_fault: zRef.optional(),
    /** alert / incident: how soon after the onset; no_alert: how long after the fault ends it still counts. */
    within: zDuration.optional(),
    /** Which of the fault's devices count: its targets, everything it affects, or the devices behind it (affected minus targets). */
    devices: z.enum(DEVICE_SETS).optional(),
    /** no_alert: count alerts an outage incident inhibited too (default: only the ones that page). */
    include_inhibited: z.boolean().optional(),
  })
  .superRefine((e, ctx) => {
    const kinds = EXPECTATION_KINDS.filter((k) => e[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: 'custom', path: [], message: kinds.length === 0 ? `an expectation needs one of ${EXPECTATION_KINDS.join(', ')}` : `an expectation checks one thing; this one has ${kinds.join(' and ')}` });
      return;
    }
    const kind = kinds[0]!;
    const fault_kinds = kind === 'alert' || kind === 'incident' || kind === 'no_alert';
    if (fault_kinds && e.for_fault === undefined) ctx.addIssue({ code: 'custom', path: [kind], message: `${kind} needs "for_fault": the timeline step whose fault it is about` });
    if ((kind === 'alert' || kind === 'incident') && e.within === undefined) ctx.addIssue({ code: 'custom', path: [kind], message: `${kind} needs "within": how soon after the fault's onset` });
    if (!fault_kinds) {
      for (const key of ['for_fault', 'within', 'devices', 'include_inhibited'] as const) {
        if (e[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `"${key}" belongs to alert, incident and no_alert checks, not to ${kind}` });
      }
    }
    if (kind !== 'no_alert' && e.include_inhibited !== undefined) ctx.addIssue({ code: 'custom', path: ['include_inhibited'], message: '"include_inhibited" belongs to no_alert checks' });
  });

export type ExpectationFile = z.infer<typeof zExpectation>;

export const zExpectations = z.array(zExpectation).max(1_000);
