import { z } from 'zod';
import { DEVICE_KINDS } from '../../platform/contract/messages.ts';
import type { AlertType } from '../../platform/core/model.ts';
import { defaultContract, type MaintenanceWindow, type ServiceHours, type SlaContract } from '../../platform/sla/contract.ts';
import { modelIds } from '../../sim/devices/models.ts';
import { didYouMean } from './did-you-mean.ts';
import { describeValue } from './errors.ts';
import { zDuration } from '../../common/duration.ts';
import { MS_PER_DAY, MS_PER_WEEK } from '../../common/time.ts';

/**
 * `platform.contract` in a scenario file: the client's SLA as docs/sla.md describes it, in the
 * words a contract uses — percentages (`99.8%`), weekday names, site-local `HH:MM` times,
 * durations with units, a fee with its currency. Kept in its own module so the rest of the
 * scenario schema does not grow with every contract term. Every field is optional; an absent
 * one keeps the platform's default (`defaultContract()`).
 */

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const WEEKDAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
const DAY_EXPECTED = 'expected a weekday: sun, mon, tue, wed, thu, fri or sat';

/** A weekday by its short or full English name, any case; outputs 0 = Sunday … 6 = Saturday. */
const zDay = z
  .custom<string>((v) => typeof v === 'string', { error: (issue) => `${DAY_EXPECTED}, got ${describeValue(issue.input)}` })
  .transform((v, ctx): number => {
    const w = v.trim().toLowerCase();
    const i = Math.max(WEEKDAYS.indexOf(w as (typeof WEEKDAYS)[number]), WEEKDAY_NAMES.indexOf(w as (typeof WEEKDAY_NAMES)[number]));
    if (i >= 0) return i;
    const hit = didYouMean(w, [...WEEKDAYS, ...WEEKDAY_NAMES]);
    const short = hit === undefined ? undefined : WEEKDAYS[Math.max(WEEKDAYS.indexOf(hit as never), WEEKDAY_NAMES.indexOf(hit as never))];
    ctx.addIssue({ code: 'custom', message: `${DAY_EXPECTED}, got ${describeValue(v)}${short === undefined ? '' : ` (did you mean "${short}"?)`}`, input: v });
    return z.NEVER;
  });

const pctText = (f: number): string => `${Number((f * 100).toPrecision(10))}%`;

const PERCENT = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/;
const PERCENT_EXPECTED = 'expected a percentage like "99.8%" (or a fraction like 0.998)';

/** A percentage as text ("99.8%") or a fraction (0.998); outputs the fraction. */
function zFraction(opts: { min: number; max: number; min_open?: boolean }) {
  return z
    .custom<string | number>((v) => typeof v === 'string' || typeof v === 'number', { error: (issue) => `${PERCENT_EXPECTED}, got ${describeValue(issue.input)}` })
    .transform((v, ctx): number => {
      let f: number | undefined;
      if (typeof v === 'number') f = Number.isFinite(v) && v >= 0 && v <= 1 ? v : undefined;
      else {
        const m = PERCENT.exec(v);
        // Exact for the percentages contracts use: 99.95% → 0.9995 (no binary drift from / 100 on the integer part).
        if (m) f = Number((Number(m[1]) / 100).toPrecision(12));
      }
      const low_ok = f !== undefined && (opts.min_open === true ? f > opts.min : f >= opts.min);
      if (f === undefined || !low_ok || f > opts.max) {
        const range = `${opts.min_open === true ? 'above' : 'at least'} ${pctText(opts.min)} and at most ${pctText(opts.max)}`;
        ctx.addIssue({ code: 'custom', message: `${PERCENT_EXPECTED} ${range}, got ${describeValue(v)}`, input: v });
        return z.NEVER;
      }
      return f;
    });
}

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;
/** A site-local wall time "HH:MM"; outputs minutes of the day. `24:00` is allowed where an end is meant. */
function zClock(allow_midnight_end: boolean) {
  const expected = `expected a local time like "07:00" (HH:MM, 24-hour${allow_midnight_end ? ', or "24:00" for the end of the day' : ''})`;
  return z
    .custom<string>((v) => typeof v === 'string', { error: (issue) => `${expected}, got ${describeValue(issue.input)}` })
    .transform((v, ctx): number => {
      if (allow_midnight_end && v === '24:00') return 1440;
      const m = CLOCK.exec(v);
      if (!m) {
        ctx.addIssue({ code: 'custom', message: `${expected}, got ${describeValue(v)}`, input: v });
        return z.NEVER;
      }
      return Number(m[1]) * 60 + Number(m[2]);
    });
}

