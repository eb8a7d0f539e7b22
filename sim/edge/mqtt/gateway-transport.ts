import type { DeviceSession, WillMessage } from '../transport.ts';
import type { ClientSession } from './client-session.ts';
import { PooledTransport } from './session-pool.ts';
import type { MqttTransportOptions } from './session-options.ts';
import type { TransportFlow } from './session-pool.ts';
import { MspError } from '../../../common/errors.ts';

/**
 * Gateway mode: one MQTT connection per gateway carries the traffic of every device behind it,
 * as Zigbee coordinators and BACnet routers do, so far more devices fit on one machine. A child's
 * session is virtual: its messages go out on its gateway's current connection, and when it loses
 * its session the gateway publishes the child's will payload for it (as a Sparkplug edge node
 * publishes DDEATH). The gateway's own session is a real connection with a real will.
 */
export class GatewayMqttTransport extends PooledTransport {
  readonly #parent_of: ReadonlyMap<string, string>;

  /** `parent_of` maps each non-gateway device to its gateway id. */
  constructor(options: MqttTransportOptions, parent_of: ReadonlyMap<string, string>, flow: TransportFlow = 'direct') {
    super(options, flow);
    this.#parent_of = parent_of;
  }

  open(client_id: string, will: WillMessage): DeviceSession {
    const gateway_id = this.#parent_of.get(client_id);
    if (gateway_id === undefined) return this.pool.open(client_id, will);
    const via = (): ClientSession => {
      const gw = this.pool.get(gateway_id);
      if (!gw) throw new MspError('MQTT_NO_GATEWAY', `${client_id} has no session on gateway ${gateway_id}`);
      return gw;
    };
    let ended = false;
    return {
      publish: (topic, payload, qos, retain) => {
        if (ended) throw new MspError('MQTT_SESSION_ENDED', `${client_id} published after its session ended`, { exit: 'internal' });
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
}
