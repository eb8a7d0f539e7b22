import { MspError, type ErrorCode } from '../../common/errors.ts';
import type { ExpectedMessage } from '../../sim/edge/mqtt/step-outbox.ts';

/**
 * The broker or the network failed the run (exit code 4): nothing is wrong with the scenario or
 * with msp-twin, so the message says what went wrong on the wire and what to check on the broker.
 * Codes are stable: TRANSPORT_CONNECT, LOCKSTEP_TIMEOUT, LOCKSTEP_COUNT, LOCKSTEP_RECONNECT,
 * MQTT_CLIENT_ERROR.
 */
export class TransportFailure extends MspError {
  constructor(code: ErrorCode, message: string) {
    // The code leads the line (what a user greps for first), so it is not repeated at the end.
    super(code, `${code}: ${message}`, { code_in_message: false });
    this.name = 'TransportFailure';
  }
}

/** The broker settings that most often make a broker drop, refuse or duplicate lockstep traffic. */
export const BROKER_HINTS =
  'check the broker for: a per-client queue limit (Mosquitto max_queued_messages/max_queued_bytes, EMQX max_mqueue_len, HiveMQ max-queued-messages), ' +
  'a message size limit (Mosquitto message_size_limit, max_packet_size), an ACL that denies the devices publishing or the platform subscribing to msp/v1/#, ' +
  'or another client using the ids msp-platform or msp-sim';

const SHOWN = 5;

function key(topic: string, payload: string): string {
  return `${topic}\u0000${payload}`;
}

function describe(list: readonly { topic: string; client_id?: string }[]): string {
  const head = list.slice(0, SHOWN).map((m) => (m.client_id ? `${m.topic} (from ${m.client_id})` : m.topic));
  return head.join(', ') + (list.length > SHOWN ? `, … ${list.length - SHOWN} more` : '');
}

/**
 * Names what went missing and what arrived unasked between the messages the sim released and
 * the ones the platform holds (both multisets of topic + payload).
 */
export function messageDifference(expected: readonly ExpectedMessage[], received: readonly { topic: string; payload: string }[]): { missing: ExpectedMessage[]; extra: { topic: string; payload: string }[] } {
  const have = new Map<string, number>();
  for (const m of received) have.set(key(m.topic, m.payload), (have.get(key(m.topic, m.payload)) ?? 0) + 1);
  const missing: ExpectedMessage[] = [];
  for (const m of expected) {
    const k = key(m.topic, m.payload);
    const n = have.get(k) ?? 0;
    if (n > 0) have.set(k, n - 1);
    else missing.push(m);
  }
  const extra: { topic: string; payload: string }[] = [];
  for (const m of received) {
    const k = key(m.topic, m.payload);
    const n = have.get(k) ?? 0;
    if (n > 0) {
      extra.push(m);
      have.set(k, n - 1);
    }
  }
  return { missing, extra };
}

/** One sentence naming the first few missing and extra messages. */
export function differenceText(d: ReturnType<typeof messageDifference>): string {
  const parts: string[] = [];
  if (d.missing.length > 0) parts.push(`missing ${d.missing.length}: ${describe(d.missing)}`);
  if (d.extra.length > 0) parts.push(`unexpected ${d.extra.length}: ${describe(d.extra)}`);
  return parts.join('; ');
}
