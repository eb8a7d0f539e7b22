import type { DeviceSession, DeviceTransport, WillMessage } from '../transport.ts';
import { SessionPool, type TransportError } from './session-pool.ts';
import type { MqttTransportOptions } from './session-options.ts';

export type { TransportError } from './session-pool.ts';

/**
 * Per-device mode: every simulated device is its own MQTT.js client with its own client id,
 * credentials and last will — the mode that loads a broker the way a real fleet does.
 */
export class PerDeviceMqttTransport implements DeviceTransport {
  readonly #pool: SessionPool;

  constructor(options: MqttTransportOptions) {
    this.#pool = new SessionPool(options);
  }

  open(client_id: string, will: WillMessage): DeviceSession {
    return this.#pool.open(client_id, will);
  }

  get errors(): readonly TransportError[] {
    return this.#pool.errors;
  }

  get connections(): number {
    return this.#pool.size;
  }

  cork(): void {
    this.#pool.cork();
  }

  uncork(): void {
    this.#pool.uncork();
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
