import mqtt from 'mqtt';
import { ALL_DEVICE_MESSAGES } from '../../../platform/contract/topics.ts';
import { Platform } from '../../../platform/core/platform.ts';
import { startHttpApi } from '../../../platform/service/http-api.ts';
import { fleetCredentials } from '../../run/mqtt-setup.ts';
import { platformApi } from '../../run/platform-api.ts';
import { PlatformMetrics } from '../../metrics/platform-metrics.ts';
import { UsageError } from '../../errors.ts';
import { ExitCode } from '../exit-codes.ts';
import { platformReleases, shippedVersions, withInstalledBase } from '../../scenario/firmware-catalog.ts';
import { loadScenario } from '../../scenario/scenario.ts';
import type { FirmwareRelease } from '../../../platform/patching/types.ts';
import { commandMessage } from '../../run/barriers.ts';
import type { CliIo } from './run.ts';

export interface PlatformArgs {
  broker: string;
  username?: string | undefined;
  password?: string | undefined;
  secret: string;
  api_host: string;
  api_port: number;
  /** Print every platform decision as a JSON line on stdout. */
  journal: boolean;
  /** A scenario file whose firmware catalog rollouts may deploy (plus each model's shipped version). */
  catalog?: string | undefined;
}

function catalogFrom(file: string | undefined): FirmwareRelease[] {
  const listed = file === undefined ? [] : loadScenario(file).firmware;
  return platformReleases(withInstalledBase(listed, shippedVersions()));
}

/**
 * `msp-twin platform`: the platform in production mode — a real broker, the wall clock, the HTTP
 * API — with no simulator anywhere. Runs until `until` resolves (SIGINT/SIGTERM).
 */
export async function platformCommand(args: PlatformArgs, io: CliIo, until: Promise<void>): Promise<number> {
  const now = (): number => Date.now(); // wall-clock: production mode runs on real time
  const metrics: PlatformMetrics = new PlatformMetrics(() => platform, { process_metrics: true });
  const firmware = catalogFrom(args.catalog);
  const platform = new Platform({
    firmware,
    journal: (t, k, f) => {
      metrics.onJournal(k, f);
      if (args.journal) io.stdout.write(JSON.stringify({ t, k, ...f }) + '\n');
      else if (k === 'p.inc' || (k === 'p.alert' && f.s !== 'resolved')) io.stderr.write(`${new Date(t).toISOString()} ${k} ${JSON.stringify(f)}\n`);
    },
  });
  const creds = args.username !== undefined ? { username: args.username, ...(args.password !== undefined ? { password: args.password } : {}) } : fleetCredentials(args.secret)('msp-platform');
  const client = mqtt.connect(args.broker, { clientId: 'msp-platform', ...creds, reconnectPeriod: 2_000, keepalive: 30, clean: true, resubscribe: true });
  const connected = new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', (err) => reject(new UsageError('PLATFORM_CONNECT', `cannot connect to ${args.broker}: ${err.message}`)));
  });
  // Rollout commands go out as soon as the engine decides them (QoS 1, docs/patching.md).
  const sendCommands = (): void => {
    for (const c of platform.drainCommands()) {
      const m = commandMessage(c);
      client.publish(m.topic, m.payload, { qos: 1 });
    }
  };
  let api;
  try {
    await Promise.race([
      connected,
      // wall-clock: a broker that never answers must not hang the command
      new Promise((_, reject) => setTimeout(() => reject(new UsageError('PLATFORM_CONNECT', `no answer from ${args.broker} within 10 s`)), 10_000)),
    ]);
    client.on('message', (topic, payload) => {
      metrics.ingest(topic, payload, () => platform.receive(topic, payload, now()));
      sendCommands();
    });
    client.on('error', (err) => io.stderr.write(`platform: mqtt error: ${err.message}\n`));
    await client.subscribeAsync(ALL_DEVICE_MESSAGES, { qos: 1 });
    api = await startHttpApi(platformApi(platform, { immediate: true }), { host: args.api_host, port: args.api_port, metrics: () => metrics.render() });
  } catch (err) {
    client.end(true);
    throw err;
  }
  // wall-clock: heartbeat deadlines and `for` durations are checked once a second
  const ticker = setInterval(() => {
    platform.tick(now());
    sendCommands();
  }, 1_000);
  io.stdout.write(`platform: ingesting ${ALL_DEVICE_MESSAGES} from ${args.broker}\n`);
  io.stdout.write(`platform: HTTP API ${api.url}/api/v1/health\n`);
  io.stdout.write(`platform: Prometheus metrics ${api.url}/metrics\n`);
  await until;
  clearInterval(ticker);
  await api.close();
  await client.endAsync();
  const stats = platform.ingest.stats();
  io.stdout.write(`platform: stopped; ${stats.accepted} messages accepted, ${stats.total - stats.accepted} rejected\n`);
  return ExitCode.ok;
}
