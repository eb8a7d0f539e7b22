import mqtt from 'mqtt';
import { MspError } from '../../common/errors.ts';
import { encodeOtaCommand } from '../contract/commands.ts';
import { ALL_DEVICE_MESSAGES } from '../contract/topics.ts';
import { Platform } from '../core/platform.ts';
import { DEFAULT_MAX_DEVICES, DEFAULT_SKEW_WINDOW_MS, type ProvisionedDevice } from '../ingest/admission.ts';
import type { FirmwareRelease } from '../patching/types.ts';
import { startHttpApi, type HttpApi } from './http-api.ts';
import { PlatformMetrics } from './metrics.ts';
import { platformApi } from './platform-api.ts';
import type { Journal } from '../core/model.ts';
import { DurablePlatform, type DurabilityOptions } from '../store/durable.ts';
import { SqliteStore } from '../store/sqlite-store.ts';
import { AckAfterCommit } from './ack-after-commit.ts';

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
  /**
   * The durable store's directory (`--data`). With it the platform starts from its store
   * (snapshot + journal tail), keeps a persistent MQTT session (clean: false) under `client_id`,
   * and acknowledges each QoS 1 message to the broker only after the input that applied it is
   * committed (docs/durability.md). Without it, state lives in memory only.
   */
  readonly data_dir?: string | undefined;
  /**
   * `commit` (default): a commit survives the platform's process dying (kill -9, OOM), not a power
   * loss or an OS crash, which can take the last commits of the past moments with it; `always`:
   * an fsync per commit, surviving those too, at a cost in throughput (docs/durability.md).
   */
  readonly fsync?: 'commit' | 'always' | undefined;
  readonly durability?: DurabilityOptions;
  /**
   * `wall` (default): messages are received at the wall clock's time and timers run every second.
   * `messages`: for replaying a recorded stream (the crash test) — the platform's time is the
   * newest message timestamp it has seen and nothing runs on wall time, so what it decides is a
   * function of the message sequence alone.
   */
  readonly clock?: 'wall' | 'messages';
  /** Provisioned fleet (--fleet); undefined = unprovisioned devices admitted (--allow-unprovisioned). */
  readonly provisioning?: ReadonlyMap<string, ProvisionedDevice> | undefined;
  /** Most devices the registry holds (bounds memory when unprovisioned devices are admitted). */
  readonly max_devices?: number | undefined;
  /** Device `ts` further than this from receipt is quarantined as clock_skew (default ±5 min). */
  readonly skew_window_ms?: number | undefined;
  /** API bearer token for writes; undefined = generated (see PlatformService.api_token). */
  readonly api_token?: string | undefined;
  readonly api_allowed_hosts?: readonly string[] | undefined;
  readonly api_allowed_origins?: readonly string[] | undefined;
  /** TLS to an mqtts:// or wss:// broker: PEM contents; `insecure` skips verification (testing only). */
  readonly tls?: { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer; readonly insecure?: boolean } | undefined;
}

/** A message's own `ts`, without a full parse. */
function payloadTime(payload: Buffer): number | undefined {
  const text = payload.toString('latin1', 0, Math.min(payload.length, 4096));
  const i = text.indexOf('"ts":');
  if (i < 0) return undefined;
  const n = Number.parseInt(text.slice(i + 5, i + 25), 10);
  return Number.isSafeInteger(n) ? n : undefined;
}

export interface PlatformServiceDeps {
  /** The wall clock in production; a test may inject its own. */
  readonly now: () => number;
  readonly out: (line: string) => void;
  readonly log: (line: string) => void;
  /**
   * The store failed to commit: the platform must not go on with state it cannot make durable
   * (the CLI exits; a restart recovers from the store). Default: rethrow, ending the process.
   */
  readonly fatal?: (err: Error) => void;
}

