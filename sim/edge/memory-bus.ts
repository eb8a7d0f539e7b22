import { topicMatches } from '../../platform/contract/topics.ts';
import { MspError } from '../../common/errors.ts';
import { flatString } from '../../common/flat-string.ts';
import type { DeviceSession } from './transport.ts';

/**
 * An in-process stand-in for an MQTT broker with the semantics the platform relies on: topic
 * wildcards, retained messages, last wills on unclean disconnects, session takeover, and persistent
 * sessions that queue QoS 1 while offline (a platform restart, docs/mqtt.md). It lets a
 * whole world run without sockets (fast checks, property tests) while the MQTT transport proves
 * the same trace over a real broker. Delivery is synchronous and in subscription order, so it is
 * deterministic by construction.
 */
export interface BusMessage {
  readonly topic: string;
  readonly payload: string;
  readonly qos: 0 | 1;
  readonly retain: boolean;
}

export type MessageHandler = (message: BusMessage, client_id: string) => void;

export interface ConnectOptions {
  will?: BusMessage;
  on_message?: MessageHandler;
  /**
   * `clean: false`: the session outlives the connection. While it is offline its subscriptions
   * stay and QoS 1 messages for it are queued (QoS 0 are not, as Mosquitto's default
   * `queue_qos0_messages false`); `reconnect()` resumes it and delivers the queue in order.
   */
  persistent?: boolean;
}

interface Subscription {
  readonly client: MemoryBusClient;
  readonly filter: string;
}

/** A subscription trie keyed by topic level; `+` and `#` children hold wildcard filters. */
class TrieNode {
  readonly children = new Map<string, TrieNode>();
  readonly subs: Subscription[] = [];
}

export interface BusStats {
  published: number;
  delivered: number;
  wills_published: number;
  takeovers: number;
  /** QoS 1 messages queued for offline persistent sessions, and delivered when they resumed. */
  queued: number;
  queued_delivered: number;
}

export interface MemoryBusOptions {
  /**
   * `false`: retained messages are not kept. For a bus whose every subscription is made before
   * anything is published (a shard's: the coordinator's forwarder subscribes first, devices never
   * subscribe), where a kept retained message could never be delivered: births and states were
   * ~850 B a device of a shard's heap (docs/performance.md). A subscription after a retained
   * message went unkept throws `BUS_RETAINED_NOT_KEPT` rather than miss it silently.
   */
  readonly keep_retained?: boolean;
}

export class MemoryBus {
  readonly #keep_retained: boolean;
  /** Retained messages published and not kept (`keep_retained: false`). */
  #retained_not_kept = 0;
  readonly #root = new TrieNode();
  /**
   * Retained messages by topic. A QoS 1 one (all the fleet's: births and states) is held as its
   * payload alone, its message made when a subscriber reads it: a message object for each of two
   * retained topics per device was ~110 B a device (docs/performance.md, "Memory per device").
   */
  readonly #retained = new Map<string, string | BusMessage>();
  readonly #clients = new Map<string, MemoryBusClient>();
  readonly stats: BusStats = { published: 0, delivered: 0, wills_published: 0, takeovers: 0, queued: 0, queued_delivered: 0 };

  constructor(options: MemoryBusOptions = {}) {
    this.#keep_retained = options.keep_retained ?? true;
  }

  connect(client_id: string, options: ConnectOptions = {}): MemoryBusClient {
    const existing = this.#clients.get(client_id);
    if (existing !== undefined) {
      // [MQTT-3.1.4-2] a second connection with the same client id takes the session over; the
      // old network connection closes without DISCONNECT, so its will is published.
      this.stats.takeovers++;
      existing.drop();
    }
    const client = new MemoryBusClient(this, client_id, options);
    this.#clients.set(client_id, client);
    return client;
  }

  /** @internal A persistent session's client comes back (same client id): it is the live one again. */
  _resumed(client: MemoryBusClient): void {
    const existing = this.#clients.get(client.client_id);
    if (existing !== undefined && existing !== client) {
      this.stats.takeovers++;
      existing.drop();
    }
    this.#clients.set(client.client_id, client);
  }

  /** Retained messages matching a filter, sorted by topic (canonical order, never map order). */
  retained(filter: string): BusMessage[] {
    const out: BusMessage[] = [];
    for (const [topic, held] of this.#retained) {
      if (topicMatches(filter, topic)) out.push(typeof held === 'string' ? { topic, payload: held, qos: 1, retain: true } : held);
    }
    return out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
  }

