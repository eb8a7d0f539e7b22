/**
 * The service-level agreement between the MSP and its client, as data. Everything the SLA ledger
 * excludes or forgives must be written here, so that the monthly report can be explained from the
 * contract alone (docs/sla.md).
 */
import { MS_PER_DAY } from '../../common/time.ts';
import { DEFAULT_PRIORITY_TARGETS, PRIORITIES, type Priority, type PriorityTarget } from '../contract/priorities.ts';

/** Agreed service hours, in each site's own local time (a New York office's 08:00 is New York's). */
export type ServiceHours =
  | { kind: '24x7' }
  /** days: 0 = Sunday … 6 = Saturday; minutes of the local day, 0 ≤ start_min < end_min ≤ 1440. */
  | { kind: 'business'; days: number[]; start_min: number; end_min: number };

/**
 * A weekly maintenance window, site-local: starts at start_min on each listed weekday and lasts
 * duration_ms of real (not wall-clock) time, so a window across a DST change keeps its length.
 * Without `sites` it applies to every site.
 */
export interface MaintenanceWindow {
  days: number[];
  start_min: number;
  duration_ms: number;
  sites?: string[];
}

/** A service-credit tier: availability below `below` (a fraction) earns `credit` (a fraction of the fee). */
export interface CreditTier {
  below: number;
  credit: number;
}

/**
 * One client of the MSP under this contract's service schedule (hours, windows, exclusions): its
 * part of the portfolio (sites and/or buildings; neither = everything) and its own target, credit
 * tiers and fee. Absent terms fall back to the contract's.
 */
export interface ClientTerms {
  id: string;
  sites?: string[];
  buildings?: string[];
  availability_target?: number;
  credits?: CreditTier[];
  monthly_fee?: { amount: number; currency: string };
}

/** How time in which a device was UNREACHABLE (its gateway down) counts. */
export type UnreachableCountsAs = 'down' | 'unknown';

export interface SlaContract {
  /** Availability the MSP promises, 0 < target < 1, e.g. 0.995. Its complement is the error budget. */
  availability_target: number;
  service_hours: ServiceHours;
  /** Excluded from agreed service time (announced maintenance is not downtime). */
  maintenance_windows: MaintenanceWindow[];
  /**
   * Incident causes the client is responsible for (e.g. 'power_or_network': a building power
   * cut). Downtime during such an incident, on the devices it covers, is excused.
   */
  exclude_causes: string[];
  /** A building is down while ≥ this fraction of its devices, or any critical device, is down. */
  building_down_fraction: number;
  /**
   * Which devices are critical for the building-down rule. The platform's DeviceInfo does not
   * carry criticality (it is a contractual notion, not something a device announces), so the
   * contract names it: by kind (a clinic's 'hvac') and/or by device id. Absent ⇒ none.
   */
  critical_kinds?: string[];
  critical_devices?: string[];
  response_targets_ms: Record<Priority, number>;
  resolution_targets_ms: Record<Priority, number>;
  /** model → newest approved firmware version; a device is patch-compliant when it runs exactly this. */
  approved_firmware: Record<string, string>;
  /**
   * 'down' (default): a device cut off behind a dead gateway is down — the client got no service
   * from it. 'unknown': as some contracts say, "unknown is not down": the time counts as up.
   */
  unreachable_counts_as?: UnreachableCountsAs;
  /**
   * Down periods of one device shorter than this do not count (absent or 0: every one counts).
   * Many contracts say so ("unavailability of less than one minute is not downtime"): a watchdog
   * reset of a second or two is below what either side can measure on a one-minute grid.
   */
  min_outage_ms?: number;
  /** Service credits by availability tier; the lowest tier the availability falls below applies. */
  credits?: CreditTier[];
  /** The client's monthly fee, to turn the credit percentage into money owed. */
  monthly_fee?: { amount: number; currency: string };
  /** Clients billed separately (credits per client); none = the portfolio is one client. */
  clients?: ClientTerms[];
}

export { PRIORITIES };

function targetsMs(which: keyof PriorityTarget): Record<Priority, number> {
  return Object.fromEntries(PRIORITIES.map((p) => [p, DEFAULT_PRIORITY_TARGETS[p][which]])) as Record<Priority, number>;
}

/** 24×7, 99.5 %, no maintenance windows, no exclusions; ITIL-style P1–P4 targets. */
export function defaultContract(): SlaContract {
  return {
    availability_target: 0.995,
    service_hours: { kind: '24x7' },
    maintenance_windows: [],
    exclude_causes: [],
    building_down_fraction: 0.5,
    critical_kinds: [],
    critical_devices: [],
    response_targets_ms: targetsMs('respond_ms'),
    resolution_targets_ms: targetsMs('resolve_ms'),
    approved_firmware: {},
    unreachable_counts_as: 'down',
    credits: [],
  };
}

/**
 * The credit tier an availability reaches: among the tiers it falls strictly below, the one with
 * the lowest threshold (the deepest breach); null when it meets every tier.
 */
