import { hash2, stringHash32 } from './hash-noise.ts';
import { localTime, localTimeInto, type LocalTime } from '../../platform/contract/local-time.ts';
import { scheduleDay } from './holidays.ts';
import { headCount, occupancyFraction, zoneInUseShare, type BuildingType } from './occupancy.ts';
import { daylightFraction, daylightRateBound, facadeIrradiance } from './daylight.ts';
import { advanceZone, defaultZoneThermal, HeldPowerIntegrator, saturationPa, updateIntegrators, type HvacMode, type ZoneInputs, type ZoneThermalParams, type ZoneThermalState } from './thermal.ts';
import { outdoorConditions, type Outdoor } from './weather.ts';
import { zoneCharacter, type ZoneCharacter } from './zone-character.ts';
import type { Building, Portfolio, Site, Zone } from './topology.ts';
import { MS_PER_MINUTE, MS_PER_DAY } from '../../common/time.ts';

/** What an HVAC controller commands for its zone; the zone model integrates it. */
export interface HvacDrive {
  heat_setpoint_c: number;
  cool_setpoint_c: number;
  /** Which loops may run (lockouts by outdoor temperature already applied). */
  mode: HvacMode;
  /** Share of cooling capacity available: below the compressor lockout only the economizer cools. */
  cooling_share: number;
  /** 1 healthy … 0 failed compressor/fan (faults lower it). */
  health: number;
  /** Set for a single-stage unit on an on/off thermostat (a home's furnace or heat pump): no PI loops. */
  cycling?: Cycling;
}

/**
 * On/off control with a differential, as residential thermostats run single-stage equipment: the
 * call for heat starts at setpoint − differential and ends at setpoint + differential, and a call
 * (or a rest) lasts at least its minimum time, which protects the compressor from short cycling.
 */
export interface Cycling {
  differential_k: number;
  min_on_ms: number;
  min_off_ms: number;
}

/** An on/off thermostat checks the room about once a minute (the cycling zone's sub-step). */
const CYCLE_CHECK_MS = MS_PER_MINUTE;

/** People come and go on a 5-minute grid (the zone physics grid); devices sample within it. */
export const PEOPLE_SLOT_MS = 5 * MS_PER_MINUTE;
/** Slots a zone keeps around now (a power of two): holds look up to 3 back, quiet sensors ahead to their heartbeat (7 at 30 minutes). */
const SLOT_RING = 16;
/** Residents' "day" starts at 03:30, when nearly everyone is asleep at home, not at midnight. */
const RESIDENT_DAY_START_MIN = 3 * 60 + 30;
// Glazing solar heat gain coefficient (double glazing, low-e, some interior blinds) and the share
// of clear-sky gain that clouds let through at full overcast.
const SHGC = 0.4;
const OVERCAST_SOLAR_SHARE = 0.25;

/**
 * One zone's physical state on the simulation's 5-minute grid: temperature and humidity from the
 * RC model, the HVAC loops' integral terms, and the people in it. Each zone has its own character
 * (zone-character.ts), so neighbours do not trace the same curve.
 */
export class ZoneModel {
  readonly zone: Zone;
  readonly site: Site;
  readonly building_type: BuildingType;
  readonly params: ZoneThermalParams;
  readonly character: ZoneCharacter;
  readonly #world: WorldState;
  readonly #people_hash: number;
  state: ZoneThermalState;
  updated_ms: number;
  hvac: HvacDrive | null = null;
  /**
   * The zone whose controller's unit also serves this one, when this zone has no controller of
   * its own: a floor-level unit (a store's rooftop unit, a home's furnace) conditions every zone
   * of its floor, not only the one its thermostat hangs in. Each served zone follows the unit's
   * mode and setpoints on its own temperature, as a VAV box or an open plan does.
   */
  served_by: ZoneModel | null = null;
  /** Whether a controller of this zone's own drives it (set once the fleet is known). */
  controlled = false;
  last_hvac_power_w = 0;
  heat_bias_w = 0;
  cool_bias_w = 0;
  /** Which loop acted last ('heat' or 'cool'): the setpoint a controller shows in the deadband. */
  last_loop: 'heat' | 'cool';
  /** An on/off unit's call (cycling drives only) and when it last changed. */
  call: 'heat' | 'cool' | null = null;
  call_since_ms = Number.NEGATIVE_INFINITY;
  #people_slot = Number.NaN;
  #people = 0;
  #person_day = 0;
  #counted_day = 0;
  /** [slot, people, person-day] of slots around now (`peopleInSlot`), made at the first look. */
  #slots: number[] | null = null;

