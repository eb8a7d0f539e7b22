import mqtt from 'mqtt';
import { MspError } from '../../common/errors.ts';
import { encodeOtaCommand } from '../contract/commands.ts';
import { ALL_DEVICE_MESSAGES } from '../contract/topics.ts';
import { Platform } from '../core/platform.ts';
import type { FirmwareRelease } from '../patching/types.ts';
import { startHttpApi, type HttpApi } from './http-api.ts';
import { PlatformMetrics } from './metrics.ts';
import { platformApi } from './platform-api.ts';

/**
 * The platform in production: a real broker, the wall clock, the HTTP API and Prometheus metrics.
 * Nothing here knows the simulator exists (docs/architecture.md): `msp-twin platform` maps its
 * flags onto these options and runs this, and the test that starts it asserts no `sim/` module
 * is loaded.
 */
export interface PlatformServiceOptions {
  readonly broker_url: string;
  readonly client_id: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly api_host: string;
  readonly api_port: number;
  /** Releases rollouts may deploy (platform/service/catalog-file.ts). */
  readonly firmware: readonly FirmwareRelease[];
  /** Every platform decision as a JSON line on `out` (otherwise incidents and firing alerts on `log`). */
  readonly journal_lines: boolean;
  /** How long to wait for the broker's CONNACK before giving up. */
  readonly connect_timeout_ms?: number;
}

export interface PlatformServiceDeps {
  /** The wall clock in production; a test may inject its own. */
  readonly now: () => number;
  readonly out: (line: string) => void;
  readonly log: (line: string) => void;
}

export interface PlatformService {
  readonly platform: Platform;
  readonly api_url: string;
  stop(): Promise<{ accepted: number; rejected: number }>;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const TICK_INTERVAL_MS = 1_000;

export async function startPlatformService(options: PlatformServiceOptions, deps: PlatformServiceDeps): Promise<PlatformService> {
  const metrics: PlatformMetrics = new PlatformMetrics(() => platform, { process_metrics: true });
  const platform = new Platform({
    firmware: [...options.firmware],
    journal: (t, k, f) => {
      metrics.onJournal(k, f);
      if (options.journal_lines) deps.out(JSON.stringify({ t, k, ...f }));
      else if (k === 'p.inc' || (k === 'p.alert' && f.s !== 'resolved')) deps.log(`${new Date(t).toISOString()} ${k} ${JSON.stringify(f)}`);
    },
  });
  const client = mqtt.connect(options.broker_url, {
    clientId: options.client_id,
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
    reconnectPeriod: 2_000,
    keepalive: 30,
    clean: true,
    resubscribe: true,
  });
  const connect_timeout_ms = options.connect_timeout_ms ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const connected = new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', (err) => reject(new MspError('PLATFORM_CONNECT', `cannot connect to ${options.broker_url}: ${err.message}`)));
    // wall-clock: a broker that never answers must not hang the command
    setTimeout(() => reject(new MspError('PLATFORM_CONNECT', `no answer from ${options.broker_url} within ${connect_timeout_ms / 1000} s`)), connect_timeout_ms).unref();
  });
  // Rollout commands go out as soon as the engine decides them (QoS 1, docs/patching.md).
  const sendCommands = (): void => {
    for (const c of platform.drainCommands()) {
      const m = encodeOtaCommand(c);
      client.publish(m.topic, m.payload, { qos: 1 });
    }
  };
  let api: HttpApi;
  try {
    await connected;
    client.on('message', (topic, payload) => {
      metrics.ingest(topic, payload, () => platform.receive(topic, payload, deps.now()));
      sendCommands();
    });
    client.on('error', (err) => deps.log(`platform: mqtt error: ${err.message}`));
    await client.subscribeAsync(ALL_DEVICE_MESSAGES, { qos: 1 });
    api = await startHttpApi(platformApi(platform, { immediate: true }), { host: options.api_host, port: options.api_port, metrics: () => metrics.render() });
  } catch (err) {
    client.end(true);
    throw err;
  }
  // wall-clock: heartbeat deadlines and `for` durations are checked once a second
  const ticker = setInterval(() => {
    platform.tick(deps.now());
    sendCommands();
  }, TICK_INTERVAL_MS);
  return {
    platform,
    api_url: api.url,
    async stop() {
      clearInterval(ticker);
      await api.close();
      await client.endAsync();
      const stats = platform.ingest.stats();
      return { accepted: stats.accepted, rejected: stats.total - stats.accepted };
    },
  };
}
