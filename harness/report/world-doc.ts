/**
 * world.json, written beside a run's trace by `run --out`: what the trace does not say but a plot
 * of it needs — each site's timezone and outdoor weather (the devices sense it, nobody reports it),
 * and which zone, building and site each device sits in. The outdoor series come from the same
 * weather function the simulator ran on (WorldState.outdoor: a pure function of seed, site and
 * instant), sampled hourly, so `msp-twin inspect` plots the run's own weather without re-running it.
 */
import { WorldState } from '../../sim/world/world-state.ts';
import type { Portfolio } from '../../sim/world/topology.ts';
import type { BuildingType } from '../../sim/world/occupancy.ts';
import type { DeviceKind } from '../../platform/contract/messages.ts';
import { modelById } from '../../sim/devices/models.ts';
import { MS_PER_HOUR } from '../../common/time.ts';

export const WORLD_DOC_VERSION = 1;

export interface WorldDoc {
  v: typeof WORLD_DOC_VERSION;
  scenario: string;
  seed: string;
  start_ms: number;
  end_ms: number;
  sites: WorldSite[];
  zones: WorldZone[];
  devices: WorldDevice[];
}

export interface WorldSite {
  id: string;
  name: string;
  metro: string;
  timezone: string;
  /** Hourly samples from t0_ms: outdoor air temperature and relative humidity. */
  outdoor: { t0_ms: number; step_ms: number; temperature_c: number[]; humidity_pct: number[] };
}

export interface WorldZone {
  id: string;
  name: string;
  site_id: string;
  building_id: string;
  building_name: string;
  building_type: BuildingType;
  floor_id: string;
  area_m2: number;
  capacity_people: number;
  /**
   * For a zone without a controller of its own: the zone whose controller's unit conditions it,
   * or null when none does (it floats). Absent for a controlled zone, and in documents written
   * before 2026-12-05.
   */
  served_by?: string | null;
}

export interface WorldDevice {
  id: string;
  kind: DeviceKind;
  model: string;
  site_id: string;
  building_id: string;
  floor_id: string;
  zone_id: string | null;
  /** Longest healthy gap between reports (the model's heartbeat): a longer silence is a gap in a plot. */
  heartbeat_ms: number;
}

const round2 = (v: number): number => Math.round(v * 100) / 100;

export function worldDocument(portfolio: Portfolio, scenario: string, seed: string, start_ms: number, end_ms: number): WorldDoc {
  const world = new WorldState(portfolio, seed, start_ms);
  const t0_ms = Math.floor(start_ms / MS_PER_HOUR) * MS_PER_HOUR;
  const sites: WorldSite[] = portfolio.sites.map((site) => {
    const temperature_c: number[] = [];
    const humidity_pct: number[] = [];
    for (let t = t0_ms; t <= end_ms + MS_PER_HOUR - 1; t += MS_PER_HOUR) {
      const o = world.outdoor(site, t);
      temperature_c.push(round2(o.temperature_c));
      humidity_pct.push(round2(o.humidity_pct));
    }
    return { id: site.id, name: site.name, metro: site.metro, timezone: site.timezone, outdoor: { t0_ms, step_ms: MS_PER_HOUR, temperature_c, humidity_pct } };
  });
  const zones: WorldZone[] = [];
  for (const site of portfolio.sites) {
    for (const b of site.buildings) {
      for (const f of b.floors) {
        for (const z of f.zones) {
          const model = world.zone(z.id);
          const served_by = model?.controlled ? undefined : (model?.served_by?.zone.id ?? null);
          zones.push({ id: z.id, name: z.name, site_id: site.id, building_id: b.id, building_name: b.name, building_type: b.type, floor_id: f.id, area_m2: z.area_m2, capacity_people: z.capacity_people, ...(served_by !== undefined ? { served_by } : {}) });
        }
      }
    }
  }
  const devices: WorldDevice[] = portfolio.devices.map((d) => ({ id: d.id, kind: d.kind, model: d.model, site_id: d.site_id, building_id: d.building_id, floor_id: d.floor_id, zone_id: d.zone_id, heartbeat_ms: modelById(d.model).report.heartbeat_ms }));
  return { v: WORLD_DOC_VERSION, scenario, seed, start_ms, end_ms, sites, zones, devices };
}
