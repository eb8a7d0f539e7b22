import type { MemoryBus, MemoryBusClient } from './memory-bus.ts';
import type { DeviceSession, DeviceTransport, WillMessage } from './transport.ts';

/** Device sessions on the in-memory bus: each device is a bus client with its own will. */
export class MemoryTransport implements DeviceTransport {
  readonly #bus: MemoryBus;

  constructor(bus: MemoryBus) {
    this.#bus = bus;
  }

  open(client_id: string, will: WillMessage): DeviceSession {
    return new MemorySession(this.#bus.connect(client_id, { will }));
  }
}

/**
 * One device's session: a class rather than an object of four arrow functions, because a fleet
 * holds one per device and four closures with their context cost about 1.3 KB a device in V8
 * (docs/performance.md, "Memory per device").
 */
class MemorySession implements DeviceSession {
  readonly #client: MemoryBusClient;

  constructor(client: MemoryBusClient) {
    this.#client = client;
  }

  publish(topic: string, payload: string, qos: 0 | 1, retain: boolean): void {
    this.#client.publish(topic, payload, qos, retain);
  }

  drop(): void {
    this.#client.drop();
  }

  close(): void {
    this.#client.disconnect();
  }

  /** The bus itself stays up in memory runs; what matters is that no will is published. */
  abandon(): void {
    this.#client.disconnect();
  }
}
