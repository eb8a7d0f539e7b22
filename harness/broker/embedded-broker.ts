/**
 * An MQTT broker inside the harness process (aedes): MQTT over TCP plus MQTT over WebSocket for
 * the browser viewer, with the fleet's access policy wired into aedes' hooks.
 *
 * It can be stopped and started again on the same ports, which is how scenarios play a broker
 * outage: stop() drops every connection the way a crashed broker does (sockets destroyed, nothing
 * sent, no last wills), start() comes back with a fresh aedes instance on the same ports and keeps
 * what a persistent broker keeps on disk (retained messages, persistent sessions).
 */
import type { EventEmitter } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import type { AedesOptions, AuthenticateError, Client, PublishPacket, Subscription } from 'aedes';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { type AccessPolicy, type Identity, isAuthRefusal } from './access-policy.ts';
import { MspError } from '../../common/errors.ts';

export interface EmbeddedBrokerOptions {
  /** Interface to bind; loopback only unless told otherwise (`::1` works too). Default 127.0.0.1. */
  host?: string;
  /** MQTT over TCP; 0 = pick a free port (kept across stop()/start()). Default 0. */
  port?: number;
  /** MQTT over WebSocket on path /mqtt; 0 = pick a free port, null = no WebSocket listener. Default 0. */
  ws_port?: number | null;
  /** Default: no authentication, everything allowed (except publishing to `$SYS/`). */
  policy?: AccessPolicy;
  /** One line per refusal and per broker-level error. */
  on_log?: (line: string) => void;
}

export interface BrokerStats {
  /** Successful MQTT connections (CONNACK accepted) since the broker was created, across restarts. */
  connections_total: number;
  /** Clients connected right now. */
  connected: number;
  auth_refused: number;
  /** Refused PUBLISH packets and refused last wills. */
  publish_refused: number;
  /** Refused subscription filters (one SUBSCRIBE packet may carry several). */
  subscribe_refused: number;
  /** PUBLISH packets accepted from clients (last wills not included). */
  messages_in: number;
  /** Last wills the broker published. */
  wills_published?: number;
}

export interface EmbeddedBroker {
  readonly host: string;
  readonly port: number;
  readonly ws_port: number | null;
  /** e.g. mqtt://127.0.0.1:1883 */
  readonly url: string;
  /** e.g. ws://127.0.0.1:8883/mqtt; null without a WebSocket listener. */
  readonly ws_url: string | null;
  /** A snapshot; read it again for fresh numbers. */
  readonly stats: BrokerStats;
  /** Broker outage: destroys every client socket without sending anything and closes the listeners. */
  stop(): Promise<void>;
  /** Recovery after stop(): same ports, fresh aedes instance, retained messages and persistent sessions kept. */
  start(): Promise<void>;
  /** Final shutdown; the broker cannot be started again. */
  close(): Promise<void>;
}

export type BrokerErrorCode =
  | 'BROKER_PORT_IN_USE'
  | 'BROKER_LISTEN_FAILED'
  | 'BROKER_CLOSED'
  | 'BROKER_NOT_AUTHENTICATED'
  | 'BROKER_PUBLISH_REFUSED'
  | 'BROKER_STOPPING';

export class BrokerError extends MspError {
  declare readonly code: BrokerErrorCode;
  readonly host: string | undefined;
  readonly port: number | undefined;

  constructor(code: BrokerErrorCode, message: string, details: { host?: string; port?: number; cause?: unknown } = {}) {
    super(code, message, { cause: details.cause, code_in_message: false });
    this.name = 'BrokerError';
    this.host = details.host;
    this.port = details.port;
  }
}

const DEFAULT_HOST = '127.0.0.1';
export const WS_PATH = '/mqtt';
// The kernel caps this at net.core.somaxconn; a fleet reconnecting after an outage arrives all at
// once, and Node's default (511) would make the surplus retry SYNs for a second or more.
const LISTEN_BACKLOG = 4096;
const SYS_PREFIX = '$SYS/';

/** The parts of aedes' persistence we use; aedes exposes the instance but does not type it. */
interface WillStore {
  streamWill(brokers?: Record<string, number>): AsyncIterable<{ clientId: string; brokerId: string }>;
  delWill(client: { id: string; brokerId: string }): Promise<unknown>;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function listen(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') {
        reject(new BrokerError('BROKER_PORT_IN_USE', `port ${port} on ${host} is in use`, { host, port, cause: err }));
      } else {
        reject(new BrokerError('BROKER_LISTEN_FAILED', `cannot listen on ${host}:${port}: ${err.message}`, { host, port, cause: err }));
      }
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, backlog: LISTEN_BACKLOG });
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Everything that lives for one start()…stop() span. */
interface Running {
  aedes: Aedes;
  tcp: net.Server;
  http: http.Server | null;
  wss: WebSocketServer | null;
  sockets: Set<net.Socket>;
  /** Set by stop(): from then on the instance publishes nothing (a crashed broker sends no wills). */
  stopping: boolean;
}

