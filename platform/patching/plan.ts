/**
 * Rollout plans: the input schema (the API's JSON body and a scenario's `rollouts:` entries take
 * the same shape), defaults, and the checks against the firmware catalog that refuse a plan
 * before it can touch a device: unknown firmware, unapproved firmware, a model the image is not
 * built for, a window with no duration.
 */
import { z } from 'zod';
import { durationMs, zDurationText } from '../../common/duration.ts';
import type { WeeklyWindow } from '../sla/intervals.ts';
import type { FirmwareCatalog } from './catalog.ts';
import { FAILURE_CLASSES, PatchError, type CohortSize, type FailureClass, type RolloutPlan } from './types.ts';

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const zDay = z.union([z.enum(DAY_NAMES), z.number().int().min(0).max(6)]);

const zWindow = z.strictObject({
  days: z.union([z.literal('daily'), z.literal('weekdays'), z.array(zDay).min(1)]),
  start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a site-local time "HH:MM"'),
  // Optional in the schema so a missing one gets the specific PATCH_BAD_WINDOW message below.
  duration: zDurationText.optional(),
});

const zCohort = z.union([
  z.strictObject({ count: z.number().int().min(1) }),
  z.strictObject({ percent: z.number().gt(0).max(100) }),
]);

const zFailureClass = z.enum(FAILURE_CLASSES as [FailureClass, ...FailureClass[]]);
const zAction = z.enum(['pause', 'abort', 'rollback']);
const zRatio = z.number().min(0).max(1);

export const PlanInput = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'an id of lowercase letters, digits, ".", "_" or "-"'),
  firmware: z.strictObject({ model: z.string().min(1), version: z.string().min(1) }),
  targets: z
    .strictObject({
      models: z.array(z.string()).optional(),
      sites: z.array(z.string()).optional(),
      buildings: z.array(z.string()).optional(),
      firmware: z.array(z.string()).optional(),
      tags: z.array(z.string()).optional(),
    })
    .optional(),
  canary: zCohort.optional(),
  waves: z.array(zCohort).optional(),
  pacing: z
    .strictObject({
      max_per_minute: z.number().int().min(1).optional(),
      ramp: z.strictObject({ base_per_minute: z.number().int().min(1), factor: z.number().min(1).max(10), every_succeeded: z.number().int().min(1) }).optional(),
    })
    .optional(),
  windows: z.strictObject({ download: zWindow.optional(), install: zWindow.optional() }).optional(),
  concurrency: z
    .strictObject({
      max_in_flight: z.number().int().min(1).optional(),
      per_site: z.number().int().min(1).optional(),
      per_gateway: z.number().int().min(1).optional(),
    })
    .optional(),
  prechecks: z
    .strictObject({
      online: z.boolean().optional(),
      battery: z.boolean().optional(),
      no_major_incident: z.boolean().optional(),
      timeout: zDurationText.optional(),
    })
    .optional(),
  success_gate: z
    .strictObject({ min_success_ratio: zRatio.optional(), then: z.enum(['next', 'soak', 'pause']).optional(), soak: zDurationText.optional() })
    .optional(),
  error_gate: z
    .strictObject({
      max_failure_ratio: zRatio.optional(),
      min_executed: z.number().int().min(1).optional(),
      count: z.array(zFailureClass).optional(),
      action: zAction.optional(),
    })
    .optional(),
  health_gates: z
    .array(
      z.strictObject({
        metric: z.enum(['offline_rate', 'reboot_rate', 'alert_rate']),
        max_ratio: z.number().min(1).optional(),
        min_rate: z.number().min(0).optional(),
        min_cohort: z.number().int().min(1).optional(),
        action: zAction.optional(),
      }),
    )
    .optional(),
  timeouts: z.strictObject({ download: zDurationText.optional(), install: zDurationText.optional() }).optional(),
  retries: z
    .strictObject({
      per_class: z.partialRecord(zFailureClass, z.number().int().min(0).max(10)).optional(),
      base: zDurationText.optional(),
      cap: zDurationText.optional(),
    })
    .optional(),
});
export type PlanInput = z.input<typeof PlanInput>;

/** Defaults chosen to be as careful as hawkBit's and AWS IoT Jobs' (docs/patching.md). */
export const PLAN_DEFAULTS = {
  success_ratio: 0.95,
  error_ratio: 0.05,
  min_executed: 5,
  download_timeout_ms: 6 * 3_600_000,
  install_timeout_ms: 45 * 60_000,
  retry_base_ms: 60_000,
  retry_cap_ms: 30 * 60_000,
  retries: { connection_lost: 3, download_failed: 2, low_battery: 0 } as Partial<Record<FailureClass, number>>,
  health_max_ratio: 3,
  health_min_rate: 1,
  health_min_cohort: 5,
} as const;

