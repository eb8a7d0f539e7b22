import type { Platform } from '../../platform/core/platform.ts';
import type { RolloutStatus } from '../../platform/patching/types.ts';
import type { SlaReport } from '../../platform/sla/ledger.ts';
import type { AlertView, IncidentView, Noc, NocStats, OperatorPort } from '../../sim/actors/noc.ts';
import type { Portfolio } from '../../sim/world/topology.ts';

/** What the platform knows from the deployment's configuration rather than from messages. */
export function siteTimezones(portfolio: Portfolio): (site_id: string) => string {
  const tz = new Map(portfolio.sites.map((s) => [s.id, s.timezone]));
  return (id) => tz.get(id) ?? 'UTC';
}

export function buildingTypes(portfolio: Portfolio): (building_id: string) => string | undefined {
  const types = new Map(portfolio.sites.flatMap((s) => s.buildings.map((b) => [b.id, b.type] as const)));
  return (id) => types.get(id);
}

/** The simulated NOC's console: the platform's incidents, and its actions queued as operator commands (the platform as it is now: a restart replaces it). */
export function operatorPort(platform: () => Platform): OperatorPort {
  return {
    incidents: (): IncidentView[] =>
      platform().incidents.all().map((i) => ({ id: i.id, priority: i.priority, site: i.site, cause: i.cause, status: i.status, device_ids: i.device_ids, response_due_ms: i.response_due_ms })),
    alerts: (): AlertView[] => platform().alerts.active().map((a) => ({ id: a.id, type: a.type, device_id: a.device_id, status: a.status })),
    act: (a) => platform().enqueue({ at_ms: a.at_ms, kind: a.kind, target: 'incident', id: a.incident_id, by: a.by }),
  };
}

export interface PlatformSummary {
  readonly devices_by_liveness: Record<string, number>;
  readonly alerts: number;
  readonly alerts_by_type: Record<string, number>;
  readonly alerts_inhibited: number;
  readonly incidents_by_priority: Record<string, number>;
  readonly incidents_open: number;
  readonly availability: number;
  readonly patch_coverage: number;
  /** Service credit reached (fraction of the fee) and the money, when the contract has tiers / a fee. */
  readonly credit: { readonly pct: number; readonly amount: number | null; readonly currency: string | null } | null;
  readonly mtta_ms: number | null;
  readonly mttr_ms: number | null;
  readonly ingest_accepted: number;
  readonly ingest_rejected: number;
  readonly noc: NocStats | null;
  /** Every rollout's final status (state, waves, counts, failures by class). */
  readonly rollouts: readonly RolloutStatus[];
}

function count<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort((a, b) => (a[0] < b[0] ? -1 : 1)));
}

function mean(xs: readonly number[]): number | null {
  return xs.length === 0 ? null : Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
}

/** `report` is the run's one final SLA report (computing it journals it, so it is made once). */
export function platformSummary(platform: Platform, report: SlaReport, noc: Noc | undefined): PlatformSummary {
  const alerts = platform.alerts.all();
  const incidents = platform.incidents.all();
  const ingest = platform.ingest.stats();
  return {
    devices_by_liveness: { ...platform.registry.stats().by_liveness },
    alerts: alerts.length,
    alerts_by_type: count(alerts, (a) => a.type),
    alerts_inhibited: alerts.filter((a) => a.inhibited_by !== null).length,
    incidents_by_priority: count(incidents, (i) => i.priority),
    incidents_open: incidents.filter((i) => i.status !== 'resolved').length,
    availability: report.portfolio.availability,
    patch_coverage: report.patch.coverage,
    credit: report.credits.tiers.length > 0 ? { pct: report.credits.credit_pct, amount: report.credits.amount_owed, currency: report.credits.currency } : null,
    mtta_ms: mean(incidents.filter((i) => i.acked_ms !== null).map((i) => i.acked_ms! - i.opened_ms)),
    mttr_ms: mean(incidents.filter((i) => i.resolved_ms !== null).map((i) => i.resolved_ms! - i.opened_ms)),
    ingest_accepted: ingest.accepted,
    ingest_rejected: ingest.total - ingest.accepted,
    noc: noc ? { ...noc.stats } : null,
    rollouts: platform.patching.list(),
  };
}
