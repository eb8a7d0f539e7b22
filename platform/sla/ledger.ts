/**
 * The SLA ledger: what the MSP signs its monthly report with. It listens to liveness changes,
 * incidents and firmware versions, and computes a period report in which every number can be
 * traced back to ledger entries (down intervals, exclusions) and to the contract. Formulas are
 * stated next to the code and in docs/sla.md; the two must stay in step.
 *
 * Pure: no clock, no timers, no randomness. Time only enters through the events' own stamps and
 * the period asked for, so the same events give the same report, byte for byte.
 */
import type { DeviceInfo, Incident, Journal, LivenessChange, Priority } from '../core/model.ts';
import type { ClientTerms, CreditTier, SlaContract, ServiceHours, MaintenanceWindow, UnreachableCountsAs } from './contract.ts';
import { PRIORITIES, creditTier, validateContract } from './contract.ts';
import type { Interval, IntervalSet } from './intervals.ts';
import { clip, intersect, normalize, serviceHours, serviceTime, subtract, totalMs, union } from './intervals.ts';
import { MS_PER_MINUTE as MINUTE_MS, MS_PER_HOUR as HOUR_MS, MS_PER_DAY as DAY_MS } from '../../common/time.ts';
import { copyData, sortedEntries } from '../core/state-codec.ts';


// ---------------------------------------------------------------------------------------------
// Report shape. Every object is built with its keys in the order declared here and every array
// is sorted (by id, or by time then id), so JSON.stringify of a report is stable.
// ---------------------------------------------------------------------------------------------

/** A down episode of a device: raw [from, to) clipped to the period, and how much of it counted. */
export interface DownEntry {
  from_ms: number;
  to_ms: number;
  /** Part of the episode inside agreed service time and not excused by an exclusion. */
  counted_ms: number;
}

export interface ExclusionEntry {
  incident_id: string;
  cause: string;
  from_ms: number;
  to_ms: number;
  /** Down time inside agreed service time that this exclusion excused. */
  excused_ms: number;
}

export interface DeviceSla {
  id: string;
  site: string;
  building: string;
  kind: string;
  model: string;
  fw: string;
  critical: boolean;
  /** Where this device's ledger starts within the period: max(period start, first birth). */
  ledger_from_ms: number;
  /** Service hours of the ledger span that fell in maintenance windows (not agreed). */
  maintenance_ms: number;
  agreed_ms: number;
  downtime_ms: number;
  excluded_ms: number;
  /** Agreed time in which the device was UNREACHABLE (its gateway down); in downtime_ms when the contract counts it as down. */
  unreachable_ms: number;
  availability: number;
  outage_count: number;
  longest_outage_ms: number;
  approved_fw: string | null;
  compliant: boolean;
  entries: { down: DownEntry[]; exclusions: ExclusionEntry[] };
}

export interface RuleEpisode {
  from_ms: number;
  to_ms: number;
  counted_ms: number;
}

export interface BuildingSla {
  site: string;
  id: string;
  devices: number;
  critical_devices: string[];
  agreed_ms: number;
  downtime_ms: number;
  excluded_ms: number;
  /** Device-weighted: (Σ agreed − Σ downtime) / Σ agreed over the building's devices. */
  availability: number;
  device_outage_count: number;
  longest_device_outage_ms: number;
  /** Rule-based: the building is down while ≥ building_down_fraction of its devices, or any critical one, is down. */
  rule: { agreed_ms: number; down_ms: number; availability: number; outage_count: number; longest_outage_ms: number; episodes: RuleEpisode[] };
}

export interface AggregateSla {
  buildings: number;
  devices: number;
  agreed_ms: number;
  downtime_ms: number;
  excluded_ms: number;
  availability: number;
  device_outage_count: number;
  longest_device_outage_ms: number;
  /** Rule-based, from buildings weighted by their device count: Σ n_b·(agreed_b − down_b) / Σ n_b·agreed_b. */
  rule: { weighted_agreed_ms: number; weighted_down_ms: number; availability: number; outage_count: number; longest_outage_ms: number };
}

export interface SiteSla extends AggregateSla {
  id: string;
  timezone: string;
}

