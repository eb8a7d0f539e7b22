/**
 * The canonical order of one lockstep step (docs/architecture.md, "One telemetry message"): by
 * the message's own timestamp, clamped to the step's end, then by topic and payload. The step
 * receiver sorts a step once with this, digests it in this order, and hands the same array to
 * the platform; broker arrival order never reaches either.
 */
export interface InboundMessage {
  readonly topic: string;
  readonly payload: string;
}

export interface OrderedMessage extends InboundMessage {
  /** When the platform applies it: the message's `ts`, or the step's end when it has none or a later one. */
  readonly t_ms: number;
}

/** A message's `ts`, read without parsing the whole payload (the ingest stage validates it). */
function messageTime(payload: string): number | undefined {
  const i = payload.indexOf('"ts":');
  if (i < 0) return undefined;
  const n = Number.parseInt(payload.slice(i + 5, i + 25), 10);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * `will_times` (topic → when the broker published a will there, from the lockstep marker) dates
 * the messages that carry no `ts` of their own: a will goes out when the broker notices the
 * session died, mid-step, and the platform learns of a gateway's death from that moment.
 */
export function orderStep(messages: readonly InboundMessage[], step_end_ms: number, will_times?: ReadonlyMap<string, number>): OrderedMessage[] {
  const timeOf = (m: InboundMessage): number => messageTime(m.payload) ?? will_times?.get(m.topic) ?? step_end_ms;
  const keyed = messages.map((m) => ({ m, t_ms: Math.min(step_end_ms, timeOf(m)), key: `${m.topic} ${m.payload}` }));
  keyed.sort((a, b) => a.t_ms - b.t_ms || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map(({ m, t_ms }) => ({ topic: m.topic, payload: m.payload, t_ms }));
}
