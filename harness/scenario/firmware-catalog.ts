import { createHash } from 'node:crypto';
import { FirmwareCatalog } from '../../platform/patching/catalog.ts';
import { buildPlan } from '../../platform/patching/plan.ts';
import { PatchError, type FirmwareRelease } from '../../platform/patching/types.ts';
import type { FirmwareBehaviour } from '../../sim/devices/firmware.ts';
import { defaultImageSize } from '../../sim/devices/firmware.ts';
import { modelById, modelIds } from '../../sim/devices/models.ts';
import type { SimFirmwareEntry } from '../../sim/simulation.ts';
import type { DeviceSpec } from '../../sim/world/topology.ts';
import { zonedToUtcMs } from '../../sim/world/local-time.ts';
import type { SemanticIssue } from './load-yaml.ts';
import { parseLocalDateTime, type ScenarioFile } from './schema.ts';

/**
 * A scenario's firmware catalog, resolved: one entry per model@version with what the platform's
 * catalog needs (size, hash, approval, pre-conditions) and what the simulator realises once the
 * version is installed (its behaviour). The fleet's installed versions are added automatically,
 * so a rollback always has an image to go back to.
 */
export interface ScenarioFirmware {
  readonly model: string;
  readonly version: string;
  readonly size_bytes: number;
  readonly sha256: string;
  readonly released_ms: number | null;
  readonly approved_ms: number | null;
  readonly min_battery_pct: number;
  readonly compatible_from: readonly string[];
  readonly corrupt: boolean;
  readonly signature_valid: boolean;
  readonly behaviour: FirmwareBehaviour;
}

/** Battery devices refuse an update below this charge unless the catalog says otherwise. */
export const DEFAULT_MIN_BATTERY_PCT = 25;

/** The published image hash (a stand-in: the hash of the image's name, stable across runs). */
export function imageSha256(model: string, version: string): string {
  return createHash('sha256').update(`${model}@${version}`).digest('hex');
}

function localMs(text: string, timezone: string): number {
  const [y, mo, d, h, mi] = parseLocalDateTime(text)!;
  return zonedToUtcMs(timezone, y, mo, d, h, mi);
}

function defaults(model: string, version: string): ScenarioFirmware {
  return {
    model,
    version,
    size_bytes: defaultImageSize(model),
    sha256: imageSha256(model, version),
    released_ms: null,
    approved_ms: 0,
    min_battery_pct: DEFAULT_MIN_BATTERY_PCT,
    compatible_from: [],
    corrupt: false,
    signature_valid: true,
    behaviour: {},
  };
}

export function scenarioFirmware(raw: ScenarioFile, timezone: string): ScenarioFirmware[] {
  return (raw.firmware ?? []).map((f) => {
    const b = f.behaviour ?? {};
    const behaviour: { -readonly [K in keyof FirmwareBehaviour]: FirmwareBehaviour[K] } = {};
    if (b.boot_failure !== undefined) behaviour.boot_failure_ratio = b.boot_failure;
    if (b.reboot_mean !== undefined) behaviour.reboot_mean_ms = b.reboot_mean;
    if (b.reboot_loop_after !== undefined) behaviour.reboot_loop_after_ms = b.reboot_loop_after;
    if (b.reboot_loop_mean !== undefined) behaviour.reboot_loop_mean_ms = b.reboot_loop_mean;
    if (b.drain_factor !== undefined) behaviour.drain_factor = b.drain_factor;
    if (b.sensor_bug !== undefined) behaviour.sensor_bug = b.sensor_bug;
    if (b.drift_per_day !== undefined) behaviour.drift_per_day = b.drift_per_day;
    if (b.new_fields !== undefined) behaviour.extra_values = b.new_fields;
    const base = defaults(f.model, f.version);
    return {
      ...base,
      size_bytes: f.size_bytes ?? base.size_bytes,
      released_ms: f.released !== undefined ? localMs(f.released, timezone) : null,
      approved_ms: f.approved === undefined || f.approved === true ? 0 : f.approved === false ? null : localMs(f.approved, timezone),
      min_battery_pct: f.min_battery ?? base.min_battery_pct,
      compatible_from: f.compatible_from ?? [],
      corrupt: f.corrupt ?? false,
      signature_valid: f.signature_valid ?? true,
      behaviour,
    };
  });
}