  /** @internal */
  _publish(message: BusMessage): void {
    this.stats.published++;
    if (message.retain && !this.#keep_retained) this.#retained_not_kept++;
    else if (message.retain) {
      // [MQTT-3.3.1-10] an empty retained payload clears the retained message.
      if (message.payload.length === 0) this.#retained.delete(message.topic);
      else {
        // Kept until the topic is next published: held flat, not as the rope it was built as,
        // with one copy of the topic for the key and the message.
        const topic = flatString(message.topic);
        const payload = flatString(message.payload);
        this.#retained.set(topic, message.qos === 1 ? payload : { topic, payload, qos: message.qos, retain: true });
      }
    }
    const matches: Subscription[] = [];
    this.#collect(this.#root, message.topic, 0, message.topic.startsWith('$'), matches);
    // One delivery per client even when several of its filters match (MQTT 3.1.1 allows either;
    // one is what aedes and Mosquitto do by default and what keeps counts exact).
    // Most messages match one subscription (the platform's): no set is needed to deduplicate.
    const seen = matches.length > 1 ? new Set<MemoryBusClient>() : undefined;
    for (const sub of matches) {
      if (seen?.has(sub.client) === true) continue;
      if (!sub.client.connected) {
        // An offline persistent session keeps its subscriptions: the broker queues QoS 1 for it.
        if (sub.client.persistent && message.qos === 1) {
          seen?.add(sub.client);
          this.stats.queued++;
          sub.client._enqueue(message.retain ? { ...message, retain: false } : message);
        }
        continue;
      }
      seen?.add(sub.client);
      this.stats.delivered++;
      // [MQTT-3.3.1-9] a message forwarded to an existing subscription carries retain=0; only
      // the retained copy sent on subscribe has retain=1 (so receivers can tell history from news).
      sub.client._deliver(message.retain ? { ...message, retain: false } : message);
    }
  }

  /**
   * The subscriptions whose filters match `topic`, walking the trie level by level from the
   * level that starts at `from` (past the topic's end: every level was matched). Levels are read
   * out of the topic in place: splitting every published topic, and spreading each node's
   * subscriptions into `out`, were a steady share of a run's garbage.
   */
  #collect(node: TrieNode, topic: string, from: number, dollar: boolean, out: Subscription[]): void {
    const wildcardAllowed = !(dollar && from === 0);
    if (wildcardAllowed) {
      const hash = node.children.get('#');
      if (hash) for (const s of hash.subs) out.push(s);
    }
    if (from > topic.length) {
      for (const s of node.subs) out.push(s);
      return;
    }
    if (node.children.size === 0) return;
    const slash = topic.indexOf('/', from);
    const end = slash < 0 ? topic.length : slash;
    const exact = node.children.get(topic.slice(from, end));
    if (exact) this.#collect(exact, topic, end + 1, dollar, out);
    if (wildcardAllowed) {
      const plus = node.children.get('+');
      if (plus) this.#collect(plus, topic, end + 1, dollar, out);
    }
  }

  /** @internal */
  _subscribe(client: MemoryBusClient, filter: string): void {
    if (this.#retained_not_kept > 0) {
      throw new MspError('BUS_RETAINED_NOT_KEPT', `${client.client_id} subscribed to ${filter} on a bus that kept none of its ${this.#retained_not_kept} retained messages (keep_retained: false)`);
    }
    let node = this.#root;
    for (const level of filter.split('/')) {
      let next = node.children.get(level);
      if (!next) {
        next = new TrieNode();
        node.children.set(level, next);
      }
      node = next;
    }
    if (!node.subs.some((s) => s.client === client)) node.subs.push({ client, filter });
    // [MQTT-3.3.1-6] retained messages matching a new subscription are sent to it.
    for (const message of this.retained(filter)) client._deliver({ ...message, retain: true });
  }

  /** @internal */
  _unsubscribe(client: MemoryBusClient, filter: string): void {
    let node: TrieNode | undefined = this.#root;
    for (const level of filter.split('/')) {
      node = node.children.get(level);
      if (!node) return;
    }
    const i = node.subs.findIndex((s) => s.client === client);
    if (i >= 0) node.subs.splice(i, 1);
  }

