import type { Portfolio } from '../../../sim/world/topology.ts';

/**
 * Which shard holds which site (docs/scale-out.md). Largest sites first, each to the shard with
 * the fewest devices so far (the lower index on a tie): a deterministic, roughly even split. The
 * trace does not depend on it — any split gives the same hash — only the balance does.
 */
export function assignSites(portfolio: Portfolio, shards: number): Map<string, number> {
  const devices = new Map<string, number>();
  for (const d of portfolio.devices) devices.set(d.site_id, (devices.get(d.site_id) ?? 0) + 1);
  const sites = portfolio.sites.map((s) => s.id).sort((a, b) => (devices.get(b) ?? 0) - (devices.get(a) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
  const load = new Array<number>(shards).fill(0);
  const out = new Map<string, number>();
  for (const site of sites) {
    let best = 0;
    for (let i = 1; i < shards; i++) if (load[i]! < load[best]!) best = i;
    out.set(site, best);
    load[best]! += devices.get(site) ?? 0;
  }
  return out;
}

/** The part of the portfolio one shard simulates: its sites and their devices, in portfolio order. */
export function shardPortfolio(portfolio: Portfolio, assignment: ReadonlyMap<string, number>, index: number): Portfolio {
  return {
    name: portfolio.name,
    sites: portfolio.sites.filter((s) => assignment.get(s.id) === index),
    devices: portfolio.devices.filter((d) => assignment.get(d.site_id) === index),
  };
}
