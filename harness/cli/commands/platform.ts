import { fleetCredentials, ROLE_USERNAMES } from '../../../platform/contract/credentials.ts';
import { ALL_DEVICE_MESSAGES } from '../../../platform/contract/topics.ts';
import { loadCatalogFile, withCatalogDefaults } from '../../../platform/service/catalog-file.ts';
import { startPlatformService } from '../../../platform/service/host.ts';
import { ExitCode } from '../exit-codes.ts';
import type { CliIo } from '../io.ts';

export interface PlatformArgs {
  broker: string;
  username?: string | undefined;
  password?: string | undefined;
  secret: string;
  api_host: string;
  api_port: number;
  /** Print every platform decision as a JSON line on stdout. */
  journal: boolean;
  /** A catalog file (or a scenario file) whose firmware rollouts may deploy (plus each model's shipped version). */
  catalog?: string | undefined;
}

/**
 * `msp-twin platform`: maps flags onto the production host (platform/service/host.ts) and runs it
 * until `until` resolves (SIGINT/SIGTERM). It imports nothing from the simulator.
 */
export async function platformCommand(args: PlatformArgs, io: CliIo, until: Promise<void>): Promise<number> {
  const firmware = args.catalog === undefined ? withCatalogDefaults([]) : loadCatalogFile(args.catalog);
  const client_id = ROLE_USERNAMES.platform;
  const credentials = args.username !== undefined ? { username: args.username, password: args.password } : fleetCredentials(args.secret)(client_id);
  const service = await startPlatformService(
    { broker_url: args.broker, client_id, ...credentials, api_host: args.api_host, api_port: args.api_port, firmware, journal_lines: args.journal },
    {
      now: () => Date.now(), // wall-clock: production mode runs on real time
      out: (line) => void io.stdout.write(`${line}\n`),
      log: (line) => void io.stderr.write(`${line}\n`),
    },
  );
  io.stdout.write(`platform: ingesting ${ALL_DEVICE_MESSAGES} from ${args.broker}\n`);
  io.stdout.write(`platform: HTTP API ${service.api_url}/api/v1/health\n`);
  io.stdout.write(`platform: Prometheus metrics ${service.api_url}/metrics\n`);
  await until;
  const stats = await service.stop();
  io.stdout.write(`platform: stopped; ${stats.accepted} messages accepted, ${stats.rejected} rejected\n`);
  return ExitCode.ok;
}
