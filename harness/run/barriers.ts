import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { ALL_DEVICE_MESSAGES, SIM_TOPIC_ROOT, TOPIC_ROOT } from '../../platform/contract/topics.ts';
import type { OtaCommand } from '../../platform/patching/engine.ts';
import { encodeOtaCommand } from '../../platform/contract/commands.ts';
import type { InboundCommand } from '../../sim/simulation.ts';
import type { MemoryBus } from '../../sim/edge/memory-bus.ts';
import { disableNagle, sessionOptions, type MqttTransportOptions } from '../../sim/edge/mqtt/session-options.ts';
import type { StepBarrier } from './lockstep.ts';
import type { StepMarker, StepReceiver } from './step-receiver.ts';
import type { ExpectedMessage } from '../../sim/edge/mqtt/step-outbox.ts';
import { BROKER_HINTS, differenceText, messageDifference, TransportFailure } from './transport-failure.ts';
import { MspError } from '../../common/errors.ts';

const STEP_TOPIC = `${SIM_TOPIC_ROOT}/step`;
const ACK_TOPIC = `${SIM_TOPIC_ROOT}/ack`;
/** The sim's probe that the platform's subscription has drained (retained replays included). */
const SYNC_TOPIC = `${SIM_TOPIC_ROOT}/sync`;
export const CLOCK_TOPIC = `${SIM_TOPIC_ROOT}/clock`;
/** Never subscribed: unsubscribing it is a round trip that flushes the platform's PUBACKs before a cut. */
const FLUSH_TOPIC = `${SIM_TOPIC_ROOT}/flush`;
/** The sim's edge subscribes to every device's commands and hands each to its twin (docs/patching.md). */
export const ALL_COMMANDS = `${TOPIC_ROOT}/+/+/cmd/#`;

/**
 * The platform's persistent session across a `platform_restart` (docs/mqtt.md, "Platform
 * restart"): the harness says when the platform process goes down and comes back; the barrier
 * takes its connection away and lets the broker queue for it.
 */
export interface PlatformSession {
  down(): void;
  up(): void;
  /** What the broker's session queue carried: resumes, and messages delivered from the queue. */
  readonly session: PlatformSessionStats;
}

export interface PlatformSessionStats {
  /** Times the platform's connection came back to a session the broker had kept (session present). */
  resumes: number;
  /** Messages published while the platform was offline and delivered to its next connection. */
  queued_delivered: number;
  /**
   * Times a live subscription stopped delivering (nothing arrived for `stall_ms` while the broker
   * had acknowledged everything released) and the platform reconnected to its session to restart
   * it. Mosquitto 2.0.11 (Debian 12's) can strand QoS 1 messages in a subscriber's queue until it
   * reconnects (inflight quota accounting, fixed in 2.0.13: docs/mqtt.md, "Stalled subscriptions").
   */
  stall_resumes: number;
  /** Redelivered (DUP) copies of messages the platform already had, ignored. */
  duplicates_ignored: number;
}

/**
 * In-memory barrier: delivery is synchronous, so a step is complete as soon as it is marked.
 * A platform restart drops the platform's persistent bus session at the moment it goes down; the
 * bus queues for it, each step's end resumes the session to take the queue (the down platform
 * keeps it unprocessed, sim/faults/platform-gate.ts) and drops it again while it is still down,
 * and the moment it comes back it resumes for good.
 */
export class MemoryBarrier implements StepBarrier, PlatformSession {
  readonly #receiver: StepReceiver;
  readonly #platform: ReturnType<MemoryBus['connect']>;
  #commands: InboundCommand[] = [];
  #down = false;
  readonly session: PlatformSessionStats = { resumes: 0, queued_delivered: 0, stall_resumes: 0, duplicates_ignored: 0 };

