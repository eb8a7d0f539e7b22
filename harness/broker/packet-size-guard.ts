/**
 * Refuses MQTT packets over a size limit before the broker buffers them.
 *
 * aedes' parser (mqtt-packet) collects a whole packet before handing it on, so a 64 MB PUBLISH is
 * 64 MB of broker memory before any hook sees it. Every MQTT packet starts with a fixed header
 * that states its remaining length (a 1–4 byte variable-length integer), so reading just those
 * bytes as the stream passes is enough to refuse an oversized packet at its first chunk.
 *
 * The guard is a passive tap: it watches the 'data' events that Readable emits whenever aedes
 * calls read() (with a 'readable' listener present, 'readable' keeps control of the flow), and
 * copies nothing.
 */
import type { Duplex } from 'node:stream';

export type FrameViolation = { kind: 'too_large'; remaining_length: number } | { kind: 'malformed_length' };

/** Incremental fixed-header reader over a byte stream of MQTT packets. */
export class MqttFrameScanner {
  private state: 'type' | 'length' | 'body' = 'type';
  private length_value = 0;
  private length_multiplier = 1;
  private length_bytes = 0;
  private body_left = 0;

  constructor(private readonly max_remaining_length: number) {}

  /** Feeds one chunk; returns the first violation found, or undefined. */
  push(chunk: Uint8Array): FrameViolation | undefined {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'type') {
        i += 1;
        this.state = 'length';
        this.length_value = 0;
        this.length_multiplier = 1;
        this.length_bytes = 0;
      } else if (this.state === 'length') {
        const b = chunk[i]!;
        i += 1;
        this.length_value += (b & 0x7f) * this.length_multiplier;
        this.length_multiplier *= 128;
        this.length_bytes += 1;
        if ((b & 0x80) !== 0) {
          // [MQTT-2.2.3]: at most four bytes of remaining length.
          if (this.length_bytes === 4) return { kind: 'malformed_length' };
          continue;
        }
        if (this.length_value > this.max_remaining_length) return { kind: 'too_large', remaining_length: this.length_value };
        this.body_left = this.length_value;
        this.state = this.body_left > 0 ? 'body' : 'type';
      } else {
        const take = Math.min(this.body_left, chunk.length - i);
        i += take;
        this.body_left -= take;
        if (this.body_left === 0) this.state = 'type';
      }
    }
    return undefined;
  }
}

/**
 * Watches `stream` and calls `on_violation` once (then destroys the stream) when a packet's
 * remaining length exceeds `max_remaining_length`.
 */
export function guardPacketSize(stream: Duplex, max_remaining_length: number, on_violation: (v: FrameViolation) => void): void {
  const scanner = new MqttFrameScanner(max_remaining_length);
  let tripped = false;
  stream.on('data', (chunk: Buffer | string) => {
    if (tripped) return;
    const violation = scanner.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    if (violation === undefined) return;
    tripped = true;
    on_violation(violation);
    stream.destroy();
  });
}
