import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { MspError } from '../../common/errors.ts';
import { isValidTimezone } from '../contract/local-time.ts';
import { defaultRelease, resolveRelease, shippedVersions, withInstalledBase, zReleaseInput } from '../patching/releases.ts';
import type { FirmwareRelease } from '../patching/types.ts';

/**
 * The firmware catalog of `msp-twin platform --catalog FILE`: a YAML or JSON file with a
 * `firmware:` list — a scenario file works as it is, and so does a file holding only that list.
 * Keys only the simulator uses (`behaviour`, `corrupt`, `signature_valid`) are allowed and
 * ignored, so the catalog an MSP rehearsed with is the catalog it deploys from. Local times are in
 * the file's `start_timezone`, else its first site's timezone, else UTC.
 */
const SIMULATOR_ONLY_KEYS = ['behaviour', 'corrupt', 'signature_valid'] as const;

const zCatalogFile = z.looseObject({
  start_timezone: z.string().optional(),
  fleet: z.looseObject({ sites: z.array(z.looseObject({ timezone: z.string().optional() })).optional() }).optional(),
  firmware: z.array(z.record(z.string(), z.unknown())).default([]),
});

function fail(file: string, detail: string): never {
  throw new MspError('PLATFORM_CATALOG', `catalog ${file}: ${detail}`);
}

export function loadCatalogFile(file: string): FirmwareRelease[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    fail(file, `cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    fail(file, `not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = zCatalogFile.safeParse(doc ?? {});
  if (!parsed.success) fail(file, `expected a mapping with a firmware: list (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  const timezone = parsed.data.start_timezone ?? parsed.data.fleet?.sites?.[0]?.timezone ?? 'UTC';
  if (!isValidTimezone(timezone)) fail(file, `unknown timezone "${timezone}"`);
  const listed = parsed.data.firmware.map((entry, i) => {
    const release = Object.fromEntries(Object.entries(entry).filter(([k]) => !(SIMULATOR_ONLY_KEYS as readonly string[]).includes(k)));
    const r = zReleaseInput.safeParse(release);
    if (!r.success) {
      const issue = r.error.issues[0];
      fail(file, `firmware[${i}]${issue && issue.path.length > 0 ? `.${issue.path.join('.')}` : ''}: ${issue?.message ?? 'invalid'}`);
    }
    return resolveRelease(r.data, timezone);
  });
  return withCatalogDefaults(listed);
}

/** The listed releases plus each model's shipped version, so a rollback has an image to go back to. */
export function withCatalogDefaults(listed: readonly FirmwareRelease[]): FirmwareRelease[] {
  return withInstalledBase(listed, shippedVersions(), defaultRelease);
}