class Broker implements EmbeddedBroker {
  readonly host: string;
  port: number;
  ws_port: number | null;
  private readonly policy: AccessPolicy | undefined;
  private readonly log: (line: string) => void;
  private readonly counters = {
    connections_total: 0,
    auth_refused: 0,
    publish_refused: 0,
    subscribe_refused: 0,
    messages_in: 0,
    wills_published: 0,
  };
  /** Who each connection authenticated as; keyed by aedes' client object so it dies with it. */
  private readonly identities = new WeakMap<Client, Identity>();
  /** aedes' persistence from the first instance, handed to every later one (retained messages survive). */
  private persistence: unknown = undefined;
  private running: Running | null = null;
  private closed = false;
  /** start/stop/close run one at a time, in call order. */
  private lifecycle: Promise<void> = Promise.resolve();

  constructor(options: EmbeddedBrokerOptions) {
    this.host = options.host ?? DEFAULT_HOST;
    this.port = options.port ?? 0;
    this.ws_port = options.ws_port === undefined ? 0 : options.ws_port;
    this.policy = options.policy;
    this.log = options.on_log ?? (() => {});
  }

  get url(): string {
    return `mqtt://${urlHost(this.host)}:${this.port}`;
  }

  get ws_url(): string | null {
    return this.ws_port === null ? null : `ws://${urlHost(this.host)}:${this.ws_port}${WS_PATH}`;
  }

  get stats(): BrokerStats {
    const connected = this.running !== null && !this.running.stopping ? this.running.aedes.connectedClients : 0;
    return { ...this.counters, connected };
  }

  start(): Promise<void> {
    return this.serialize(() => this.doStart());
  }

  stop(): Promise<void> {
    return this.serialize(() => this.doStop());
  }

  close(): Promise<void> {
    return this.serialize(async () => {
      await this.doStop();
      this.closed = true;
    });
  }

  private serialize(step: () => Promise<void>): Promise<void> {
    const next = this.lifecycle.then(step);
    // A failed step must not wedge every later one.
    this.lifecycle = next.catch(() => {});
    return next;
  }

  private async doStart(): Promise<void> {
    if (this.closed) throw new BrokerError('BROKER_CLOSED', 'the broker was closed and cannot be started again');
    if (this.running !== null) return;
    if (this.persistence !== undefined) await this.dropStaleWills(this.persistence as WillStore);

    const state = { stopping: false };
    const aedes = await Aedes.createBroker(this.aedesOptions(state));
    const running: Running = Object.assign(state, {
      aedes,
      // noDelay: lockstep runs wait on every round trip; Nagle plus delayed ACKs would add ~40 ms each.
      tcp: net.createServer({ noDelay: true }),
      http: null,
      wss: null,
      sockets: new Set<net.Socket>(),
    });
    const { sockets } = running;
    this.persistence ??= (aedes as unknown as { persistence: unknown }).persistence;
    this.watch(aedes);

    const track = (socket: net.Socket): void => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    };
    running.tcp.on('connection', (socket: net.Socket) => {
      track(socket);
      aedes.handle(socket);
    });