export interface DurationStats {
  n: number;
  sum_ms: number;
  /** Σ/n rounded to the nearest ms (sum_ms and n give the exact mean). 0 when n = 0. */
  mean_ms: number;
  /** Nearest-rank median: the ⌈n/2⌉-th smallest sample. 0 when n = 0. */
  p50_ms: number;
  max_ms: number;
}

export interface Compliance {
  met: number;
  breached: number;
  /** Neither met nor breached yet: still open and not past due at period end. */
  pending: number;
  /** met / (met + breached); 1 when nothing has been decided. */
  compliance: number;
}

export type Verdict = 'met' | 'breached' | 'pending';

export interface PrioritySla {
  priority: Priority;
  response_target_ms: number;
  resolution_target_ms: number;
  count: number;
  open_at_end: number;
  mtta: DurationStats;
  mttr: DurationStats;
  response: Compliance;
  resolution: Compliance;
}

export interface IncidentRow {
  id: string;
  priority: Priority;
  cause: string;
  scope: string;
  site: string;
  building: string | null;
  devices: number;
  excluded: boolean;
  status_at_end: 'open' | 'acknowledged' | 'resolved';
  opened_ms: number;
  acked_ms: number | null;
  resolved_ms: number | null;
  response_due_ms: number;
  resolution_due_ms: number;
  tta_ms: number | null;
  ttr_ms: number | null;
  response: Verdict;
  resolution: Verdict;
}

export interface IncidentsSla {
  count: number;
  open_at_end: number;
  response: Compliance;
  resolution: Compliance;
  by_priority: PrioritySla[];
  list: IncidentRow[];
}

export interface ModelCoverage {
  model: string;
  approved_fw: string | null;
  devices: number;
  compliant: number;
  coverage: number;
}

export interface PatchSla {
  devices: number;
  compliant: number;
  /** compliant / devices; 1 for an empty fleet. */
  coverage: number;
  by_model: ModelCoverage[];
}

export type BurnWindow = '5m' | '30m' | '1h' | '6h' | '3d';

export interface BurnRate {
  window: BurnWindow;
  window_ms: number;
  agreed_ms: number;
  down_ms: number;
  /** (down_ms / agreed_ms) / (1 − target); 0 when the window holds no agreed time. */
  burn_rate: number;
}

export interface BurnAlert {
  rule: 'page_1h' | 'page_6h' | 'ticket_3d';
  long: BurnWindow;
  short: BurnWindow;
  threshold: number;
  firing: boolean;
}

export interface ErrorBudget {
  target: number;
  agreed_ms: number;
  downtime_ms: number;
  /** round((1 − target) × agreed_ms) */
  budget_ms: number;
  remaining_ms: number;
  /** 1 − downtime_ms / budget_ms; negative once the budget is overspent. */
  remaining_fraction: number;
  burn: BurnRate[];
  alerts: BurnAlert[];
  verdict: 'page' | 'ticket' | 'none';
}

/**
 * Service credits for the period, as if it were the billing month: the tier the portfolio's
 * device-weighted availability reaches, and that share of the monthly fee.
 */
export interface CreditsSla {
  availability: number;
  tiers: CreditTier[];
  /** The tier reached (lowest threshold the availability is below), or null. */
  tier: CreditTier | null;
  /** Credit as a fraction of the fee (0 when no tier is reached). */
  credit_pct: number;
  monthly_fee: number | null;
  currency: string | null;
  /** round(monthly_fee × credit_pct, 2); null without a fee. */
  amount_owed: number | null;
  /** Per client (contract `clients`), each over its own devices, target, tiers and fee. */
  clients: ClientCredits[];
}

export interface ClientCredits {
  id: string;
  devices: number;
  agreed_ms: number;
  downtime_ms: number;
  /** (Σ agreed − Σ downtime) / Σ agreed over the client's devices. */
  availability: number;
  target: number;
  met: boolean;
  tier: CreditTier | null;
  credit_pct: number;
  monthly_fee: number | null;
  currency: string | null;
  amount_owed: number | null;
}

export interface HealthScore {
  score: number;
  formula: string;
  components: { availability_score: number; response_compliance: number; patch_coverage: number; open_p1p2_share: number };
}

