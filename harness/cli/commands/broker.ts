/**
 * `msp-twin broker`: the twin's embedded broker as a standalone process, for pointing a real
 * platform, MQTT Explorer or the browser viewer at. Runs until `until` resolves (the CLI wires
 * SIGINT/SIGTERM to it), then shuts down cleanly.
 */
import { AccessPolicy } from '../../broker/access-policy.ts';
import { DEFAULT_DEV_SECRET, ROLE_USERNAMES } from '../../../platform/contract/credentials.ts';
import { BrokerError, type EmbeddedBroker, startEmbeddedBroker } from '../../broker/embedded-broker.ts';
import { ExitCode } from '../exit-codes.ts';

export interface BrokerArgs {
  host: string;
  port: number;
  /** 0 = pick a free port. */
  ws_port: number;
  secret: string;
  /** Insecure: no authentication, every client may publish and subscribe anywhere. */
  open: boolean;
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

export async function brokerCommand(args: BrokerArgs, io: BrokerIo, until: Promise<void>): Promise<number> {
  const policy = new AccessPolicy({ fleet_secret: args.secret, allow_anonymous: args.open });
  let broker: EmbeddedBroker;
  try {
    broker = await startEmbeddedBroker({
      host: args.host,
      port: args.port,
      ws_port: args.ws_port,
      policy,
      on_log: (line) => io.stderr.write(line + '\n'),
    });
  } catch (err) {
    if (err instanceof BrokerError && (err.code === 'BROKER_PORT_IN_USE' || err.code === 'BROKER_LISTEN_FAILED')) {
      io.stderr.write(`error: ${err.message} (${err.code})\n`);
      return ExitCode.bad_input;
    }
    throw err;
  }

  io.stdout.write(`broker: MQTT ${broker.url}\n`);
  io.stdout.write(`broker: MQTT over WebSocket ${broker.ws_url ?? '(off)'}\n`);
  io.stdout.write(`broker: ${authModeLine(args)}\n`);
  const weak_auth = args.open || args.secret === DEFAULT_DEV_SECRET;
  if (weak_auth && !LOOPBACK_HOSTS.has(args.host)) {
    // The development secret is public (it is in the repository), so off loopback it is no protection.
    io.stderr.write(`warning: listening on ${args.host} with ${args.open ? 'no authentication' : 'the public development secret'}\n`);
  }

  try {
    await until;
  } finally {
    await broker.close();
  }
  const s = broker.stats;
  io.stdout.write(
    `broker: stopped after ${s.connections_total} connections, ${s.messages_in} messages in; ` +
      `refused ${s.auth_refused} logins, ${s.publish_refused} publishes, ${s.subscribe_refused} subscriptions\n`,
  );
  return ExitCode.ok;
}