  constructor(world: WorldState, zone: Zone, site: Site, building: Building, seed: string, start_ms: number) {
    this.#world = world;
    this.zone = zone;
    this.site = site;
    this.building_type = building.type;
    this.character = zoneCharacter(seed, zone.id, building.type);
    const base = defaultZoneThermal(zone.area_m2);
    const c = this.character;
    const capacity_w = base.hvac_capacity_w * c.capacity_scale;
    this.params = {
      ...base,
      resistance_k_per_w: base.resistance_k_per_w / c.ua_scale,
      capacitance_j_per_k: base.capacitance_j_per_k * c.capacitance_scale,
      hvac_capacity_w: capacity_w,
      hvac_gain_w_per_k: capacity_w / c.proportional_band_k,
      integral_time_s: c.integral_time_s,
    };
    this.#people_hash = stringHash32(`${seed}/people/${zone.id}`);
    // Start at a plausible indoor temperature: between outdoor and a comfortable 21 °C, a little
    // different in every zone.
    const outdoor = world.outdoor(site, start_ms);
    const offset_c = (hash2(this.#people_hash, 7) / 4_294_967_296 - 0.5) * 1.5;
    const temperature_c = 21 + offset_c + (outdoor.temperature_c - 21) * 0.15;
    // Indoor air starts with the outdoor air's moisture plus a little from the people in it.
    const humidity_pct = Math.min(65, Math.max(15, (100 * saturationPa(outdoor.dew_point_c)) / saturationPa(temperature_c) + 5));
    this.state = { temperature_c, humidity_pct };
    this.last_loop = this.state.temperature_c < 22.5 ? 'heat' : 'cool';
    this.updated_ms = start_ms;
  }

  /** People in the zone now: individuals following the building's schedule (occupancy.ts). */
  occupantsAt(now_ms: number): number {
    const slot = Math.floor(now_ms / PEOPLE_SLOT_MS);
    if (slot === this.#people_slot) return this.#people;
    // A sensor looking ahead may have counted this slot already (`peopleInSlot`).
    const ring = this.#slots;
    const i = 3 * (slot & (SLOT_RING - 1));
    if (ring !== null && ring[i] === slot) {
      this.#people = ring[i + 1]!;
      this.#person_day = ring[i + 2]!;
    } else {
      this.#people = this.#countIn(slot);
      this.#person_day = this.#counted_day;
    }
    this.#people_slot = slot;
    return this.#people;
  }

  /**
   * People in the zone during 5-minute slot `slot` (a pure function of the slot). Sensors look a
   * few slots back (hold times) and ahead (when their reading can next change, docs/performance.md,
   * "Quiet samples"); those slots are kept by slot number modulo 16 so the zone's devices share
   * them and the current slot's count (`occupantsAt`) is not disturbed.
   */
  peopleInSlot(slot: number): number {
    if (slot === this.#people_slot) return this.#people;
    const ring = (this.#slots ??= new Array<number>(3 * SLOT_RING).fill(-1));
    const i = 3 * (slot & (SLOT_RING - 1));
    if (ring[i] === slot) return ring[i + 1]!;
    const people = this.#countIn(slot);
    ring[i] = slot;
    ring[i + 1] = people;
    ring[i + 2] = this.#counted_day;
    return people;
  }

  /**
   * When someone was last in the zone, looking back `lookback_ms` from now_ms: now_ms while anyone
   * is in, else the end of the latest occupied slot within the look-back, else −∞. A sensor that
   * holds "occupied" (or a light on) for a while after the last presence compares against this:
   * it sees people whenever they are there, not only at the instants it wakes.
   */
  presenceEnd(now_ms: number, lookback_ms: number): number {
    const slot = Math.floor(now_ms / PEOPLE_SLOT_MS);
    if (this.peopleInSlot(slot) > 0) return now_ms;
    const first = Math.floor((now_ms - lookback_ms) / PEOPLE_SLOT_MS);
    for (let s = slot - 1; s >= first; s--) if (this.peopleInSlot(s) > 0) return (s + 1) * PEOPLE_SLOT_MS;
    return Number.NEGATIVE_INFINITY;
  }

  /** Whether someone was in the zone within `hold_ms` before now_ms (or is in now). */
  presentWithin(now_ms: number, hold_ms: number): boolean {
    return now_ms - this.presenceEnd(now_ms, hold_ms) < hold_ms;
  }

  /**
   * The first instant after now_ms, up to until_ms, at which `presentWithin(t, hold_ms)` is no
   * longer `present`; until_ms if it stays so. Presence changes only on a slot boundary or when a
   * hold runs out after an occupied slot ends (a boundary plus the hold), so only those instants
   * are looked at.
   */
  presenceChangesAt(now_ms: number, hold_ms: number, present: boolean, until_ms: number): number {
    const offset_ms = hold_ms % PEOPLE_SLOT_MS;
    const first = Math.floor(now_ms / PEOPLE_SLOT_MS);
    // The end of the last occupied slot before the one looked at: within a slot nobody is in,
    // presence is that end plus the hold still running (`presentWithin`, one slot at a time).
    let last_end = Number.NEGATIVE_INFINITY;
    for (let s = first - 1; s >= Math.floor((now_ms - hold_ms) / PEOPLE_SLOT_MS); s--) {
      if (this.peopleInSlot(s) > 0) {
        last_end = (s + 1) * PEOPLE_SLOT_MS;
        break;
      }
    }
    for (let slot = first, start = first * PEOPLE_SLOT_MS; start < until_ms; slot++, start += PEOPLE_SLOT_MS) {
      const occupied = this.peopleInSlot(slot) > 0;
      if (start > now_ms && (occupied || start - last_end < hold_ms) !== present) return start;
      const expiry = start + offset_ms;
      if (offset_ms !== 0 && expiry > now_ms && expiry < until_ms && (occupied || expiry - last_end < hold_ms) !== present) return expiry;
      if (occupied) last_end = start + PEOPLE_SLOT_MS;
    }
    return until_ms;
  }

  /** The head count of a slot; leaves the slot's person-day in `#counted_day`. */
  #countIn(slot: number): number {
    const type = this.building_type;
    // On a federal holiday an office keeps its Sunday schedule (holidays.ts).
    const local = scheduleDay(type, this.#world.local(this.site, slot * PEOPLE_SLOT_MS));
    const residential = type === 'multifamily' || type === 'home';
    const local_ms = slot * PEOPLE_SLOT_MS + local.offset_min * MS_PER_MINUTE;
    const day_start_ms = residential ? RESIDENT_DAY_START_MIN * MS_PER_MINUTE : 0;
    const person_day = Math.floor((local_ms - day_start_ms) / MS_PER_DAY);
    const share = zoneInUseShare(type, local.weekday);
    const in_use = hash2(this.#people_hash ^ 0x1f3d5b79, person_day) / 4_294_967_296 < share;
    const fraction = occupancyFraction(type, local) / share;
    const awake = !residential || (local.hour >= 7 && local.hour < 23);
    this.#counted_day = person_day;
    return headCount(this.#people_hash, this.zone.capacity_people, fraction, in_use, person_day, slot, awake);
  }

  /**
   * The day the head count at now_ms belongs to. People are redrawn when it changes, so a change
   * of count across it is a different cast, not people coming or going (locks skip it).
   */
  personDayAt(now_ms: number): number {
    this.occupantsAt(now_ms);
    return this.#person_day;
  }

  /** Solar, lighting and plug gains, W, at an instant (held for one physics step). */
  gainsAt(now_ms: number, outdoor: Outdoor, occupants: number): number {
    const c = this.character;
    const area = this.zone.area_m2;
    const local = this.#world.local(this.site, now_ms);
    let solar_w = 0;
    if (c.glazing_share > 0) {
      const clear = facadeIrradiance(this.site.climate.latitude_deg, local, c.facade_deg);
      const cloud = outdoor.cloud_fraction;
      solar_w = clear * (1 - (1 - OVERCAST_SOLAR_SHARE) * cloud) * c.glazing_share * area * SHGC;
    }
    const busy = Math.min(1, occupants / Math.max(1, this.zone.capacity_people * 0.5));
    const plugs_w = area * (c.plug_idle_w_per_m2 + (c.plug_busy_w_per_m2 - c.plug_idle_w_per_m2) * busy);
    // Lights run while anyone is in, dimmed where daylight reaches (perimeter zones).
    const daylight = c.glazing_share > 0 ? this.#world.daylight(this.site, now_ms) : 0;
    const lights_w = occupants > 0 ? area * c.lighting_w_per_m2 * (1 - 0.6 * daylight) : 0;
    return solar_w + plugs_w + lights_w;
  }

  advanceTo(now_ms: number): ZoneThermalState {
    const dt_ms = now_ms - this.updated_ms;
    if (dt_ms <= 0) return this.state;
    const outdoor = this.#world.outdoor(this.site, this.updated_ms);
    const drive = this.hvac ?? this.served_by?.hvac ?? null;
    const occupants = this.occupantsAt(this.updated_ms);
    const inputs: ZoneInputs = {
      outdoor_c: outdoor.temperature_c,
      outdoor_humidity_pct: outdoor.humidity_pct,
      heat_setpoint_c: drive?.heat_setpoint_c ?? 15.5,
      cool_setpoint_c: drive?.cool_setpoint_c ?? 29.5,
      hvac_mode: drive?.mode ?? 'off',
      hvac_health: drive?.health ?? 0,
      cooling_share: drive?.cooling_share ?? 1,
      occupants,
      heat_bias_w: this.heat_bias_w,
      cool_bias_w: this.cool_bias_w,
      gain_w: this.gainsAt(this.updated_ms, outdoor, occupants),
    };
    if (drive?.cycling) {
      this.#advanceCycling(inputs, drive, drive.cycling, now_ms);
      return this.state;
    }
    const step = advanceZone(this.params, this.state, inputs, dt_ms);
    this.state = step.state;
    this.last_hvac_power_w = step.hvac_power_w;
    if (step.hvac_power_w > 0) this.last_loop = 'heat';
    else if (step.hvac_power_w < 0) this.last_loop = 'cool';
    const integrals = updateIntegrators(this.params, inputs, step.state.temperature_c, dt_ms / 1000);
    this.heat_bias_w = integrals.heat_bias_w;
    this.cool_bias_w = integrals.cool_bias_w;
    this.updated_ms = now_ms;
    return this.state;
  }

  /**
   * A single-stage unit on an on/off thermostat: once a minute the thermostat decides the call
   * from the room temperature (heating and cooling setpoints already carry its sensor offset), and
   * the zone integrates the unit's full delivered power, or none, until the next check.
   */
  #advanceCycling(inputs: ZoneInputs, drive: HvacDrive, cycling: Cycling, now_ms: number): void {
    const health = Math.min(1, Math.max(0, drive.health));
    const heat_allowed = drive.mode === 'auto' || drive.mode === 'heat';
    const cool_allowed = (drive.mode === 'auto' || drive.mode === 'cool') && drive.cooling_share > 0;
    const hsp = drive.heat_setpoint_c;
    const csp = Math.max(drive.cool_setpoint_c, hsp);
    const d = cycling.differential_k;
    let t = this.updated_ms;
    let power_w = 0;
    const zone = new HeldPowerIntegrator(this.params, this.state, inputs);
    while (t < now_ms) {
      const temperature_c = zone.temperature_c;
      const held_ms = t - this.call_since_ms;
      let call = this.call;
      // A lockout or the opposite setpoint ends a call at once; otherwise it runs its minimum time.
      if (call === 'heat') {
        if (!heat_allowed || temperature_c >= csp || (temperature_c >= hsp + d && held_ms >= cycling.min_on_ms)) call = null;
      } else if (call === 'cool') {
        if (!cool_allowed || temperature_c <= hsp || (temperature_c <= csp - d && held_ms >= cycling.min_on_ms)) call = null;
      } else if (held_ms >= cycling.min_off_ms) {
        if (heat_allowed && temperature_c <= hsp - d) call = 'heat';
        else if (cool_allowed && temperature_c >= csp + d) call = 'cool';
      }
      if (call !== this.call) {
        this.call = call;
        this.call_since_ms = t;
      }
      const capacity_w = this.params.hvac_capacity_w * health;
      power_w = call === 'heat' ? capacity_w : call === 'cool' ? -capacity_w * Math.min(1, drive.cooling_share) : 0;
      const next = Math.min(now_ms, t + CYCLE_CHECK_MS);
      zone.step(power_w, next - t);
      t = next;
    }
    this.state = { temperature_c: zone.temperature_c, humidity_pct: zone.humidity_pct };
    this.last_hvac_power_w = power_w;
    if (power_w > 0) this.last_loop = 'heat';
    else if (power_w < 0) this.last_loop = 'cool';
    this.heat_bias_w = 0;
    this.cool_bias_w = 0;
    this.updated_ms = now_ms;
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
  readonly #local: LocalTime = localTime('UTC', 0);

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
    this.#linkServedZones();
  }

  /** Zones without a controller of their own are served by the first controlled zone of their floor. */
  #linkServedZones(): void {
    const controlled = new Set<string>();
    for (const d of this.portfolio.devices) if (d.kind === 'hvac' && d.zone_id !== null) controlled.add(d.zone_id);
    for (const site of this.portfolio.sites) {
      for (const building of site.buildings) {
        for (const floor of building.floors) {
          for (const zone of floor.zones) this.#zones.get(zone.id)!.controlled = controlled.has(zone.id);
          const lead = floor.zones.find((z) => controlled.has(z.id));
          if (lead === undefined) continue;
          const lead_model = this.#zones.get(lead.id)!;
          for (const zone of floor.zones) if (!controlled.has(zone.id)) this.#zones.get(zone.id)!.served_by = lead_model;
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

  /**
   * The site's local time at `now_ms`, in one object this world reuses: it is valid until the next
   * call, so read it at once and copy it (`{ ...local }`) to keep it. Samples, zone steps and
   * occupancy ask for it millions of times a run, and an object each was a steady share of the
   * simulator's garbage (docs/performance.md).
   */
  local(site: Site, now_ms: number): LocalTime {
    return localTimeInto(site.timezone, now_ms, this.#local);
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

  /** Daylight fraction, dimmed by cloud cover (an overcast sky passes about a third of clear-sky light). */
  daylight(site: Site, now_ms: number): number {
    const clear = daylightFraction(site.climate.latitude_deg, this.local(site, now_ms));
    return clear === 0 ? 0 : clear * (1 - 0.65 * this.outdoor(site, now_ms).cloud_fraction);
  }

  /** When the weather bucket holding now_ms ends: the cloud cover `daylight` reads is constant until then. */
  weatherBucketEnd(now_ms: number): number {
    return (Math.floor(now_ms / OUTDOOR_CACHE_MS) + 1) * OUTDOOR_CACHE_MS;
  }

  /**
   * An upper bound on how fast `daylight(site, ·)` can change, per ms, from now_ms for span_ms,
   * which must end by `weatherBucketEnd(now_ms)` (clouds, local midnight and offset changes all
   * fall on bucket boundaries).
   */
  daylightRate(site: Site, now_ms: number, span_ms: number): number {
    const rate = daylightRateBound(site.climate.latitude_deg, this.local(site, now_ms), span_ms);
    return rate === 0 ? 0 : rate * (1 - 0.65 * this.outdoor(site, now_ms).cloud_fraction);
  }

  get seed(): string {
    return this.#seed;
  }
}