export interface SlaReport {
  period: { from_ms: number; to_ms: number; duration_ms: number };
  contract: {
    availability_target: number;
    service_hours: ServiceHours;
    maintenance_windows: MaintenanceWindow[];
    exclude_causes: string[];
    building_down_fraction: number;
    critical_kinds: string[];
    critical_devices: string[];
    response_targets_ms: Record<Priority, number>;
    resolution_targets_ms: Record<Priority, number>;
    approved_firmware: Record<string, string>;
    unreachable_counts_as: UnreachableCountsAs;
    credits: CreditTier[];
    monthly_fee: { amount: number; currency: string } | null;
    clients: ClientTerms[];
  };
  portfolio: AggregateSla;
  sites: SiteSla[];
  buildings: BuildingSla[];
  devices: DeviceSla[];
  incidents: IncidentsSla;
  patch: PatchSla;
  error_budget: ErrorBudget;
  credits: CreditsSla;
  health: HealthScore;
}

export const HEALTH_FORMULA =
  'score = 100 × (0.5·availability_score + 0.2·response_compliance + 0.2·patch_coverage + 0.1·(1 − open_p1p2_share)), rounded to 0.1; ' +
  'availability_score = clamp(error budget remaining fraction, 0, 1)';

// ---------------------------------------------------------------------------------------------

/** The ledger as saved in a snapshot (see `SlaLedger.saveState`). */
export interface SlaLedgerState {
  devices: Array<[string, DeviceTrack]>;
  incidents: Incident[];
}

interface DeviceTrack {
  info: DeviceInfo;
  /** First birth (the ledger starts here); null until then, and nothing before it counts. */
  start_ms: number | null;
  /** Closed raw down intervals (OFFLINE, or UNKNOWN after the start), in time order. */
  down: Array<[number, number]>;
  /** Closed raw UNREACHABLE intervals (cut off behind a dead gateway), in time order. */
  unreach: Array<[number, number]>;
  /** The class of the current state and since when (open interval). */
  cur: 'up' | 'down' | 'unreach';
  cur_since_ms: number;
  last_ms: number;
  /** Firmware history from births, in time order, only changes kept. */
  fw: Array<{ at_ms: number; fw: string }>;
}

const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Device-weighted availability; 1 when nothing was agreed (nothing could be missed). */
function availabilityOf(agreed_ms: number, down_ms: number): number {
  return agreed_ms > 0 ? (agreed_ms - down_ms) / agreed_ms : 1;
}

function stats(samples: number[]): DurationStats {
  const n = samples.length;
  if (n === 0) return { n: 0, sum_ms: 0, mean_ms: 0, p50_ms: 0, max_ms: 0 };
  const sorted = [...samples].sort((a, b) => a - b);
  let sum = 0;
  for (const s of sorted) sum += s;
  return { n, sum_ms: sum, mean_ms: Math.round(sum / n), p50_ms: sorted[Math.ceil(n / 2) - 1]!, max_ms: sorted[n - 1]! };
}

