/**
 * An MQTT broker inside the harness process (aedes): MQTT over TCP plus MQTT over WebSocket for
 * the browser viewer, with the fleet's access policy wired into aedes' hooks. Given a certificate
 * it serves both over TLS instead (mqtts:// and wss://), optionally requiring client certificates.
 *
 * It can be stopped and started again on the same ports, which is how scenarios play a broker
 * outage: stop() drops every connection the way a crashed broker does (sockets destroyed, nothing
 * sent, no last wills), start() comes back with a fresh aedes instance on the same ports and keeps
 * what a persistent broker keeps on disk (retained messages, persistent sessions).
 */
import type { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import type { AedesOptions, AuthenticateError, Client, PublishPacket, Subscription } from 'aedes';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { MAX_PAYLOAD_BYTES } from '../../platform/contract/messages.ts';
import { type AccessPolicy, type Identity, isAuthRefusal } from './access-policy.ts';
import { MspError } from '../../common/errors.ts';
import { guardPacketSize } from './packet-size-guard.ts';

/**
 * The broker's limits (docs/mqtt.md). A PUBLISH payload may be at most the contract's 16 KiB; any
 * packet's remaining length may exceed that by 4 KiB (topic, will topic, credentials, many
 * subscription filters) and no more, checked on the wire before the packet is buffered.
 */
export const BROKER_LIMITS = {
  max_payload_bytes: MAX_PAYLOAD_BYTES,
  max_packet_bytes: MAX_PAYLOAD_BYTES + 4 * 1024,
  /** Distinct subscription filters one connection may hold. */
  max_subscriptions_per_client: 64,
  /** Inbound QoS 2 messages awaiting PUBREL per client (aedes' maxInflightInbound). */
  max_inflight_inbound: 100,
  /** Packets aedes queues for a client before its CONNECT is processed (aedes' queueLimit). */
  max_queued_before_connect: 42,
  /** Client ids longer than this are refused at CONNECT (CONNACK 2, identifier rejected). */
  max_client_id_length: 128,
  /** Topic levels per topic or filter (aedes' maxTopicLevels); the contract needs 6. */
  max_topic_levels: 16,
} as const;

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
  /** Simultaneous connections (TCP and WebSocket together); more are closed on accept. Default 250,000. */
  max_connections?: number;
  /** Serve MQTT over TLS (mqtts://) and MQTT over secure WebSocket (wss://) instead of plaintext. */
  tls?: BrokerTlsOptions;
}

/** PEM contents (not paths). */
export interface BrokerTlsOptions {
  /** The broker's certificate chain. */
  cert: string | Buffer;
  key: string | Buffer;
  /**
   * Mutual TLS: when given, every client must present a certificate signed by this CA, or the
   * handshake fails before MQTT starts. Passwords and ACLs still apply on top.
   */
  client_ca?: string | Buffer;
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
  /** Connections closed for a packet over the size limit, and PUBLISH payloads over 16 KiB refused. */
  oversize_refused: number;
  /** PUBLISH packets refused for setting retain on a topic that may not retain. */
  retain_refused: number;
  /** Connections closed because the broker was at max_connections. */
  connections_refused: number;
  /** TLS handshakes that failed (no or untrusted client certificate, wrong protocol, a client that distrusts us). */
  tls_refused: number;
}