export function creditTier(availability: number, tiers: readonly CreditTier[]): CreditTier | null {
  let best: CreditTier | null = null;
  for (const t of tiers) {
    if (!(availability < t.below)) continue;
    if (best === null || t.below < best.below || (t.below === best.below && t.credit > best.credit)) best = t;
  }
  return best;
}

/**
 * Throws RangeError on a contract the ledger cannot evaluate exactly. Checked once when the ledger
 * is built, so a bad contract fails the run at its start, not at the month-end report.
 */
export function validateContract(c: SlaContract): void {
  const fail = (what: string): never => {
    throw new RangeError(`Invalid SLA contract: ${what}`);
  };
  // A 100 % target leaves no error budget, so burn rates would divide by zero: not a usable SLA.
  if (!(c.availability_target > 0 && c.availability_target < 1)) fail(`availability_target ${c.availability_target} not in (0, 1)`);
  if (!(c.building_down_fraction > 0 && c.building_down_fraction <= 1)) fail(`building_down_fraction ${c.building_down_fraction} not in (0, 1]`);
  const checkDays = (days: readonly number[], where: string): void => {
    for (const d of days) if (!Number.isInteger(d) || d < 0 || d > 6) fail(`${where}: day ${d} not an integer 0–6`);
  };
  const sh = c.service_hours;
  if (sh.kind === 'business') {
    checkDays(sh.days, 'service_hours');
    if (!Number.isInteger(sh.start_min) || !Number.isInteger(sh.end_min) || sh.start_min < 0 || sh.end_min > 1440 || sh.start_min >= sh.end_min) {
      fail(`service_hours ${sh.start_min}–${sh.end_min} min must satisfy 0 ≤ start < end ≤ 1440`);
    }
  }
  for (const w of c.maintenance_windows) {
    checkDays(w.days, 'maintenance window');
    if (!Number.isInteger(w.start_min) || w.start_min < 0 || w.start_min >= 1440) fail(`maintenance window start_min ${w.start_min} not in [0, 1440)`);
    // A weekly window longer than a week would overlap itself; the cap also bounds the look-back.
    if (!Number.isInteger(w.duration_ms) || w.duration_ms <= 0 || w.duration_ms > 7 * MS_PER_DAY) fail(`maintenance window duration_ms ${w.duration_ms} not in (0, 7 d]`);
  }
  if (c.unreachable_counts_as !== undefined && c.unreachable_counts_as !== 'down' && c.unreachable_counts_as !== 'unknown') fail(`unreachable_counts_as ${String(c.unreachable_counts_as)} is neither down nor unknown`);
  if (c.min_outage_ms !== undefined && !(Number.isInteger(c.min_outage_ms) && c.min_outage_ms >= 0 && c.min_outage_ms <= MS_PER_DAY)) fail(`min_outage_ms ${c.min_outage_ms} not in [0, 1 d]`);
  for (const t of c.credits ?? []) {
    if (!(t.below > 0 && t.below <= 1)) fail(`credit tier below ${t.below} not in (0, 1]`);
    if (!(t.credit >= 0 && t.credit <= 1)) fail(`credit tier credit ${t.credit} not in [0, 1]`);
  }
  if (c.monthly_fee !== undefined && !(Number.isFinite(c.monthly_fee.amount) && c.monthly_fee.amount >= 0)) fail(`monthly_fee ${c.monthly_fee.amount} must be a non-negative amount`);
  const client_ids = new Set<string>();
  for (const cl of c.clients ?? []) {
    if (client_ids.has(cl.id)) fail(`client ${cl.id} is listed twice`);
    client_ids.add(cl.id);
    if (cl.availability_target !== undefined && !(cl.availability_target > 0 && cl.availability_target < 1)) fail(`client ${cl.id}: availability_target not in (0, 1)`);
    for (const t of cl.credits ?? []) if (!(t.below > 0 && t.below <= 1 && t.credit >= 0 && t.credit <= 1)) fail(`client ${cl.id}: credit tier out of range`);
  }
  for (const p of PRIORITIES) {
    const r = c.response_targets_ms[p];
    const s = c.resolution_targets_ms[p];
    if (!Number.isInteger(r) || r < 0) fail(`response_targets_ms.${p}`);
    if (!Number.isInteger(s) || s < 0) fail(`resolution_targets_ms.${p}`);
  }
}

/** Longest maintenance window, for how far back a period must look for windows still open at its start. */
export function longestWindowMs(c: SlaContract): number {
  let max_ms = 0;
  for (const w of c.maintenance_windows) max_ms = Math.max(max_ms, w.duration_ms);
  return max_ms;
}

/** A device's down intervals without those shorter than the contract's `min_outage_ms`. */
export function withoutShortOutages<T extends readonly [number, number]>(down: readonly T[], c: Pick<SlaContract, 'min_outage_ms'>): T[] {
  const min = c.min_outage_ms ?? 0;
  return min <= 0 ? [...down] : down.filter(([s, e]) => e - s >= min);
}
