/**
 * The report builder's pure arithmetic: availability, duration statistics, compliance verdicts,
 * burn rates, credit tiers, building roll-ups, patch coverage and the health score. The ledger
 * keeps intervals; these turn them into the numbers of a report (formulas in docs/sla.md).
 */
import type { Priority } from '../core/model.ts';
import type { CreditTier, SlaContract } from './contract.ts';
import { creditTier } from './contract.ts';
import type { Interval, IntervalSet } from './intervals.ts';
import { normalize } from './intervals.ts';
import { MS_PER_MINUTE as MINUTE_MS, MS_PER_HOUR as HOUR_MS, MS_PER_DAY as DAY_MS } from '../../common/time.ts';
import type { DeviceSla, BuildingSla, AggregateSla, DurationStats, Compliance, Verdict, IncidentsSla, PatchSla, BurnWindow, BurnAlert, ErrorBudget, CreditsSla, ClientCredits, HealthScore } from './report.ts';
import { HEALTH_FORMULA } from './report.ts';

const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Device-weighted availability; 1 when nothing was agreed (nothing could be missed). */
export function availabilityOf(agreed_ms: number, down_ms: number): number {
  return agreed_ms > 0 ? (agreed_ms - down_ms) / agreed_ms : 1;
}

export function stats(samples: number[]): DurationStats {
  const n = samples.length;
  if (n === 0) return { n: 0, sum_ms: 0, mean_ms: 0, p50_ms: 0, max_ms: 0 };
  const sorted = [...samples].sort((a, b) => a - b);
  let sum = 0;
  for (const s of sorted) sum += s;
  return { n, sum_ms: sum, mean_ms: Math.round(sum / n), p50_ms: sorted[Math.ceil(n / 2) - 1]!, max_ms: sorted[n - 1]! };
}

export function compliance(verdicts: readonly Verdict[]): Compliance {
  let met = 0;
  let breached = 0;
  let pending = 0;
  for (const v of verdicts) {
    if (v === 'met') met++;
    else if (v === 'breached') breached++;
    else pending++;
  }
  return { met, breached, pending, compliance: met + breached > 0 ? met / (met + breached) : 1 };
}

/** Verdict of a deadline: met if done by due, breached if done late or still undone past due. */
export function verdictOf(done_ms: number | null, due_ms: number, to_ms: number): Verdict {
  if (done_ms !== null) return done_ms <= due_ms ? 'met' : 'breached';
  return due_ms < to_ms ? 'breached' : 'pending';
}

/** A time at or after the period end has not happened yet as far as this period is concerned. */
export function asOf(t: number | null, to_ms: number): number | null {
  return t !== null && t < to_ms ? t : null;
}

export const BURN_WINDOWS: ReadonlyArray<{ window: BurnWindow; window_ms: number }> = [
  { window: '5m', window_ms: 5 * MINUTE_MS },
  { window: '30m', window_ms: 30 * MINUTE_MS },
  { window: '1h', window_ms: HOUR_MS },
  { window: '6h', window_ms: 6 * HOUR_MS },
  { window: '3d', window_ms: 3 * DAY_MS },
];

// Google SRE workbook, "Alerting on SLOs", multiwindow multi-burn-rate alerts.
export const BURN_RULES: ReadonlyArray<Omit<BurnAlert, 'firing'> & { severity: 'page' | 'ticket' }> = [
  { rule: 'page_1h', long: '1h', short: '5m', threshold: 14.4, severity: 'page' },
  { rule: 'page_6h', long: '6h', short: '30m', threshold: 6, severity: 'page' },
  { rule: 'ticket_3d', long: '3d', short: '6h', threshold: 1, severity: 'ticket' },
];

export interface DeviceWork {
  sla: DeviceSla;
  agreed: IntervalSet;
  counted: IntervalSet;
  /** Raw down minus exclusions, not clipped to service time: input to the building rule. */
  effective_down: IntervalSet;
}

export function sortedTiers(tiers: readonly CreditTier[]): CreditTier[] {
  return tiers.map((t) => ({ below: t.below, credit: t.credit })).sort((a, b) => b.below - a.below || a.credit - b.credit);
}

/** credit_pct = the reached tier's credit; amount_owed = round(fee × credit_pct, 2 decimals). */
export function creditsOf(availability: number, c: SlaContract, devices: readonly DeviceSla[]): CreditsSla {
  const tiers = sortedTiers(c.credits ?? []);
  const tier = creditTier(availability, tiers);
  const credit_pct = tier?.credit ?? 0;
  const fee = c.monthly_fee ?? null;
  const clients = [...(c.clients ?? [])].sort((a, b) => cmpStr(a.id, b.id)).map((cl): ClientCredits => {
    const sites = cl.sites === undefined ? null : new Set(cl.sites);
    const buildings = cl.buildings === undefined ? null : new Set(cl.buildings);
    // A device is the client's when its site or its building is named (neither named: all of them).
    const mine = devices.filter((d) => (sites === null && buildings === null) || sites?.has(d.site) === true || buildings?.has(d.building) === true);
    const sums = sumDevices(mine);
    const a = availabilityOf(sums.agreed_ms, sums.downtime_ms);
    const reached = creditTier(a, sortedTiers(cl.credits ?? c.credits ?? []));
    const pct = reached?.credit ?? 0;
    const f = cl.monthly_fee ?? null;
    const target = cl.availability_target ?? c.availability_target;
    return {
      id: cl.id,
      devices: mine.length,
      agreed_ms: sums.agreed_ms,
      downtime_ms: sums.downtime_ms,
      availability: a,
      target,
      met: a >= target,
      tier: reached === null ? null : { below: reached.below, credit: reached.credit },
      credit_pct: pct,
      monthly_fee: f?.amount ?? null,
      currency: f?.currency ?? null,
      amount_owed: f === null ? null : Math.round(f.amount * pct * 100) / 100,
    };
  });
  return {
    availability,
    tiers,
    tier: tier === null ? null : { below: tier.below, credit: tier.credit },
    credit_pct,
    monthly_fee: fee?.amount ?? null,
    currency: fee?.currency ?? null,
    amount_owed: fee === null ? null : Math.round(fee.amount * credit_pct * 100) / 100,
    clients,
  };
}

