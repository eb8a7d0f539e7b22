import { readFileSync } from 'node:fs';
import { fleetCredentials, ROLE_USERNAMES } from '../../../platform/contract/credentials.ts';
import { ALL_DEVICE_MESSAGES } from '../../../platform/contract/topics.ts';
import { loadCatalogFile, withCatalogDefaults } from '../../../platform/service/catalog-file.ts';
import { startPlatformService } from '../../../platform/service/host.ts';
import { MspError } from '../../../common/errors.ts';
import { parsePositiveDuration } from '../../../common/duration.ts';
import { loadFleetFile } from '../fleet-file.ts';
import { ExitCode } from '../exit-codes.ts';
import { repairStore, verifyStore, type RepairReport } from '../../../platform/store/verify.ts';
import type { CliIo } from '../io.ts';

export interface PlatformArgs {
  broker?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  secret: string;
  api_host: string;
  api_port: number;
  /** Print every platform decision as a JSON line on stdout. */
  journal: boolean;
  /** A catalog file (or a scenario file) whose firmware rollouts may deploy (plus each model's shipped version). */
  catalog?: string | undefined;
  /** The durable store's directory (docs/durability.md); none: state in memory only. */
  data?: string | undefined;
  /** `messages`: the platform's time is the newest message timestamp (replaying a recorded stream). */
  clock?: 'wall' | 'messages' | undefined;
  /** With --data: a snapshot every this much platform time (a duration, default 1h). */
  snapshot_every?: string | undefined;
  /** With --data: `always` fsyncs every commit (power-loss safe); `commit` (default) survives a process crash. */
  fsync?: 'commit' | 'always' | undefined;
  /** Provisioning: a scenario file (its fleet:), or a JSON/CSV list of id, site, kind, model. */
  fleet?: string | undefined;
  /** Admit births from devices nobody provisioned (experiments only; warned about). */
  allow_unprovisioned?: boolean | undefined;
  /** Provisioning and registry bound; default 1,000,000 provisioned, or 100,000 registered when unprovisioned. */
  max_devices?: number | undefined;
  /** TLS to the broker: PEM files, and --insecure (no certificate verification; testing only). */
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  insecure?: boolean | undefined;
  /** Bearer token for API writes (--api-token / MSP_TWIN_API_TOKEN); undefined = generated and printed. */
  api_token?: string | undefined;
  api_allowed_host?: readonly string[] | undefined;
  api_allowed_origin?: readonly string[] | undefined;
}

export interface PlatformVerifyArgs {
  data?: string | undefined;
  repair: boolean;
  catalog?: string | undefined;
  json: boolean;
}

/**
 * `msp-twin platform verify --data DIR [--repair]`: what a start would check, without starting —
 * exit 0 when the store is sound, else the problem's code and exit class; `--repair` keeps the
 * good prefix (docs/durability.md, "Recovery").
 */
export function platformVerifyCommand(args: PlatformVerifyArgs, io: CliIo): number {
  if (args.data === undefined) throw new MspError('PLATFORM_ARGS', 'platform verify needs --data DIR (the store to check)');
  const firmware = args.catalog === undefined ? withCatalogDefaults([]) : loadCatalogFile(args.catalog);
  let report = verifyStore(args.data, { firmware });
  let repaired: RepairReport | null = null;
  if (!report.ok && args.repair && report.problem?.code !== 'STORE_LOCKED' && report.problem?.code !== 'STORE_NEWER_SCHEMA' && report.problem?.code !== 'STORE_OLDER_SCHEMA') {
    repaired = repairStore(args.data);
    report = verifyStore(args.data, { firmware });
  }
  if (args.json) io.stdout.write(`${JSON.stringify({ ...report, repaired })}\n`);
  else {
    if (repaired) io.stdout.write(`repaired: kept ${repaired.kept_records} records and ${repaired.kept_snapshots} snapshots, dropped ${repaired.dropped_records} records and ${repaired.dropped_snapshots} snapshots; damaged file kept as ${repaired.damaged_copy}\n`);
    if (report.ok) io.stdout.write(`store ${report.location}: ok — ${report.records} records (last ${report.last_seq}), ${report.snapshots} snapshots; a start restores record ${report.snapshot_seq ?? 'none'} and replays ${report.replayed_inputs} inputs${report.replay_checked ? ' (replay checked)' : ' (a simulator\'s store: structure checked, replay not)'}\n`);
  }
  if (report.problem) throw new MspError(report.problem.code, report.problem.message.replace(/ \(STORE_[A-Z_]+\)$/, ''));
  return ExitCode.ok;
}


