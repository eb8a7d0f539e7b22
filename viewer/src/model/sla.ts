/**
 * The three SLA gauges, computed from the folded state at the state's time with the formulas of
 * docs/sla.md, simplified where the trace lacks the input (documented in docs/viewer.md):
 * availability is 24×7 (no service hours, maintenance windows or exclusions); response compliance
 * and patch coverage are exact given the contract in topology.json (defaults otherwise).
 */
import type { TopologyDoc } from '../config.ts';
import { STATUSES, type Status } from './codes.ts';
import type { FleetState } from './fleet-state.ts';

export const DEFAULT_RESPONSE_TARGETS_MS: Readonly<Record<string, number>> = { P1: 15 * 60_000, P2: 3_600_000, P3: 4 * 3_600_000, P4: 86_400_000 };
export const DEFAULT_AVAILABILITY_TARGET = 0.995;

export interface Gauges {
  availability: number;
  availability_target: number;
  response_compliance: number;
  responses_met: number;
  responses_breached: number;
  responses_pending: number;
  patch_coverage: number;
  patch_compliant: number;
  devices: number;
  by_status: Record<Status, number>;
}

export function computeGauges(state: FleetState, contract: TopologyDoc['contract'] | null): Gauges {
  const T = state.t;
  const c = state.c;
  const reg = state.registry;
  const n = reg.size;
  const by_status = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  let agreed = 0;
  let down = 0;
  let devices = 0;
  let compliant = 0;
  const approved = contract?.approved_firmware ?? {};
  for (let d = 0; d < n; d++) {
    const s = c.status[d]!;
    by_status[STATUSES[s]!]++;
    if (!c.born[d]) continue;
    devices++;
    const from = c.first_birth[d]!;
    if (T > from) {
      agreed += T - from;
      let dm = c.down_ms[d]!;
      if (!Number.isNaN(c.down_since[d]!)) dm += Math.max(0, T - c.down_since[d]!);
      down += Math.min(dm, T - from);
    }
    const model = reg.info[d]?.model;
    const want = model !== undefined ? approved[model] : undefined;
    if (want === undefined || reg.strings[c.fw[d]!] === want) compliant++;
  }
  const targets = contract?.response_targets_ms ?? DEFAULT_RESPONSE_TARGETS_MS;
  let met = 0;
  let breached = 0;
  let pending = 0;
  for (const inc of state.incidents.values()) {
    const due = inc.opened_t + (targets[inc.pri] ?? DEFAULT_RESPONSE_TARGETS_MS[inc.pri] ?? 86_400_000);
    const responded = inc.acked_t ?? inc.resolved_t;
    if (responded !== null) {
      if (responded <= due) met++;
      else breached++;
    } else if (due < T) breached++;
    else pending++;
  }
  return {
    availability: agreed > 0 ? (agreed - down) / agreed : 1,
    availability_target: contract?.availability_target ?? DEFAULT_AVAILABILITY_TARGET,
    response_compliance: met + breached > 0 ? met / (met + breached) : 1,
    responses_met: met,
    responses_breached: breached,
    responses_pending: pending,
    patch_coverage: devices > 0 ? compliant / devices : 1,
    patch_compliant: compliant,
    devices,
    by_status,
  };
}
