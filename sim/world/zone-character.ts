// What makes one zone unlike its neighbours: envelope, thermal mass, equipment sizing, glazing and
// its orientation, and plug loads, each drawn once from a stable hash of the run's seed and the
// zone id (never from an RNG stream, so adding a zone or device moves nothing else). Ranges are
// the spread between core and perimeter zones of one building, not between buildings.

import { hash2, stringHash32 } from './hash-noise.ts';
import type { BuildingType } from './occupancy.ts';

export interface ZoneCharacter {
  ua_scale: number;
  capacitance_scale: number;
  capacity_scale: number;
  /** Proportional band of the zone's PI loops, K (commissioning differs zone by zone). */
  proportional_band_k: number;
  integral_time_s: number;
  /** Glazing area as a share of floor area (0 for a core zone), and where it faces. */
  glazing_share: number;
  facade_deg: number;
  /** Plug and process loads, W/m², when the zone is in use and when it is empty. */
  plug_busy_w_per_m2: number;
  plug_idle_w_per_m2: number;
  /** Installed lighting, W/m², at full output. */
  lighting_w_per_m2: number;
}

const FACADES = [0, 90, 180, -90] as const; // south, west, north, east

/** Uniform in [lo, hi) from the k-th sub-hash of h. */
function pick(h: number, k: number, lo: number, hi: number): number {
  return lo + ((hash2(h, k) / 4_294_967_296) * (hi - lo));
}

// Plugs: ASHRAE 90.1 / COMNET office equipment ≈ 8–11 W/m² at peak, a quarter of that at night;
// retail merchandise lighting ≈ 15 W/m²; homes ≈ 3–6 W/m² (fridge, standby, cooking averaged).
const LOADS: Readonly<Record<BuildingType, { plug: readonly [number, number]; idle: number; lighting: readonly [number, number] }>> = {
  office: { plug: [7, 11], idle: 0.25, lighting: [6, 9] },
  clinic: { plug: [8, 14], idle: 0.5, lighting: [8, 11] },
  retail: { plug: [4, 7], idle: 0.2, lighting: [12, 17] },
  multifamily: { plug: [3, 6], idle: 0.5, lighting: [3, 5] },
  home: { plug: [3, 6], idle: 0.5, lighting: [3, 5] },
};

// Outdoor air by use (ASHRAE 62.1 / 170): healthcare spaces get several times an office's air
// changes, stores lose air through doors; more ventilation needs more plant to match.
const VENTILATION_SCALE: Readonly<Record<BuildingType, number>> = { office: 1, clinic: 2.5, retail: 1.3, multifamily: 1, home: 1 };

export function zoneCharacter(seed: string, zone_id: string, type: BuildingType): ZoneCharacter {
  const h = stringHash32(`${seed}/zone-character/${zone_id}`);
  const loads = LOADS[type];
  const ventilation = VENTILATION_SCALE[type];
  // A quarter of zones are interior (no glazing); the rest face one of four directions.
  const core = hash2(h, 1) % 4 === 0;
  const plug_busy = pick(h, 9, loads.plug[0], loads.plug[1]);
  return {
    ua_scale: (core ? pick(h, 2, 0.55, 0.8) : pick(h, 2, 0.9, 1.4)) * ventilation,
    capacitance_scale: pick(h, 3, 0.65, 1.6),
    capacity_scale: pick(h, 4, 0.95, 1.4) * (0.5 + 0.5 * ventilation),
    proportional_band_k: pick(h, 5, 2, 4),
    integral_time_s: pick(h, 6, 1_500, 3_600),
    glazing_share: core ? 0 : pick(h, 7, 0.08, 0.3),
    facade_deg: FACADES[hash2(h, 8) % 4] ?? 0,
    plug_busy_w_per_m2: plug_busy,
    plug_idle_w_per_m2: plug_busy * loads.idle,
    lighting_w_per_m2: pick(h, 10, loads.lighting[0], loads.lighting[1]),
  };
}
