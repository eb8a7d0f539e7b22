import { z } from 'zod';
import { defaultOperations, type OperationsPolicy, type WeeklyHours } from '../../sim/actors/operations.ts';
import { didYouMean } from './did-you-mean.ts';
import { zDuration } from '../../common/duration.ts';
import type { SemanticIssue } from './load-yaml.ts';

/**
 * The scenario's `operations:` section (docs/operations.md): how the MSP's NOC and field service
 * work and what their work costs. Kept apart from the main schema so it can grow on its own;
 * everything is optional and falls back to `defaultOperations()`.
 */

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const FULL_DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
const PRIORITY_KEYS = ['P1', 'P2', 'P3', 'P4'] as const;

const zClock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a site-local time of day like "08:00" (or "24:00")');

/** `24x7`, or days and a daily span in site-local time. */
const zHours = z.union([
  z.literal('24x7'),
  z.strictObject({ days: z.array(z.enum([...DAY_NAMES, ...FULL_DAY_NAMES])).min(1), from: zClock, to: zClock }),
]);

const zByPriority = z.strictObject({ P1: zDuration.optional(), P2: zDuration.optional(), P3: zDuration.optional(), P4: zDuration.optional() });
const zRange = z.strictObject({ min: zDuration, max: zDuration });
const zMoney = z.number().min(0).max(1_000_000);

const zNoc = z.strictObject({
  hours: zHours.optional(),
  /** Per-metro staffing (follow-the-sun). */
  metros: z.record(z.string().min(1), z.strictObject({ hours: zHours })).optional(),
  ack_delay: zByPriority.optional(),
  auto_ack: z.boolean().optional(),
  escalation: z.union([z.literal(false), z.strictObject({ enabled: z.boolean().optional(), margin: zDuration.optional() })]).optional(),
});

const zFieldService = z.strictObject({
  technicians: z.number().int().min(1).max(1_000).optional(),
  metros: z.record(z.string().min(1), z.strictObject({ technicians: z.number().int().min(1).max(1_000) })).optional(),
  hours: zHours.optional(),
  callout: z.array(z.enum(PRIORITY_KEYS)).optional(),
  travel: zRange.optional(),
  sites: z.record(z.string().min(1), z.strictObject({ travel: zDuration })).optional(),
  repair: zRange.optional(),
  extra_device: zDuration.optional(),
  dispatch_after: zDuration.optional(),
  batch_per_site: z.boolean().optional(),
  battery: z.strictObject({ proactive: z.boolean().optional(), lead_time: zDuration.optional() }).optional(),
  /** Model → the firmware version replacement units ship with (absent: the version before the failed update). */
  replacement_firmware: z.record(z.string().min(1), z.string().min(1)).optional(),
});

const zCosts = z.strictObject({
  currency: z.string().regex(/^[A-Z]{3}$/, 'a three-letter currency code like "USD"').optional(),
  truck_roll: zMoney.optional(),
  technician_hour: zMoney.optional(),
  battery: zMoney.optional(),
  replaced_device: zMoney.optional(),
});

export const zOperations = z.strictObject({
  noc: zNoc.optional(),
  field_service: zFieldService.optional(),
  costs: zCosts.optional(),
});

export type OperationsInput = z.infer<typeof zOperations>;

