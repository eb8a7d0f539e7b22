import type { MemoryBus } from './memory-bus.ts';
import type { DeviceSession, DeviceTransport, WillMessage } from './transport.ts';

/**
 * Device sessions on the in-memory bus: each device is a bus client with its own will, and the
 * client is the session (MemoryBusClient implements DeviceSession). A wrapper object per device,
 * or four closures with their context (~1.3 KB a device), held nothing the client does not.
 */
export class MemoryTransport implements DeviceTransport {
  readonly #bus: MemoryBus;

  constructor(bus: MemoryBus) {
    this.#bus = bus;
  }

  open(client_id: string, will: WillMessage): DeviceSession {
    return this.#bus.connect(client_id, { will });
  }
}