  /** @internal */
  _closed(client: MemoryBusClient, clean: boolean, filters: readonly string[], will: BusMessage | undefined): void {
    // A persistent session keeps its subscriptions while offline; a clean one ends with them.
    if (!client.persistent) for (const filter of filters) this._unsubscribe(client, filter);
    if (this.#clients.get(client.client_id) === client) this.#clients.delete(client.client_id);
    // [MQTT-3.1.2-8] the will is published when the connection closes without a DISCONNECT.
    if (!clean && will !== undefined) {
      this.stats.wills_published++;
      // Read into a plain message once: a will's fields may be getters (which a spread drops).
      this._publish({ topic: will.topic, payload: will.payload, qos: will.qos, retain: will.retain });
    }
  }
}

const NO_FILTERS: readonly string[] = Object.freeze([]);

export class MemoryBusClient implements DeviceSession {
  readonly client_id: string;
  readonly #bus: MemoryBus;
  readonly #will: BusMessage | undefined;
  /** The client's subscriptions, made by its first subscribe (a device's session may never subscribe). */
  #filters: string[] | null = null;
  #handler: MessageHandler | undefined;
  #connected = true;
  readonly persistent: boolean;
  /**
   * QoS 1 messages held by the broker while this persistent session is offline; made by the first
   * one (only the platform's session is persistent, and an empty array per device was ~32 bytes).
   */
  #queue: BusMessage[] | null = null;

  constructor(bus: MemoryBus, client_id: string, options: ConnectOptions) {
    this.#bus = bus;
    this.client_id = client_id;
    // Kept as given: a device's will works its topic and payload out when read
    // (sim/devices/device-will.ts), and the bus reads them only if it publishes the will.
    this.#will = options.will;
    this.#handler = options.on_message;
    this.persistent = options.persistent ?? false;
  }

  /** Messages queued for this offline persistent session. */
  get queued(): number {
    return this.#queue?.length ?? 0;
  }

  /**
   * A persistent session connects again with the same client id (session present): the queue is
   * delivered in the order it was queued, then live traffic. Returns how many were queued.
   */
  reconnect(): number {
    if (this.#connected) return 0;
    if (!this.persistent) throw new MspError('BUS_NOT_CONNECTED', `client ${this.client_id} has no persistent session to resume`);
    this.#connected = true;
    this.#bus._resumed(this);
    const queued = this.#queue ?? [];
    this.#queue = null;
    this.#bus.stats.queued_delivered += queued.length;
    for (const m of queued) this.#handler?.(m, this.client_id);
    return queued.length;
  }

  /** @internal */
  _enqueue(message: BusMessage): void {
    (this.#queue ??= []).push(message);
  }

  get connected(): boolean {
    return this.#connected;
  }

  onMessage(handler: MessageHandler): void {
    this.#handler = handler;
  }

  publish(topic: string, payload: string, qos: 0 | 1, retain: boolean): void {
    if (!this.#connected) throw new MspError('BUS_NOT_CONNECTED', `client ${this.client_id} published after disconnect`);
    this.#bus._publish({ topic, payload, qos, retain });
  }

  subscribe(filter: string): void {
    const filters = (this.#filters ??= []);
    if (!filters.includes(filter)) filters.push(filter);
    this.#bus._subscribe(this, filter);
  }

  unsubscribe(filter: string): void {
    const i = this.#filters?.indexOf(filter) ?? -1;
    if (i >= 0) this.#filters!.splice(i, 1);
    this.#bus._unsubscribe(this, filter);
  }

  /** Clean DISCONNECT: no will. */
  disconnect(): void {
    this.#close(true);
  }

  /** Connection lost (power cut, crash, keep-alive expiry): the broker publishes the will. */
  drop(): void {
    this.#close(false);
  }

  /** As a device's session (DeviceSession): a clean DISCONNECT, no will. */
  close(): void {
    this.#close(true);
  }

  /**
   * As a device's session: the connection died with the broker. The bus itself stays up in
   * memory runs; what matters is that no will is published.
   */
  abandon(): void {
    this.#close(true);
  }

  #close(clean: boolean): void {
    if (!this.#connected) return;
    this.#connected = false;
    this.#bus._closed(this, clean, this.#filters ?? NO_FILTERS, this.#will);
  }

  /** @internal */
  _deliver(message: BusMessage): void {
    this.#handler?.(message, this.client_id);
  }
}