/** --ca/--cert/--key/--insecure as MQTT.js TLS options; an unreadable file exits 2. */
function brokerTls(args: PlatformArgs): { ca?: Buffer; cert?: Buffer; key?: Buffer; insecure?: boolean } | undefined {
  if (args.ca === undefined && args.cert === undefined && args.key === undefined && !args.insecure) return undefined;
  const read = (flag: string, path: string | undefined): Buffer | undefined => {
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      throw new MspError('PLATFORM_TLS_FILE', `cannot read the ${flag} file ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  };
  const ca = read('--ca', args.ca);
  const cert = read('--cert', args.cert);
  const key = read('--key', args.key);
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), ...(args.insecure ? { insecure: true } : {}) };
}

function snapshotEvery(text: string): number {
  try {
    return parsePositiveDuration(text);
  } catch (err) {
    throw new MspError('PLATFORM_ARGS', `--snapshot-every ${text}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * `msp-twin platform`: maps flags onto the production host (platform/service/host.ts) and runs it
 * until `until` resolves (SIGINT/SIGTERM). It imports nothing from the simulator.
 */
export async function platformCommand(args: PlatformArgs, io: CliIo, until: Promise<void>): Promise<number> {
  if (args.broker === undefined) throw new MspError('PLATFORM_ARGS', 'msp-twin platform needs --broker URL (e.g. mqtt://127.0.0.1:1883)');
  const firmware = args.catalog === undefined ? withCatalogDefaults([]) : loadCatalogFile(args.catalog);
  if (args.fleet === undefined && !args.allow_unprovisioned) {
    throw new MspError('PLATFORM_NO_FLEET', 'give the platform its fleet with --fleet FILE (a scenario, or JSON/CSV of id,site,kind,model), or --allow-unprovisioned to admit any device (experiments only)');
  }
  if (args.max_devices !== undefined && !(Number.isSafeInteger(args.max_devices) && args.max_devices >= 1 && args.max_devices <= 10_000_000)) {
    throw new MspError('PLATFORM_FLEET', `--max-devices must be an integer from 1 to 10,000,000, got ${args.max_devices}`);
  }
  const tls = brokerTls(args);
  const fleet = args.fleet !== undefined ? await loadFleetFile(args.fleet) : undefined;
  if (fleet === undefined) io.stderr.write('warning: --allow-unprovisioned: births from any device with valid credentials are admitted (registry bounded); provision the fleet with --fleet for production\n');
  const client_id = ROLE_USERNAMES.platform;
  const credentials = args.username !== undefined ? { username: args.username, password: args.password } : fleetCredentials(args.secret)(client_id);
  const service = await startPlatformService(
    {
      broker_url: args.broker, client_id, ...credentials, api_host: args.api_host, api_port: args.api_port, firmware, journal_lines: args.journal,
      data_dir: args.data, fsync: args.fsync, ...(args.clock !== undefined ? { clock: args.clock } : {}), ...(tls ? { tls } : {}),
      ...(args.snapshot_every !== undefined ? { durability: { snapshot_every_ms: snapshotEvery(args.snapshot_every) } } : {}),
      provisioning: fleet, max_devices: args.max_devices, api_token: args.api_token, api_allowed_hosts: args.api_allowed_host, api_allowed_origins: args.api_allowed_origin,
    },
    {
      now: () => Date.now(), // wall-clock: production mode runs on real time
      out: (line) => void io.stdout.write(`${line}\n`),
      log: (line) => void io.stderr.write(`${line}\n`),
      // The store cannot commit: stop at once, nothing more acknowledged (docs/durability.md).
      fatal: () => process.exit(ExitCode.internal),
    },
  );
  io.stdout.write(`platform: ingesting ${ALL_DEVICE_MESSAGES} from ${args.broker}\n`);
  if (fleet !== undefined) io.stdout.write(`platform: fleet of ${fleet.size} provisioned devices from ${args.fleet}\n`);
  io.stdout.write(`platform: HTTP API ${service.api_url}/api/v1/health\n`);
  // A generated token exists only in this process: print it, or writes are impossible.
  if (args.api_token === undefined) io.stdout.write(`platform: API token for writes (generated; set --api-token or MSP_TWIN_API_TOKEN to fix one): ${service.api_token}\n`);
  io.stdout.write(`platform: Prometheus metrics ${service.api_url}/metrics\n`);
  io.stdout.write(args.data === undefined ? 'platform: no --data: state is in memory only and a restart starts empty\n' : `platform: durable store ${args.data}\n`);
  await until;
  const stats = await service.stop();
  io.stdout.write(`platform: stopped; ${stats.accepted} messages accepted, ${stats.rejected} rejected\n`);
  return ExitCode.ok;
}
