import type { IClientOptions } from 'mqtt';
import type { WillMessage } from '../transport.ts';

export interface MqttTransportOptions {
  /** mqtt://, mqtts://, ws:// or wss:// URL of the broker. */
  readonly url: string;
  /** Username/password for a client id (per-device credentials); undefined for none. */
  readonly credentials?: (client_id: string) => { username: string; password?: string } | undefined;
  readonly protocol_version?: 4 | 5;
  /**
   * Seconds; 0 in lockstep, where a step may take longer in wall time than any keep-alive and
   * the sim itself closes sockets at the right virtual moment (docs/mqtt.md, lockstep).
   */
  readonly keepalive_s?: number;
  /** TLS material for mqtts:// and wss://. */
  readonly tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; reject_unauthorized?: boolean };
}

/** MQTT.js options for one simulated session: explicit client id, the sim owns reconnection. */
export function sessionOptions(options: MqttTransportOptions, client_id: string, will: WillMessage | undefined): IClientOptions {
  const creds = options.credentials?.(client_id);
  const o: IClientOptions = {
    clientId: client_id,
    protocolVersion: options.protocol_version ?? 4,
    clean: true,
    keepalive: options.keepalive_s ?? 0,
    // Reconnection is decided by the simulated device on virtual time, never by MQTT.js timers.
    reconnectPeriod: 0,
    connectTimeout: 30_000,
    resubscribe: false,
  };
  if (creds) {
    o.username = creds.username;
    if (creds.password !== undefined) o.password = creds.password;
  }
  if (will) o.will = { topic: will.topic, payload: Buffer.from(will.payload), qos: will.qos, retain: will.retain };
  if (options.tls) {
    if (options.tls.ca) o.ca = options.tls.ca;
    if (options.tls.cert) o.cert = options.tls.cert;
    if (options.tls.key) o.key = options.tls.key;
    o.rejectUnauthorized = options.tls.reject_unauthorized ?? true;
  }
  return o;
}

/**
 * Turns Nagle's algorithm off on a client's TCP socket. Lockstep is a ping-pong of small packets
 * (marker → ack); with Nagle and delayed ACKs each round trip costs ~40 ms instead of ~0.1 ms.
 */
export function disableNagle(client: { stream?: unknown; on(event: 'connect', cb: () => void): unknown }): void {
  client.on('connect', () => {
    const stream = client.stream as { setNoDelay?: (on: boolean) => void } | undefined;
    stream?.setNoDelay?.(true);
  });
}
