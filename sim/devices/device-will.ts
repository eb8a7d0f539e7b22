import { canonicalJson } from '../../platform/contract/canonical-json.ts';
import { deviceTopic, MessageClass } from '../../platform/contract/topics.ts';
import type { WillMessage } from '../edge/transport.ts';

/** What a will needs of its device (a DeviceTwin). */
export interface WillOwner {
  readonly id: string;
  readonly spec: { readonly site_id: string };
  readonly session: number;
  willPayload(session: number): Record<string, unknown>;
}

/**
 * A device's last will: "offline" on its state topic, with the session it connected with. Its
 * topic and payload are worked out when read rather than held as strings: the in-memory broker
 * reads them only if the will is published, and holding both for every live session was ~220
 * bytes a device (docs/performance.md, "Memory per device"). An MQTT transport reads them once,
 * at connect. Read at any time, they are what they were at connect: the session is kept.
 */
export class DeviceWill implements WillMessage {
  readonly #twin: WillOwner;
  readonly #session: number;

  constructor(twin: WillOwner) {
    this.#twin = twin;
    this.#session = twin.session;
  }

  get topic(): string {
    return deviceTopic(this.#twin.spec.site_id, this.#twin.id, MessageClass.state);
  }

  get payload(): string {
    return canonicalJson(this.#twin.willPayload(this.#session));
  }

  get qos(): 1 {
    return 1;
  }

  get retain(): true {
    return true;
  }
}
