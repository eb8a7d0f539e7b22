import { MS_PER_MINUTE as MIN } from '../../common/time.ts';
/**
 * The MSP's operating policy for the simulated NOC and field service, and what it costs
 * (docs/operations.md). Plain data in milliseconds and minutes; the scenario loader turns the
 * `operations:` section into it, and every field has a default taken from public industry
 * figures, so a scenario without the section still runs a realistic operation.
 */
export type IncidentPriority = 'P1' | 'P2' | 'P3' | 'P4';

export const PRIORITIES: readonly IncidentPriority[] = ['P1', 'P2', 'P3', 'P4'];

/** Weekly hours in site-local time; `null` wherever it appears means around the clock (24×7). */
export interface WeeklyHours {
  /** 0 = Sunday … 6 = Saturday. */
  readonly days: readonly number[];
  readonly start_min: number;
  /** Exclusive; may be 1440 (midnight). */
  readonly end_min: number;
}

export interface NocPolicy {
  /** When the NOC is staffed; null = 24×7. */
  readonly hours: WeeklyHours | null;
  /** Per-metro staffing (follow-the-sun); metros not named use `hours`. */
  readonly metro_hours: Readonly<Record<string, WeeklyHours | null>>;
  /** Mean of the (exponential) acknowledgement delay by priority, counted from when staff are on. */
  readonly ack_delay_ms: Readonly<Record<IncidentPriority, number>>;
  /** False: the simulated NOC never acknowledges or resolves; only the timeline's operator actions and the API do. */
  readonly auto_ack: boolean;
  /** Page the on-call engineer when an acknowledgement would miss the response target. */
  readonly escalation: { readonly enabled: boolean; readonly margin_ms: number };
}

export interface FieldServicePolicy {
  readonly technicians_per_metro: number;
  readonly metro_technicians: Readonly<Record<string, number>>;
  /** Field working hours (site-local); null = 24×7. */
  readonly hours: WeeklyHours | null;
  /** Priorities that get an after-hours callout instead of waiting for working hours. */
  readonly callout_priorities: readonly IncidentPriority[];
  /** One-way drive, drawn uniformly per visit, unless the site has its own figure. */
  readonly travel_ms: { readonly min: number; readonly max: number };
  readonly site_travel_ms: Readonly<Record<string, number>>;
  /** Time on site for the first device; each further device on the same visit adds `extra_device_ms`. */
  readonly repair_ms: { readonly min: number; readonly max: number };
  readonly extra_device_ms: number;
  /** How long a device must stay down (dead) before a truck is sent: remote triage and self-heal first. */
  readonly dispatch_after_ms: number;
  /** Join a pending visit to the same site instead of rolling another truck. */
  readonly batch_per_site: boolean;
  /** Replace a battery when `battery_low` fires, before the device dies. */
  readonly battery: { readonly proactive: boolean; readonly lead_time_ms: number };
  /**
   * The firmware a replacement unit (for a bricked one) ships with, by model: the version the
   * spares stock carries. A model not listed comes back on the version it ran before the failed
   * update (the technician flashes the spare to match).
   */
  readonly replacement_firmware: Readonly<Record<string, string>>;
}

export interface CostPolicy {
  readonly currency: string;
  /** Direct cost of one truck roll (vehicle, dispatch, fixed overhead), labour excluded. */
  readonly truck_roll: number;
  /** Labour per technician hour (driving both ways and on site). */
  readonly technician_hour: number;
  readonly battery: number;
  /** A unit swapped because it could not be brought back (bricked). */
  readonly replaced_device: number;
}

export interface OperationsPolicy {
  readonly noc: NocPolicy;
  readonly field_service: FieldServicePolicy;
  readonly costs: CostPolicy;
}

const HOUR = 60 * MIN;
const WEEKDAYS = [1, 2, 3, 4, 5];

