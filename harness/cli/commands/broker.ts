/**
 * `msp-twin broker`: the twin's embedded broker as a standalone process, for pointing a real
 * platform, MQTT Explorer or the browser viewer at. Runs until `until` resolves (the CLI wires
 * SIGINT/SIGTERM to it), then shuts down cleanly.
 */
import { readFile } from 'node:fs/promises';
import { AccessPolicy } from '../../broker/access-policy.ts';
import { DEFAULT_DEV_SECRET, ROLE_USERNAMES } from '../../../platform/contract/credentials.ts';
import { BrokerError, type BrokerTlsOptions, type EmbeddedBroker, startEmbeddedBroker } from '../../broker/embedded-broker.ts';
import { ExitCode } from '../exit-codes.ts';
import { UsageError } from '../../errors.ts';
import { loadFleetFile } from '../fleet-file.ts';

export interface BrokerArgs {
  host: string;
  port: number;
  /** 0 = pick a free port. */
  ws_port: number;
  secret: string;
  /** Insecure: no authentication, every client may publish and subscribe anywhere. */
  open: boolean;
  /** Provisioning (as `msp-twin platform --fleet`): only these devices log in, each under its own site. */
  fleet?: string | undefined;
  /** Allow --open or the public development secret on a non-loopback interface (named to be noticed). */
  insecure_public_bind?: boolean | undefined;
  /** PEM files: with cert and key the broker serves mqtts:// and wss:// only. */
  tls_cert?: string | undefined;
  tls_key?: string | undefined;
  /** PEM file: require client certificates signed by this CA (mTLS). Needs tls_cert/tls_key. */
  tls_ca?: string | undefined;
}

export interface BrokerIo {
  stdout: { write(s: string): boolean };
  stderr: { write(s: string): boolean };
}

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', '::1', 'localhost']);

function authModeLine(args: BrokerArgs): string {
  if (args.open) return 'auth: OPEN (--open): anyone who can reach the port may publish as any device; insecure';
  const roles = Object.values(ROLE_USERNAMES).join(', ');
  const source = args.secret === DEFAULT_DEV_SECRET ? 'the development default secret (set --secret or MSP_TWIN_SECRET)' : 'the given fleet secret';
  return `auth: per-device passwords and role users (${roles}) derived from ${source}`;
}

async function readPem(flag: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new UsageError('BROKER_TLS_FILE', `cannot read the ${flag} file ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

/** --tls-cert/--tls-key (both or neither), --tls-ca only with them. */
async function loadTls(args: BrokerArgs): Promise<BrokerTlsOptions | undefined> {
  const { tls_cert, tls_key, tls_ca } = args;
  if (tls_cert === undefined && tls_key === undefined) {
    if (tls_ca !== undefined) throw new UsageError('BROKER_TLS_FILE', '--tls-ca (client certificates) needs a TLS listener: add --tls-cert and --tls-key');
    return undefined;
  }
  if (tls_cert === undefined || tls_key === undefined) throw new UsageError('BROKER_TLS_FILE', `--tls-cert and --tls-key go together: ${tls_cert === undefined ? '--tls-cert' : '--tls-key'} is missing`);
  return {
    cert: await readPem('--tls-cert', tls_cert),
    key: await readPem('--tls-key', tls_key),
    ...(tls_ca !== undefined ? { client_ca: await readPem('--tls-ca', tls_ca) } : {}),
  };
}

export async function brokerCommand(args: BrokerArgs, io: BrokerIo, until: Promise<void>): Promise<number> {
  const weak_auth = args.open || args.secret === DEFAULT_DEV_SECRET;
  if (weak_auth && !LOOPBACK_HOSTS.has(args.host) && !args.insecure_public_bind) {
    // The development secret is in the repository: off loopback it protects nothing, and --open less.
    throw new UsageError(
      'BROKER_INSECURE_BIND',
      `refusing to listen on ${args.host} with ${args.open ? '--open (no authentication)' : 'the public development secret'}: set --secret or MSP_TWIN_SECRET${args.open ? ' and drop --open' : ''} (or add --insecure-public-bind for a throwaway lab network)`,
    );
  }
  const device_sites = args.fleet !== undefined ? new Map([...(await loadFleetFile(args.fleet))].map(([id, d]) => [id, d.site] as const)) : undefined;
  const tls = await loadTls(args);
  const policy = new AccessPolicy({ fleet_secret: args.secret, allow_anonymous: args.open, ...(device_sites ? { device_sites } : {}) });
  let broker: EmbeddedBroker;
  try {
    broker = await startEmbeddedBroker({
      host: args.host,
      port: args.port,
      ws_port: args.ws_port,
      policy,
      on_log: (line) => io.stderr.write(line + '\n'),
      ...(tls ? { tls } : {}),
    });
  } catch (err) {
    if (err instanceof BrokerError && (err.code === 'BROKER_PORT_IN_USE' || err.code === 'BROKER_LISTEN_FAILED')) {
      io.stderr.write(`error: ${err.message} (${err.code})\n`);
      return ExitCode.bad_input;
    }
    // A key that does not match its certificate, or PEM that is not a certificate.
    if (tls && err instanceof Error && /key|cert|PEM|asn1|x509/i.test(err.message)) {
      io.stderr.write(`error: the TLS certificate or key cannot be used: ${err.message} (BROKER_TLS_FILE)\n`);
      return ExitCode.bad_input;
    }
    throw err;
  }

  io.stdout.write(`broker: MQTT ${broker.url}\n`);
  io.stdout.write(`broker: MQTT over WebSocket ${broker.ws_url ?? '(off)'}\n`);
  if (tls) io.stdout.write(`broker: TLS only${tls.client_ca ? '; client certificates required (mTLS) from --tls-ca' : ''}\n`);
  io.stdout.write(`broker: ${authModeLine(args)}\n`);
  if (device_sites) io.stdout.write(`broker: ${device_sites.size} provisioned devices from ${args.fleet}; others are refused\n`);
  if (weak_auth && !LOOPBACK_HOSTS.has(args.host)) {
    io.stderr.write(`warning: --insecure-public-bind: listening on ${args.host} with ${args.open ? 'no authentication' : 'the public development secret'}\n`);
  }

  try {
    await until;
  } finally {
    await broker.close();
  }
  const s = broker.stats;
  io.stdout.write(
    `broker: stopped after ${s.connections_total} connections, ${s.messages_in} messages in; ` +
      `refused ${s.auth_refused} logins, ${s.publish_refused} publishes, ${s.subscribe_refused} subscriptions${tls ? `, ${s.tls_refused} TLS handshakes` : ''}\n`,
  );
  return ExitCode.ok;
}