    try {
      this.port = await listen(running.tcp, this.host, this.port);
      if (this.ws_port !== null) {
        const server = http.createServer((_req, res) => {
          res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' });
          res.end(`MQTT over WebSocket only, at ${WS_PATH}\n`);
        });
        running.http = server;
        server.on('connection', track);
        this.ws_port = await listen(server, this.host, this.ws_port);
        // Created after listen so a listen error is not re-emitted on an unwatched WebSocketServer.
        const wss = new WebSocketServer({ server, path: WS_PATH });
        running.wss = wss;
        wss.on('error', (err) => this.log(`broker: websocket server error: ${err.message}`));
        wss.on('connection', (websocket, req) => {
          aedes.handle(createWebSocketStream(websocket), req);
        });
      }
    } catch (err) {
      running.stopping = true;
      await this.teardown(running);
      throw err;
    }
    this.running = running;
  }

  private async doStop(): Promise<void> {
    const running = this.running;
    if (running === null) return;
    this.running = null;
    running.stopping = true;
    await this.teardown(running);
  }

  private async teardown(running: Running): Promise<void> {
    const closing: Array<Promise<void>> = [closeServer(running.tcp)];
    if (running.http !== null) closing.push(closeServer(running.http));
    running.wss?.close();
    // destroy(), not end(): a crashed broker sends no DISCONNECT and no FIN-after-flush; clients
    // learn of the outage from the dead socket, exactly as they would in production.
    for (const socket of running.sockets) socket.destroy();
    running.sockets.clear();
    running.http?.closeAllConnections();
    await new Promise<void>((resolve) => running.aedes.close(() => resolve()));
    await Promise.all(closing);
  }

  /**
   * Wills registered with the previous instance belong to sessions that died with it. aedes would
   * publish them minutes after the restart (its stale-will sweep), overwriting the retained
   * `state: online` of devices that have long since reconnected; a restarted broker forgets them.
   */
  private async dropStaleWills(store: WillStore): Promise<void> {
    const stale: Array<{ id: string; brokerId: string }> = [];
    for await (const will of store.streamWill({})) stale.push({ id: will.clientId, brokerId: will.brokerId });
    for (const will of stale) await store.delWill(will);
  }

  private watch(aedes: Aedes): void {
    aedes.on('client', () => {
      this.counters.connections_total += 1;
    });
    // Without a listener an 'error' (a persistence failure) would crash the process.
    (aedes as EventEmitter).on('error', (err: unknown) => {
      this.log(`broker: error: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  /** `state` is the Running record of the instance these hooks serve (its `stopping` flag). */
  private aedesOptions(state: { stopping: boolean }): AedesOptions {
    const options: AedesOptions = {
      // No cap on messages in flight inside aedes' emitter: with the default (100) its queue is
      // drained by recursion, and thousands of devices publishing at once overflow the stack.
      concurrency: 0,
      authenticate: (client, username, password, done) => {
        if (this.policy === undefined) return done(null, true);
        const result = this.policy.authenticate(client.id, username, password);
        if (!isAuthRefusal(result)) {
          this.identities.set(client, result);
          return done(null, true);
        }
        this.counters.auth_refused += 1;
        this.log(`broker: refused connection of ${client.id} (${result.code}: ${result.reason})`);
        // CONNACK 4 "bad user name or password" for credential problems, 5 "not authorized" otherwise.
        const returnCode = result.code === 'BROKER_AUTH_BAD_PASSWORD' || result.code === 'BROKER_AUTH_NO_USERNAME' ? 4 : 5;
        const error = Object.assign(new Error(result.reason), { returnCode, code: result.code }) as AuthenticateError;
        done(error, false);
      },
      authorizePublish: (client, packet, done) => this.authorizePublish(state, client, packet, done),
      authorizeSubscribe: (client, subscription, done) => this.authorizeSubscribe(client, subscription, done),
    };
    if (this.persistence !== undefined) options.persistence = this.persistence;
    return options;
  }

  /**
   * Called for every client PUBLISH and for every last will (with the will's owner as client).
   * An error makes aedes close the connection without acknowledging (the MQTT 3.1.1 way to refuse,
   * [MQTT-3.3.5-2]); a refused will is simply not published.
   */
  private authorizePublish(state: { stopping: boolean }, client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): void {
    if (state.stopping) return done(new BrokerError('BROKER_STOPPING', 'broker is stopping'));
    // client is null only for aedes' own sweep of wills left by dead broker instances.
    if (client === null) {
      this.counters.wills_published += 1;
      return done(null);
    }
    const is_will = (client as unknown as { will?: unknown }).will === packet;
    const refuse = (): void => {
      this.counters.publish_refused += 1;
      const who = this.identities.get(client)?.name ?? client.id;
      this.log(`broker: refused publish by ${who} to ${packet.topic}${is_will ? ' (last will)' : ''}`);
      done(new BrokerError('BROKER_PUBLISH_REFUSED', `publish to ${packet.topic} not allowed`));
    };
    // Clients may never forge the broker's own $SYS topics (aedes' default rule, kept with any policy).
    if (packet.topic.startsWith(SYS_PREFIX)) return refuse();
    if (this.policy !== undefined) {
      const identity = this.identities.get(client);
      if (identity === undefined || !this.policy.canPublish(identity, packet.topic)) return refuse();
    }
    // Counted here rather than on aedes' 'publish' event, which fires only after delivery: a test
    // that has just received the message must already see it counted.
    if (is_will) this.counters.wills_published += 1;
    else this.counters.messages_in += 1;
    done(null);
  }

  /** A refused filter is answered with SUBACK return code 0x80 (failure); the connection stays up. */
  private authorizeSubscribe(client: Client, subscription: Subscription, done: (error: Error | null, subscription?: Subscription | null) => void): void {
    if (this.policy === undefined) return done(null, subscription);
    const identity = this.identities.get(client);
    if (identity !== undefined && this.policy.canSubscribe(identity, subscription.topic)) return done(null, subscription);
    this.counters.subscribe_refused += 1;
    this.log(`broker: refused subscribe by ${identity?.name ?? client.id} to ${subscription.topic}`);
    done(null, null);
  }
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const broker = new Broker(options);
  await broker.start();
  return broker;
}
