import type { DeviceSession, WillMessage } from '../transport.ts';
import { PooledTransport } from './session-pool.ts';

export type { TransportError } from './session-pool.ts';

/**
 * Per-device mode: every simulated device is its own MQTT.js client with its own client id,
 * credentials and last will — the mode that loads a broker the way a real fleet does.
 */
export class PerDeviceMqttTransport extends PooledTransport {
  open(client_id: string, will: WillMessage): DeviceSession {
    return this.pool.open(client_id, will);
  }
}
