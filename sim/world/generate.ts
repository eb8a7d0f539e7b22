import type { DeviceKind } from '../../platform/contract/messages.ts';
import { DEVICE_KINDS } from '../../platform/contract/messages.ts';
import { SimError } from '../kernel/errors.ts';
import { DEFAULT_MODEL, modelById } from '../devices/models.ts';
import { metroClimate } from './climate-normals.ts';
import { stringHash32 } from './hash-noise.ts';
import type { BuildingType } from './occupancy.ts';
import type { Climate } from './weather.ts';
import type { BuildingSpec, DeviceEntry, FleetSpec, SiteSpec, ZoneSpec } from './fleet-spec.ts';
import type { Building, DeviceSpec, Floor, Portfolio, Site, Zone } from './topology.ts';
import { isValidTimezone } from '../../platform/contract/local-time.ts';

/**
 * Expands a fleet spec into a topology. Everything here is a function of the spec alone: ids come
 * from positions in the layout and choices (firmware mix, serials) from stable hashes of ids, never
 * from an RNG's draw order, so adding a building or a device never renames or re-rolls another.
 */
const ABBREV: Readonly<Record<DeviceKind, string>> = {
  occupancy: 'occ',
  env: 'env',
  leak: 'leak',
  lock: 'lock',
  hvac: 'hvac',
  lighting: 'lgt',
  gateway: 'gw',
};

/** Floor area per person by building use (office ≈ 10 m², retail floor ≈ 5 m², homes ≈ 30 m²). */
const AREA_PER_PERSON_M2: Readonly<Record<BuildingType, number>> = {
  office: 10,
  clinic: 12,
  retail: 5,
  multifamily: 30,
  home: 35,
};

export const DEFAULT_CLIMATE: Climate = {
  mean_c: 13,
  seasonal_amplitude_c: 11,
  diurnal_amplitude_c: 5,
  humidity_mean_pct: 62,
  latitude_deg: 40,
};

/**
 * A site's climate: what the scenario spells out wins; otherwise the metro's monthly normals when
 * the metro is bundled (climate-normals.ts), else a generic mid-latitude climate.
 */
export function siteClimate(metro: string, given: Partial<Climate> | undefined): Climate {
  if (given !== undefined) return { ...DEFAULT_CLIMATE, ...given };
  const known = metroClimate(metro);
  if (known === undefined) return DEFAULT_CLIMATE;
  return { ...DEFAULT_CLIMATE, latitude_deg: known.latitude_deg, normals: known.normals };
}

export const DEFAULT_DEVICES_PER_GATEWAY = 64;
export const MAX_DEVICES = 1_000_000;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

function pickFirmware(device_id: string, model_id: string, mix: Record<string, number> | undefined, fallback: string): string {
  if (!mix) return fallback;
  const entries = Object.entries(mix)
    .filter(([, w]) => w > 0)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const total = entries.reduce((s, [, w]) => s + w, 0);
  if (total <= 0) return fallback;
  // Integer buckets out of 10,000 so fractional weights still give an exact, stable split.
  const point = (stringHash32(`${device_id}/firmware/${model_id}`) % 10_000) / 10_000;
  let acc = 0;
  for (const [version, weight] of entries) {
    acc += weight / total;
    if (point < acc) return version;
  }
  return entries[entries.length - 1]![0];
}

function serialFor(device_id: string, model_id: string): string {
  const model = modelById(model_id);
  const prefix = model.vendor
    .split(/\s+/)
    .map((w) => w[0]!.toUpperCase())
    .join('');
  return `${prefix}-${stringHash32(`${device_id}/serial`).toString(16).toUpperCase().padStart(8, '0')}`;
}

interface BuildContext {
  readonly site: SiteSpec;
  readonly spec: BuildingSpec;
  readonly building_id: string;
  readonly devices: DeviceSpec[];
  readonly devices_per_gateway: number;
  /** One array per distinct tag list in the building: a building's devices mostly share theirs. */
  readonly tag_lists: Map<string, readonly string[]>;
}

/** The building's copy of a sorted tag list (an array per device was ~40 bytes each for the same few tags). */
function sharedTags(ctx: BuildContext, tags: readonly string[]): readonly string[] {
  const key = tags.join('\u0000');
  let shared = ctx.tag_lists.get(key);
  if (shared === undefined) {
    shared = Object.freeze(tags.slice());
    ctx.tag_lists.set(key, shared);
  }
  return shared;
}

