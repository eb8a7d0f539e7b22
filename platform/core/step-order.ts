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
  const from = i + 5;
  const to = Math.min(payload.length, i + 25);
  // Fast path for what devices send (plain digits): the same value parseInt gives for the same
  // 20 characters, without slicing. Exact: below 2^53 every partial sum is an exact integer, and
  // above it the sum only grows, so it is unsafe exactly when parseInt's value is.
  let n = 0;
  let j = from;
  for (; j < to; j++) {
    const c = payload.charCodeAt(j) - 48;
    if (c < 0 || c > 9) break;
    n = n * 10 + c;
  }
  if (j === from) {
    // Anything else (a sign, whitespace, garbage): parseInt's own rules decide.
    const parsed = Number.parseInt(payload.slice(from, to), 10);
    return Number.isSafeInteger(parsed) ? parsed : undefined;
  }
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Code-unit order of `${a.topic} ${a.payload}` against the same for b, without building either
 * string: topics that differ before one ends decide alone; equal topics leave it to the payloads;
 * only a topic that is a prefix of the other needs the joined strings.
 */
function compareKeys(a: OrderedMessage, b: OrderedMessage): number {
  const ta = a.topic;
  const tb = b.topic;
  if (ta === tb) return a.payload < b.payload ? -1 : a.payload > b.payload ? 1 : 0;
  if (ta.length < tb.length ? !tb.startsWith(ta) : !ta.startsWith(tb)) return ta < tb ? -1 : 1;
  const ka = `${ta} ${a.payload}`;
  const kb = `${tb} ${b.payload}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * `will_times` (topic → when the broker published a will there, from the lockstep marker) dates
 * the messages that carry no `ts` of their own: a will goes out when the broker notices the
 * session died, mid-step, and the platform learns of a gateway's death from that moment.
 */
export function orderStep(messages: readonly InboundMessage[], step_end_ms: number, will_times?: ReadonlyMap<string, number>): OrderedMessage[] {
  const timeOf = (m: InboundMessage): number => messageTime(m.payload) ?? will_times?.get(m.topic) ?? step_end_ms;
  const ordered = messages.map((m): OrderedMessage => ({ topic: m.topic, payload: m.payload, t_ms: Math.min(step_end_ms, timeOf(m)) }));
  ordered.sort((a, b) => a.t_ms - b.t_ms || compareKeys(a, b));
  return ordered;
}