function toWindow(w: z.output<typeof zWindow> | undefined, which: string): WeeklyWindow | null {
  if (w === undefined) return null;
  const duration_ms = durationMs(w.duration);
  if (duration_ms === undefined || duration_ms <= 0) throw new PatchError('PATCH_BAD_WINDOW', `the ${which} window has no duration (set e.g. "duration: 4h")`);
  if (duration_ms > 7 * 86_400_000) throw new PatchError('PATCH_BAD_WINDOW', `the ${which} window is longer than a week`);
  const days = w.days === 'daily' ? [0, 1, 2, 3, 4, 5, 6] : w.days === 'weekdays' ? [1, 2, 3, 4, 5] : w.days.map((d) => (typeof d === 'number' ? d : DAY_NAMES.indexOf(d)));
  const [hh, mm] = w.start.split(':').map(Number) as [number, number];
  return { days: [...new Set(days)].sort(), start_min: hh * 60 + mm, duration_ms };
}

function zodMessage(err: z.ZodError): string {
  const first = err.issues[0];
  if (!first) return 'invalid plan';
  const path = first.path.join('.');
  return `${path === '' ? 'plan' : path}: ${first.message}`;
}

/**
 * Parses and validates a plan against the catalog; throws PatchError with a stable code and a
 * message naming the offending field. `now_ms` decides whether the release is approved yet.
 */
export function buildPlan(input: unknown, catalog: FirmwareCatalog, now_ms: number): RolloutPlan {
  const parsed = PlanInput.safeParse(input);
  if (!parsed.success) throw new PatchError('PATCH_INVALID_PLAN', zodMessage(parsed.error));
  const p = parsed.data;
  const release = catalog.get(p.firmware.model, p.firmware.version);
  if (!release) {
    const known = catalog.versions(p.firmware.model);
    throw new PatchError(
      'PATCH_UNKNOWN_FIRMWARE',
      known.length === 0 ? `no firmware in the catalog for model ${p.firmware.model}` : `firmware ${p.firmware.model}@${p.firmware.version} is not in the catalog (known: ${known.join(', ')})`,
    );
  }
  if (release.approved_ms === null || release.approved_ms > now_ms) {
    throw new PatchError('PATCH_NOT_APPROVED', `firmware ${release.model}@${release.version} is not approved for deployment${release.approved_ms !== null ? ' yet' : ''}`);
  }
  const models = p.targets?.models ?? [p.firmware.model];
  const wrong = models.filter((m) => m !== p.firmware.model);
  if (wrong.length > 0) throw new PatchError('PATCH_INCOMPATIBLE_MODEL', `firmware ${release.model}@${release.version} is built for ${release.model}, not ${wrong.join(', ')}`);
  const sg = p.success_gate ?? {};
  const soak_ms = durationMs(sg.soak);
  const then = sg.then ?? (soak_ms !== undefined ? 'soak' : 'next');
  if (then === 'soak' && (soak_ms ?? 0) <= 0) throw new PatchError('PATCH_INVALID_PLAN', 'success_gate.then is "soak" but success_gate.soak is missing or zero');
  const eg = p.error_gate ?? {};
  const cohorts: CohortSize[] = p.waves ?? [{ percent: 100 }];
  return {
    id: p.id,
    firmware: { model: release.model, version: release.version },
    targets: { ...p.targets, models },
    canary: p.canary ?? null,
    waves: cohorts,
    pacing: { max_per_minute: p.pacing?.max_per_minute ?? null, ramp: p.pacing?.ramp ?? null },
    download_window: toWindow(p.windows?.download, 'download'),
    install_window: toWindow(p.windows?.install, 'install'),
    concurrency: {
      max_in_flight: p.concurrency?.max_in_flight ?? null,
      per_site: p.concurrency?.per_site ?? null,
      per_gateway: p.concurrency?.per_gateway ?? null,
    },
    prechecks: {
      online: p.prechecks?.online ?? true,
      battery: p.prechecks?.battery ?? true,
      no_major_incident: p.prechecks?.no_major_incident ?? true,
      timeout_ms: durationMs(p.prechecks?.timeout) ?? null,
    },
    success_gate: { min_success_ratio: sg.min_success_ratio ?? PLAN_DEFAULTS.success_ratio, then, soak_ms: soak_ms ?? 0 },
    error_gate: {
      max_failure_ratio: eg.max_failure_ratio ?? PLAN_DEFAULTS.error_ratio,
      min_executed: eg.min_executed ?? PLAN_DEFAULTS.min_executed,
      count: eg.count ?? [],
      action: eg.action ?? 'pause',
    },
    health_gates: (p.health_gates ?? []).map((h) => ({
      metric: h.metric,
      max_ratio: h.max_ratio ?? PLAN_DEFAULTS.health_max_ratio,
      min_rate: h.min_rate ?? PLAN_DEFAULTS.health_min_rate,
      min_cohort: h.min_cohort ?? PLAN_DEFAULTS.health_min_cohort,
      action: h.action ?? 'pause',
    })),
    timeouts: { download_ms: durationMs(p.timeouts?.download) ?? PLAN_DEFAULTS.download_timeout_ms, install_ms: durationMs(p.timeouts?.install) ?? PLAN_DEFAULTS.install_timeout_ms },
    retries: {
      per_class: { ...PLAN_DEFAULTS.retries, ...p.retries?.per_class },
      base_ms: durationMs(p.retries?.base) ?? PLAN_DEFAULTS.retry_base_ms,
      cap_ms: durationMs(p.retries?.cap) ?? PLAN_DEFAULTS.retry_cap_ms,
    },
  };
}