function makeDevice(ctx: BuildContext, entry: { kind: DeviceKind; id: string; model?: string | undefined; firmware?: string | undefined; critical?: boolean | undefined; tags?: readonly string[] | undefined }, floor_id: string, zone_id: string | null): DeviceSpec {
  const model_id = entry.model ?? ctx.spec.models?.[entry.kind] ?? DEFAULT_MODEL[entry.kind];
  const model = modelById(model_id);
  if (model.kind !== entry.kind) {
    throw new SimError('SIM_INVALID_TOPOLOGY', `device ${entry.id}: model ${model_id} is a ${model.kind}, not a ${entry.kind}`);
  }
  const firmware = entry.firmware ?? pickFirmware(entry.id, model_id, ctx.spec.firmware?.[model_id], model.default_firmware);
  return {
    id: entry.id,
    kind: entry.kind,
    model: model_id,
    serial: serialFor(entry.id, model_id),
    firmware,
    site_id: ctx.site.id,
    building_id: ctx.building_id,
    floor_id,
    zone_id,
    gateway_id: null,
    critical: entry.critical ?? ctx.spec.critical_kinds?.includes(entry.kind) ?? false,
    tags: sharedTags(ctx, [...(ctx.spec.tags ?? []), ...(entry.tags ?? [])].sort()),
  };
}

function expandEntries(entries: readonly DeviceEntry[], id_base: string, counters: Map<DeviceKind, number>): Array<DeviceEntry & { id: string }> {
  const out: Array<DeviceEntry & { id: string }> = [];
  for (const entry of entries) {
    const count = entry.count ?? 1;
    for (let i = 0; i < count; i++) {
      const n = (counters.get(entry.kind) ?? 0) + 1;
      counters.set(entry.kind, n);
      const id = entry.id !== undefined ? (count > 1 ? `${entry.id}-${i + 1}` : entry.id) : `${id_base}-${ABBREV[entry.kind]}-${pad(n, 3)}`;
      out.push({ ...entry, id });
    }
  }
  return out;
}

function countsToEntries(counts: Partial<Record<DeviceKind, number>> | undefined): DeviceEntry[] {
  if (!counts) return [];
  return DEVICE_KINDS.filter((k) => k !== 'gateway' && (counts[k] ?? 0) > 0).map((kind) => ({ kind, count: counts[kind]! }));
}

/** A zone to build; `unit_id` makes it a residential unit with that id. */
type PlannedZone = ZoneSpec & { readonly unit_id?: string };

/** `riverside-1-3-02`: the building, the floor's level and the unit's number on the floor. */
export function unitId(building_id: string, level: number, n: number): string {
  return `${building_id}-${level}-${pad(n, 2)}`;
}

function buildFloor(ctx: BuildContext, level: number, zone_specs: readonly PlannedZone[], floor_entries: readonly DeviceEntry[]): Floor {
  const floor_id = `${ctx.building_id}-f${pad(level, 2)}`;
  const counters = new Map<DeviceKind, number>();
  const floor_devices: DeviceSpec[] = [];
  let common_n = 0;
  const zones: Zone[] = zone_specs.map((z) => {
    // Units are numbered among units, common zones among common zones (z01 stays z01 beside units).
    if (z.unit_id === undefined) common_n += 1;
    const zone_id = z.unit_id ?? z.id ?? `${floor_id}-z${pad(common_n, 2)}`;
    const area_m2 = z.area_m2 ?? ctx.spec.zone_area_m2 ?? 120;
    for (const entry of expandEntries(z.devices, floor_id, counters)) {
      const d = makeDevice(ctx, entry, floor_id, zone_id);
      floor_devices.push(z.unit_id === undefined ? d : { ...d, unit_id: z.unit_id });
    }
    return {
      id: zone_id,
      floor_id,
      building_id: ctx.building_id,
      site_id: ctx.site.id,
      name: z.name ?? `Zone ${level}.${common_n}`,
      area_m2,
      capacity_people: Math.max(1, Math.round(area_m2 / AREA_PER_PERSON_M2[ctx.spec.type])),
      ...(z.unit_id !== undefined ? { unit: true as const } : {}),
    };
  });
  // Floor-level devices (entrance readers, riser leak sensors) sit in the floor's first common
  // zone (a corridor), or in its first unit when the floor is all units.
  const host_zone = zones.find((z) => z.unit !== true) ?? zones[0];
  const first_zone = host_zone?.id ?? null;
  for (const entry of expandEntries(floor_entries, floor_id, counters)) {
    const d = makeDevice(ctx, entry, floor_id, first_zone);
    floor_devices.push(host_zone?.unit === true ? { ...d, unit_id: host_zone.id } : d);
  }

  if (floor_devices.length > 0) {
    const gateway_count = Math.ceil(floor_devices.length / ctx.devices_per_gateway);
    const gateways = expandEntries([{ kind: 'gateway', count: gateway_count }], floor_id, counters).map((e) => makeDevice(ctx, e, floor_id, null));
    // Each device joins a gateway chosen by a stable hash of its id (as a radio joins whichever
    // coordinator is nearest): adding a device never moves another one to a different gateway.
    for (const d of floor_devices) {
      ctx.devices.push({ ...d, gateway_id: gateways[stringHash32(`${d.id}/gateway`) % gateway_count]!.id });
    }
    ctx.devices.push(...gateways);
  }
  return { id: floor_id, building_id: ctx.building_id, level, zones };
}