export function byPriority(r: Record<Priority, number>): Record<Priority, number> {
  return { P1: r.P1, P2: r.P2, P3: r.P3, P4: r.P4 };
}

export function sumDevices(devices: readonly DeviceSla[]): { agreed_ms: number; downtime_ms: number; excluded_ms: number; outage_count: number; longest_outage_ms: number } {
  let agreed_ms = 0;
  let downtime_ms = 0;
  let excluded_ms = 0;
  let outage_count = 0;
  let longest_outage_ms = 0;
  for (const d of devices) {
    agreed_ms += d.agreed_ms;
    downtime_ms += d.downtime_ms;
    excluded_ms += d.excluded_ms;
    outage_count += d.outage_count;
    longest_outage_ms = Math.max(longest_outage_ms, d.longest_outage_ms);
  }
  return { agreed_ms, downtime_ms, excluded_ms, outage_count, longest_outage_ms };
}

export function aggregate(buildings: readonly BuildingSla[], devices: readonly DeviceSla[]): AggregateSla {
  const sums = sumDevices(devices);
  let weighted_agreed_ms = 0;
  let weighted_down_ms = 0;
  let outage_count = 0;
  let longest_outage_ms = 0;
  for (const b of buildings) {
    weighted_agreed_ms += b.devices * b.rule.agreed_ms;
    weighted_down_ms += b.devices * b.rule.down_ms;
    outage_count += b.rule.outage_count;
    longest_outage_ms = Math.max(longest_outage_ms, b.rule.longest_outage_ms);
  }
  return {
    buildings: buildings.length,
    devices: devices.length,
    agreed_ms: sums.agreed_ms,
    downtime_ms: sums.downtime_ms,
    excluded_ms: sums.excluded_ms,
    availability: availabilityOf(sums.agreed_ms, sums.downtime_ms),
    device_outage_count: sums.outage_count,
    longest_device_outage_ms: sums.longest_outage_ms,
    rule: { weighted_agreed_ms, weighted_down_ms, availability: availabilityOf(weighted_agreed_ms, weighted_down_ms), outage_count, longest_outage_ms },
  };
}

/**
 * Instants at which a building is down by rule: (number of its devices down) ≥ fraction × (its
 * device count), or at least one critical device down. A sweep over the devices' effective down
 * intervals (excused time removed), processing all changes at one instant before testing.
 */
export function buildingDown(list: readonly DeviceWork[], fraction: number): IntervalSet {
  const n = list.length;
  const events: Array<{ t: number; d: number; crit: number }> = [];
  for (const w of list) {
    const crit = w.sla.critical ? 1 : 0;
    for (const [s, e] of w.effective_down) {
      events.push({ t: s, d: 1, crit });
      events.push({ t: e, d: -1, crit: -crit });
    }
  }
  events.sort((a, b) => a.t - b.t);
  const out: Interval[] = [];
  let down = 0;
  let crit_down = 0;
  let since: number | null = null;
  for (let i = 0; i < events.length; ) {
    const t = events[i]!.t;
    while (i < events.length && events[i]!.t === t) {
      down += events[i]!.d;
      crit_down += events[i]!.crit;
      i++;
    }
    const is_down = down > 0 && (down >= fraction * n || crit_down > 0);
    if (is_down && since === null) since = t;
    else if (!is_down && since !== null) {
      out.push([since, t]);
      since = null;
    }
  }
  return normalize(out);
}

export function patchSection(devices: readonly DeviceSla[]): PatchSla {
  const models = [...new Set(devices.map((d) => d.model))].sort(cmpStr);
  const compliant = devices.filter((d) => d.compliant).length;
  return {
    devices: devices.length,
    compliant,
    coverage: devices.length > 0 ? compliant / devices.length : 1,
    by_model: models.map((m) => {
      const mine = devices.filter((d) => d.model === m);
      const ok = mine.filter((d) => d.compliant).length;
      return { model: m, approved_fw: mine[0]?.approved_fw ?? null, devices: mine.length, compliant: ok, coverage: ok / mine.length };
    }),
  };
}

export function healthOf(budget: ErrorBudget, incidents: IncidentsSla, patch: PatchSla): HealthScore {
  const availability_score = Math.min(1, Math.max(0, budget.remaining_fraction));
  const response_compliance = incidents.response.compliance;
  const patch_coverage = patch.coverage;
  const open_p1p2 = incidents.list.filter((r) => (r.priority === 'P1' || r.priority === 'P2') && r.status_at_end !== 'resolved').length;
  const open_p1p2_share = incidents.count > 0 ? open_p1p2 / incidents.count : 0;
  const raw = 100 * (0.5 * availability_score + 0.2 * response_compliance + 0.2 * patch_coverage + 0.1 * (1 - open_p1p2_share));
  return {
    score: Math.round(raw * 10) / 10,
    formula: HEALTH_FORMULA,
    components: { availability_score, response_compliance, patch_coverage, open_p1p2_share },
  };
}
