import { fleetCredentials, ROLE_USERNAMES } from '../../../platform/contract/credentials.ts';
import { ALL_DEVICE_MESSAGES } from '../../../platform/contract/topics.ts';
import { loadCatalogFile, withCatalogDefaults } from '../../../platform/service/catalog-file.ts';
import { startPlatformService } from '../../../platform/service/host.ts';
import { ExitCode } from '../exit-codes.ts';
import { MspError } from '../../../common/errors.ts';
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
  if (!report.ok && args.repair && report.problem?.code !== 'STORE_LOCKED' && report.problem?.code !== 'STORE_NEWER_SCHEMA') {
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

/**
 * `msp-twin platform`: maps flags onto the production host (platform/service/host.ts) and runs it
 * until `until` resolves (SIGINT/SIGTERM). It imports nothing from the simulator.
 */
export async function platformCommand(args: PlatformArgs, io: CliIo, until: Promise<void>): Promise<number> {
  if (args.broker === undefined) throw new MspError('PLATFORM_ARGS', 'msp-twin platform needs --broker URL (e.g. mqtt://127.0.0.1:1883)');
  const firmware = args.catalog === undefined ? withCatalogDefaults([]) : loadCatalogFile(args.catalog);
  const client_id = ROLE_USERNAMES.platform;
  const credentials = args.username !== undefined ? { username: args.username, password: args.password } : fleetCredentials(args.secret)(client_id);
  const service = await startPlatformService(
    { broker_url: args.broker, client_id, ...credentials, api_host: args.api_host, api_port: args.api_port, firmware, journal_lines: args.journal, data_dir: args.data, ...(args.clock !== undefined ? { clock: args.clock } : {}) },
    {
      now: () => Date.now(), // wall-clock: production mode runs on real time
      out: (line) => void io.stdout.write(`${line}\n`),
      log: (line) => void io.stderr.write(`${line}\n`),
    },
  );
  io.stdout.write(`platform: ingesting ${ALL_DEVICE_MESSAGES} from ${args.broker}\n`);
  io.stdout.write(`platform: HTTP API ${service.api_url}/api/v1/health\n`);
  io.stdout.write(`platform: Prometheus metrics ${service.api_url}/metrics\n`);
  io.stdout.write(args.data === undefined ? 'platform: no --data: state is in memory only and a restart starts empty\n' : `platform: durable store ${args.data}\n`);
  await until;
  const stats = await service.stop();
  io.stdout.write(`platform: stopped; ${stats.accepted} messages accepted, ${stats.rejected} rejected\n`);
  return ExitCode.ok;
}
