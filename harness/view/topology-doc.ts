import type { TopologyDoc } from '../../platform/contract/viewer-docs.ts';
import { defaultContract } from '../../platform/sla/contract.ts';
import type { Scenario } from '../scenario/scenario.ts';
import type { Portfolio } from '../../sim/world/topology.ts';

/**
 * DIR/topology.json: what births do not carry (metro and display names, time zones, zone areas)
 * plus the SLA terms the run's platform used, so the viewer can group sites by metro and compute
 * its gauges with the run's own contract. Devices are not listed: their births say where they are.
 */
export function topologyDocument(portfolio: Portfolio, scenario: Scenario): TopologyDoc {
  const contract = { ...defaultContract(), ...scenario.platform.contract };
  return {
    v: 1,
    name: portfolio.name,
    timezone: scenario.start_timezone,
    sites: portfolio.sites.map((s) => ({
      id: s.id,
      name: s.name,
      metro: s.metro,
      timezone: s.timezone,
      buildings: s.buildings.map((b) => ({
        id: b.id,
        name: b.name,
        type: b.type,
        floors: b.floors.map((f) => ({ id: f.id, level: f.level, zones: f.zones.map((z) => ({ id: z.id, name: z.name, area_m2: z.area_m2, ...(z.unit === true ? { unit: true as const } : {}) })) })),
      })),
    })),
    contract: { availability_target: contract.availability_target, response_targets_ms: { ...contract.response_targets_ms }, approved_firmware: { ...contract.approved_firmware } },
  };
}