function buildBuilding(site: SiteSpec, spec: BuildingSpec, building_id: string, name: string, devices: DeviceSpec[], fleet: FleetSpec): Building {
  const ctx: BuildContext = {
    site,
    spec,
    building_id,
    devices,
    devices_per_gateway: spec.devices_per_gateway ?? fleet.devices_per_gateway ?? DEFAULT_DEVICES_PER_GATEWAY,
    tag_lists: new Map(),
  };
  let floors: Floor[];
  if (spec.layout) {
    floors = spec.layout.map((f) => buildFloor(ctx, f.level, f.zones, []));
  } else {
    const floor_count = spec.floors ?? 1;
    const unit_count = spec.units_per_floor ?? 0;
    const zone_count = spec.zones_per_floor ?? (unit_count > 0 ? 0 : 1);
    const zone_entries = countsToEntries(spec.per_zone);
    const unit_entries = countsToEntries(spec.per_unit);
    const floor_entries = countsToEntries(spec.per_floor);
    floors = [];
    for (let level = 1; level <= floor_count; level++) {
      // Units first, so a unit's devices number as the floor's first (…-f03-lock-002 is in unit 3-02).
      const units: PlannedZone[] = Array.from({ length: unit_count }, (_, i) => ({ unit_id: unitId(building_id, level, i + 1), name: `Unit ${level}${pad(i + 1, 2)}`, devices: unit_entries }));
      const zones: PlannedZone[] = Array.from({ length: zone_count }, () => ({ devices: zone_entries }));
      floors.push(buildFloor(ctx, level, [...units, ...zones], floor_entries));
    }
  }
  return { id: building_id, site_id: site.id, name, type: spec.type, floors };
}

export function generatePortfolio(name: string, fleet: FleetSpec): Portfolio {
  const devices: DeviceSpec[] = [];
  const site_ids = new Set<string>();
  const sites: Site[] = fleet.sites.map((s) => {
    if (site_ids.has(s.id)) throw new SimError('SIM_INVALID_TOPOLOGY', `duplicate site id "${s.id}"`);
    site_ids.add(s.id);
    if (!isValidTimezone(s.timezone)) throw new SimError('SIM_INVALID_TOPOLOGY', `site ${s.id}: unknown IANA timezone "${s.timezone}"`);
    const buildings: Building[] = [];
    for (const b of s.buildings) {
      const count = b.count ?? 1;
      for (let i = 1; i <= count; i++) {
        const id = count > 1 ? `${b.id}-${i}` : b.id;
        const label = b.name ?? b.id;
        buildings.push(buildBuilding(s, b, id, count > 1 ? `${label} ${i}` : label, devices, fleet));
      }
    }
    return {
      id: s.id,
      name: s.name ?? s.id,
      metro: s.metro,
      timezone: s.timezone,
      climate: siteClimate(s.metro, s.climate),
      buildings: buildings.sort((a, b) => (a.id < b.id ? -1 : 1)),
    };
  });
  if (devices.length > MAX_DEVICES) throw new SimError('SIM_BOUND_EXCEEDED', `fleet has ${devices.length} devices (limit ${MAX_DEVICES})`);
  devices.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (let i = 1; i < devices.length; i++) {
    if (devices[i]!.id === devices[i - 1]!.id) throw new SimError('SIM_INVALID_TOPOLOGY', `duplicate device id "${devices[i]!.id}"`);
  }
  return { name, sites: sites.sort((a, b) => (a.id < b.id ? -1 : 1)), devices };
}