function minutes(clock: string): number {
  const [h, m] = clock.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

function dayIndex(d: string): number {
  const short = DAY_NAMES.indexOf(d as (typeof DAY_NAMES)[number]);
  return short >= 0 ? short : FULL_DAY_NAMES.indexOf(d as (typeof FULL_DAY_NAMES)[number]);
}

function hoursOf(h: z.infer<typeof zHours>): WeeklyHours | null {
  if (h === '24x7') return null;
  return { days: [...new Set(h.days.map((d) => dayIndex(d)))].sort(), start_min: minutes(h.from), end_min: minutes(h.to) };
}

/** The section resolved over the defaults. */
export function resolveOperations(input: OperationsInput | undefined): OperationsPolicy {
  const d = defaultOperations();
  const noc = input?.noc;
  const fs = input?.field_service;
  const c = input?.costs;
  const esc = noc?.escalation;
  return {
    noc: {
      hours: noc?.hours !== undefined ? hoursOf(noc.hours) : d.noc.hours,
      metro_hours: Object.fromEntries(Object.entries(noc?.metros ?? {}).map(([m, x]) => [m, hoursOf(x.hours)])),
      ack_delay_ms: { ...d.noc.ack_delay_ms, ...definedOnly(noc?.ack_delay) },
      auto_ack: noc?.auto_ack ?? d.noc.auto_ack,
      escalation: esc === false ? { ...d.noc.escalation, enabled: false } : { enabled: esc?.enabled ?? d.noc.escalation.enabled, margin_ms: esc?.margin ?? d.noc.escalation.margin_ms },
    },
    field_service: {
      technicians_per_metro: fs?.technicians ?? d.field_service.technicians_per_metro,
      metro_technicians: Object.fromEntries(Object.entries(fs?.metros ?? {}).map(([m, x]) => [m, x.technicians])),
      hours: fs?.hours !== undefined ? hoursOf(fs.hours) : d.field_service.hours,
      callout_priorities: fs?.callout ?? d.field_service.callout_priorities,
      travel_ms: fs?.travel ?? d.field_service.travel_ms,
      site_travel_ms: Object.fromEntries(Object.entries(fs?.sites ?? {}).map(([s, x]) => [s, x.travel])),
      repair_ms: fs?.repair ?? d.field_service.repair_ms,
      extra_device_ms: fs?.extra_device ?? d.field_service.extra_device_ms,
      dispatch_after_ms: fs?.dispatch_after ?? d.field_service.dispatch_after_ms,
      batch_per_site: fs?.batch_per_site ?? d.field_service.batch_per_site,
      battery: { proactive: fs?.battery?.proactive ?? d.field_service.battery.proactive, lead_time_ms: fs?.battery?.lead_time ?? d.field_service.battery.lead_time_ms },
      replacement_firmware: { ...d.field_service.replacement_firmware, ...fs?.replacement_firmware },
    },
    costs: { ...d.costs, ...definedOnly(c) },
  };
}

function definedOnly<T extends object>(o: T | undefined): Partial<{ [K in keyof T]: Exclude<T[K], undefined> }> {
  return Object.fromEntries(Object.entries(o ?? {}).filter((e) => e[1] !== undefined)) as Partial<{ [K in keyof T]: Exclude<T[K], undefined> }>;
}

function hint(word: string, candidates: readonly string[]): string {
  const hit = didYouMean(word, candidates);
  return hit === undefined ? ` (known: ${candidates.join(', ')})` : ` (did you mean "${hit}"?)`;
}

/** Cross-references: metros and sites named in the section must exist in the fleet; spans must be sane. */
export function checkOperations(
  ops: OperationsInput | undefined,
  fleet: { readonly sites: ReadonlyArray<{ readonly id: string; readonly metro: string }> },
  /** Firmware versions known per model (defaults, the fleet's mixes, the scenario's catalog); absent = not checked. */
  known_firmware?: ReadonlyMap<string, readonly string[]>,
): SemanticIssue[] {
  if (!ops) return [];
  const issues: SemanticIssue[] = [];
  if (known_firmware !== undefined) {
    const models = [...known_firmware.keys()].sort();
    for (const [model, version] of Object.entries(ops.field_service?.replacement_firmware ?? {})) {
      const path = ['operations', 'field_service', 'replacement_firmware', model];
      const versions = known_firmware.get(model);
      if (versions === undefined) issues.push({ path, message: `no model "${model}"${hint(model, models)}` });
      else if (!versions.includes(version)) issues.push({ path, message: `${model} has no firmware "${version}" (known: ${versions.join(', ')}; add it to the scenario's firmware: catalog)` });
    }
  }
  const metros = [...new Set(fleet.sites.map((s) => s.metro))].sort();
  const sites = fleet.sites.map((s) => s.id).sort();
  const checkMetros = (section: 'noc' | 'field_service', names: readonly string[]): void => {
    for (const m of names) if (!metros.includes(m)) issues.push({ path: ['operations', section, 'metros', m], message: `no site is in metro "${m}"${hint(m, metros)}` });
  };
  checkMetros('noc', Object.keys(ops.noc?.metros ?? {}));
  checkMetros('field_service', Object.keys(ops.field_service?.metros ?? {}));
  for (const s of Object.keys(ops.field_service?.sites ?? {})) {
    if (!sites.includes(s)) issues.push({ path: ['operations', 'field_service', 'sites', s], message: `no site "${s}" in the fleet${hint(s, sites)}` });
  }
  const checkHours = (path: readonly (string | number)[], h: z.infer<typeof zHours> | undefined): void => {
    if (h === undefined || h === '24x7') return;
    if (minutes(h.to) <= minutes(h.from)) issues.push({ path: [...path, 'to'], message: `"to" (${h.to}) must be after "from" (${h.from}); use 24x7 for around the clock` });
  };
  checkHours(['operations', 'noc', 'hours'], ops.noc?.hours);
  checkHours(['operations', 'field_service', 'hours'], ops.field_service?.hours);
  for (const [m, x] of Object.entries(ops.noc?.metros ?? {})) checkHours(['operations', 'noc', 'metros', m, 'hours'], x.hours);
  for (const key of ['travel', 'repair'] as const) {
    const r = ops.field_service?.[key];
    if (r && r.max < r.min) issues.push({ path: ['operations', 'field_service', key, 'max'], message: `max must be at least min` });
  }
  return issues;
}