  constructor(bus: MemoryBus, receiver: StepReceiver) {
    this.#receiver = receiver;
    this.#platform = bus.connect('msp-platform', { persistent: true, on_message: (m) => receiver.onMessage(m.topic, m.payload, m.retain) });
    this.#platform.subscribe(ALL_DEVICE_MESSAGES);
    const edge = bus.connect('msp-sim', { on_message: (m) => this.#commands.push({ topic: m.topic, payload: m.payload }) });
    edge.subscribe(ALL_COMMANDS);
  }

  down(): void {
    this.#down = true;
    this.#platform.drop();
  }

  /** The restarted platform's connection resumes its session at once: the queue is delivered into the open step. */
  up(): void {
    this.#down = false;
    this.#resume();
  }

  #resume(): void {
    if (this.#platform.connected) return;
    this.session.resumes++;
    this.session.queued_delivered += this.#platform.reconnect();
  }

  /** The platform's commands for the devices, published on the bus (QoS 1). */
  publishCommands(commands: readonly OtaCommand[]): void {
    for (const c of commands) {
      const m = encodeOtaCommand(c);
      this.#platform.publish(m.topic, m.payload, 1, false);
    }
  }

  async complete(step: number, t_ms: number, expected: number, wills: ReadonlyArray<readonly [string, number]> = []): Promise<readonly InboundCommand[]> {
    this.#resume();
    let done = false;
    this.#receiver.onMarker({ step, t_ms, expected, wills }, () => (done = true));
    if (!done) {
      const p = this.#receiver.pending();
      throw new MspError('LOCKSTEP_COUNT', `in-memory step ${step} expected ${expected} messages, the platform received ${p.have}`, { exit: 'internal' });
    }
    if (this.#down) this.#platform.drop();
    const out = this.#commands;
    this.#commands = [];
    return out;
  }
}

/** What lockstep flow control needs from the MQTT transport (sim/edge/mqtt/step-outbox.ts). */
export interface FlowOutbox {
  readonly held: number;
  /** Released publishes the broker has not acknowledged yet. */
  readonly unsettled: number;
  release(budget: number): number;
  released(): readonly ExpectedMessage[];
  newStep(): void;
  describeSession(client_id: string): string;
}

/** Messages in flight toward one subscriber at most: half of the 1,000 that common brokers queue by default. */
export const DEFAULT_WINDOW = 500;
export const DEFAULT_STEP_TIMEOUT_MS = 60_000;
/** No message for this long while some are due, with every publish acknowledged: the subscription has stalled. */
export const DEFAULT_STALL_MS = 5_000;
/** At most this many stall resumes in one step: a broker that really dropped messages fails the step. */
const MAX_STALL_RESUMES_PER_STEP = 3;
/** The round trip before a deliberate cut; a connection that delivers nothing may not answer it. */
const FLUSH_TIMEOUT_MS = 2_000;
/** More than a broker keeps in flight toward one client (Mosquitto 20, MQTT 5 receive maximum). */
const RECENT_RECEIPTS = 1_024;
/** Under 10 s so that a run against an unreachable broker ends, process start included, within 10 s. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 8_000;
const FATAL_SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNRESET']);
/** Certificate verification and TLS handshake failures (OpenSSL's and Node's codes): a retry meets the same certificate. */
const TLS_FAILURE_CODE = /CERT|SELF_SIGNED|UNABLE_TO_|^ERR_SSL_|^ERR_TLS_/;

/** `work`'s outcome, or 'timeout' after `ms` of wall time, whichever comes first; the timer never outlives the race. */
async function within<T>(work: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms))); // wall-clock: every bounded wait of the lockstep goes through here
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

export interface MqttBarrierOptions {
  readonly transport: MqttTransportOptions;
  /** Wall-clock limit for one step's messages to arrive; a hung broker fails the run, never hangs it. */
  readonly step_timeout_ms?: number;
  /** Wall-clock limit for the platform's and the sim's clients to connect. */
  readonly connect_timeout_ms?: number;
  /** The transport's held publishes; without it the sim's messages are already on the wire. */
  readonly outbox?: FlowOutbox;
  /** Most messages released toward the platform (and commands toward the sim) before they arrive. */
  readonly window?: number;
  /** Wall-clock silence after which a live subscription counts as stalled and is resumed (default 5 s). */
  readonly stall_ms?: number;
}

/**
 * Connects one of the harness's own clients, or fails within `timeout_ms` naming the URL: MQTT.js
 * retries a refused connection forever on its own, so its 'error' alone cannot be waited for.
 */
async function openClient(url: string, options: IClientOptions, what: string, timeout_ms: number, prepare?: (client: MqttClient) => void): Promise<{ client: MqttClient; session_present: boolean }> {
  const client = mqtt.connect(url, options);
  disableNagle(client);
  // Handlers go on before CONNACK: a resumed session's queue follows the CONNACK at once.
  prepare?.(client);
  let last = 'no answer';
  let tls_failed = false;
  let timer: NodeJS.Timeout | undefined;
  let session_present = false;
  const outcome = await new Promise<'ok' | 'timeout' | 'refused'>((resolve) => {
    client.once('connect', (connack) => {
      session_present = connack.sessionPresent;
      resolve('ok');
    });
    client.on('error', (err) => {
      last = err.message;
      const code = (err as { code?: unknown }).code;
      // A refusal in CONNACK (bad credentials, not authorised: a number) or from the network (no
      // listener, unknown host, no route) will not change on a retry: fail at once.
      // A certificate the client does not trust (or a handshake the broker refuses) is just as final.
      if (typeof code === 'string' && TLS_FAILURE_CODE.test(code)) tls_failed = true;
      if (typeof code === 'number' || tls_failed || (typeof code === 'string' && FATAL_SOCKET_ERRORS.has(code))) resolve('refused');
    });
    client.on('close', () => (last = last === 'no answer' ? 'connection closed' : last));
    timer = setTimeout(() => resolve('timeout'), timeout_ms); // wall-clock: an unreachable broker fails the run quickly
  });
  clearTimeout(timer);
  if (outcome === 'ok') return { client, session_present };
  client.end(true);
  const why = tls_failed ? `TLS failed (${last})` : outcome === 'refused' ? `the broker refused the connection (${last})` : `no connection within ${timeout_ms} ms (${last})`;
  const hint = tls_failed ? 'check --ca (the CA that signed the broker\'s certificate), or --cert/--key if the broker requires client certificates' : 'is the broker running there, and does it accept these credentials?';
  throw new TransportFailure('TRANSPORT_CONNECT', `${what} could not connect to ${url}: ${why}; ${hint}`);
}

/** Options for the platform's persistent session: the broker keeps its subscription and queues for it. */
function persistent(t: MqttTransportOptions, client_id: string): IClientOptions {
  const o: IClientOptions = { ...sessionOptions(t, client_id, undefined), clean: false, reconnectPeriod: 200 };
  if ((t.protocol_version ?? 4) === 5) o.properties = { sessionExpiryInterval: 3600 };
  return o;
}

/**
 * Barrier over real MQTT: the sim's control client publishes a step marker with the number of
 * messages the platform must receive; the platform's client buffers device messages until it has
 * them all, applies them, and publishes an acknowledgement the sim waits for.
 *
 * Flow control: the step's messages leave the sim in windows (`window`, default 500). The next
 * window is released only once the platform has received the last one, so the broker never
 * queues more than a window for the platform's subscription — every broker's default queue limit
 * holds a step of any size. The platform's commands to the sim are windowed the same way.
 */
export class MqttBarrier implements StepBarrier, PlatformSession {
  /** The platform's connection; a platform restart replaces it with a new one on the same session. */
  #platform: MqttClient;
  readonly #control: MqttClient;
  readonly #receiver: StepReceiver;
  readonly #timeout_ms: number;
  readonly #outbox: FlowOutbox | undefined;
  readonly #window: number;
  readonly #stall_ms: number;
  /** The last RECENT_RECEIPTS messages by packet id and topic, to recognise a broker's redelivery. */
  readonly #recent = new Map<string, { payload: string; seq: number }>();
  readonly #recent_ring: Array<{ key: string; seq: number } | undefined> = [];
  #receipts = 0;
  readonly #url: string;
  /** MQTT 5 can ask the broker not to replay retained messages at all (retain handling 2). */
  readonly #v5: boolean;
  #waiting: { step: number; resolve: () => void } | undefined;
  #received_waiter: { target: number; resolve: () => void } | undefined;
  /** Commands the platform published in the open step (the ack tells the sim how many to expect). */
  #published = 0;
  #acked_commands = 0;
  #commands: InboundCommand[] = [];
  #command_waiter: { n: number; resolve: () => void } | undefined;
  /** Commands decided but not yet published (windowed), and how many are on their way. */
  #command_queue: InboundCommand[] = [];
  #command_next = 0;
  #commands_in_flight = 0;
  /** A window went out since the last round trip on the sim's connection; the next one waits for one. */
  #commands_unflushed = false;
  #commands_flushing = false;
  /** Real-time mode: commands go straight to this instead of waiting for a step. */
  on_command: ((c: InboundCommand) => void) | undefined;
  #failure: Error | undefined;
  #last_error: string | undefined;
  #stopped = false;
  #sync_waiter: { nonce: string; resolve: () => void } | undefined;
  #sync_count = 0;
  readonly #transport: MqttTransportOptions;
  readonly #connect_ms: number;
  /** The platform process is down (platform_restart), or went down during the open step. */
  #down = false;
  #down_this_step = false;
  readonly session: PlatformSessionStats = { resumes: 0, queued_delivered: 0, stall_resumes: 0, duplicates_ignored: 0 };

