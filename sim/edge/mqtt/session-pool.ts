import type { DeviceSession, DeviceTransport, WillMessage } from '../transport.ts';
import { ClientSession } from './client-session.ts';
import type { MqttTransportOptions } from './session-options.ts';

export interface TransportError {
  readonly client_id: string;
  readonly message: string;
}

/**
 * The live MQTT connections of a transport, one per client id: a new connection for an id waits
 * for the previous one to close; errors are collected (bounded) for the run to report; and writes
 * are corked for the length of a lockstep step.
 */
export class SessionPool {
  readonly options: MqttTransportOptions;
  readonly errors: TransportError[] = [];
  readonly #live = new Map<string, ClientSession>();
  readonly #corked = new Set<ClientSession>();
  readonly #on_error = (client_id: string, err: Error): void => {
    if (this.errors.length < 1000) this.errors.push({ client_id, message: err.message });
  };

  constructor(options: MqttTransportOptions) {
    this.options = options;
  }

  open(client_id: string, will: WillMessage): ClientSession {
    const previous = this.#live.get(client_id);
    const session = new ClientSession(client_id, will, this.options, previous?.closed ?? Promise.resolve(), this.#on_error);
    this.#live.set(client_id, session);
    return session;
  }

  get(client_id: string): ClientSession | undefined {
    return this.#live.get(client_id);
  }

  /**
   * Corks every live connection for the duration of a step. The corked set is kept apart from
   * the by-id map because a session replaced during the step (crash and reconnect) must still be
   * uncorked, or its last messages would never leave and its will never fire.
   */
  cork(): void {
    for (const s of this.#live.values()) {
      s.cork();
      this.#corked.add(s);
    }
  }

  uncork(): void {
    for (const s of this.#corked) s.uncork();
    this.#corked.clear();
  }

  get size(): number {
    return this.#live.size;
  }

  /** Closes every connection (end of run); no wills for a clean shutdown. */
  async close(): Promise<void> {
    await Promise.all([...this.#live.values()].map((s) => s.destroy()));
    this.#live.clear();
  }
}

/** What both MQTT transports share: a pool of connections and the step-level controls on it. */
export abstract class PooledTransport implements DeviceTransport {
  protected readonly pool: SessionPool;

  constructor(options: MqttTransportOptions) {
    this.pool = new SessionPool(options);
  }

  abstract open(client_id: string, will: WillMessage): DeviceSession;

  get errors(): readonly TransportError[] {
    return this.pool.errors;
  }

  get connections(): number {
    return this.pool.size;
  }

  cork(): void {
    this.pool.cork();
  }

  uncork(): void {
    this.pool.uncork();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
