import type { Simulation } from '../simulation.ts';
import type { Site } from '../world/topology.ts';
import type { NocWorld } from './noc.ts';

/**
 * The NOC's view of one simulator holding the whole portfolio: it reads the twins at the step
 * boundary and books repairs on the simulator's queue. A sharded run gives the NOC the same from
 * its shards' reports (harness/run/shards/noc-world.ts).
 */
export function simulationNocWorld(sim: Simulation): NocWorld {
  const sites = new Map<string, Site>(sim.config.portfolio.sites.map((s) => [s.id, s]));
  return {
    get now_ms() {
      return sim.clock.now_ms;
    },
    rng: (name) => sim.rng.get(name),
    fact: (fields) => sim.fact('noc', fields),
    site: (id) => sites.get(id),
    local: (site, t_ms) => sim.world.local(site, t_ms),
    device: (id) => {
      const twin = sim.device(id);
      return twin === undefined ? undefined : { site_id: twin.spec.site_id, model: twin.spec.model, battery: twin.battery !== null };
    },
    dead: (id) => sim.device(id)?.power === 'dead',
    bricked: (id) => sim.device(id)?.ota?.bricked === true,
    repair: (at_ms, devices, by) => sim.scheduleRepair(at_ms, devices, by),
  };
}
