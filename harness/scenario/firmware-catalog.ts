import { FirmwareCatalog } from '../../platform/patching/catalog.ts';
import { buildPlan } from '../../platform/patching/plan.ts';
import { defaultRelease, resolveRelease, shippedVersions, withInstalledBase } from '../../platform/patching/releases.ts';
import { PatchError, type FirmwareRelease } from '../../platform/patching/types.ts';
import type { FirmwareBehaviour } from '../../sim/devices/firmware.ts';
import { modelById } from '../../sim/devices/models.ts';
import type { SimFirmwareEntry } from '../../sim/simulation.ts';
import type { DeviceSpec } from '../../sim/world/topology.ts';
import type { SemanticIssue } from './load-yaml.ts';
import type { ScenarioFile } from './schema.ts';

/**
 * A scenario's firmware catalog, resolved: each entry is the release the platform's catalog holds
 * (platform/patching/releases.ts, the same grammar `msp-twin platform --catalog` reads) plus what
 * the simulator realises once the version is installed: a corrupt image, a bad signature, and how
 * the version behaves.
 */
export interface ScenarioFirmware extends FirmwareRelease {
  readonly corrupt: boolean;
  readonly signature_valid: boolean;
  readonly behaviour: FirmwareBehaviour;
}

function simDefaults(model: string, version: string): ScenarioFirmware {
  return { ...defaultRelease(model, version), corrupt: false, signature_valid: true, behaviour: {} };
}

export function scenarioFirmware(raw: ScenarioFile, timezone: string): ScenarioFirmware[] {
  return (raw.firmware ?? []).map((f) => {
    const { behaviour: b = {}, corrupt, signature_valid, ...release } = f;
    const behaviour: { -readonly [K in keyof FirmwareBehaviour]: FirmwareBehaviour[K] } = {};
    if (b.boot_failure !== undefined) behaviour.boot_failure_ratio = b.boot_failure;
    if (b.reboot_mean !== undefined) behaviour.reboot_mean_ms = b.reboot_mean;
    if (b.reboot_loop_after !== undefined) behaviour.reboot_loop_after_ms = b.reboot_loop_after;
    if (b.reboot_loop_mean !== undefined) behaviour.reboot_loop_mean_ms = b.reboot_loop_mean;
    if (b.drain_factor !== undefined) behaviour.drain_factor = b.drain_factor;
    if (b.sensor_bug !== undefined) behaviour.sensor_bug = b.sensor_bug;
    if (b.drift_per_day !== undefined) behaviour.drift_per_day = b.drift_per_day;
    if (b.new_fields !== undefined) behaviour.extra_values = b.new_fields;
    return { ...resolveRelease(release, timezone), corrupt: corrupt ?? false, signature_valid: signature_valid ?? true, behaviour };
  });
}

/** The scenario's entries plus one default entry for every model@version installed in the fleet. */
export function withInstalledFleet(entries: readonly ScenarioFirmware[], devices: readonly Pick<DeviceSpec, 'model' | 'firmware'>[]): ScenarioFirmware[] {
  return withInstalledBase(entries, devices, simDefaults);
}

/** What the platform's catalog holds: the release without the simulator's facts. */
export function platformReleases(entries: readonly ScenarioFirmware[]): FirmwareRelease[] {
  return entries.map(({ corrupt: _c, signature_valid: _s, behaviour: _b, ...release }) => release);
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

/**
 * Cross-checks a scenario's rollouts against its catalog at load time, so an unknown firmware or
 * a model mismatch is a `file:line` error before any device starts. The installed base is not
 * known yet (the fleet is generated later), so the check uses the scenario's entries plus each
 * model's shipped default version.
 */
export function checkRollouts(raw: ScenarioFile, timezone: string, start_ms: number): SemanticIssue[] {
  const rollouts = raw.rollouts ?? [];
  if (rollouts.length === 0) return [];
  // The platform's catalog refuses an entry listed twice; checkFirmwareEntries reports it, at its line.
  if (checkFirmwareEntries(raw).length > 0) return [];
  const entries = withInstalledFleet(scenarioFirmware(raw, timezone), shippedVersions());
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

/**
 * A model@version listed twice in the scenario's catalog: the platform's catalog refuses it
 * (PATCH_DUPLICATE_ID) when the run starts, so the loader reports it at the second entry instead.
 */
export function checkFirmwareEntries(raw: Pick<ScenarioFile, 'firmware'>): SemanticIssue[] {
  const first = new Map<string, number>();
  const issues: SemanticIssue[] = [];
  (raw.firmware ?? []).forEach((f, i) => {
    const key = `${f.model}@${f.version}`;
    const prev = first.get(key);
    if (prev !== undefined) issues.push({ path: ['firmware', i, 'version'], message: `firmware ${key} is listed twice (also firmware[${prev}])` });
    else first.set(key, i);
  });
  return issues;
}
