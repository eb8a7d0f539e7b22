import type { DeviceSession, DeviceTransport, WillMessage } from '../transport.ts';
import { ClientSession } from './client-session.ts';
import type { MqttTransportOptions } from './session-options.ts';

export interface TransportError {
  readonly client_id: string;
  readonly message: string;
}

/**
 * Per-device mode: every simulated device is its own MQTT.js client with its own client id,
 * credentials and last will — the mode that loads a broker the way a real fleet does.
 */
export class PerDeviceMqttTransport implements DeviceTransport {
  readonly options: MqttTransportOptions;
  readonly errors: TransportError[] = [];
  readonly #corked = new Set<ClientSession>();
  readonly #last = new Map<string, ClientSession>();
  readonly #on_error = (client_id: string, err: Error): void => {
    if (this.errors.length < 1000) this.errors.push({ client_id, message: err.message });
  };

  constructor(options: MqttTransportOptions) {
    this.options = options;
  }

  open(client_id: string, will: WillMessage): DeviceSession {
    const previous = this.#last.get(client_id);
    const session = new ClientSession(client_id, will, this.options, previous?.closed ?? Promise.resolve(), this.#on_error);
    this.#last.set(client_id, session);
    return session;
  }

  /**
   * Corks every live connection for the duration of a step. The corked set is kept apart from
   * the by-id map because a session replaced during the step (crash and reconnect) must still be
   * uncorked, or its last messages would never leave and its will never fire.
   */
  cork(): void {
    for (const s of this.#last.values()) {
      s.cork();
      this.#corked.add(s);
    }
  }

  uncork(): void {
    for (const s of this.#corked) s.uncork();
    this.#corked.clear();
  }

  get connections(): number {
    return this.#last.size;
  }

  /** Closes every connection (end of run); wills are not published for a clean shutdown. */
  async close(): Promise<void> {
    await Promise.all([...this.#last.values()].map((s) => s.destroy()));
    this.#last.clear();
  }
}
