import { SimError } from './errors.ts';
import { createHash, type Hash } from 'node:crypto';
import { canonicalJson, quotedString } from '../../platform/contract/canonical-json.ts';

/**
 * Where trace lines go besides the hash (a file writer in the CLI, the oracle, an array in
 * tests), with the line's record kind (its `"k"`), which the journal already knows: a sink that
 * wants a few kinds (the oracle) skips the rest without reading the line.
 */
export type TraceSink = (line: string, kind: string) => void;

/**
 * The run's journal: one canonical JSON line per device message, state change, fault and
 * platform decision, folded into a running SHA-256. The hash is the run's fingerprint: same seed
 * and scenario ⇒ same hash, on the in-memory bus and over MQTT (docs/architecture.md, invariant 1).
 */
/**
 * Lines are folded into the hash in chunks of about this many characters: one `update` per line
 * pair cost more than the hashing itself (two calls into C++ for ~250 bytes). SHA-256 of the
 * concatenation is the same however it is split, so the hash does not depend on the chunking.
 */
export const HASH_CHUNK_CHARS = 64 * 1024;

export class TraceJournal {
  readonly #hash: Hash = createHash('sha256');
  /**
   * Lines not yet folded into the hash, joined at the flush: a join writes one flat string, where
   * `pending += line + "\n"` built a rope of two nodes a line that the hash then had to flatten
   * (docs/performance.md).
   */
  readonly #pending: string[] = [];
  #pending_chars = 0;
  readonly #sink: TraceSink | undefined;
  readonly #counts = new Map<string, number>();
  #lines = 0;
  #bytes = 0;

  constructor(sink?: TraceSink) {
    this.#sink = sink;
  }

  /** Appends a record; `fields` must not contain `t` or `k`. */
  append(at_ms: number, kind: string, fields: Record<string, unknown>): void {
    this.appendLine(kind, traceLine(at_ms, kind, fields));
  }

  /** Appends a published message (see `publishLine`). */
  appendPublish(at_ms: number, client_id: string, topic: string, payload_json: string, qos: 0 | 1, retain: boolean): void {
    this.appendLine('pub', publishLine(at_ms, client_id, topic, payload_json, qos, retain));
  }

  /**
   * Appends a line made elsewhere by `traceLine` or `publishLine`: the simulator encodes a step's
   * lines as they happen and writes them in the trace's order at the step's end (sim/kernel/step-lines.ts).
   */
  appendLine(kind: string, line: string): void {
    this.#pending.push(line);
    this.#pending_chars += line.length + 1;
    if (this.#pending_chars >= HASH_CHUNK_CHARS) this.#flush();
    this.#lines++;
    this.#bytes += line.length + 1;
    this.#counts.set(kind, (this.#counts.get(kind) ?? 0) + 1);
    this.#sink?.(line, kind);
  }

  /** SHA-256 of every line so far (each followed by "\n"), as 64 hex digits; the journal stays open. */
  digestHex(): string {
    this.#flush();
    return this.#hash.copy().digest('hex');
  }

  #flush(): void {
    const pending = this.#pending;
    if (pending.length === 0) return;
    pending.push(''); // the last line's "\n"
    this.#hash.update(pending.join('\n'));
    pending.length = 0;
    this.#pending_chars = 0;
  }

  get lines(): number {
    return this.#lines;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Characters appended but not yet folded into the hash. Bounded by one chunk plus one line, so a
   * month-long run does not hold its trace in memory; above zero between flushes, since hashing each
   * line on its own is what the chunking saves.
   */
  get pending_chars(): number {
    return this.#pending_chars;
  }

  /** Line counts by record kind, sorted by kind for stable output. */
  counts(): Array<[string, number]> {
    // The default sort compares UTF-16 code units, as `<` does; kinds are map keys, never equal.
    return [...this.#counts.keys()].sort().map((kind): [string, number] => [kind, this.#counts.get(kind) ?? 0]);
  }
}

/** One trace record as its canonical line; `fields` must not contain `t` or `k`. */
export function traceLine(at_ms: number, kind: string, fields: Record<string, unknown>): string {
  // `k` and `t` belong to the line; a field of the same name would be silently overwritten.
  if (Object.hasOwn(fields, 'k') || Object.hasOwn(fields, 't')) throw new SimError('SIM_INVALID_ARGUMENT', `trace line ${kind}: fields may not be named "k" or "t"`);
  return canonicalJson({ ...fields, k: kind, t: at_ms });
}

/**
 * A published message's line without re-encoding its payload: the payload is already canonical
 * JSON from the contract encoder, and the keys below are written in sorted order by hand
 * (c < k < p < q < r < t < topic), which is what canonicalJson would produce.
 */
export function publishLine(at_ms: number, client_id: string, topic: string, payload_json: string, qos: 0 | 1, retain: boolean): string {
  return `{"c":${quotedString(client_id)},"k":"pub","p":${payload_json},"q":${qos},"r":${retain},"t":${at_ms},"topic":${quotedString(topic)}}`;
}

const PUB_HEAD = '{"c":';
const PUB_AFTER_CLIENT = ',"k":"pub","p":';
const PUB_QOS = ',"q":';
const PUB_TOPIC = ',"topic":';

/**
 * The topic and payload a `publishLine` carries, read back out of it (a shard sends its
 * coordinator the line once, not the message beside it). The client id is a JSON string, whose
 * end is its first quote that no backslash escapes; the topic is the line's last field and the
 * payload ends at the last `,"q":` before it (nothing after the payload but q, r and t). Inside a
 * JSON string every quote is escaped, so neither marker can be matched inside the id, the payload's
 * strings or the topic.
 */
export function publishLineMessage(line: string): { topic: string; payload: string } {
  // No closure for the error: one made per call was 2 % of a sharded run's coordinator, which reads every message's line.
  if (!line.startsWith(PUB_HEAD) || line.charCodeAt(PUB_HEAD.length) !== 0x22) notAPubLine(line);
  let i = PUB_HEAD.length + 1;
  for (; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) break;
  }
  const payload_at = i + 1 + PUB_AFTER_CLIENT.length;
  if (!line.startsWith(PUB_AFTER_CLIENT, i + 1)) notAPubLine(line);
  const topic_at = line.lastIndexOf(PUB_TOPIC);
  const qos_at = line.lastIndexOf(PUB_QOS, topic_at);
  if (topic_at < 0 || qos_at < payload_at || !line.endsWith('}')) notAPubLine(line);
  const topic_json = line.slice(topic_at + PUB_TOPIC.length, -1);
  // Topics are plain ASCII in practice: skip JSON.parse unless something is escaped.
  const topic = topic_json.includes('\\') ? (JSON.parse(topic_json) as string) : topic_json.slice(1, -1);
  return { topic, payload: line.slice(payload_at, qos_at) };
}

function notAPubLine(line: string): never {
  throw new SimError('SIM_INVALID_ARGUMENT', `not a pub trace line: ${line.slice(0, 80)}`);
}

/** Hash of a finished trace file's text, for comparing a recorded file with a printed hash. */
export function traceTextDigest(lines: readonly string[]): string {
  const hash = createHash('sha256');
  for (const line of lines) {
    hash.update(line);
    hash.update('\n');
  }
  return hash.digest('hex');
}
