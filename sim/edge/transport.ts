/**
 * The sim's view of a broker: one session per device (or, in gateway mode, per gateway). The
 * in-memory bus and the MQTT transport both implement it, which is what lets the same world run
 * with or without sockets and produce the same trace.
 */
export interface WillMessage {
  readonly topic: string;
  readonly payload: string;
  readonly qos: 0 | 1;
  readonly retain: boolean;
}

export interface DeviceSession {
  publish(topic: string, payload: string, qos: 0 | 1, retain: boolean): void;
  /** Connection lost without DISCONNECT: the broker publishes the will. */
  drop(): void;
  /** Clean DISCONNECT: no will. */
  close(): void;
  /** The connection died with the broker: forget it without sending anything. */
  abandon(): void;
}

export interface DeviceTransport {
  open(client_id: string, will: WillMessage): DeviceSession;
}