function compliance(verdicts: readonly Verdict[]): Compliance {
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
function verdictOf(done_ms: number | null, due_ms: number, to_ms: number): Verdict {
  if (done_ms !== null) return done_ms <= due_ms ? 'met' : 'breached';
  return due_ms < to_ms ? 'breached' : 'pending';
}

/** A time at or after the period end has not happened yet as far as this period is concerned. */
function asOf(t: number | null, to_ms: number): number | null {
  return t !== null && t < to_ms ? t : null;
}

const BURN_WINDOWS: ReadonlyArray<{ window: BurnWindow; window_ms: number }> = [
  { window: '5m', window_ms: 5 * MINUTE_MS },
  { window: '30m', window_ms: 30 * MINUTE_MS },
  { window: '1h', window_ms: HOUR_MS },
  { window: '6h', window_ms: 6 * HOUR_MS },
  { window: '3d', window_ms: 3 * DAY_MS },
];

// Google SRE workbook, "Alerting on SLOs", multiwindow multi-burn-rate alerts.
const BURN_RULES: ReadonlyArray<Omit<BurnAlert, 'firing'> & { severity: 'page' | 'ticket' }> = [
  { rule: 'page_1h', long: '1h', short: '5m', threshold: 14.4, severity: 'page' },
  { rule: 'page_6h', long: '6h', short: '30m', threshold: 6, severity: 'page' },
  { rule: 'ticket_3d', long: '3d', short: '6h', threshold: 1, severity: 'ticket' },
];

interface DeviceWork {
  sla: DeviceSla;
  agreed: IntervalSet;
  counted: IntervalSet;
  /** Raw down minus exclusions, not clipped to service time: input to the building rule. */
  effective_down: IntervalSet;
}

export class SlaLedger {
  private readonly journal: Journal;
  private readonly contract: SlaContract;
  private readonly timezone_of: (site_id: string) => string;
  private readonly devices = new Map<string, DeviceTrack>();
  private readonly incidents = new Map<string, Incident>();
  private readonly critical_kinds: ReadonlySet<string>;
  private readonly critical_devices: ReadonlySet<string>;

  constructor(deps: { journal: Journal; contract: SlaContract; timezone_of: (site_id: string) => string }) {
    validateContract(deps.contract);
    this.journal = deps.journal;
    // Own copy: a caller mutating its contract object later must not rewrite past reports.
    this.contract = structuredClone(deps.contract);
    this.timezone_of = deps.timezone_of;
    this.critical_kinds = new Set(this.contract.critical_kinds ?? []);
    this.critical_devices = new Set(this.contract.critical_devices ?? []);
  }

  /**
   * Down = OFFLINE. UNREACHABLE is kept apart and counts as the contract says (down by default).
   * SUSPECT and ONLINE are up (a late heartbeat is not an outage yet). The ledger
   * of a device starts at its first birth (or, if the birth itself was missed, the first time it
   * is seen ONLINE); anything before that, UNKNOWN included, is not counted at all. UNKNOWN after
   * the start counts as down: the MSP cannot show the device was serving.
   * Changes are expected in time order per device; a stamp earlier than the previous one is
   * treated as happening at the previous one, so intervals never run backwards.
   */
  onLiveness(change: LivenessChange, info: DeviceInfo): void {
    let track = this.devices.get(change.device_id);
    if (track === undefined) {
      track = newTrack(info, change.at_ms);
      this.devices.set(change.device_id, track);
    }
    track.info = info;
    if (track.start_ms === null) {
      if (change.reason !== 'birth' && change.to !== 'ONLINE') return;
      track.start_ms = change.at_ms;
      track.last_ms = change.at_ms;
      track.cur = 'up';
      track.cur_since_ms = change.at_ms;
    }
    const at_ms = Math.max(change.at_ms, track.last_ms);
    track.last_ms = at_ms;
    const cls = change.to === 'OFFLINE' || change.to === 'UNKNOWN' ? 'down' : change.to === 'UNREACHABLE' ? 'unreach' : 'up';
    if (cls === track.cur) return;
    if (track.cur !== 'up' && at_ms > track.cur_since_ms) (track.cur === 'down' ? track.down : track.unreach).push([track.cur_since_ms, at_ms]);
    track.cur = cls;
    track.cur_since_ms = at_ms;
  }

  /** Keeps the latest version of each incident (the last one received wins). */
  onIncident(incident: Incident): void {
    this.incidents.set(incident.id, incident);
  }

  /** The firmware a device announced in a birth; the report uses the latest one before period end. */
  onFirmware(device_id: string, fw: string, at_ms: number): void {
    let track = this.devices.get(device_id);
    if (track === undefined) {
      // Firmware may be learnt before the liveness change of the same birth; keep it until then.
      track = newTrack(placeholderInfo(device_id, fw), at_ms);
      this.devices.set(device_id, track);
    }
    const last = track.fw[track.fw.length - 1];
    if (last !== undefined && last.fw === fw) return;
    track.fw.push({ at_ms: last !== undefined ? Math.max(last.at_ms, at_ms) : at_ms, fw });
  }

  /** Every device's track and each incident's latest version, sorted by id (platform/store snapshots). */
  saveState(): SlaLedgerState {
    return copyData({ devices: sortedEntries(this.devices), incidents: sortedEntries(this.incidents).map(([, i]) => i) });
  }

  /** Replaces this (fresh) ledger's state with a saved one. */
  loadState(state: SlaLedgerState): void {
    const s = copyData(state);
    this.devices.clear();
    for (const [id, t] of s.devices) this.devices.set(id, { ...t, info: Object.freeze(t.info) });
    this.incidents.clear();
    for (const i of s.incidents) this.incidents.set(i.id, i);
  }

  report(from_ms: number, to_ms: number): SlaReport {
    // An empty period (from = to, e.g. a report asked for before any time has passed) is valid
    // and reports nothing agreed, so availability 1.
    if (!Number.isInteger(from_ms) || !Number.isInteger(to_ms) || to_ms < from_ms) {
      throw new RangeError(`SLA period [${from_ms}, ${to_ms}) must be integer ms with from ≤ to`);
    }
    const c = this.contract;
    const site_cache = new Map<string, { timezone: string; service: IntervalSet; hours: IntervalSet }>();
    const siteTime = (site: string): { timezone: string; service: IntervalSet; hours: IntervalSet } => {
      let s = site_cache.get(site);
      if (s === undefined) {
        const timezone = this.timezone_of(site);
        s = { timezone, service: serviceTime(c, timezone, from_ms, to_ms, site), hours: serviceHours(c, timezone, from_ms, to_ms) };
        site_cache.set(site, s);
      }
      return s;
    };

    // Exclusions: client-caused incidents, [opened, resolved) on the devices they cover; one still
    // open at period end is excluded up to the period end.
    const excluded_causes = new Set(c.exclude_causes);
    const exclusions = new Map<string, Array<{ incident: Incident; interval: Interval }>>();
    const incidents = [...this.incidents.values()].sort((a, b) => cmpStr(a.id, b.id));
    for (const inc of incidents) {
      if (!excluded_causes.has(inc.cause)) continue;
      const end_ms = asOf(inc.resolved_ms, to_ms) ?? to_ms;
      for (const d of [...new Set(inc.device_ids)].sort(cmpStr)) {
        let list = exclusions.get(d);
        if (list === undefined) exclusions.set(d, (list = []));
        list.push({ incident: inc, interval: [inc.opened_ms, end_ms] });
      }
    }

    // ---- devices ----
    const counts_unreachable = (c.unreachable_counts_as ?? 'down') === 'down';
    const work: DeviceWork[] = [];
    const ids = [...this.devices.keys()].sort(cmpStr);
    for (const id of ids) {
      const t = this.devices.get(id)!;
      if (t.start_ms === null || t.start_ms >= to_ms) continue;
      const info = t.info;
      const site = siteTime(info.site);
      const l_from = Math.max(from_ms, t.start_ms);
      const open: Interval = [t.cur_since_ms, Math.max(to_ms, t.cur_since_ms)];
      const unreach = clip(normalize(t.cur === 'unreach' ? [...t.unreach, open] : [...t.unreach]), l_from, to_ms);
      const raw: Interval[] = [...t.down];
      if (t.cur === 'down') raw.push(open);
      // Unreachable time is down time unless the contract says "unknown is not down".
      const down = counts_unreachable ? union(clip(normalize(raw), l_from, to_ms), unreach) : clip(normalize(raw), l_from, to_ms);
      const agreed = clip(site.service, l_from, to_ms);
      const device_excl = exclusions.get(id) ?? [];
      const excl = clip(normalize(device_excl.map((e) => e.interval)), l_from, to_ms);
      const down_agreed = intersect(down, agreed);
      const counted = subtract(down_agreed, excl);
      const agreed_ms = totalMs(agreed);
      const downtime_ms = totalMs(counted);
      const down_entries: DownEntry[] = down.map(([s, e]) => ({ from_ms: s, to_ms: e, counted_ms: totalMs(clip(counted, s, e)) }));
      let outage_count = 0;
      let longest_outage_ms = 0;
      for (const e of down_entries) {
        if (e.counted_ms <= 0) continue;
        outage_count++;
        longest_outage_ms = Math.max(longest_outage_ms, e.counted_ms);
      }
      const excl_entries: ExclusionEntry[] = [];
      for (const e of device_excl) {
        const s = Math.max(e.interval[0], l_from);
        const en = Math.min(e.interval[1], to_ms);
        if (en <= s) continue;
        excl_entries.push({ incident_id: e.incident.id, cause: e.incident.cause, from_ms: s, to_ms: en, excused_ms: totalMs(clip(down_agreed, s, en)) });
      }
      excl_entries.sort((a, b) => a.from_ms - b.from_ms || cmpStr(a.incident_id, b.incident_id));
      const fw = fwAt(t, to_ms);
      const approved = Object.hasOwn(c.approved_firmware, info.model) ? (c.approved_firmware[info.model] ?? null) : null;
      work.push({
        agreed,
        counted,
        effective_down: subtract(down, excl),
        sla: {
          id,
          site: info.site,
          building: info.building,
          kind: info.kind,
          model: info.model,
          fw,
          critical: this.critical_devices.has(id) || this.critical_kinds.has(info.kind),
          ledger_from_ms: l_from,
          maintenance_ms: totalMs(clip(site.hours, l_from, to_ms)) - agreed_ms,
          agreed_ms,
          downtime_ms,
          excluded_ms: totalMs(intersect(down_agreed, excl)),
          unreachable_ms: totalMs(intersect(unreach, agreed)),
          availability: availabilityOf(agreed_ms, downtime_ms),
          outage_count,
          longest_outage_ms,
          approved_fw: approved,
          compliant: approved === null || fw === approved,
          entries: { down: down_entries, exclusions: excl_entries },
        },
      });
    }

    // ---- buildings (rule-based and device-weighted) ----
    const by_building = new Map<string, DeviceWork[]>();
    for (const w of work) {
      const key = `${w.sla.site}\u0000${w.sla.building}`;
      let list = by_building.get(key);
      if (list === undefined) by_building.set(key, (list = []));
      list.push(w);
    }
    const building_keys = [...by_building.keys()].sort(cmpStr);
    const buildings: BuildingSla[] = [];
    for (const key of building_keys) {
      const list = by_building.get(key)!;
      const first = list[0]!.sla;
      const rule_raw = buildingDown(list, c.building_down_fraction);
      let agreed_b: IntervalSet = [];
      for (const w of list) agreed_b = union(agreed_b, w.agreed);
      const episodes: RuleEpisode[] = rule_raw.map(([s, e]) => ({ from_ms: s, to_ms: e, counted_ms: totalMs(clip(agreed_b, s, e)) }));
      const rule_agreed_ms = totalMs(agreed_b);
      const rule_down_ms = totalMs(intersect(rule_raw, agreed_b));
      let rule_count = 0;
      let rule_longest = 0;
      for (const e of episodes) {
        if (e.counted_ms <= 0) continue;
        rule_count++;
        rule_longest = Math.max(rule_longest, e.counted_ms);
      }
      const sums = sumDevices(list.map((w) => w.sla));
      buildings.push({
        site: first.site,
        id: first.building,
        devices: list.length,
        critical_devices: list.filter((w) => w.sla.critical).map((w) => w.sla.id),
        agreed_ms: sums.agreed_ms,
        downtime_ms: sums.downtime_ms,
        excluded_ms: sums.excluded_ms,
        availability: availabilityOf(sums.agreed_ms, sums.downtime_ms),
        device_outage_count: sums.outage_count,
        longest_device_outage_ms: sums.longest_outage_ms,
        rule: { agreed_ms: rule_agreed_ms, down_ms: rule_down_ms, availability: availabilityOf(rule_agreed_ms, rule_down_ms), outage_count: rule_count, longest_outage_ms: rule_longest, episodes },
      });
    }

    // ---- sites and portfolio ----
    const site_ids = [...new Set(buildings.map((b) => b.site))].sort(cmpStr);
    const sites: SiteSla[] = site_ids.map((sid) => {
      const agg = aggregate(
        buildings.filter((b) => b.site === sid),
        work.filter((w) => w.sla.site === sid).map((w) => w.sla),
      );
      return { id: sid, timezone: siteTime(sid).timezone, ...agg };
    });
    const all_devices = work.map((w) => w.sla);
    const portfolio = aggregate(buildings, all_devices);

    const incidents_sla = this.incidentSection(incidents, from_ms, to_ms, excluded_causes);
    const patch = patchSection(all_devices);
    const error_budget = this.errorBudget(work, portfolio, from_ms, to_ms);
    const health = healthOf(error_budget, incidents_sla, patch);
    const credits = creditsOf(portfolio.availability, c, all_devices);

    const report: SlaReport = {
      period: { from_ms, to_ms, duration_ms: to_ms - from_ms },
      contract: {
        availability_target: c.availability_target,
        service_hours: c.service_hours.kind === '24x7' ? { kind: '24x7' } : { kind: 'business', days: [...c.service_hours.days].sort((a, b) => a - b), start_min: c.service_hours.start_min, end_min: c.service_hours.end_min },
        maintenance_windows: c.maintenance_windows.map((w) => {
          const out: MaintenanceWindow = { days: [...w.days].sort((a, b) => a - b), start_min: w.start_min, duration_ms: w.duration_ms };
          if (w.sites !== undefined) out.sites = [...w.sites].sort(cmpStr);
          return out;
        }),
        exclude_causes: [...c.exclude_causes].sort(cmpStr),
        building_down_fraction: c.building_down_fraction,
        critical_kinds: [...this.critical_kinds].sort(cmpStr),
        critical_devices: [...this.critical_devices].sort(cmpStr),
        response_targets_ms: byPriority(c.response_targets_ms),
        resolution_targets_ms: byPriority(c.resolution_targets_ms),
        approved_firmware: Object.fromEntries(Object.entries(c.approved_firmware).sort((a, b) => cmpStr(a[0], b[0]))),
        unreachable_counts_as: c.unreachable_counts_as ?? 'down',
        credits: sortedTiers(c.credits ?? []),
        monthly_fee: c.monthly_fee === undefined ? null : { amount: c.monthly_fee.amount, currency: c.monthly_fee.currency },
        clients: [...(c.clients ?? [])].sort((a, b) => cmpStr(a.id, b.id)).map((cl) => structuredClone(cl)),
      },
      portfolio,
      sites,
      buildings,
      devices: all_devices,
      incidents: incidents_sla,
      patch,
      error_budget,
      credits,
      health,
    };
    this.journal(to_ms, 'p.sla', { from: from_ms, to: to_ms, availability: portfolio.availability, devices: portfolio.devices });
    return report;
  }

  private incidentSection(all: readonly Incident[], from_ms: number, to_ms: number, excluded_causes: ReadonlySet<string>): IncidentsSla {
    // The period's incidents are those opened in [from, to); their acks and resolutions count
    // as of the period end, so a report for a closed period never changes afterwards.
    const rows: IncidentRow[] = all
      .filter((i) => i.opened_ms >= from_ms && i.opened_ms < to_ms)
      .sort((a, b) => a.opened_ms - b.opened_ms || cmpStr(a.id, b.id))
      .map((i) => {
        const acked = asOf(i.acked_ms, to_ms);
        const resolved = asOf(i.resolved_ms, to_ms);
        // Resolving an incident is also responding to it (an auto-resolved flap was not ignored).
        const responded = acked ?? resolved;
        return {
          id: i.id,
          priority: i.priority,
          cause: i.cause,
          scope: `${i.scope.kind}:${i.scope.id}`,
          site: i.site,
          building: i.building,
          devices: new Set(i.device_ids).size,
          excluded: excluded_causes.has(i.cause),
          status_at_end: resolved !== null ? 'resolved' : acked !== null ? 'acknowledged' : 'open',
          opened_ms: i.opened_ms,
          acked_ms: acked,
          resolved_ms: resolved,
          response_due_ms: i.response_due_ms,
          resolution_due_ms: i.resolution_due_ms,
          tta_ms: acked !== null ? acked - i.opened_ms : null,
          ttr_ms: resolved !== null ? resolved - i.opened_ms : null,
          response: verdictOf(responded, i.response_due_ms, to_ms),
          resolution: verdictOf(resolved, i.resolution_due_ms, to_ms),
        };
      });
    const by_priority: PrioritySla[] = PRIORITIES.map((p) => {
      const mine = rows.filter((r) => r.priority === p);
      return {
        priority: p,
        response_target_ms: this.contract.response_targets_ms[p],
        resolution_target_ms: this.contract.resolution_targets_ms[p],
        count: mine.length,
        open_at_end: mine.filter((r) => r.status_at_end !== 'resolved').length,
        mtta: stats(mine.flatMap((r) => (r.tta_ms !== null ? [r.tta_ms] : []))),
        mttr: stats(mine.flatMap((r) => (r.ttr_ms !== null ? [r.ttr_ms] : []))),
        response: compliance(mine.map((r) => r.response)),
        resolution: compliance(mine.map((r) => r.resolution)),
      };
    });
    return {
      count: rows.length,
      open_at_end: rows.filter((r) => r.status_at_end !== 'resolved').length,
      response: compliance(rows.map((r) => r.response)),
      resolution: compliance(rows.map((r) => r.resolution)),
      by_priority,
      list: rows,
    };
  }

  private errorBudget(work: readonly DeviceWork[], portfolio: AggregateSla, from_ms: number, to_ms: number): ErrorBudget {
    const target = this.contract.availability_target;
    const allowed = 1 - target;
    const budget_ms = Math.round(allowed * portfolio.agreed_ms);
    const burn: BurnRate[] = BURN_WINDOWS.map(({ window, window_ms }) => {
      // Windows end at the period end; a period shorter than the window uses what it has.
      const w_from = Math.max(from_ms, to_ms - window_ms);
      let agreed_ms = 0;
      let down_ms = 0;
      for (const w of work) {
        agreed_ms += totalMs(clip(w.agreed, w_from, to_ms));
        down_ms += totalMs(clip(w.counted, w_from, to_ms));
      }
      return { window, window_ms, agreed_ms, down_ms, burn_rate: agreed_ms > 0 ? down_ms / agreed_ms / allowed : 0 };
    });
    const rate = (w: BurnWindow): number => burn.find((b) => b.window === w)?.burn_rate ?? 0;
    const alerts: BurnAlert[] = BURN_RULES.map((r) => ({ rule: r.rule, long: r.long, short: r.short, threshold: r.threshold, firing: rate(r.long) > r.threshold && rate(r.short) > r.threshold }));
    const firing = (severity: 'page' | 'ticket'): boolean => BURN_RULES.some((r, i) => r.severity === severity && alerts[i]!.firing);
    return {
      target,
      agreed_ms: portfolio.agreed_ms,
      downtime_ms: portfolio.downtime_ms,
      budget_ms,
      remaining_ms: budget_ms - portfolio.downtime_ms,
      // With no agreed time there is no budget and nothing was spent: fully remaining.
      remaining_fraction: budget_ms > 0 ? 1 - portfolio.downtime_ms / budget_ms : portfolio.downtime_ms > 0 ? 0 : 1,
      burn,
      alerts,
      verdict: firing('page') ? 'page' : firing('ticket') ? 'ticket' : 'none',
    };
  }
}

function newTrack(info: DeviceInfo, at_ms: number): DeviceTrack {
  return { info, start_ms: null, down: [], unreach: [], cur: 'up', cur_since_ms: at_ms, last_ms: at_ms, fw: [] };
}

/** Highest threshold first, as a contract lists them. */
function sortedTiers(tiers: readonly CreditTier[]): CreditTier[] {
  return tiers.map((t) => ({ below: t.below, credit: t.credit })).sort((a, b) => b.below - a.below || a.credit - b.credit);
}

/** credit_pct = the reached tier's credit; amount_owed = round(fee × credit_pct, 2 decimals). */
function creditsOf(availability: number, c: SlaContract, devices: readonly DeviceSla[]): CreditsSla {
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

function placeholderInfo(id: string, fw: string): DeviceInfo {
  return { id, kind: 'occupancy', model: '', fw, serial: '', site: '', building: '', floor: '', zone: null, gateway: null, power: 'mains', heartbeat_ms: 1, caps: [] };
}

/** Firmware at period end: the latest announced before to_ms, else the first known, else the birth info's. */
function fwAt(t: DeviceTrack, to_ms: number): string {
  let fw: string | null = null;
  for (const e of t.fw) if (e.at_ms < to_ms) fw = e.fw;
  return fw ?? t.fw[0]?.fw ?? t.info.fw;
}

function byPriority(r: Record<Priority, number>): Record<Priority, number> {
  return { P1: r.P1, P2: r.P2, P3: r.P3, P4: r.P4 };
}

function sumDevices(devices: readonly DeviceSla[]): { agreed_ms: number; downtime_ms: number; excluded_ms: number; outage_count: number; longest_outage_ms: number } {
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

function aggregate(buildings: readonly BuildingSla[], devices: readonly DeviceSla[]): AggregateSla {
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
function buildingDown(list: readonly DeviceWork[], fraction: number): IntervalSet {
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

function patchSection(devices: readonly DeviceSla[]): PatchSla {
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

function healthOf(budget: ErrorBudget, incidents: IncidentsSla, patch: PatchSla): HealthScore {
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
