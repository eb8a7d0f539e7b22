/**
 * The portfolio → site → building → floor → zone tree the views are laid out from. Built from the
 * devices' births (which carry site/building/floor/zone ids) and, when the run wrote one, the
 * topology document (metro and display names, zone areas, time zones). Sorted by id everywhere,
 * so the same trace always produces the same layout.
 */
import type { TopologyDoc } from '../config.ts';
import { KINDS } from './codes.ts';
import type { DeviceRegistry } from './registry.ts';

export interface ZoneNode {
  readonly id: string;
  readonly name: string;
  readonly area_m2: number;
  /** A residential unit (its id is the unit id, its name "Unit 302"); from the topology document. */
  readonly unit: boolean;
  readonly devices: number[];
}
export interface FloorNode {
  readonly id: string;
  readonly level: number;
  readonly label: string;
  readonly zones: ZoneNode[];
  /** Devices on the floor but in no zone (gateways). */
  readonly devices: number[];
  /** Every device on the floor, zones first. */
  readonly all: number[];
}
export interface BuildingNode {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly site: string;
  /** Highest level first: the order they are drawn top to bottom. */
  readonly floors: FloorNode[];
  readonly all: number[];
}
export interface SiteNode {
  readonly id: string;
  readonly name: string;
  readonly metro: string;
  readonly timezone: string;
  readonly buildings: BuildingNode[];
  readonly all: number[];
}
export interface MetroNode {
  readonly name: string;
  readonly sites: SiteNode[];
}
export interface Topology {
  readonly name: string;
  readonly metros: MetroNode[];
  readonly sites: SiteNode[];
  readonly by_building: Map<string, BuildingNode>;
  readonly by_floor: Map<string, { building: BuildingNode; floor: FloorNode }>;
  /** Device index → its building (undefined until born). */
  readonly building_of: Array<BuildingNode | undefined>;
  readonly floor_of: Array<FloorNode | undefined>;
  readonly timezone: string;
}

const KIND_ORDER = new Map<string, number>(KINDS.map((k, i) => [k, i]));
const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function levelOf(floor_id: string, fallback: number): number {
  const m = /-f(\d+)$/.exec(floor_id);
  return m ? Number(m[1]) : fallback;
}

function zoneName(zone_id: string, level: number): string {
  const m = /-z(\d+)$/.exec(zone_id);
  return m ? `Zone ${level}.${Number(m[1])}` : zone_id;
}