export interface PlatformService {
  readonly platform: Platform;
  /** What the start recovered from the store (null without --data). */
  readonly recovery: DurablePlatform['recovery'] | null;
  readonly api_url: string;
  /** The bearer token API writes need (print it when it was generated). */
  readonly api_token: string;
  stop(): Promise<{ accepted: number; rejected: number }>;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Registry bound when unprovisioned devices are admitted: one credential must not grow it without end. */
export const DEFAULT_UNPROVISIONED_MAX_DEVICES = 100_000;
const TICK_INTERVAL_MS = 1_000;

export async function startPlatformService(options: PlatformServiceOptions, deps: PlatformServiceDeps): Promise<PlatformService> {
  const metrics: PlatformMetrics = new PlatformMetrics(() => platform, { process_metrics: true });
  const journal: Journal = (t, k, f) => {
    metrics.onJournal(k, f);
    if (options.journal_lines) deps.out(JSON.stringify({ t, k, ...f }));
    else if (k === 'p.inc' || (k === 'p.alert' && f.s !== 'resolved')) deps.log(`${new Date(t).toISOString()} ${k} ${JSON.stringify(f)}`);
  };
  // The store is opened (and its lock taken) before anything connects: a refused store stops the
  // start with its code, and the broker never sees a platform that would start empty.
  const store = options.data_dir !== undefined ? new SqliteStore(options.data_dir, { synchronous: options.fsync === 'always' ? 'FULL' : 'NORMAL' }) : undefined;
  // Production: the fleet is what provisioning says, and liveness runs on the platform's clock
  // at receipt, so a device's own `ts` is believed only within the skew window.
  const platform_options = {
    firmware: [...options.firmware],
    admission: {
      ...(options.provisioning !== undefined ? { provisioning: options.provisioning } : {}),
      skew_window_ms: options.skew_window_ms ?? DEFAULT_SKEW_WINDOW_MS,
      // With provisioning the registry holds provisioned devices only, so the bound is on provisioning
      // itself (the file plus POST /api/v1/devices).
      max_devices: options.max_devices ?? (options.provisioning !== undefined ? Math.max(options.provisioning.size, DEFAULT_MAX_DEVICES) : DEFAULT_UNPROVISIONED_MAX_DEVICES),
      // On the wall clock, deadlines run from receipt; replaying recorded messages, their ts is the clock.
      receipt_clock: options.clock !== 'messages',
    },
  };
  let durable: DurablePlatform | undefined;
  try {
    durable = store ? DurablePlatform.openWith(store, platform_options, journal, options.durability) : undefined;
  } catch (err) {
    store?.close();
    throw err;
  }
  const platform = durable?.platform ?? new Platform({ ...platform_options, journal });
  const message_clock = options.clock === 'messages';
  const receivedAt = (payload: Buffer): number => (message_clock ? Math.max(platform.now_ms, payloadTime(payload) ?? platform.now_ms) : deps.now());
  if (durable) {
    const r = durable.recovery;
    deps.log(`platform: store ${options.data_dir}: ${r.snapshot_seq === null ? 'no snapshot' : `snapshot at record ${r.snapshot_seq}`}, ${r.replayed_inputs} inputs replayed (${r.replayed_decisions} decisions checked)`);
  }
  // Rollout commands go out as soon as the engine decides them (QoS 1, docs/patching.md) — with a
  // store, only after the input that decided them is committed.
  const sendCommands = (): void => {
    for (const c of platform.drainCommands()) {
      const m = encodeOtaCommand(c);
      client.publish(m.topic, m.payload, { qos: 1 });
    }
  };
  const commit = (): void => {
    durable?.commit();
  };
  const client = mqtt.connect(options.broker_url, {
    clientId: options.client_id,
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...(options.tls ? { ca: options.tls.ca, cert: options.tls.cert, key: options.tls.key, rejectUnauthorized: options.tls.insecure !== true } : {}),
    reconnectPeriod: 2_000,
    keepalive: 30,
    // A persistent session with a store: the broker keeps what arrives while the platform is down
    // and redelivers what it sent but never got a PUBACK for.
    clean: durable === undefined,
    resubscribe: true,
  });
  // With a store, QoS 1 messages are acknowledged in groups, each PUBACK after the commit that
  // made its message durable (platform/service/ack-after-commit.ts).
  const acks = durable
    ? new AckAfterCommit({
        commit,
        afterCommit: sendCommands,
        onFailure: (err) => {
          deps.log(`platform: the store failed to commit (${err.message}); stopping unacknowledged — a restart recovers from the store and the broker redelivers what was not acknowledged`);
          client.end(true);
          if (deps.fatal) deps.fatal(err);
          else throw err;
        },
        later: (run) => setImmediate(run), // wall-clock: not time — runs after the packets already read are processed
      })
    : undefined;
  if (durable && acks) {
    client.handleMessage = (packet, callback) => {
      if (packet.qos === 0) {
        callback();
        return;
      }
      const topic = packet.topic;
      const message = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : Buffer.from(packet.payload);
      // A redelivery of a message already applied (its PUBACK never left before a crash or a
      // reconnect): acknowledged — after the next commit, like any other — and not applied twice.
      if (!(packet.dup && durable.seen(topic, message))) {
        try {
          metrics.ingest(topic, message, () => platform.receive(topic, message, receivedAt(message)));
        } catch (err) {
          deps.log(`platform: not acknowledging a message on ${topic}: ${err instanceof Error ? err.message : String(err)}`);
          callback(err instanceof Error ? err : new Error(String(err)));
          return;
        }
      }
      acks.hold(client.stream);
      callback();
    };
  }
  const connect_timeout_ms = options.connect_timeout_ms ?? DEFAULT_CONNECT_TIMEOUT_MS;
  let session_present = false;
  const connected = new Promise<void>((resolve, reject) => {
    client.once('connect', (connack) => {
      session_present = connack.sessionPresent;
      resolve();
    });
    client.once('error', (err) => reject(new MspError('PLATFORM_CONNECT', `cannot connect to ${options.broker_url}: ${err.message}`)));
    // wall-clock: a broker that never answers must not hang the command
    setTimeout(() => reject(new MspError('PLATFORM_CONNECT', `no answer from ${options.broker_url} within ${connect_timeout_ms / 1000} s`)), connect_timeout_ms).unref(); // wall-clock: connect deadline
  });
  let api: HttpApi;
  /** Set by stop(): the connection closing then is ours, not a lost link. */
  let stopping = false;
  try {
    await connected;
    client.on('message', (topic, payload, packet) => {
      // With a store, QoS 1 messages are applied (and committed) in handleMessage, right after this event.
      if (durable && packet.qos > 0) return;
      metrics.ingest(topic, payload, () => platform.receive(topic, payload, receivedAt(payload)));
      // QoS 0 messages are committed with the next tick (at most a second): the broker promises them nothing either.
      if (!durable) sendCommands();
    });
    client.on('error', (err) => deps.log(`platform: mqtt error: ${err.message}`));
    // The platform's own broker link (docs/monitoring.md): while it is down the platform hears
    // nobody, so every device it believed alive is UNREACHABLE from that moment; on reconnect the
    // devices re-announce themselves. On the message clock there is no "now" to date it by.
    if (!message_clock) {
      client.on('close', () => {
        if (!stopping) platform.link(false, deps.now());
      });
      client.on('connect', () => platform.link(true, deps.now()));
    }
    // A resumed session keeps its subscription; subscribing again would make the broker resend
    // every retained message, which the platform has already applied.
    if (!session_present) await client.subscribeAsync(ALL_DEVICE_MESSAGES, { qos: 1 });
    api = await startHttpApi(platformApi(platform, { immediate: true }), {
      host: options.api_host,
      port: options.api_port,
      metrics: () => metrics.render(),
      ...(options.api_token !== undefined ? { token: options.api_token } : {}),
      ...(options.api_allowed_hosts !== undefined ? { allowed_hosts: options.api_allowed_hosts } : {}),
      ...(options.api_allowed_origins !== undefined ? { allowed_origins: options.api_allowed_origins } : {}),
    });
  } catch (err) {
    client.end(true);
    store?.close();
    throw err;
  }
  // wall-clock: heartbeat deadlines and `for` durations are checked once a second
  const ticker = setInterval(() => { // wall-clock: the production ticker
    if (!message_clock) platform.tick(deps.now());
    if (acks) acks.flush();
    else sendCommands();
  }, TICK_INTERVAL_MS);
  return {
    platform,
    recovery: durable?.recovery ?? null,
    api_url: api.url,
    api_token: api.token,
    async stop() {
      stopping = true;
      clearInterval(ticker);
      // Commit and acknowledge what is applied before the connection closes.
      acks?.flush();
      await api.close();
      await client.endAsync();
      if (durable) {
        // A clean stop leaves a fresh snapshot, so the next start replays nothing.
        durable.commit();
        durable.snapshot();
        store?.close();
      }
      const stats = platform.ingest.stats();
      return { accepted: stats.accepted, rejected: stats.total - stats.accepted };
    },
  };
}
