import { PatchError, type FirmwareRelease } from './types.ts';

/**
 * The firmware catalog: every image the MSP may deploy, keyed by model and version. Built from
 * the deployment's configuration (a scenario's `firmware:` section plus each model's shipped
 * defaults); rollouts may only deploy approved entries.
 */
export class FirmwareCatalog {
  readonly #by_key = new Map<string, FirmwareRelease>();

  constructor(releases: readonly FirmwareRelease[] = []) {
    for (const r of releases) this.add(r);
  }

  add(release: FirmwareRelease): void {
    const key = `${release.model}@${release.version}`;
    if (this.#by_key.has(key)) throw new PatchError('PATCH_DUPLICATE_ID', `firmware ${key} is listed twice in the catalog`);
    if (!Number.isSafeInteger(release.size_bytes) || release.size_bytes <= 0) throw new PatchError('PATCH_INVALID_PLAN', `firmware ${key}: size_bytes must be a positive integer`);
    this.#by_key.set(key, release);
  }

  get(model: string, version: string): FirmwareRelease | undefined {
    return this.#by_key.get(`${model}@${version}`);
  }

  /** Versions known for a model, sorted. */
  versions(model: string): string[] {
    return [...this.#by_key.values()].filter((r) => r.model === model).map((r) => r.version).sort();
  }

  all(): FirmwareRelease[] {
    return [...this.#by_key.values()].sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
  }

  /** Whether `release` may be installed over `from_version`. */
  static compatible(release: FirmwareRelease, from_version: string): boolean {
    return release.compatible_from.length === 0 || release.compatible_from.includes(from_version);
  }
}
