import type { DeviceSession, DeviceTransport, WillMessage } from '../transport.ts';
import { ClientSession } from './client-session.ts';
import type { TransportError } from './per-device-transport.ts';
import type { MqttTransportOptions } from './session-options.ts';

/**
 * Gateway mode: one MQTT connection per gateway carries the traffic of every device behind it,
 * as Zigbee coordinators and BACnet routers do, so far more devices fit on one machine. A child's
 * session is virtual: its messages go out on its gateway's current connection, and when it loses
 * its session the gateway publishes the child's will payload for it (as a Sparkplug edge node
 * publishes DDEATH). The gateway's own session is a real connection with a real will.
 */
export class GatewayMqttTransport implements DeviceTransport {
  readonly options: MqttTransportOptions;
  readonly errors: TransportError[] = [];
  readonly #corked = new Set<ClientSession>();
  readonly #parent_of: ReadonlyMap<string, string>;
  readonly #gateways = new Map<string, ClientSession>();
  readonly #on_error = (client_id: string, err: Error): void => {
    if (this.errors.length < 1000) this.errors.push({ client_id, message: err.message });
  };

  /** `parent_of` maps each non-gateway device to its gateway id. */
  constructor(options: MqttTransportOptions, parent_of: ReadonlyMap<string, string>) {
    this.options = options;
    this.#parent_of = parent_of;
  }

  open(client_id: string, will: WillMessage): DeviceSession {
    const gateway_id = this.#parent_of.get(client_id);
    if (gateway_id === undefined) {
      const previous = this.#gateways.get(client_id);
      const session = new ClientSession(client_id, will, this.options, previous?.closed ?? Promise.resolve(), this.#on_error);
      this.#gateways.set(client_id, session);
      return session;
    }
    const via = (): ClientSession => {
      const gw = this.#gateways.get(gateway_id);
      if (!gw) throw new Error(`MQTT_NO_GATEWAY: ${client_id} has no session on gateway ${gateway_id}`);
      return gw;
    };
    let ended = false;
    return {
      publish: (topic, payload, qos, retain) => {
        if (ended) throw new Error(`MQTT_SESSION_ENDED: ${client_id} published after its session ended`);
        via().publish(topic, payload, qos, retain);
      },
      drop: () => {
        if (ended) return;
        ended = true;
        via().publish(will.topic, will.payload, will.qos, will.retain);
      },
      close: () => {
        ended = true;
      },
      abandon: () => {
        ended = true;
      },
    };
  }

  /**
   * Corks every live connection for the duration of a step. The corked set is kept apart from
   * the by-id map because a session replaced during the step (crash and reconnect) must still be
   * uncorked, or its last messages would never leave and its will never fire.
   */
  cork(): void {
    for (const s of this.#gateways.values()) {
      s.cork();
      this.#corked.add(s);
    }
  }

  uncork(): void {
    for (const s of this.#corked) s.uncork();
    this.#corked.clear();
  }

  get connections(): number {
    return this.#gateways.size;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#gateways.values()].map((s) => s.destroy()));
    this.#gateways.clear();
  }
}
