import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { MspError } from '../../common/errors.ts';
import { DEVICE_KINDS } from '../contract/messages.ts';
import type { ProvisionedDevice } from '../ingest/admission.ts';

/**
 * The fleet the platform believes in (`msp-twin platform --fleet FILE`, docs/security.md): a JSON
 * list of `{ id, site, kind, model }` (or `{ "devices": [...] }`), or a CSV with the header
 * `id,site,kind,model`. A scenario file is turned into the same list by the CLI, from the same
 * generator the simulator uses. Bounded: a provisioning file is a fleet, not a data dump.
 */
export const MAX_PROVISIONED_DEVICES = 1_000_000;
const MAX_FILE_BYTES = 128 * 1024 * 1024;

// Same shape as the scenario's ids: they become MQTT topic levels.
const zLevel = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'letters, digits, ".", "_" or "-" (at most 128)');
const zEntry = z.strictObject({ id: zLevel, site: zLevel, kind: z.enum(DEVICE_KINDS), model: z.string().min(1).max(64) });
const zJsonFile = z.union([z.array(z.unknown()), z.looseObject({ devices: z.array(z.unknown()) })]);

function fail(file: string, detail: string): never {
  throw new MspError('PLATFORM_FLEET', `fleet ${file}: ${detail}`);
}

function rowsOfCsv(file: string, text: string): Array<{ where: string; value: unknown }> {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  const columns = ['id', 'site', 'kind', 'model'];
  if (columns.some((c) => !header.includes(c))) fail(file, `the CSV header must name ${columns.join(',')}, got "${(lines[0] ?? '').slice(0, 80)}"`);
  const rows: Array<{ where: string; value: unknown }> = [];
  lines.forEach((line, i) => {
    if (i === 0 || line.trim() === '' || line.startsWith('#')) return;
    const cells = line.split(',').map((c) => c.trim());
    rows.push({ where: `line ${i + 1}`, value: Object.fromEntries(columns.map((c) => [c, cells[header.indexOf(c)] ?? ''])) });
  });
  return rows;
}

function rowsOfJson(file: string, text: string): Array<{ where: string; value: unknown }> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    fail(file, `not valid JSON: ${(err as Error).message}`);
  }
  const parsed = zJsonFile.safeParse(doc);
  if (!parsed.success) fail(file, 'expected a JSON list of { id, site, kind, model } or { "devices": [...] }');
  const list = Array.isArray(parsed.data) ? parsed.data : parsed.data.devices;
  return list.map((value, i) => ({ where: `devices[${i}]`, value }));
}

/**
 * One `{ id, site, kind, model }` entry, checked exactly as a --fleet file's rows are: the device's
 * identity, or the first problem as `field: message` (the API's 400 for POST /api/v1/devices).
 */
export function parseProvisionedDevice(value: unknown): { ok: true; id: string; device: ProvisionedDevice } | { ok: false; field: string | undefined; problem: string } {
  const r = zEntry.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    return { ok: false, field: issue && issue.path.length > 0 ? issue.path.join('.') : undefined, problem: issue?.message ?? 'invalid' };
  }
  if (r.data.id.startsWith('msp-')) return { ok: false, field: undefined, problem: 'device ids may not start with msp- (reserved for role users)' };
  return { ok: true, id: r.data.id, device: { site: r.data.site, kind: r.data.kind, model: r.data.model } };
}

/** Validates entries (from a file or from a generated fleet) into the admission map. */
export function provisioningOf(file: string, rows: ReadonlyArray<{ where: string; value: unknown }>): Map<string, ProvisionedDevice> {
  if (rows.length > MAX_PROVISIONED_DEVICES) fail(file, `${rows.length} devices, over the limit of ${MAX_PROVISIONED_DEVICES}`);
  const out = new Map<string, ProvisionedDevice>();
  for (const { where, value } of rows) {
    const r = parseProvisionedDevice(value);
    if (!r.ok) fail(file, `${where}${r.field !== undefined ? `.${r.field}` : ''}: ${r.problem}`);
    if (out.has(r.id)) fail(file, `${where}: duplicate device id "${r.id}"`);
    out.set(r.id, r.device);
  }
  if (out.size === 0) fail(file, 'no devices');
  return out;
}

export function loadProvisioningFile(file: string): Map<string, ProvisionedDevice> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    fail(file, `cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (text.length > MAX_FILE_BYTES) fail(file, `larger than ${MAX_FILE_BYTES} bytes`);
  return provisioningOf(file, file.toLowerCase().endsWith('.csv') ? rowsOfCsv(file, text) : rowsOfJson(file, text));
}
