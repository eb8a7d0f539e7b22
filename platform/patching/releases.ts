import { createHash } from 'node:crypto';
import { z } from 'zod';
import { isRealLocalDateTime, parseLocalDateTime, zonedToUtcMs } from '../contract/local-time.ts';
import { findProduct, PRODUCTS } from '../contract/products.ts';
import type { FirmwareRelease } from './types.ts';

/**
 * Firmware releases as an MSP writes them down (a catalog file, or a scenario's `firmware:`
 * section), resolved into what the rollout engine's catalog holds. One grammar for both the
 * production platform (`msp-twin platform --catalog FILE`) and simulated runs, so a release
 * means the same in a rehearsal as in the field.
 */

/** Battery devices refuse an update below this charge unless the catalog says otherwise. */
export const DEFAULT_MIN_BATTERY_PCT = 25;

const LOCAL_DATE_TIME_HINT = 'a real local date-time like "2026-03-02 08:00"';

/** One release as written: times are site-local "YYYY-MM-DD HH:mm" in the file's timezone. */
export const zReleaseInput = z.strictObject({
  model: z.string().min(1).max(64),
  version: z.string().min(1).max(64),
  size_bytes: z.number().int().positive().max(512 * 1024 * 1024).optional(),
  released: z.string().refine(isRealLocalDateTime, { message: LOCAL_DATE_TIME_HINT }).optional(),
  /** true (approved), false (not approved: plans are refused), or the local date-time it was approved. */
  approved: z.union([z.boolean(), z.string().refine(isRealLocalDateTime, { message: `true, false or ${LOCAL_DATE_TIME_HINT}` })]).optional(),
  min_battery: z.number().min(0).max(100).optional(),
  compatible_from: z.array(z.string()).optional(),
});
export type ReleaseInput = z.infer<typeof zReleaseInput>;

/** The published image hash (a stand-in: the hash of the image's name, stable across runs). */
export function imageSha256(model: string, version: string): string {
  return createHash('sha256').update(`${model}@${version}`).digest('hex');
}

function localMs(text: string, timezone: string): number {
  const [y, mo, d, h, mi] = parseLocalDateTime(text)!;
  return zonedToUtcMs(timezone, y, mo, d, h, mi);
}

/** A release nobody wrote down: the version a unit ships with or runs, approved since forever. */
export function defaultRelease(model: string, version: string): FirmwareRelease {
  return {
    model,
    version,
    size_bytes: findProduct(model)?.image_size_bytes ?? 500_000,
    sha256: imageSha256(model, version),
    released_ms: null,
    approved_ms: 0,
    min_battery_pct: DEFAULT_MIN_BATTERY_PCT,
    compatible_from: [],
  };
}

export function resolveRelease(input: ReleaseInput, timezone: string): FirmwareRelease {
  const base = defaultRelease(input.model, input.version);
  return {
    ...base,
    size_bytes: input.size_bytes ?? base.size_bytes,
    released_ms: input.released !== undefined ? localMs(input.released, timezone) : null,
    approved_ms: input.approved === undefined || input.approved === true ? 0 : input.approved === false ? null : localMs(input.approved, timezone),
    min_battery_pct: input.min_battery ?? base.min_battery_pct,
    compatible_from: input.compatible_from ?? [],
  };
}

/** Every model's shipped version: what a fleet runs before any rollout. */
export function shippedVersions(): Array<{ model: string; firmware: string }> {
  return PRODUCTS.map((p) => ({ model: p.id, firmware: p.default_firmware }));
}

/**
 * The listed releases plus a default one for every model@version installed, so a rollback always
 * has an image to go back to. `make` builds the added entries (a scenario adds its behaviour).
 */
export function withInstalledBase<T extends Pick<FirmwareRelease, 'model' | 'version'>>(
  listed: readonly T[],
  installed: readonly { model: string; firmware: string }[],
  make: (model: string, version: string) => T,
): T[] {
  const out = [...listed];
  const known = new Set(listed.map((e) => `${e.model}@${e.version}`));
  for (const d of installed) {
    const key = `${d.model}@${d.firmware}`;
    if (known.has(key)) continue;
    known.add(key);
    out.push(make(d.model, d.firmware));
  }
  return out;
}

/** Dotted numeric versions compared numerically ("2.10.0" > "2.9.1"); other text compared as text. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    const nx = Number(x);
    const ny = Number(y);
    const c = x !== '' && y !== '' && Number.isFinite(nx) && Number.isFinite(ny) ? nx - ny : x < y ? -1 : x > y ? 1 : 0;
    if (c !== 0) return c;
  }
  return 0;
}

/** The newest approved version per model (patch compliance is measured against it). */
export function approvedFirmware(releases: readonly Pick<FirmwareRelease, 'model' | 'version' | 'approved_ms'>[]): Record<string, string> {
  const out: Record<string, string> = {};
  const newest = new Map<string, Pick<FirmwareRelease, 'model' | 'version'>>();
  for (const e of releases) {
    if (e.approved_ms === null) continue;
    const prev = newest.get(e.model);
    if (!prev || compareVersions(e.version, prev.version) > 0) newest.set(e.model, e);
  }
  for (const [model, e] of [...newest].sort((a, b) => (a[0] < b[0] ? -1 : 1))) out[model] = e.version;
  return out;
}
