import { readFileSync } from 'node:fs';
import { AccessPolicy } from '../broker/access-policy.ts';
import { fleetCredentials } from '../../platform/contract/credentials.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../broker/embedded-broker.ts';
import { startMosquittoProcess, type MosquittoProcess } from '../broker/mosquitto-process.ts';
import type { MqttTransportOptions } from '../../sim/edge/mqtt/session-options.ts';
import type { Portfolio } from '../../sim/world/topology.ts';
import type { MqttMode, MqttRunOptions } from './run-types.ts';
import { UsageError } from '../errors.ts';

/** What the CLI says about the broker; everything optional has a working default. */
export interface BrokerArgs {
  /**
   * External broker URL (mqtt://, mqtts://, ws://, wss://); `mosquitto` = start a stock local
   * Mosquitto for the run; undefined = start the embedded one.
   */
  readonly broker?: string | undefined;
  readonly mode: MqttMode;
  readonly protocol_version: 4 | 5;
  /** Fleet secret: per-device and role passwords derive from it (embedded broker, or an external one provisioned the same way). */
  readonly secret: string;
  /** Shared credentials for an external broker (every client uses them) instead of derived ones. */
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly ca?: string | undefined;
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
  readonly insecure?: boolean | undefined;
  /** Embedded broker ports (0 = pick free ones). */
  readonly port?: number | undefined;
  readonly ws_port?: number | null | undefined;
  readonly on_log?: (line: string) => void;
}

export interface MqttSetup {
  readonly mqtt: MqttRunOptions;
  /** The embedded broker, when the run started one. */
  readonly broker: EmbeddedBroker | undefined;
  /** Stop/start of a broker this run started itself (embedded or Mosquitto): outages need it. */
  readonly control: { stop(): Promise<void>; start(): Promise<void> } | undefined;
  /** What kind of broker: `embedded`, `mosquitto` (started by the run) or `external`. */
  readonly kind: 'embedded' | 'mosquitto' | 'external';
  readonly url: string;
  readonly ws_url: string | null;
  close(): Promise<void>;
}

export function gatewayChildren(portfolio: Portfolio): Map<string, string[]> {
  const children = new Map<string, string[]>();
  for (const d of portfolio.devices) {
    if (d.gateway_id === null) continue;
    const list = children.get(d.gateway_id) ?? [];
    list.push(d.id);
    children.set(d.gateway_id, list);
  }
  return children;
}

function readPem(path: string | undefined, what: string): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UsageError('RUN_TLS_FILE', `cannot read the ${what} file ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

/** TLS for a client of an external broker from the CLI's --ca/--cert/--key/--insecure; undefined without any. */
export function tlsOptions(args: Pick<BrokerArgs, 'ca' | 'cert' | 'key' | 'insecure'>): MqttTransportOptions['tls'] {
  return args.ca || args.cert || args.key || args.insecure
    ? { ca: readPem(args.ca, 'CA'), cert: readPem(args.cert, 'certificate'), key: readPem(args.key, 'key'), reject_unauthorized: !args.insecure }
    : undefined;
}

/** `{ tls }` to spread into transport options, or nothing when no TLS flag was given. */
export function withTls(args: Pick<BrokerArgs, 'ca' | 'cert' | 'key' | 'insecure'>): { tls?: NonNullable<MqttTransportOptions['tls']> } {
  const tls = tlsOptions(args);
  return tls ? { tls } : {};
}

/** Starts the embedded broker (with per-device auth and ACLs) or prepares options for an external one. */
export async function setUpMqtt(args: BrokerArgs, portfolio: Portfolio): Promise<MqttSetup> {
  const tls = tlsOptions(args);
  const credentials = args.username !== undefined
    ? (): { username: string; password?: string } => (args.password !== undefined ? { username: args.username!, password: args.password } : { username: args.username! })
    : fleetCredentials(args.secret);
  let broker: EmbeddedBroker | undefined;
  let mosquitto: MosquittoProcess | undefined;
  let url = args.broker;
  let ws_url: string | null = null;
  let use_credentials: MqttTransportOptions['credentials'] = credentials;
  if (url === 'mosquitto') {
    mosquitto = await startMosquittoProcess(args.port !== undefined ? { port: args.port } : {});
    url = mosquitto.url;
    // Stock Mosquitto takes anonymous clients; it has no password file to check fleet credentials against.
    if (args.username === undefined) use_credentials = (): undefined => undefined;
  } else if (url === undefined) {
    // The scenario's topology is the provisioning: only its devices log in, each under its own site.
    const device_sites = new Map(portfolio.devices.map((d) => [d.id, d.site_id] as const));
    const policy = new AccessPolicy({ fleet_secret: args.secret, gateway_children: gatewayChildren(portfolio), device_sites });
    broker = await startEmbeddedBroker({ port: args.port ?? 0, ws_port: args.ws_port === undefined ? 0 : args.ws_port, policy, ...(args.on_log ? { on_log: args.on_log } : {}) });
    url = broker.url;
    ws_url = broker.ws_url;
  }
  const transport: MqttTransportOptions = {
    url,
    credentials: use_credentials,
    protocol_version: args.protocol_version,
    keepalive_s: 0,
    ...(tls ? { tls } : {}),
  };
  return {
    mqtt: { transport, mode: args.mode },
    broker,
    control: broker ?? mosquitto,
    kind: broker ? 'embedded' : mosquitto ? 'mosquitto' : 'external',
    url,
    ws_url,
    close: async () => {
      await broker?.close();
      await mosquitto?.close();
    },
  };
}