export interface EmbeddedBroker {
  readonly host: string;
  readonly port: number;
  readonly ws_port: number | null;
  /** e.g. mqtt://127.0.0.1:1883 (mqtts:// with TLS) */
  readonly url: string;
  /** e.g. ws://127.0.0.1:8883/mqtt (wss:// with TLS); null without a WebSocket listener. */
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
  /** A tls.Server (a net.Server) when serving TLS. */
  tcp: net.Server;
  http: http.Server | https.Server | null;
  wss: WebSocketServer | null;
  /** Accepted connections (raw sockets, before any TLS handshake): what max_connections counts. */
  sockets: Set<net.Socket>;
  /** TLS sockets wrapping some of the above, destroyed with them on stop(). */
  tls_sockets: Set<tls.TLSSocket>;
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
    oversize_refused: 0,
    retain_refused: 0,
    connections_refused: 0,
    tls_refused: 0,
  };
  private readonly max_connections: number;
  private readonly tls: BrokerTlsOptions | undefined;
  /** Accepted subscription filters per connection, for the per-client limit. */
  private readonly subscriptions = new WeakMap<Client, Set<string>>();
  /** Connections already closed for an oversized packet. */
  private readonly oversize_clients = new WeakSet<Client>();
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
    this.max_connections = options.max_connections ?? 250_000;
    this.tls = options.tls;
  }

  get url(): string {
    return `${this.tls ? 'mqtts' : 'mqtt'}://${urlHost(this.host)}:${this.port}`;
  }

  get ws_url(): string | null {
    return this.ws_port === null ? null : `${this.tls ? 'wss' : 'ws'}://${urlHost(this.host)}:${this.ws_port}${WS_PATH}`;
  }

  /** Server-side TLS settings shared by the MQTT and WebSocket listeners. */
  private tlsServerOptions(t: BrokerTlsOptions): tls.TlsOptions {
    const mutual = t.client_ca !== undefined;
    return {
      cert: t.cert,
      key: t.key,
      minVersion: 'TLSv1.2',
      ...(mutual ? { ca: t.client_ca, requestCert: true, rejectUnauthorized: true } : {}),
    };
  }

  /** Handshake failures are refusals like any other: counted and logged, one line each. */
  private watchHandshakes(server: tls.Server, what: string): void {
    server.on('tlsClientError', (err: Error, socket: tls.TLSSocket) => {
      this.counters.tls_refused += 1;
      this.log(`broker: TLS handshake on the ${what} listener from ${socket.remoteAddress ?? '?'} failed: ${err.message}`);
    });
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
      tcp: this.tls ? tls.createServer({ ...this.tlsServerOptions(this.tls), noDelay: true }) : net.createServer({ noDelay: true }),
      http: null,
      wss: null,
      sockets: new Set<net.Socket>(),
      tls_sockets: new Set<tls.TLSSocket>(),
    });
    const { sockets, tls_sockets } = running;
    const trackSecure = (socket: tls.TLSSocket): void => {
      tls_sockets.add(socket);
      socket.once('close', () => tls_sockets.delete(socket));
    };
    this.persistence ??= (aedes as unknown as { persistence: unknown }).persistence;
    this.watch(aedes);

    const track = (socket: net.Socket): boolean => {
      if (sockets.size >= this.max_connections) {
        this.counters.connections_refused += 1;
        this.log(`broker: refused a connection from ${socket.remoteAddress ?? '?'} (at the limit of ${this.max_connections} connections)`);
        socket.destroy();
        return false;
      }
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      return true;
    };
    const guard = (stream: Duplex, client: Client, who: () => string): void => {
      guardPacketSize(stream, BROKER_LIMITS.max_packet_bytes, (v) => {
        // The chunk that tripped the guard may still reach aedes' parser (the tap sees it as aedes
        // reads it); marking the client keeps that packet from being counted a second time.
        this.oversize_clients.add(client);
        this.counters.oversize_refused += 1;
        const what = v.kind === 'too_large' ? `a ${v.remaining_length}-byte packet (limit ${BROKER_LIMITS.max_packet_bytes})` : 'a malformed packet length';
        this.log(`broker: closed the connection of ${who()}: ${what}`);
      });
    };
    const serveMqtt = (socket: net.Socket): void => {
      const client = aedes.handle(socket);
      guard(socket, client, () => this.identities.get(client)?.name ?? (client.id || socket.remoteAddress || '?'));
    };
    if (running.tcp instanceof tls.Server) {
      // The raw socket counts against the limit before the handshake; the TLS socket speaks MQTT
      // once it is done, and is tracked too so stop() destroys it the way a crash would.
      running.tcp.on('connection', track);
      running.tcp.on('secureConnection', (socket: tls.TLSSocket) => {
        trackSecure(socket);
        serveMqtt(socket);
      });
      this.watchHandshakes(running.tcp, 'MQTT');
    } else {
      running.tcp.on('connection', (socket: net.Socket) => {
        if (track(socket)) serveMqtt(socket);
      });
    }

    try {
      this.port = await listen(running.tcp, this.host, this.port);
      if (this.ws_port !== null) {
        const upgradeOnly = (_req: http.IncomingMessage, res: http.ServerResponse): void => {
          res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' });
          res.end(`MQTT over WebSocket only, at ${WS_PATH}\n`);
        };
        const server = this.tls ? https.createServer(this.tlsServerOptions(this.tls), upgradeOnly) : http.createServer(upgradeOnly);
        running.http = server;
        server.on('connection', track);
        if (server instanceof https.Server) {
          server.on('secureConnection', trackSecure);
          this.watchHandshakes(server, 'WebSocket');
        }
        this.ws_port = await listen(server, this.host, this.ws_port);
        // Created after listen so a listen error is not re-emitted on an unwatched WebSocketServer.
        // maxPayload bounds one WebSocket message (ws buffers it whole); the MQTT guard bounds packets.
        const wss = new WebSocketServer({ server, path: WS_PATH, maxPayload: BROKER_LIMITS.max_packet_bytes + 16 });
        running.wss = wss;
        wss.on('error', (err) => this.log(`broker: websocket server error: ${err.message}`));
        wss.on('connection', (websocket, req) => {
          const stream = createWebSocketStream(websocket);
          const client = aedes.handle(stream, req);
          guard(stream, client, () => this.identities.get(client)?.name ?? (client.id || '?'));
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
    for (const socket of running.tls_sockets) socket.destroy();
    for (const socket of running.sockets) socket.destroy();
    running.sockets.clear();
    running.tls_sockets.clear();
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
    aedes.on('unsubscribe', (topics: string[], client: Client) => {
      const filters = this.subscriptions.get(client);
      for (const topic of topics) filters?.delete(topic);
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
      maxInflightInbound: BROKER_LIMITS.max_inflight_inbound,
      queueLimit: BROKER_LIMITS.max_queued_before_connect,
      maxTopicLevels: BROKER_LIMITS.max_topic_levels,
      authenticate: (client, username, password, done) => {
        // aedes checks the length only for MQTT 3.0 clients; session state is keyed on this id.
        if (client.id.length > BROKER_LIMITS.max_client_id_length) {
          this.counters.auth_refused += 1;
          this.log(`broker: refused connection of a ${client.id.length}-character client id (limit ${BROKER_LIMITS.max_client_id_length})`);
          return done(Object.assign(new Error('client id too long'), { returnCode: 2 }) as AuthenticateError, false);
        }
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
    const refuse = (why = ''): void => {
      this.counters.publish_refused += 1;
      const who = this.identities.get(client)?.name ?? client.id;
      this.log(`broker: refused publish by ${who} to ${packet.topic}${is_will ? ' (last will)' : ''}${why}`);
      done(new BrokerError('BROKER_PUBLISH_REFUSED', `publish to ${packet.topic} not allowed`));
    };
    // Clients may never forge the broker's own $SYS topics (aedes' default rule, kept with any policy).
    if (packet.topic.startsWith(SYS_PREFIX)) return refuse();
    const payload_bytes = typeof packet.payload === 'string' ? Buffer.byteLength(packet.payload) : packet.payload.length;
    if (payload_bytes > BROKER_LIMITS.max_payload_bytes) {
      if (this.oversize_clients.has(client)) return done(new BrokerError('BROKER_PUBLISH_REFUSED', 'connection closed for an oversized packet'));
      this.oversize_clients.add(client);
      this.counters.oversize_refused += 1;
      return refuse(`: payload of ${payload_bytes} bytes over the ${BROKER_LIMITS.max_payload_bytes}-byte limit`);
    }
    if (this.policy !== undefined) {
      const identity = this.identities.get(client);
      if (identity === undefined || !this.policy.canPublish(identity, packet.topic)) return refuse();
      if (packet.retain && !this.policy.canRetain(identity, packet.topic)) {
        this.counters.retain_refused += 1;
        return refuse(': retain is allowed only on birth and state');
      }
    }
    // Counted here rather than on aedes' 'publish' event, which fires only after delivery: a test
    // that has just received the message must already see it counted.
    if (is_will) this.counters.wills_published += 1;
    else this.counters.messages_in += 1;
    done(null);
  }

  /** A refused filter is answered with SUBACK return code 0x80 (failure); the connection stays up. */
  private authorizeSubscribe(client: Client, subscription: Subscription, done: (error: Error | null, subscription?: Subscription | null) => void): void {
    const identity = this.identities.get(client);
    const refuse = (why: string): void => {
      this.counters.subscribe_refused += 1;
      this.log(`broker: refused subscribe by ${identity?.name ?? client.id} to ${subscription.topic}${why}`);
      done(null, null);
    };
    if (this.policy !== undefined && (identity === undefined || !this.policy.canSubscribe(identity, subscription.topic))) return refuse('');
    // Each filter costs the broker a trie entry and a match on every publish; one connection
    // cannot make the broker hold an unbounded number of them.
    let filters = this.subscriptions.get(client);
    if (filters === undefined) this.subscriptions.set(client, (filters = new Set()));
    if (!filters.has(subscription.topic) && filters.size >= BROKER_LIMITS.max_subscriptions_per_client) {
      return refuse(` (limit of ${BROKER_LIMITS.max_subscriptions_per_client} filters per connection)`);
    }
    filters.add(subscription.topic);
    done(null, subscription);
  }
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const broker = new Broker(options);
  await broker.start();
  return broker;
}