  private constructor(platform: MqttClient, control: MqttClient, receiver: StepReceiver, options: MqttBarrierOptions) {
    this.#platform = platform;
    this.#control = control;
    this.#receiver = receiver;
    this.#timeout_ms = options.step_timeout_ms ?? DEFAULT_STEP_TIMEOUT_MS;
    this.#outbox = options.outbox;
    this.#window = Math.max(1, options.window ?? DEFAULT_WINDOW);
    this.#stall_ms = Math.max(1, options.stall_ms ?? DEFAULT_STALL_MS);
    this.#url = options.transport.url;
    this.#v5 = (options.transport.protocol_version ?? 4) === 5;
    this.#transport = options.transport;
    this.#connect_ms = options.connect_timeout_ms ?? DEFAULT_CONNECT_TIMEOUT_MS;
  }

  /** The platform's connection hands what it receives to the receiver (installed before CONNACK). */
  #attachPlatform(client: MqttClient): void {
    client.on('error', (err) => (this.#last_error = err.message));
    client.on('message', (topic, payload, packet) => {
      const text = payload.toString();
      if (this.#redelivery(packet.messageId, packet.dup, topic, text)) return;
      this.#onPlatformMessage(topic, text, packet.retain);
    });
  }

  /**
   * QoS 1 is at least once: after a reconnect the broker re-sends (DUP) what it had in flight,
   * including messages the platform took but whose PUBACK the broker had not read yet. A DUP with
   * the packet id, topic and payload of a recent message is that message again, and is ignored.
   */
  #redelivery(message_id: number | undefined, dup: boolean, topic: string, payload: string): boolean {
    if (message_id === undefined) return false;
    const key = `${message_id} ${topic}`;
    if (dup && this.#recent.get(key)?.payload === payload) {
      this.session.duplicates_ignored++;
      return true;
    }
    // A ring of the last RECENT_RECEIPTS keys; an entry leaves the map only with its own receipt.
    const seq = ++this.#receipts;
    this.#recent.set(key, { payload, seq });
    const slot = seq % RECENT_RECEIPTS;
    const old = this.#recent_ring[slot];
    if (old !== undefined && this.#recent.get(old.key)?.seq === old.seq) this.#recent.delete(old.key);
    this.#recent_ring[slot] = { key, seq };
    return false;
  }

  static async connect(receiver: StepReceiver, options: MqttBarrierOptions): Promise<MqttBarrier> {
    const t = options.transport;
    const connect_ms = options.connect_timeout_ms ?? DEFAULT_CONNECT_TIMEOUT_MS;
    // A persistent session a failed run left behind still holds that run's queued messages:
    // start from a clean one (connect clean, leave), then open the persistent session afresh.
    const wipe = await openClient(t.url, { ...sessionOptions(t, 'msp-platform', undefined), clean: true }, 'the platform receiver', connect_ms);
    await wipe.client.endAsync(false);
    // These two reconnect by themselves after a broker outage (quickly: a step waits on them).
    const [{ client: platform }, { client: control }] = await Promise.all([
      openClient(t.url, persistent(t, 'msp-platform'), 'the platform receiver', connect_ms),
      openClient(t.url, { ...sessionOptions(t, 'msp-sim', undefined), reconnectPeriod: 200 }, 'the sim control client', connect_ms),
    ]);
    const barrier = new MqttBarrier(platform, control, receiver, options);
    // Errors while the broker is deliberately down (outages) are expected; keep the last one for
    // a clearer time-out message, never let an unhandled 'error' event crash the run.
    barrier.#attachPlatform(platform);
    control.on('error', (err) => (barrier.#last_error = err.message));
    control.on('message', (topic, payload) => {
      if (barrier.#stopped) return;
      if (topic === ACK_TOPIC) barrier.#onAck(topic, payload.toString());
      else barrier.#onCommand({ topic, payload: payload.toString() });
    });
    await barrier.#subscribe();
    await barrier.#sync(connect_ms);
    return barrier;
  }

  /**
   * Waits until the platform's subscription has delivered everything queued for it. Subscribing
   * to msp/v1/+/+/+ makes the broker replay every retained message (a previous run's births and
   * states: thousands); they count against the same per-client queue limit as live traffic, so
   * the run must not start publishing until they are through. A probe published after the
   * subscription arrives after the replay (per-subscriber order); it is repeated because the
   * broker may drop it while the replay overflows the queue.
   */
  async #sync(timeout_ms: number): Promise<void> {
    const nonce = `sync-${++this.#sync_count}`;
    const arrived = new Promise<void>((resolve) => (this.#sync_waiter = { nonce, resolve }));
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const probe = (): void => {
      if (done) return;
      this.#control.publish(SYNC_TOPIC, nonce, { qos: 1 });
      timer = setTimeout(probe, 250); // wall-clock: re-probe while a replay overflows the queue
    };
    let limit: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (limit = setTimeout(() => resolve('late'), timeout_ms))); // wall-clock: bounded
    probe();
    const outcome = await Promise.race([arrived.then(() => 'ok' as const), late]);
    done = true;
    clearTimeout(timer);
    clearTimeout(limit);
    this.#sync_waiter = undefined;
    if (outcome === 'late') throw this.#fail(new TransportFailure('TRANSPORT_SYNC', `the platform's subscription at ${this.#url} did not deliver the sim's probe within ${timeout_ms} ms; ${BROKER_HINTS}`));
  }

  async #subscribe(): Promise<void> {
    const denied = (granted: ReadonlyArray<{ topic: string; qos: number }>): string[] => granted.filter((g) => g.qos === 128).map((g) => g.topic);
    const [p, c] = await Promise.all([
      this.#platform.subscribeAsync([ALL_DEVICE_MESSAGES, STEP_TOPIC, SYNC_TOPIC], this.#v5 ? { qos: 1, rh: 2 } : { qos: 1 }),
      this.#control.subscribeAsync([ACK_TOPIC, ALL_COMMANDS], { qos: 1 }),
    ]);
    const refused = [...denied(p), ...denied(c)];
    if (refused.length > 0) throw new TransportFailure('TRANSPORT_SUBSCRIBE', `the broker at ${this.#url} refused the subscription(s) ${refused.join(', ')}; ${BROKER_HINTS}`);
  }

  /** The platform's commands for the devices, published QoS 1 by the platform's client before its ack. */
  publishCommands(commands: readonly OtaCommand[]): void {
    for (const c of commands) this.#command_queue.push(encodeOtaCommand(c));
    this.#published += commands.length;
    this.#pumpCommands();
  }

  /**
   * Publishes queued commands a window at a time: the next window only once the sim has taken the
   * last one and the broker has answered a round trip on the sim's connection, so it has read the
   * sim's PUBACKs (the same reason as #acksRead: unread PUBACKs count against the sim's queue).
   */
  #pumpCommands(): void {
    // Real time has no steps to bring the count back to zero (a command lost in an outage would
    // hold every later one): there the window slides, as many on their way as the window allows.
    const sliding = this.on_command !== undefined;
    if (this.#commands_flushing || (!sliding && this.#commands_in_flight > 0)) return;
    if (this.#command_next >= this.#command_queue.length) return;
    if (!sliding && this.#commands_unflushed && this.#control.connected) {
      this.#commands_flushing = true;
      void this.#control.unsubscribeAsync(FLUSH_TOPIC).catch(() => undefined).finally(() => {
        this.#commands_flushing = false;
        this.#commands_unflushed = false;
        if (!this.#stopped) this.#pumpCommands();
      });
      return;
    }
    while (this.#commands_in_flight < this.#window && this.#command_next < this.#command_queue.length) {
      const m = this.#command_queue[this.#command_next++]!;
      this.#commands_in_flight++;
      this.#platform.publish(m.topic, m.payload, { qos: 1 });
    }
    this.#commands_unflushed = true;
    if (this.#command_next === this.#command_queue.length) {
      this.#command_queue = [];
      this.#command_next = 0;
    }
  }

  #onCommand(c: InboundCommand): void {
    this.#commands_in_flight = Math.max(0, this.#commands_in_flight - 1);
    this.#pumpCommands();
    if (this.on_command) {
      this.on_command(c);
      return;
    }
    this.#commands.push(c);
    if (this.#command_waiter && this.#commands.length >= this.#command_waiter.n) this.#command_waiter.resolve();
  }

  /** Waits (bounded) until `n` commands of the step have reached the sim's edge, and takes them. */
  async #takeCommands(n: number, step: number): Promise<readonly InboundCommand[]> {
    if (this.#commands.length < n) {
      let timer: NodeJS.Timeout | undefined;
      const arrived = new Promise<'ok'>((resolve) => (this.#command_waiter = { n, resolve: () => resolve('ok') }));
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.#timeout_ms); // wall-clock: a lost command must fail the run, not hang it
      });
      const outcome = await Promise.race([arrived, timeout]);
      clearTimeout(timer);
      this.#command_waiter = undefined;
      if (outcome === 'timeout') throw this.#fail(new TransportFailure('LOCKSTEP_TIMEOUT', `step ${step}: the platform sent ${n} commands, the sim received ${this.#commands.length} within ${this.#timeout_ms} ms (--step-timeout); ${BROKER_HINTS}`));
    }
    if (this.#commands.length > n) throw this.#fail(new TransportFailure('LOCKSTEP_COUNT', `step ${step}: the platform sent ${n} commands, the sim received ${this.#commands.length}; ${BROKER_HINTS}`));
    const out = this.#commands;
    this.#commands = [];
    return out;
  }

  #onPlatformMessage(topic: string, payload: string, retained: boolean): void {
    if (this.#stopped) return;
    try {
      if (topic === SYNC_TOPIC) {
        if (this.#sync_waiter?.nonce === payload) this.#sync_waiter.resolve();
      } else if (topic === STEP_TOPIC) {
        const marker = JSON.parse(payload) as StepMarker;
        this.#receiver.onMarker(marker, (m) => {
          const commands = this.#published;
          this.#published = 0;
          this.#platform.publish(ACK_TOPIC, JSON.stringify({ step: m.step, commands }), { qos: 1 });
        });
      } else {
        this.#receiver.onMessage(topic, payload, retained);
        const w = this.#received_waiter;
        if (w && this.#receiver.received_total >= w.target) w.resolve();
      }
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      this.#failure = e instanceof TransportFailure && e.code === 'LOCKSTEP_COUNT' ? new TransportFailure('LOCKSTEP_COUNT', `${e.message.replace(/^LOCKSTEP_COUNT: /, '')}; ${this.#difference()}; ${BROKER_HINTS}`) : e;
      this.#waiting?.resolve();
      this.#received_waiter?.resolve();
    }
  }

  /** The first few messages released but not received, and received but never released. */
  #difference(): string {
    const replays = this.#receiver.ignored_retained > 0 ? ` (${this.#receiver.ignored_retained} retained replays ignored so far)` : '';
    if (!this.#outbox) return `the platform holds ${this.#receiver.held().length}${replays}`;
    const d = messageDifference(this.#outbox.released(), this.#receiver.held());
    const senders = [...new Set(d.missing.map((m) => m.client_id))].slice(0, 3).map((id) => `${id}: ${this.#outbox!.describeSession(id)}`);
    return (differenceText(d) || 'the same messages, in a different number') + replays + (senders.length ? `; senders: ${senders.join('; ')}` : '');
  }

  #onAck(_topic: string, payload: string): void {
    const { step, commands } = JSON.parse(payload) as { step: number; commands?: number };
    if (this.#waiting && this.#waiting.step === step) {
      this.#acked_commands = commands ?? 0;
      this.#waiting.resolve();
    }
  }

  /** Stops consuming at once and hands back the error (the run fails with it). */
  #fail(err: Error): Error {
    this.stopConsuming();
    return err;
  }

  /**
   * Releases the step's held messages a window at a time, each once the platform has received
   * the one before. The platform's buffer grows as they arrive; nothing is applied until the marker.
   */
  async #releaseWindows(step: number, t_ms: number, expected: number, deadline_ms: number): Promise<void> {
    const outbox = this.#outbox;
    if (!outbox) return;
    outbox.newStep();
    const base = this.#receiver.received_total;
    let released = 0;
    // While the platform is down every window goes through the broker's queue for its session.
    const offline = this.#down || this.#down_this_step;
    while (outbox.held > 0) {
      if (offline) await this.#cutPlatform();
      released += outbox.release(this.#window);
      if (offline) {
        await this.#settled(step, deadline_ms);
        const before = this.#receiver.received_total;
        await this.#resumePlatform(step);
        await this.#awaitReceived(step, t_ms, expected, base, released, deadline_ms);
        this.session.queued_delivered += this.#receiver.received_total - before;
        continue;
      }
      await this.#awaitReceived(step, t_ms, expected, base, released, deadline_ms);
      if (outbox.held > 0) await this.#acksRead(step, deadline_ms);
    }
  }

  /**
   * Waits until the broker has read the platform's PUBACKs for everything it received. The
   * platform holding a message does not mean the broker knows: its PUBACK may still sit unread in
   * the broker's socket while the broker is busy with the devices' publishes, and Mosquitto counts
   * a message against the subscriber's queue limit until that PUBACK is read. Seen on a stock
   * 2.0.11 under load: 785 messages sent and unacknowledged from the broker's side, the next
   * window on top, "Outgoing messages are being dropped for client msp-platform". An UNSUBSCRIBE
   * of a filter the platform never had is answered in order, after the PUBACKs before it.
   */
  async #acksRead(step: number, deadline_ms: number): Promise<void> {
    if (!this.#platform.connected) return;
    const remaining_ms = Math.max(0, deadline_ms - performance.now()); // wall-clock: bounded by the step's deadline
    const watch_ms = Math.min(remaining_ms, this.#stall_ms);
    const outcome = await within(this.#platform.unsubscribeAsync(FLUSH_TOPIC).then(() => 'ok' as const, () => 'ok' as const), watch_ms);
    if (outcome === 'ok') return;
    if (watch_ms >= remaining_ms) throw this.#fail(new TransportFailure('LOCKSTEP_TIMEOUT', `step ${step}: the broker at ${this.#url} did not answer the platform's UNSUBSCRIBE within ${this.#timeout_ms} ms (--step-timeout); ${BROKER_HINTS}`));
    // A connection that answers nothing for stall_ms has stalled: resume the session; whatever
    // the broker re-sends that the platform already had is recognised as a redelivery.
    await this.#resumeStalled(step);
  }

  /**
   * Waits until the platform has received `released` messages of the step, or fails naming the
   * missing ones. A subscription that goes silent while messages are due and the broker has
   * acknowledged every publish is resumed (reconnect to the same session): the broker then
   * re-sends what it has in flight and restarts the queue. Lost messages stay lost, so a broker
   * that dropped them still fails the step at the deadline.
   */
  async #awaitReceived(step: number, t_ms: number, expected: number, base: number, released: number, deadline_ms: number): Promise<void> {
    const target = base + released;
    let stall_resumes = 0;
    while (this.#receiver.received_total < target) {
      const seen = this.#receiver.received_total;
      const arrived = new Promise<'ok'>((resolve) => (this.#received_waiter = { target, resolve: () => resolve('ok') }));
      const remaining_ms = Math.max(0, deadline_ms - performance.now()); // wall-clock: a broker that drops messages fails the run, never hangs it
      const watch_ms = Math.min(remaining_ms, this.#stall_ms);
      const outcome = await within(arrived, watch_ms);
      this.#received_waiter = undefined;
      if (this.#failure) throw this.#fail(this.#failure);
      if (outcome === 'ok') return;
      if (watch_ms >= remaining_ms) {
        const have = this.#receiver.received_total - base;
        const resumed = stall_resumes > 0 ? `, after resuming its stalled subscription ${stall_resumes} time(s)` : '';
        throw this.#fail(new TransportFailure('LOCKSTEP_TIMEOUT', `step ${step} (${new Date(t_ms).toISOString()}): the platform received ${have} of the ${released} messages released so far (${expected} in the step) within ${this.#timeout_ms} ms (--step-timeout)${resumed}${this.#down ? ' while its session was offline (platform_restart)' : ''}; ${this.#difference()}; ${BROKER_HINTS}`));
      }
      const silent = this.#receiver.received_total === seen;
      const all_acknowledged = (this.#outbox?.unsettled ?? 0) === 0;
      if (silent && all_acknowledged && stall_resumes < MAX_STALL_RESUMES_PER_STEP) {
        stall_resumes++;
        await this.#resumeStalled(step);
      }
    }
  }

  /** Reconnects the platform to its own session: the broker re-sends its in-flight messages and restarts the queue. */
  async #resumeStalled(step: number): Promise<void> {
    await this.#cutPlatform();
    await this.#resumePlatform(step, 'stall');
    this.session.stall_resumes++;
  }

  /** The platform process goes down: its connection is cut at the next window (a crash: no DISCONNECT). */
  down(): void {
    this.#down = true;
    this.#down_this_step = true;
  }

  up(): void {
    this.#down = false;
  }

  /**
   * The platform's connection dies without DISCONNECT; its persistent session stays at the broker.
   * It dies between steps, after it acknowledged everything it took: one round trip first (an
   * UNSUBSCRIBE of a filter it never had, answered in order after its PUBACKs) makes sure the broker
   * has those PUBACKs — a socket destroyed with them still unsent would get the broker to redeliver
   * (DUP) what the platform already has, which the step count rightly rejects. Seen with MQTT 5,
   * where the broker keeps up to the client's receive maximum in flight instead of 20.
   */
  async #cutPlatform(): Promise<void> {
    // A connection that has stopped delivering may never answer; it is cut anyway.
    if (this.#platform.connected) await within(this.#platform.unsubscribeAsync(FLUSH_TOPIC).catch(() => undefined), FLUSH_TIMEOUT_MS);
    await this.#platform.endAsync(true);
  }

  /** Until the broker has acknowledged every released publish: they are in the platform's session queue. */
  async #settled(step: number, deadline_ms: number): Promise<void> {
    const outbox = this.#outbox!;
    while (outbox.unsettled > 0) {
      if (performance.now() > deadline_ms) { // wall-clock: a broker that stops acknowledging fails the run
        throw this.#fail(new TransportFailure('LOCKSTEP_TIMEOUT', `step ${step}: ${outbox.unsettled} publishes were not acknowledged by the broker within ${this.#timeout_ms} ms (--step-timeout) while the platform was offline; ${BROKER_HINTS}`));
      }
      await new Promise((resolve) => setTimeout(resolve, 2)); // wall-clock: poll for PUBACKs
    }
  }

  /**
   * The restarted platform connects again with the same client id and `clean: false`: the broker
   * must resume the session (session present) and deliver what it queued while it was offline.
   */
  async #resumePlatform(step: number, why: 'restart' | 'stall' = 'restart'): Promise<void> {
    // The new connection is the platform's from before its CONNACK: a resumed session's broker
    // re-sends at once, and what the platform publishes in reply (commands) must leave on it.
    const { client, session_present } = await openClient(this.#url, persistent(this.#transport, 'msp-platform'), 'the restarted platform receiver', this.#connect_ms, (c) => {
      this.#attachPlatform(c);
      this.#platform = c;
    });
    this.#platform = client;
    if (!session_present) {
      throw this.#fail(new TransportFailure('TRANSPORT_SESSION', `step ${step}: the broker at ${this.#url} did not keep msp-platform's persistent session (clean: false) across the platform's ${why === 'stall' ? 'reconnect after its subscription stalled' : 'restart'}, so what devices published meanwhile is lost; check the broker's session persistence and expiry (Mosquitto: persistent_client_expiration; MQTT 5: session expiry)`));
    }
    if (why === 'restart') this.session.resumes++;
  }

  async complete(step: number, t_ms: number, expected: number, wills: ReadonlyArray<readonly [string, number]> = []): Promise<readonly InboundCommand[]> {
    // wall-clock: one deadline for the whole step, however many windows it takes
    const deadline_ms = performance.now() + this.#timeout_ms;
    await this.#releaseWindows(step, t_ms, expected, deadline_ms);
    this.#down_this_step = false;
    if (expected === 0) {
      // Nothing was sent, so nothing can be in flight (every earlier step was acknowledged): the
      // platform only needs to learn that the step ended. That needs no broker — which matters
      // during an outage, when the platform's timers must still run and the broker is gone.
      let done = false;
      this.#receiver.onMarker({ step, t_ms, expected, wills }, () => (done = true));
      if (!done) throw this.#fail(new TransportFailure('LOCKSTEP_COUNT', `step ${step} sent nothing but the platform holds ${this.#receiver.pending().have} messages; ${this.#difference()}; ${BROKER_HINTS}`));
      // Its timers may still have decided commands (a window opened): wait for them to arrive.
      const n = this.#published;
      this.#published = 0;
      return this.#takeCommands(n, step);
    }
    const acked = new Promise<void>((resolve) => (this.#waiting = { step, resolve }));
    this.#control.publish(STEP_TOPIC, JSON.stringify(wills.length > 0 ? { step, t_ms, expected, wills } : { step, t_ms, expected }), { qos: 1 });
    let outcome: 'ok' | 'timeout' = 'timeout';
    for (let stall_resumes = 0; ; ) {
      const remaining_ms = Math.max(0, deadline_ms - performance.now()); // wall-clock: a hung broker must fail the run, not hang it
      const watch_ms = Math.min(remaining_ms, this.#stall_ms);
      outcome = await within(acked.then(() => 'ok' as const), watch_ms);
      if (outcome === 'ok' || this.#failure || watch_ms >= remaining_ms) break;
      // No acknowledgement and the platform has not seen the marker: its subscription may have
      // stalled after the step's messages (the marker is stuck with the broker). Resume it.
      if (this.#receiver.pending().step === step || stall_resumes >= MAX_STALL_RESUMES_PER_STEP) continue;
      stall_resumes++;
      await this.#resumeStalled(step);
    }
    this.#waiting = undefined;
    if (this.#failure) throw this.#fail(this.#failure);
    if (outcome === 'timeout') {
      const p = this.#receiver.pending();
      throw this.#fail(new TransportFailure('LOCKSTEP_TIMEOUT', `step ${step} (${new Date(t_ms).toISOString()}): expected ${expected} messages, the platform received ${p.have} within ${this.#timeout_ms} ms (--step-timeout); ${this.#difference()}; ${BROKER_HINTS}`));
    }
    return this.#takeCommands(this.#acked_commands, step);
  }

  /**
   * After the broker was stopped: wait until both clients have seen their connections close. The
   * outage steps that follow carry no traffic and run without yielding to I/O, so without this
   * the close events would only arrive after the restart, mid-resubscribe.
   */
  async awaitDisconnected(timeout_ms = 10_000): Promise<void> {
    // wall-clock: bounded wait for socket close events
    const deadline = performance.now() + timeout_ms;
    while (this.#platform.connected || this.#control.connected) {
      if (performance.now() > deadline) throw new TransportFailure('LOCKSTEP_OUTAGE', `the platform clients still look connected ${timeout_ms} ms after the broker stopped`);
      await new Promise((resolve) => setTimeout(resolve, 5)); // wall-clock: poll for socket close events
    }
  }

  /** Real-time mode: the sim's clock, retained so a platform that (re)connects learns it at once. */
  publishClock(t_ms: number, speed: number): void {
    this.#control.publish(CLOCK_TOPIC, JSON.stringify({ t_ms, speed }), { qos: 0, retain: true });
  }

  /** Waits (bounded) until the platform side has received `count` messages: the real-time tail. */
  async drain(count: number, timeout_ms: number): Promise<void> {
    const deadline = performance.now() + timeout_ms; // wall-clock: bounded wait for in-flight messages
    while (this.#receiver.received_total < count && performance.now() < deadline) { // wall-clock: as above
      await new Promise((r) => setTimeout(r, 20)); // wall-clock: poll
    }
  }

  /** After a broker restart: wait for both clients to be back and re-subscribed. */
  async reconnect(timeout_ms = 15_000): Promise<void> {
    const back = async (client: MqttClient, what: string): Promise<void> => {
      if (client.connected) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => {
          // MQTT.js is already retrying on its own (reconnectPeriod); a second, manual reconnect
          // would open a parallel connection with the same client id and get one of them taken over.
          client.once('connect', () => resolve());
        }),
        new Promise<void>((_, reject) => {
          // wall-clock: a broker that never comes back must fail the run, not hang it
          timer = setTimeout(() => reject(new TransportFailure('LOCKSTEP_RECONNECT', `${what} did not reconnect to ${this.#url} within ${timeout_ms} ms (${this.#last_error ?? 'no error'})`)), timeout_ms);
        }),
      ]).finally(() => clearTimeout(timer));
    };
    await Promise.all([back(this.#platform, 'the platform receiver'), back(this.#control, 'the sim control client')]);
    await this.#subscribe();
    await this.#sync(timeout_ms);
  }

  /**
   * First step of a teardown: the platform stops consuming, so nothing that arrives from now on
   * (a will, a redelivery) reaches the trace or the platform.
   */
  stopConsuming(): void {
    this.#stopped = true;
    this.#receiver.stop();
    this.#command_queue = [];
    this.#command_next = 0;
  }

  /**
   * Last step of a teardown: the platform drops its subscriptions (its persistent session must
   * not collect the next run's traffic) and both clients leave with DISCONNECT; bounded.
   */
  async close(timeout_ms = 5_000): Promise<void> {
    this.stopConsuming();
    const leave = async (client: MqttClient, unsubscribe: readonly string[]): Promise<void> => {
      if (client.connected && unsubscribe.length > 0) await client.unsubscribeAsync([...unsubscribe]).catch(() => undefined);
      await client.endAsync(false);
    };
    let timer: NodeJS.Timeout | undefined;
    const clean = Promise.all([leave(this.#platform, [ALL_DEVICE_MESSAGES, STEP_TOPIC, SYNC_TOPIC]), leave(this.#control, [])]).then(() => 'ok' as const, () => 'ok' as const);
    // wall-clock: a broker that is gone must not hang the shutdown
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeout_ms)));
    const outcome = await Promise.race([clean, late]);
    clearTimeout(timer);
    if (outcome === 'late') await Promise.all([this.#platform.endAsync(true), this.#control.endAsync(true)]);
  }
}
