/**
 * `msp-twin inspect RUN_DIR --zone ID | --device ID [--out FILE.html]`: the fidelity report — one
 * self-contained HTML page of SVG charts of what a zone's devices (or one device) reported during a
 * run written by `msp-twin run … --out RUN_DIR` (trace.jsonl and world.json).
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '../../errors.ts';
import { readDeviceSeries } from '../../report/device-series.ts';
import { renderFidelityPage, type FidelityTarget } from '../../report/fidelity-page.ts';
import { WORLD_DOC_VERSION, type WorldDoc } from '../../report/world-doc.ts';
import { didYouMean } from '../../scenario/did-you-mean.ts';
import { ExitCode } from '../exit-codes.ts';
import type { CliIo } from '../io.ts';

export interface InspectArgs {
  run_dir: string;
  zone?: string | undefined;
  device?: string | undefined;
  /** Where to write the page (default RUN_DIR/inspect-<id>.html). */
  out?: string | undefined;
}

function readWorld(path: string): WorldDoc {
  let doc: WorldDoc;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8')) as WorldDoc;
  } catch (err) {
    throw new UsageError('INSPECT_WORLD', `cannot read ${path}: ${(err as Error).message}`);
  }
  if (doc?.v !== WORLD_DOC_VERSION || !Array.isArray(doc.sites) || !Array.isArray(doc.zones) || !Array.isArray(doc.devices)) {
    throw new UsageError('INSPECT_WORLD', `${path} is not a world document (v: ${WORLD_DOC_VERSION}, sites, zones, devices); write it again with msp-twin run … --out DIR`);
  }
  return doc;
}

function unknown(what: 'zone' | 'device', id: string, candidates: readonly string[]): UsageError {
  const hint = didYouMean(id, candidates);
  const examples = candidates.slice(0, 3).join(', ');
  return new UsageError(
    what === 'zone' ? 'INSPECT_UNKNOWN_ZONE' : 'INSPECT_UNKNOWN_DEVICE',
    `no ${what} "${id}" in this run${hint ? `; did you mean "${hint}"?` : ''} (${candidates.length} ${what}s, e.g. ${examples})`,
  );
}

export function resolveTarget(world: WorldDoc, args: Pick<InspectArgs, 'zone' | 'device'>): FidelityTarget {
  if ((args.zone !== undefined) === (args.device !== undefined)) throw new UsageError('INSPECT_TARGET', 'give exactly one of --zone ID or --device ID');
  let zone_id: string;
  let kind: FidelityTarget['kind'];
  let device_ids: string[];
  if (args.zone !== undefined) {
    if (!world.zones.some((z) => z.id === args.zone)) throw unknown('zone', args.zone, world.zones.map((z) => z.id));
    zone_id = args.zone;
    kind = 'zone';
    device_ids = world.devices.filter((d) => d.zone_id === zone_id).map((d) => d.id);
  } else {
    const device = world.devices.find((d) => d.id === args.device);
    if (!device) throw unknown('device', args.device!, world.devices.map((d) => d.id));
    if (device.zone_id === null) throw new UsageError('INSPECT_NO_ZONE', `${device.id} is a ${device.kind} and sits on a floor, not in a zone; inspect a device in a zone, or --zone`);
    zone_id = device.zone_id;
    kind = 'device';
    device_ids = [device.id];
  }
  const zone = world.zones.find((z) => z.id === zone_id)!;
  const site = world.sites.find((s) => s.id === zone.site_id);
  if (!site) throw new UsageError('INSPECT_WORLD', `world.json names site "${zone.site_id}" for zone ${zone.id} but has no such site`);
  const ids = new Set(device_ids);
  return { kind, zone, site, devices: world.devices.filter((d) => ids.has(d.id)) };
}

export async function inspectCommand(args: InspectArgs, io: CliIo): Promise<number> {
  if (!existsSync(args.run_dir) || !statSync(args.run_dir).isDirectory()) throw new UsageError('INSPECT_RUN_DIR', `no such run directory: ${args.run_dir} (write one with msp-twin run SCENARIO --out DIR)`);
  const trace_path = join(args.run_dir, 'trace.jsonl');
  const world_path = join(args.run_dir, 'world.json');
  for (const p of [trace_path, world_path]) {
    if (!existsSync(p)) throw new UsageError('INSPECT_RUN_DIR', `${args.run_dir} has no ${p === trace_path ? 'trace.jsonl' : 'world.json'} (write the run again with msp-twin run SCENARIO --out DIR)`);
  }
  const world = readWorld(world_path);
  const target = resolveTarget(world, args);
  const data = await readDeviceSeries(trace_path, new Set(target.devices.map((d) => d.id)));
  let trace_hash: string | undefined;
  try {
    trace_hash = (JSON.parse(readFileSync(join(args.run_dir, 'summary.json'), 'utf8')) as { trace_hash?: string }).trace_hash;
  } catch {
    trace_hash = undefined; // the page is still right without it; it only names the trace
  }
  const html = renderFidelityPage(world, target, data, { trace_hash });
  const out = args.out ?? join(args.run_dir, `inspect-${args.zone ?? args.device}.html`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, html);
  const reports = [...data.values()].reduce((n, s) => n + s.reports, 0);
  io.stdout.write(`Wrote ${out} (${target.kind} ${args.zone ?? args.device}: ${target.devices.length} device(s), ${reports} reports)\n`);
  return ExitCode.ok;
}