const MONEY = /^\s*(\d+(?:\.\d{1,2})?)\s+([A-Z]{3})\s*$/;
const zMoney = z
  .custom<string>((v) => typeof v === 'string', { error: (issue) => `expected an amount and an ISO currency like "12000 USD", got ${describeValue(issue.input)}` })
  .transform((v, ctx): { amount: number; currency: string } => {
    const m = MONEY.exec(v);
    if (!m) {
      ctx.addIssue({ code: 'custom', message: `expected an amount and an ISO currency like "12000 USD", got ${describeValue(v)}`, input: v });
      return z.NEVER;
    }
    return { amount: Number(m[1]), currency: m[2]! };
  });

/** What an incident's cause can be: an outage's (docs/monitoring.md), or the alert type that opened it. */
const ALERT_CAUSES = [
  'device_offline', 'gateway_offline', 'battery_low', 'leak', 'hvac_off_setpoint', 'humidity_out_of_range', 'lock_jammed',
  'door_forced', 'door_held_open', 'lighting_driver_failure', 'reboot_rate', 'stale_telemetry', 'threshold',
] as const satisfies readonly AlertType[];
export const INCIDENT_CAUSES = ['power_or_network', 'uplink', 'gateway_down', ...ALERT_CAUSES] as const;

const zId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'an id of lowercase letters, digits, ".", "_" or "-" (at most 64)');
const zTargets = z.strictObject({ P1: zDuration.optional(), P2: zDuration.optional(), P3: zDuration.optional(), P4: zDuration.optional() });

const zWindow = z.strictObject({
  days: z.array(zDay).min(1),
  start: zClock(false),
  for: zDuration,
  /** Only these sites (default: every site). */
  sites: z.array(zId).optional(),
});

const zHours = z.union([
  z.literal('24x7'),
  z.strictObject({
    days: z.array(zDay).min(1),
    start: zClock(false),
    end: zClock(true),
  }),
]);

const zCredit = z.strictObject({ below: zFraction({ min: 0, max: 1, min_open: true }), credit: zFraction({ min: 0, max: 1 }) });

const zClient = z.strictObject({
  id: zId,
  sites: z.array(zId).optional(),
  buildings: z.array(zId).optional(),
  availability_target: zFraction({ min: 0.5, max: 0.99999 }).optional(),
  credits: z.array(zCredit).optional(),
  monthly_fee: zMoney.optional(),
});

export const zContract = z.strictObject({
  availability_target: zFraction({ min: 0.5, max: 0.99999 }).optional(),
  maintenance_windows: z.array(zWindow).optional(),
  service_hours: zHours.optional(),
  exclude_causes: z.array(z.enum(INCIDENT_CAUSES)).optional(),
  unreachable_counts_as: z.enum(['down', 'unknown']).optional(),
  /** Down periods shorter than this do not count (e.g. 1m). */
  min_outage: zDuration.optional(),
  credits: z.array(zCredit).optional(),
  monthly_fee: zMoney.optional(),
  building_down_fraction: zFraction({ min: 0, max: 1, min_open: true }).optional(),
  critical_kinds: z.array(z.enum(DEVICE_KINDS)).optional(),
  critical_devices: z.array(zId).optional(),
  /** Response and resolution targets by priority (unnamed priorities keep the defaults). */
  response_targets: zTargets.optional(),
  resolution_targets: zTargets.optional(),
  approved_firmware: z.partialRecord(z.enum(modelIds() as [string, ...string[]]), z.string()).optional(),
  /** Clients billed separately under this schedule: their sites/buildings, target, tiers, fee. */
  clients: z.array(zClient).optional(),
});

export type ScenarioContract = z.infer<typeof zContract>;