export function buildTopology(reg: DeviceRegistry, doc: TopologyDoc | null, fallback_name: string): Topology {
  // Names and metros from the document, when present.
  const site_doc = new Map(doc?.sites.map((s) => [s.id, s]) ?? []);
  const building_doc = new Map(doc?.sites.flatMap((s) => s.buildings.map((b) => [b.id, b] as const)) ?? []);
  const floor_doc = new Map(doc?.sites.flatMap((s) => s.buildings.flatMap((b) => b.floors.map((f) => [f.id, f] as const))) ?? []);
  const zone_doc = new Map(doc?.sites.flatMap((s) => s.buildings.flatMap((b) => b.floors.flatMap((f) => f.zones.map((z) => [z.id, z] as const)))) ?? []);

  type Acc = Map<string, Map<string, Map<string, { zones: Map<string, number[]>; loose: number[] }>>>;
  const acc: Acc = new Map();
  for (let d = 0; d < reg.size; d++) {
    const info = reg.info[d];
    if (!info) continue;
    let site = acc.get(info.site);
    if (!site) acc.set(info.site, (site = new Map()));
    let building = site.get(info.building);
    if (!building) site.set(info.building, (building = new Map()));
    let floor = building.get(info.floor);
    if (!floor) building.set(info.floor, (floor = { zones: new Map(), loose: [] }));
    if (info.zone === null) floor.loose.push(d);
    else {
      const z = floor.zones.get(info.zone) ?? [];
      z.push(d);
      floor.zones.set(info.zone, z);
    }
  }
  // Floors and zones the document lists stay on the plan even before any device there is born.
  for (const s of doc?.sites ?? []) {
    let site = acc.get(s.id);
    if (!site) acc.set(s.id, (site = new Map()));
    for (const b of s.buildings) {
      let building = site.get(b.id);
      if (!building) site.set(b.id, (building = new Map()));
      for (const f of b.floors) {
        let floor = building.get(f.id);
        if (!floor) building.set(f.id, (floor = { zones: new Map(), loose: [] }));
        for (const z of f.zones) if (!floor.zones.has(z.id)) floor.zones.set(z.id, []);
      }
    }
  }

  const sortDevices = (ds: number[]): number[] =>
    ds.sort((x, y) => {
      const kx = KIND_ORDER.get(reg.info[x]?.kind ?? '') ?? 99;
      const ky = KIND_ORDER.get(reg.info[y]?.kind ?? '') ?? 99;
      return kx - ky || (reg.ids[x]! < reg.ids[y]! ? -1 : 1);
    });

  const building_of: Array<BuildingNode | undefined> = [];
  const floor_of: Array<FloorNode | undefined> = [];
  const by_building = new Map<string, BuildingNode>();
  const by_floor = new Map<string, { building: BuildingNode; floor: FloorNode }>();
  const sites: SiteNode[] = [];
  for (const [site_id, buildings_acc] of acc) {
    const sd = site_doc.get(site_id);
    const buildings: BuildingNode[] = [];
    for (const [building_id, floors_acc] of buildings_acc) {
      const bd = building_doc.get(building_id);
      const floors: FloorNode[] = [];
      let fallback = 0;
      for (const [floor_id, f] of floors_acc) {
        const level = floor_doc.get(floor_id)?.level ?? levelOf(floor_id, ++fallback);
        const zones: ZoneNode[] = [...f.zones].map(([zone_id, ds]) => {
          const zd = zone_doc.get(zone_id);
          return { id: zone_id, name: zd?.name ?? zoneName(zone_id, level), area_m2: zd?.area_m2 ?? 120, unit: zd?.unit === true, devices: sortDevices(ds) };
        });
        zones.sort(byId);
        const loose = sortDevices(f.loose);
        floors.push({ id: floor_id, level, label: `Floor ${level}`, zones, devices: loose, all: [...zones.flatMap((z) => z.devices), ...loose] });
      }
      floors.sort((x, y) => y.level - x.level || (x.id < y.id ? -1 : 1));
      const b: BuildingNode = { id: building_id, name: bd?.name ?? building_id, type: bd?.type ?? '', site: site_id, floors, all: floors.flatMap((f) => f.all) };
      buildings.push(b);
    }
    buildings.sort(byId);
    const site: SiteNode = { id: site_id, name: sd?.name ?? site_id, metro: sd?.metro ?? site_id, timezone: sd?.timezone ?? 'UTC', buildings, all: buildings.flatMap((b) => b.all) };
    sites.push(site);
  }
  sites.sort(byId);
  for (const s of sites)
    for (const b of s.buildings) {
      by_building.set(b.id, b);
      for (const f of b.floors) {
        by_floor.set(f.id, { building: b, floor: f });
        for (const d of f.all) {
          building_of[d] = b;
          floor_of[d] = f;
        }
      }
    }
  const metro_map = new Map<string, SiteNode[]>();
  for (const s of sites) metro_map.set(s.metro, [...(metro_map.get(s.metro) ?? []), s]);
  // Metros in the order the document lists their first site (the scenario author's order), else by name.
  const doc_order = new Map<string, number>();
  doc?.sites.forEach((s, i) => {
    if (!doc_order.has(s.metro)) doc_order.set(s.metro, i);
  });
  const metros = [...metro_map].map(([name, ss]) => ({ name, sites: ss }));
  metros.sort((x, y) => (doc_order.get(x.name) ?? 1e9) - (doc_order.get(y.name) ?? 1e9) || (x.name < y.name ? -1 : 1));
  return { name: doc?.name ?? fallback_name, metros, sites, by_building, by_floor, building_of, floor_of, timezone: doc?.timezone ?? doc?.sites[0]?.timezone ?? sites[0]?.timezone ?? 'UTC' };
}