/** The defaults docs/operations.md documents, with the figures behind them. */
export function defaultOperations(): OperationsPolicy {
  return {
    noc: {
      hours: null,
      metro_hours: {},
      // Means well inside typical NOC contracts (≤ 15 min critical, 30 min major, 2–4 h minor).
      ack_delay_ms: { P1: 4 * MIN, P2: 12 * MIN, P3: 60 * MIN, P4: 4 * HOUR },
      auto_ack: true,
      escalation: { enabled: true, margin_ms: 5 * MIN },
    },
    field_service: {
      technicians_per_metro: 2,
      metro_technicians: {},
      hours: { days: WEEKDAYS, start_min: 8 * 60, end_min: 18 * 60 },
      callout_priorities: ['P1'],
      travel_ms: { min: 20 * MIN, max: 60 * MIN },
      site_travel_ms: {},
      repair_ms: { min: 20 * MIN, max: 90 * MIN },
      extra_device_ms: 10 * MIN,
      dispatch_after_ms: 30 * MIN,
      batch_per_site: true,
      battery: { proactive: true, lead_time_ms: 24 * HOUR },
      replacement_firmware: {},
    },
    costs: { currency: 'USD', truck_roll: 300, technician_hour: 75, battery: 15, replaced_device: 200 },
  };
}

/** Whether `minute_of_day` on `weekday` falls inside `hours` (null = always). */
export function withinHours(hours: WeeklyHours | null, weekday: number, minute_of_day: number): boolean {
  if (hours === null) return true;
  return hours.days.includes(weekday) && minute_of_day >= hours.start_min && minute_of_day < hours.end_min;
}

// ---- cost ledger ---------------------------------------------------------------------------------

/** One truck roll as it happened (or, for the naive policy, would have). */
export interface VisitRecord {
  readonly site: string;
  readonly technician: string;
  readonly dispatched_ms: number;
  readonly done_ms: number;
  /** Hours billed: both drives plus time on site. */
  readonly labour_ms: number;
  readonly devices: readonly string[];
  /** What the visit was for: incident causes (`device_offline`, `leak` …) or `battery_low` (proactive). */
  readonly causes: readonly string[];
  readonly batteries: number;
  readonly replaced_devices: number;
  readonly cost: number;
}

export interface CostLedger {
  readonly currency: string;
  readonly total: number;
  readonly truck_rolls: number;
  readonly technician_hours: number;
  readonly batteries: number;
  readonly replaced_devices: number;
  /** Incidents a naive dispatch-on-every-dead-device policy would have rolled a truck for, and this policy did not. */
  readonly avoided_truck_rolls: number;
  /** What the naive policy's trucks would have cost at the same rates (one roll and an average job each). */
  readonly naive: { readonly truck_rolls: number; readonly total: number };
  /** Cost by cause; a visit serving several causes splits its cost evenly between them. */
  readonly by_cause: Readonly<Record<string, number>>;
  readonly visits: readonly VisitRecord[];
}

const cents = (x: number): number => Math.round(x * 100) / 100;

export function visitCost(costs: CostPolicy, labour_ms: number, batteries: number, replaced: number): number {
  return cents(costs.truck_roll + (costs.technician_hour * labour_ms) / HOUR + costs.battery * batteries + costs.replaced_device * replaced);
}

/**
 * Sums the visits into a ledger. `naive_incidents` counts incidents that had a dead device (or a
 * leak) at some point, each of which the naive policy would have sent its own truck for;
 * `avoided` those among them this policy never sent anyone for.
 */
export function costLedger(costs: CostPolicy, visits: readonly VisitRecord[], naive_incidents: number, avoided: number, mean_job_ms: number): CostLedger {
  const by_cause: Record<string, number> = {};
  for (const v of visits) {
    const share = v.cost / Math.max(1, v.causes.length);
    for (const c of v.causes) by_cause[c] = (by_cause[c] ?? 0) + share;
  }
  const total = cents(visits.reduce((a, v) => a + v.cost, 0));
  return {
    currency: costs.currency,
    total,
    truck_rolls: visits.length,
    technician_hours: cents(visits.reduce((a, v) => a + v.labour_ms, 0) / HOUR),
    batteries: visits.reduce((a, v) => a + v.batteries, 0),
    replaced_devices: visits.reduce((a, v) => a + v.replaced_devices, 0),
    avoided_truck_rolls: avoided,
    naive: { truck_rolls: naive_incidents, total: cents(naive_incidents * visitCost(costs, mean_job_ms, 0, 0)) },
    by_cause: Object.fromEntries(Object.entries(by_cause).sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, x]) => [k, cents(x)])),
    visits,
  };
}
