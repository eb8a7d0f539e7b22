/** One dark palette for canvas and panels (styles.css repeats these as CSS variables). */
import { STATUSES, type Status } from '../model/codes.ts';

/**
 * Severity reads from the colour: red only for critical/major alerts, orange for lesser ones,
 * yellow for a missed heartbeat; greys for devices we cannot hear (offline: the device is down;
 * unreachable: its gateway, floor or building is, so its last reading is only old news).
 */
export const STATUS_COLOR: Record<Status, number> = {
  online: 0x22c55e,
  suspect: 0xfacc15,
  warning: 0xfb923c,
  alerting: 0xef4444,
  unreachable: 0x8391b0,
  offline: 0x5b6475,
  updating: 0x38bdf8,
  update_failed: 0xf9a8d4,
  rolled_back: 0xa78bfa,
  bricked: 0xd946ef,
  unknown: 0x334155,
};

export const STATUS_CSS: Record<Status, string> = Object.fromEntries(STATUSES.map((s) => [s, `#${STATUS_COLOR[s].toString(16).padStart(6, '0')}`])) as Record<Status, string>;

/** Incident priorities, as the side panel's badges colour them (styles.css `.prio`). */
export const PRIORITY_COLOR: Readonly<Record<string, number>> = { P1: 0xef4444, P2: 0xfb923c, P3: 0xfacc15, P4: 0x94a3b8 };

export const BG = 0x0a0f1e;
export const PANEL = 0x111a2e;
export const CARD = 0x131d33;
export const CARD_EDGE = 0x24314f;
export const WALL = 0x3b4a6b;
export const TEXT = 0xe2e8f0;
export const MUTED = 0x94a3b8;
export const ACCENT = 0x38bdf8;

/** Particle.color packs tint as BGR plus alpha in the top byte (pixi's own _updateColor). */
export function particleColor(rgb: number, alpha = 1): number {
  const bgr = ((rgb & 0xff) << 16) | (rgb & 0xff00) | ((rgb >> 16) & 0xff);
  return bgr + (((alpha * 255) | 0) << 24);
}

/** Status code → packed particle colour. */
export const STATUS_PARTICLE: readonly number[] = STATUSES.map((s) => particleColor(STATUS_COLOR[s]));

/** Zone fill by temperature: dark enough that device icons stay readable on top. */
const TEMP_STOPS: ReadonlyArray<[number, number]> = [
  [15, 0x0f2a5c],
  [18.5, 0x133a63],
  [21, 0x12423f],
  [23.5, 0x3f3a14],
  [26, 0x5a2a14],
  [29, 0x661c1c],
];
export const NO_TEMP_FILL = 0x172036;

export function temperatureColor(t: number): number {
  if (Number.isNaN(t)) return NO_TEMP_FILL;
  if (t <= TEMP_STOPS[0]![0]) return TEMP_STOPS[0]![1];
  for (let i = 1; i < TEMP_STOPS.length; i++) {
    const [t1, c1] = TEMP_STOPS[i]!;
    const [t0, c0] = TEMP_STOPS[i - 1]!;
    if (t <= t1) {
      const f = (t - t0) / (t1 - t0);
      const mix = (sh: number): number => Math.round(((c0 >> sh) & 0xff) + f * (((c1 >> sh) & 0xff) - ((c0 >> sh) & 0xff)));
      return (mix(16) << 16) | (mix(8) << 8) | mix(0);
    }
  }
  return TEMP_STOPS[TEMP_STOPS.length - 1]![1];
}

export const TEMP_LEGEND: ReadonlyArray<[number, number]> = TEMP_STOPS;
const STOPS_LO = TEMP_STOPS[0]![0];
const STOPS_HI = TEMP_STOPS[TEMP_STOPS.length - 1]![0];

/** Zone fill with the colour scale stretched over [lo, hi] (the range the data actually spans). */
export function temperatureColorIn(t: number, lo: number, hi: number): number {
  if (Number.isNaN(t)) return NO_TEMP_FILL;
  return temperatureColor(STOPS_LO + ((t - lo) / Math.max(1e-6, hi - lo)) * (STOPS_HI - STOPS_LO));
}

/** The legend's range for readings min…max: whole degrees with half a degree of margin, at least 4 °C wide. */
export function fittedTemperatureRange(min: number, max: number): [number, number] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [STOPS_LO, STOPS_HI];
  let lo = Math.floor(min - 0.5);
  let hi = Math.ceil(max + 0.5);
  while (hi - lo < 4) {
    lo--;
    if (hi - lo < 4) hi++;
  }
  return [lo, hi];
}

export function hex(c: number): string {
  return `#${c.toString(16).padStart(6, '0')}`;
}