const uniqueDays = (days: readonly number[]): number[] => [...new Set(days)].sort((a, b) => a - b);

/** Cross-field checks, as `[path, message]` for the loader to place at file:line:col. */
export function checkContract(c: ScenarioContract | undefined): Array<{ path: (string | number)[]; message: string }> {
  const out: Array<{ path: (string | number)[]; message: string }> = [];
  if (c === undefined) return out;
  const sh = c.service_hours;
  if (sh !== undefined && sh !== '24x7' && sh.start >= sh.end) out.push({ path: ['service_hours', 'end'], message: 'the end must be after the start (hours that cross midnight: split them over two days)' });
  const seen = new Set<string>();
  for (const [i, cl] of (c.clients ?? []).entries()) {
    if (seen.has(cl.id)) out.push({ path: ['clients', i, 'id'], message: `client "${cl.id}" is listed twice` });
    seen.add(cl.id);
  }
  if (c.min_outage !== undefined && c.min_outage > MS_PER_DAY) out.push({ path: ['min_outage'], message: 'at most 1d (a longer "short outage" would excuse real outages)' });
  for (const [i, w] of (c.maintenance_windows ?? []).entries()) {
    if (w.for <= 0 || w.for > MS_PER_WEEK) out.push({ path: ['maintenance_windows', i, 'for'], message: 'a weekly window lasts more than 0 and at most 7d' });
  }
  return out;
}

/** The platform's contract terms from the scenario's (absent fields keep the defaults). */
export function contractFromScenario(c: ScenarioContract): Partial<SlaContract> {
  const d = defaultContract();
  const out: Partial<SlaContract> = {};
  if (c.availability_target !== undefined) out.availability_target = c.availability_target;
  if (c.maintenance_windows !== undefined) {
    out.maintenance_windows = c.maintenance_windows.map((w): MaintenanceWindow => ({ days: uniqueDays(w.days), start_min: w.start, duration_ms: w.for, ...(w.sites ? { sites: [...w.sites] } : {}) }));
  }
  if (c.service_hours !== undefined) {
    const sh = c.service_hours;
    out.service_hours = sh === '24x7' ? ({ kind: '24x7' } satisfies ServiceHours) : { kind: 'business', days: uniqueDays(sh.days), start_min: sh.start, end_min: sh.end };
  }
  if (c.exclude_causes !== undefined) out.exclude_causes = [...new Set(c.exclude_causes)].sort();
  if (c.unreachable_counts_as !== undefined) out.unreachable_counts_as = c.unreachable_counts_as;
  if (c.min_outage !== undefined) out.min_outage_ms = c.min_outage;
  if (c.credits !== undefined) out.credits = c.credits.map((t) => ({ below: t.below, credit: t.credit }));
  if (c.monthly_fee !== undefined) out.monthly_fee = c.monthly_fee;
  if (c.building_down_fraction !== undefined) out.building_down_fraction = c.building_down_fraction;
  if (c.critical_kinds !== undefined) out.critical_kinds = [...c.critical_kinds];
  if (c.critical_devices !== undefined) out.critical_devices = [...c.critical_devices];
  if (c.approved_firmware !== undefined) out.approved_firmware = Object.fromEntries(Object.entries(c.approved_firmware).filter((e): e is [string, string] => e[1] !== undefined));
  if (c.response_targets !== undefined) out.response_targets_ms = { ...d.response_targets_ms, ...c.response_targets };
  if (c.resolution_targets !== undefined) out.resolution_targets_ms = { ...d.resolution_targets_ms, ...c.resolution_targets };
  if (c.clients !== undefined) {
    out.clients = c.clients.map((cl) => ({
      id: cl.id,
      ...(cl.sites ? { sites: [...cl.sites] } : {}),
      ...(cl.buildings ? { buildings: [...cl.buildings] } : {}),
      ...(cl.availability_target !== undefined ? { availability_target: cl.availability_target } : {}),
      ...(cl.credits ? { credits: cl.credits.map((t) => ({ below: t.below, credit: t.credit })) } : {}),
      ...(cl.monthly_fee ? { monthly_fee: cl.monthly_fee } : {}),
    }));
  }
  return out;
}
