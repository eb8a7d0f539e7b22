import { stringHash32, valueNoise } from './hash-noise.ts';
import { localTime, type LocalTime } from '../../platform/contract/local-time.ts';
import { occupancyFraction, type BuildingType } from './occupancy.ts';
import { daylightFraction } from './daylight.ts';
import { advanceZone, defaultZoneThermal, type HvacMode, type ZoneThermalParams, type ZoneThermalState } from './thermal.ts';
import { outdoorConditions, type Outdoor } from './weather.ts';
import type { Building, Portfolio, Site, Zone } from './topology.ts';

/** What an HVAC controller commands for its zone; the zone model integrates it. */
export interface HvacDrive {
  setpoint_c: number;
  mode: HvacMode;
  /** 1 healthy … 0 failed compressor/fan (faults lower it). */
  health: number;
}

const OCCUPANCY_NOISE_PERIOD_MS = 15 * 60_000;

/**
 * One zone's physical state: temperature and humidity integrated lazily (only when a device looks
 * at it) from the last update, with the HVAC drive and occupants as of the moment of the update.
 * Lazy integration keeps a quiet zone free while staying deterministic: the event order decides
 * when updates happen, and the event order is total.
 */
export class ZoneModel {
  readonly zone: Zone;
  readonly site: Site;
  readonly building_type: BuildingType;
  readonly params: ZoneThermalParams;
  readonly #world: WorldState;
  readonly #noise_seed: number;
  state: ZoneThermalState;
  updated_ms: number;
  hvac: HvacDrive | null = null;
  last_hvac_power_w = 0;

  constructor(world: WorldState, zone: Zone, site: Site, building: Building, seed: string, start_ms: number) {
    this.#world = world;
    this.zone = zone;
    this.site = site;
    this.building_type = building.type;
    this.params = defaultZoneThermal(zone.area_m2);
    this.#noise_seed = stringHash32(`${seed}/zone/${zone.id}`);
    // Start at a plausible indoor temperature: between outdoor and a comfortable 21 °C.
    const outdoor = world.outdoor(site, start_ms);
    this.state = { temperature_c: 21 + (outdoor.temperature_c - 21) * 0.15, humidity_pct: 45 };
    this.updated_ms = start_ms;
  }

  /** Expected people present: schedule × capacity, with smooth per-zone variation. */
  occupantsAt(now_ms: number): number {
    const local = this.#world.local(this.site, now_ms);
    const expected = occupancyFraction(this.building_type, local) * this.zone.capacity_people;
    const wobble = 1 + 0.35 * valueNoise(this.#noise_seed, now_ms / OCCUPANCY_NOISE_PERIOD_MS);
    return Math.max(0, Math.round(expected * wobble));
  }

  advanceTo(now_ms: number): ZoneThermalState {
    const dt_ms = now_ms - this.updated_ms;
    if (dt_ms <= 0) return this.state;
    const outdoor = this.#world.outdoor(this.site, this.updated_ms);
    const drive = this.hvac;
    const step = advanceZone(this.params, this.state, {
      outdoor_c: outdoor.temperature_c,
      outdoor_humidity_pct: outdoor.humidity_pct,
      setpoint_c: drive?.setpoint_c ?? 21,
      hvac_mode: drive?.mode ?? 'off',
      hvac_health: drive?.health ?? 0,
      occupants: this.occupantsAt(this.updated_ms),
    }, dt_ms);
    this.state = step.state;
    this.last_hvac_power_w = step.hvac_power_w;
    this.updated_ms = now_ms;
    return this.state;
  }
}

const OUTDOOR_CACHE_MS = 5 * 60_000;

/** The world the devices sense: sites' weather and local time, and every zone's model. */
export class WorldState {
  readonly portfolio: Portfolio;
  readonly #seed: string;
  readonly #zones = new Map<string, ZoneModel>();
  readonly #weather_seeds = new Map<string, number>();
  readonly #outdoor_cache = new Map<string, { bucket: number; value: Outdoor }>();

  constructor(portfolio: Portfolio, seed: string, start_ms: number) {
    this.portfolio = portfolio;
    this.#seed = seed;
    for (const site of portfolio.sites) {
      this.#weather_seeds.set(site.id, stringHash32(`${seed}/weather/${site.id}`));
      for (const building of site.buildings) {
        for (const floor of building.floors) {
          for (const zone of floor.zones) this.#zones.set(zone.id, new ZoneModel(this, zone, site, building, seed, start_ms));
        }
      }
    }
  }

  zone(zone_id: string): ZoneModel | undefined {
    return this.#zones.get(zone_id);
  }

  zones(): IterableIterator<ZoneModel> {
    return this.#zones.values();
  }

  local(site: Site, now_ms: number): LocalTime {
    return localTime(site.timezone, now_ms);
  }

  /** Outdoor conditions, held constant within 5-minute buckets (weather moves slower than that). */
  outdoor(site: Site, now_ms: number): Outdoor {
    const bucket = Math.floor(now_ms / OUTDOOR_CACHE_MS);
    const cached = this.#outdoor_cache.get(site.id);
    if (cached && cached.bucket === bucket) return cached.value;
    const value = outdoorConditions(site.climate, this.#weather_seeds.get(site.id) ?? 0, site.timezone, bucket * OUTDOOR_CACHE_MS);
    this.#outdoor_cache.set(site.id, { bucket, value });
    return value;
  }

  daylight(site: Site, now_ms: number): number {
    return daylightFraction(site.climate.latitude_deg, this.local(site, now_ms));
  }

  get seed(): string {
    return this.#seed;
  }
}
