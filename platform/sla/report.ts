/**
 * The SLA report's shape: what a period report holds (docs/sla.md). Split from the ledger so
 * readers of a report (the harness, the viewer's gauges, the API) need not know how it is kept.
 */
import type { Priority } from '../core/model.ts';
import type { ClientTerms, CreditTier, MaintenanceWindow, ServiceHours, UnreachableCountsAs } from './contract.ts';

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