/** The scenario's entries plus one default entry for every model@version installed in the fleet. */
export function withInstalledBase(entries: readonly ScenarioFirmware[], devices: readonly Pick<DeviceSpec, 'model' | 'firmware'>[]): ScenarioFirmware[] {
  const out = [...entries];
  const known = new Set(entries.map((e) => `${e.model}@${e.version}`));
  for (const d of devices) {
    const key = `${d.model}@${d.firmware}`;
    if (known.has(key)) continue;
    known.add(key);
    out.push(defaults(d.model, d.firmware));
  }
  return out;
}

export function platformReleases(entries: readonly ScenarioFirmware[]): FirmwareRelease[] {
  return entries.map((e) => ({
    model: e.model,
    version: e.version,
    size_bytes: e.size_bytes,
    sha256: e.sha256,
    min_battery_pct: e.min_battery_pct,
    compatible_from: e.compatible_from,
    released_ms: e.released_ms,
    approved_ms: e.approved_ms,
  }));
}

export function simFirmware(entries: readonly ScenarioFirmware[]): SimFirmwareEntry[] {
  return entries.map((e) => ({
    image: {
      model: e.model,
      version: e.version,
      size_bytes: e.size_bytes,
      sha256: e.sha256,
      corrupt: e.corrupt,
      signature_valid: e.signature_valid,
      min_battery_pct: modelById(e.model).battery ? e.min_battery_pct : 0,
      compatible_from: e.compatible_from,
    },
    behaviour: e.behaviour,
  }));
}

/** Every model's shipped default version, as catalog input: the installed base before a fleet exists. */
export function shippedVersions(): Array<Pick<DeviceSpec, 'model' | 'firmware'>> {
  return modelIds().map((m) => ({ model: m, firmware: modelById(m).default_firmware }));
}

/** The newest approved version per model (patch compliance is measured against it). */
export function approvedFirmware(entries: readonly ScenarioFirmware[]): Record<string, string> {
  const out: Record<string, string> = {};
  const newest = new Map<string, ScenarioFirmware>();
  for (const e of entries) {
    if (e.approved_ms === null) continue;
    const prev = newest.get(e.model);
    if (!prev || compareVersions(e.version, prev.version) > 0) newest.set(e.model, e);
  }
  for (const [model, e] of [...newest].sort((a, b) => (a[0] < b[0] ? -1 : 1))) out[model] = e.version;
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

/**
 * Cross-checks a scenario's rollouts against its catalog at load time, so an unknown firmware or
 * a model mismatch is a `file:line` error before any device starts. The installed base is not
 * known yet (the fleet is generated later), so the check uses the scenario's entries plus each
 * model's shipped default version.
 */
export function checkRollouts(raw: ScenarioFile, timezone: string, start_ms: number): SemanticIssue[] {
  const rollouts = raw.rollouts ?? [];
  if (rollouts.length === 0) return [];
  const entries = withInstalledBase(scenarioFirmware(raw, timezone), shippedVersions());
  const catalog = new FirmwareCatalog(platformReleases(entries));
  const issues: SemanticIssue[] = [];
  const ids = new Set<string>();
  rollouts.forEach((r, i) => {
    if (ids.has(r.id)) issues.push({ path: ['rollouts', i, 'id'], message: `rollout id "${r.id}" is used twice` });
    ids.add(r.id);
    const { at, ...plan } = r;
    try {
      buildPlan(plan, catalog, start_ms + (at ?? 0));
    } catch (err) {
      if (!(err instanceof PatchError)) throw err;
      const field: Record<string, readonly (string | number)[]> = {
        PATCH_UNKNOWN_FIRMWARE: ['firmware', 'version'],
        PATCH_NOT_APPROVED: ['firmware', 'version'],
        PATCH_INCOMPATIBLE_MODEL: ['targets', 'models'],
        PATCH_BAD_WINDOW: ['windows'],
      };
      issues.push({ path: ['rollouts', i, ...(field[err.code] ?? [])], message: err.message });
    }
  });
  return issues;
}
