import type { MemoryBus } from './memory-bus.ts';
import type { DeviceSession, DeviceTransport, WillMessage } from './transport.ts';

/** Device sessions on the in-memory bus: each device is a bus client with its own will. */
export class MemoryTransport implements DeviceTransport {
  readonly #bus: MemoryBus;

  constructor(bus: MemoryBus) {
    this.#bus = bus;
  }

  open(client_id: string, will: WillMessage): DeviceSession {
    const client = this.#bus.connect(client_id, { will });
    return {
      publish: (topic, payload, qos, retain) => client.publish(topic, payload, qos, retain),
      drop: () => client.drop(),
      close: () => client.disconnect(),
      // The bus itself stays up in memory runs; what matters is that no will is published.
      abandon: () => client.disconnect(),
    };
  }
}
