import mqtt, { type MqttClient } from 'mqtt';
import type { WillMessage } from '../transport.ts';
import { disableNagle, sessionOptions, type MqttTransportOptions } from './session-options.ts';
import type { StepOutbox } from './step-outbox.ts';
import { MspError } from '../../../common/errors.ts';

/**
 * One real MQTT connection owned by a simulated device (or gateway). The simulation calls it
 * synchronously; the socket work happens behind it in order:
 * - it connects only after the previous connection with the same client id has fully closed, so
 *   an old session's will can never land after the new session's birth;
 * - publishes made before the connection is up are queued and sent in order;
 * - an unclean drop waits until every queued publish has been handed to the broker (the device
 *   sent them before it crashed), then destroys the socket so the broker publishes the will.
 */
export class ClientSession {
  readonly client_id: string;
  readonly #options: MqttTransportOptions;
  readonly #will: WillMessage | undefined;
  readonly #on_error: (client_id: string, err: Error) => void;
  #client: MqttClient | undefined;
  #queue: Array<[string, string, 0 | 1, boolean]> = [];
  #outstanding = 0;
  #ending: 'drop' | 'close' | undefined;
  /** The simulation ended this session (its end may still be held in the outbox). */
  #ended_by_sim = false;
  /** Lockstep flow control: publishes and ends wait here until the harness releases them. */
  readonly #outbox: StepOutbox | undefined;
  /** Resolves once this session's socket is closed. */
  readonly closed: Promise<void>;
  #resolve_closed!: () => void;

  constructor(client_id: string, will: WillMessage | undefined, options: MqttTransportOptions, after: Promise<void>, on_error: (client_id: string, err: Error) => void, outbox?: StepOutbox) {
    this.client_id = client_id;
    this.#outbox = outbox;
    this.#options = options;
    this.#will = will;
    this.#on_error = on_error;
    this.closed = new Promise((resolve) => (this.#resolve_closed = resolve));
    void after.then(() => this.#connect());
  }

  #connect(): void {
    if (this.#ending === 'close' && this.#queue.length === 0) {
      this.#resolve_closed();
      return;
    }
    const client = mqtt.connect(this.#options.url, sessionOptions(this.#options, this.client_id, this.#will));
    this.#client = client;
    disableNagle(client);
    client.on('error', (err) => this.#on_error(this.client_id, err));
    client.on('close', () => {
      if (this.#ending !== undefined) this.#resolve_closed();
    });
    client.once('connect', () => {
      const queued = this.#queue;
      this.#queue = [];
      for (const [topic, payload, qos, retain] of queued) this.#send(topic, payload, qos, retain);
      this.#maybeEnd();
    });
  }

  publish(topic: string, payload: string, qos: 0 | 1, retain: boolean): void {
    if (this.#ended_by_sim || this.#ending !== undefined) throw new MspError('MQTT_SESSION_ENDED', `${this.client_id} published after its session ended`, { exit: 'internal' });
    if (this.#outbox) this.#outbox.hold({ cost: 1, message: { topic, payload, client_id: this.client_id }, run: () => this.#publishNow(topic, payload, qos, retain) });
    else this.#publishNow(topic, payload, qos, retain);
  }

  #publishNow(topic: string, payload: string, qos: 0 | 1, retain: boolean): void {
    if (this.#client?.connected) this.#send(topic, payload, qos, retain);
    else this.#queue.push([topic, payload, qos, retain]);
  }

  #send(topic: string, payload: string, qos: 0 | 1, retain: boolean): void {
    this.#outstanding++;
    this.#client!.publish(topic, payload, { qos, retain }, (err) => {
      this.#outstanding--;
      if (err) this.#on_error(this.client_id, err);
      this.#maybeEnd();
    });
  }

  /**
   * Batches this connection's writes until uncork(): a lockstep step publishes many messages at
   * once, and one writev per step is far cheaper than one write per packet.
   */
  cork(): void {
    const stream = this.#client?.stream as { cork?: () => void; writableCorked?: number } | undefined;
    if (stream?.cork && !stream.writableCorked) stream.cork();
  }

  uncork(): void {
    const stream = this.#client?.stream as { uncork?: () => void; writableCorked?: number } | undefined;
    while (stream?.uncork && stream.writableCorked) stream.uncork();
  }

  /** Publishes released to this session that the broker has not acknowledged yet (sent or waiting to connect). */
  get unsettled(): number {
    return this.#outstanding + this.#queue.length;
  }

  /** Where this session stands, for naming why its messages did not arrive. */
  describe(): string {
    const state = this.#client ? (this.#client.connected ? 'connected' : 'not connected') : 'waiting for its previous connection to close';
    return `${state}, ${this.#outstanding} publishes unacknowledged by the broker, ${this.#queue.length} waiting to connect${this.#ending ? `, ending (${this.#ending})` : ''}`;
  }

  /** Unclean end: the broker publishes the will. */
  drop(): void {
    if (this.#ended_by_sim) return;
    this.#ended_by_sim = true;
    const will = this.#will;
    if (this.#outbox) {
      this.#outbox.hold({
        cost: will ? 1 : 0,
        ...(will ? { message: { topic: will.topic, payload: will.payload, client_id: this.client_id } } : {}),
        run: () => this.#end('drop'),
      });
    } else this.#end('drop');
  }

  /** Clean end: DISCONNECT, no will. */
  close(): void {
    if (this.#ended_by_sim) return;
    this.#ended_by_sim = true;
    if (this.#outbox) this.#outbox.hold({ cost: 0, run: () => this.#end('close') });
    else this.#end('close');
  }

  #end(how: 'drop' | 'close'): void {
    this.#ending ??= how;
    this.#maybeEnd();
  }

  #maybeEnd(): void {
    const client = this.#client;
    if (this.#ending === undefined || !client || !client.connected || this.#queue.length > 0 || this.#outstanding > 0) return;
    if (this.#ending === 'drop') {
      // Destroying the stream skips DISCONNECT, which is what makes the broker send the will
      // [MQTT-3.1.2-8]; end(true) in MQTT.js does the same and also stops its timers.
      client.end(true);
    } else {
      client.end(false);
    }
  }

  /** The broker died under this session: forget it; whatever is queued is the sim's to resend. */
  abandon(): void {
    this.#ended_by_sim = true;
    const now = (): void => {
      this.#ending ??= 'close';
      this.#queue = [];
      void this.destroy();
    };
    if (this.#outbox) this.#outbox.hold({ cost: 0, run: now });
    else now();
  }

  /**
   * End of run: a clean DISCONNECT (so the broker publishes no will) once what was handed to the
   * socket has been acknowledged; sockets that are already down just close. Bounded by the caller.
   */
  disconnect(): Promise<void> {
    this.#ended_by_sim = true;
    this.#queue = [];
    const client = this.#client;
    if (!client) {
      this.#ending ??= 'close';
      this.#resolve_closed();
      return this.closed;
    }
    if (!client.connected) return this.destroy();
    this.#ending = 'close';
    client.end(false, {}, () => this.#resolve_closed());
    return this.closed;
  }

  /** Forcibly closes the socket whatever its state (transport shutdown, broker outage). */
  destroy(): Promise<void> {
    this.#ending ??= 'close';
    const client = this.#client;
    if (!client) {
      this.#resolve_closed();
      return this.closed;
    }
    const already_down = !client.connected;
    client.end(true, {}, () => this.#resolve_closed());
    // A socket that is already closed emits no further 'close', so end()'s callback may never
    // run; the session is closed for our purposes either way.
    if (already_down) this.#resolve_closed();
    return this.closed;
  }
}
