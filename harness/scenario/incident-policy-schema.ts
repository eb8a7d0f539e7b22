import { z } from 'zod';
import { RULE_NAMES, type IncidentPolicy, type IncidentPolicyScope } from '../../platform/monitoring/rules.ts';
import type { Severity } from '../../platform/core/model.ts';
import type { FleetSpec } from '../../sim/world/fleet-spec.ts';
import { didYouMean } from './did-you-mean.ts';
import type { SemanticIssue } from './load-yaml.ts';

/**
 * `platform.incident_policy` in a scenario file: which alerts open incidents, per client
 * (docs/monitoring.md "Which alerts open incidents"). A portfolio default (`min_severity`) and
 * overrides for sites, buildings, or a contract client (which stands for its sites and buildings);
 * per rule, a scope says `true` (open) or `false` (never). The platform's side is
 * `MonitoringConfig.incident_policy` (platform/monitoring/rules.ts).
 */
const SEVERITY = z.enum(['critical', 'major', 'minor', 'warning']);
const ALERT_TYPES = [...RULE_NAMES, 'threshold'] as const;

const zScope = z.strictObject({
  min_severity: SEVERITY.optional(),
  rules: z.partialRecord(z.enum(ALERT_TYPES), z.boolean()).optional(),
});
type ScopeInput = z.infer<typeof zScope>;

export const zIncidentPolicy = z.strictObject({
  /** The lowest severity that opens an incident (default minor: a warning pages nobody). */
  min_severity: SEVERITY.optional(),
  sites: z.record(z.string(), zScope).optional(),
  buildings: z.record(z.string(), zScope).optional(),
  /** A client of `platform.contract.clients`: the override applies to its sites and buildings. */
  clients: z.record(z.string(), zScope).optional(),
});
export type IncidentPolicyInput = z.infer<typeof zIncidentPolicy>;

interface ClientPlaces {
  readonly id: string;
  readonly sites?: readonly string[] | undefined;
  readonly buildings?: readonly string[] | undefined;
}

/** The building ids the generator makes (`count: n` stamps out `<id>-1 … <id>-n`). */
export function buildingIds(fleet: FleetSpec): string[] {
  const out: string[] = [];
  for (const s of fleet.sites) {
    for (const b of s.buildings) {
      const n = b.count ?? 1;
      if (n === 1) out.push(b.id);
      else for (let i = 1; i <= n; i++) out.push(`${b.id}-${i}`);
    }
  }
  return out.sort();
}

const hint = (word: string, candidates: readonly string[]): string => {
  const hit = didYouMean(word, [...candidates]);
  return hit === undefined ? '' : ` (did you mean "${hit}"?)`;
};

/** Sites, buildings and clients named in the policy exist (with a did-you-mean). */
export function checkIncidentPolicy(policy: IncidentPolicyInput | undefined, fleet: FleetSpec, clients: readonly ClientPlaces[]): SemanticIssue[] {
  if (policy === undefined) return [];
  const issues: SemanticIssue[] = [];
  const at = (...path: string[]): Array<string | number> => ['platform', 'incident_policy', ...path];
  const sites = fleet.sites.map((s) => s.id).sort();
  const buildings = buildingIds(fleet);
  const client_ids = clients.map((c) => c.id).sort();
  for (const s of Object.keys(policy.sites ?? {})) if (!sites.includes(s)) issues.push({ path: at('sites', s), message: `no site "${s}" in the fleet${hint(s, sites)}` });
  for (const b of Object.keys(policy.buildings ?? {})) if (!buildings.includes(b)) issues.push({ path: at('buildings', b), message: `no building "${b}" in the fleet${hint(b, buildings)}` });
  for (const c of Object.keys(policy.clients ?? {})) {
    if (!client_ids.includes(c)) {
      issues.push({ path: at('clients', c), message: client_ids.length === 0 ? `no client "${c}": platform.contract lists no clients` : `no client "${c}" in platform.contract.clients${hint(c, client_ids)}` });
    }
  }
  return issues;
}

function mergeScope(into: IncidentPolicyScope, from: ScopeInput): void {
  if (from.min_severity !== undefined) into.min_severity = from.min_severity;
  if (from.rules !== undefined) into.rules = { ...into.rules, ...from.rules };
}

/**
 * The platform's incident policy (the part the file gives). A client's override lands on each of its
 * sites and buildings; a site or building named directly refines it (its fields win).
 */
export function resolveIncidentPolicy(policy: IncidentPolicyInput | undefined, clients: readonly ClientPlaces[]): Partial<IncidentPolicy> | undefined {
  if (policy === undefined) return undefined;
  const scopes = new Map<string, IncidentPolicyScope>();
  const scopeOf = (kind: 'site' | 'building', id: string): IncidentPolicyScope => {
    const key = `${kind}:${id}`;
    let s = scopes.get(key);
    if (s === undefined) scopes.set(key, (s = kind === 'site' ? { site: id } : { building: id }));
    return s;
  };
  for (const [id, sc] of Object.entries(policy.clients ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const client = clients.find((c) => c.id === id);
    for (const site of client?.sites ?? []) mergeScope(scopeOf('site', site), sc);
    for (const building of client?.buildings ?? []) mergeScope(scopeOf('building', building), sc);
  }
  for (const [id, sc] of Object.entries(policy.sites ?? {})) mergeScope(scopeOf('site', id), sc);
  for (const [id, sc] of Object.entries(policy.buildings ?? {})) mergeScope(scopeOf('building', id), sc);
  const out: Partial<IncidentPolicy> = { scopes: [...scopes.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, s]) => s) };
  if (policy.min_severity !== undefined) out.min_severity = policy.min_severity as Severity;
  return out;
}
