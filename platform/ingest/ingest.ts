/**
 * The platform's front door: turns a raw MQTT (topic, payload) pair into a validated
 * DeviceMessage or a counted, quarantined rejection. Anything on the wire may be hostile or
 * broken, so `accept` never throws; every call is counted exactly once (accepted or one reject
 * reason), which lets load tests reconcile "published" against "ingested + rejected".
 * Pure: no clock is read; the caller stamps `received_ms`.
 */
import { z } from 'zod';
import { BirthPayload, EventPayload, MAX_PAYLOAD_BYTES, OtaStatusPayload, StatePayload, TelemetryPayload } from '../contract/messages.ts';
import { parseDeviceTopic, type MessageClass } from '../contract/topics.ts';
import type { DeviceMessage } from '../core/model.ts';
import { MspError } from '../../common/errors.ts';

export const REJECT_REASONS = [
  'oversized',
  'bad_topic',
  'unsupported_class',
  'bad_encoding',
  'bad_json',
  'schema',
  'id_mismatch',
  // Admission (admission.ts): well-formed, but not believed.
  'unprovisioned',
  'provisioning_mismatch',
  'clock_skew',
  'registry_full',
  // A bug in this module (never expected): counted rather than thrown so one poison message
  // cannot take the ingest loop down.
  'internal',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface QuarantineEntry {
  readonly at_ms: number;
  readonly reason: RejectReason;
  /** At most QUARANTINE_TEXT_CHARS characters. */
  readonly topic: string;
  /** The start of the payload as text (invalid UTF-8 shown as U+FFFD), at most QUARANTINE_TEXT_CHARS characters. */
  readonly payload_head: string;
  /** For `schema`: the first issue as `path: message`; for the others a short explanation. */
  readonly detail: string;
}

export interface IngestStats {
  accepted: number;
  rejected: Record<RejectReason, number>;
  /** Always accepted + Σ rejected. */
  total: number;
}

export interface IngestOptions {
  max_payload_bytes?: number;
  quarantine_capacity?: number;
  /** Checks after validation (provisioning, clock skew, registry size); a refusal is a rejection like any other. */
  admit?: (msg: DeviceMessage) => { reason: RejectReason; detail: string } | undefined;
}

export type IngestErrorCode = 'INGEST_BAD_OPTION';

export class IngestError extends MspError {
  declare readonly code: IngestErrorCode;
  constructor(code: IngestErrorCode, message: string) {
    super(code, message);
    this.name = 'IngestError';
  }
}

export const QUARANTINE_TEXT_CHARS = 256;
const DEFAULT_QUARANTINE_CAPACITY = 1_000;
/** MQTT caps a topic at 65,535 bytes; anything longer is not a topic, so skip splitting it. */
const MAX_TOPIC_CHARS = 65_535;

// Every topic class has a payload schema; a class without one would be rejected as unsupported
// rather than passed on unvalidated. Each is zod's ahead-of-time compiled clone of the contract's
// schema (`z.compile`): generated code for the happy path, about six times cheaper per payload
// than the interpreted parse, and the interpreted parser itself whenever the fast path refuses,
// so verdicts, outputs and issue messages are the contract's own. A schema the compiler cannot
// model comes back as it is and still validates, only slower.
// test/property/compiled-payloads.property.test.ts holds the clones to the interpreted schemas
// and fails if one stops compiling.
export const PAYLOAD_SCHEMAS: Readonly<Partial<Record<MessageClass, z.ZodType>>> = Object.freeze({
  birth: z.compile(BirthPayload),
  state: z.compile(StatePayload),
  telemetry: z.compile(TelemetryPayload),
  event: z.compile(EventPayload),
  ota: z.compile(OtaStatusPayload),
});

// fatal: invalid UTF-8 must be rejected, not silently repaired into U+FFFD.
// ignoreBOM: keep a BOM so JSON.parse rejects it (the contract says canonical JSON, no BOM).
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenientUtf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

// A JS string with an unpaired surrogate cannot be encoded as UTF-8, so as a payload it is as
// broken as invalid bytes.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Cuts to at most `max` UTF-16 units without leaving half a surrogate pair at the end. */
function head(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max;
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return text.slice(0, cut);
}

type Rejection = { reason: RejectReason; detail: string };

/** Ingest as saved in a snapshot (see `Ingest.saveState`). */
export interface IngestState {
  accepted: number;
  rejected: Record<RejectReason, number>;
  quarantine: QuarantineEntry[];
}

export class Ingest {
  readonly #max_payload_bytes: number;
  readonly #capacity: number;
  // Ring buffer: #ring[#start] is the oldest entry once full.
  readonly #ring: QuarantineEntry[] = [];
  #start = 0;
  #accepted = 0;
  readonly #rejected: Record<RejectReason, number>;
  readonly #admit: IngestOptions['admit'];

  constructor(options: IngestOptions = {}) {
    this.#admit = options.admit;
    const max = options.max_payload_bytes ?? MAX_PAYLOAD_BYTES;
    const cap = options.quarantine_capacity ?? DEFAULT_QUARANTINE_CAPACITY;
    if (!Number.isSafeInteger(max) || max < 1) throw new IngestError('INGEST_BAD_OPTION', `max_payload_bytes must be a positive integer, got ${String(max)}`);
    if (!Number.isSafeInteger(cap) || cap < 0) throw new IngestError('INGEST_BAD_OPTION', `quarantine_capacity must be a non-negative integer, got ${String(cap)}`);
    this.#max_payload_bytes = max;
    this.#capacity = cap;
    this.#rejected = Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>;
  }

  /** A validated message, or undefined when rejected (counted and quarantined). Never throws. */
  accept(topic: string, payload: string | Buffer | Uint8Array, received_ms: number): DeviceMessage | undefined {
    let outcome: DeviceMessage | Rejection;
    try {
      outcome = this.#validate(topic, payload, received_ms);
    } catch (err) {
      outcome = { reason: 'internal', detail: safeString(err) };
    }
    if ('reason' in outcome) {
      this.#reject(topic, payload, received_ms, outcome);
      return undefined;
    }
    this.#accepted++;
    return outcome;
  }

  stats(): IngestStats {
    let rejected_total = 0;
    for (const r of REJECT_REASONS) rejected_total += this.#rejected[r];
    return { accepted: this.#accepted, rejected: { ...this.#rejected }, total: this.#accepted + rejected_total };
  }

  /** Quarantined rejections, oldest first (at most `quarantine_capacity`). */
  quarantine(): readonly QuarantineEntry[] {
    return [...this.#ring.slice(this.#start), ...this.#ring.slice(0, this.#start)];
  }

  /** Counters and the quarantine (oldest first) as plain data (platform/store snapshots). */
  saveState(): IngestState {
    return structuredClone({ accepted: this.#accepted, rejected: this.#rejected, quarantine: this.quarantine() as QuarantineEntry[] });
  }

  /** Replaces this (fresh) ingest's counters and quarantine with saved ones. */
  loadState(state: IngestState): void {
    this.#accepted = state.accepted;
    for (const r of REJECT_REASONS) this.#rejected[r] = state.rejected[r] ?? 0;
    this.#ring.length = 0;
    const kept = structuredClone(state.quarantine);
    if (this.#capacity > 0) this.#ring.push(...kept.slice(-this.#capacity));
    this.#start = 0;
  }

  #validate(topic: unknown, payload: unknown, received_ms: number): DeviceMessage | Rejection {
    // Size first: a huge payload is refused before any work (decoding, parsing) is spent on it.
    let bytes: number;
    if (typeof payload === 'string') {
      // Every UTF-16 unit encodes to at least one byte, so a long string is oversized without counting.
      bytes = payload.length > this.#max_payload_bytes ? payload.length : Buffer.byteLength(payload, 'utf8');
    } else if (payload instanceof Uint8Array) {
      bytes = payload.byteLength;
    } else {
      return { reason: 'bad_encoding', detail: `payload is ${payload === null ? 'null' : typeof payload}, not text or bytes` };
    }
    if (bytes > this.#max_payload_bytes) return { reason: 'oversized', detail: `${bytes} bytes > ${this.#max_payload_bytes}` };

    if (typeof topic !== 'string' || topic.length > MAX_TOPIC_CHARS) return { reason: 'bad_topic', detail: 'not an MQTT topic' };
    const parsed = parseDeviceTopic(topic);
    if (!parsed) return { reason: 'bad_topic', detail: 'not msp/v1/<site>/<device>/<class>' };
    const schema = PAYLOAD_SCHEMAS[parsed.message_class];
    if (!schema) return { reason: 'unsupported_class', detail: `no payload schema for ${parsed.message_class}` };

    let text: string;
    if (typeof payload === 'string') {
      // As many UTF-8 bytes as UTF-16 units means every unit is ASCII (a surrogate, paired or
      // not, encodes to 3 or 4 bytes), so the surrogate scan can be skipped.
      if (bytes !== payload.length && LONE_SURROGATE.test(payload)) return { reason: 'bad_encoding', detail: 'unpaired UTF-16 surrogate' };
      text = payload;
    } else {
      try {
        text = strictUtf8.decode(payload as Uint8Array);
      } catch {
        return { reason: 'bad_encoding', detail: 'invalid UTF-8' };
      }
    }

    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      // Includes RangeError from absurd nesting: still just bad JSON to us.
      return { reason: 'bad_json', detail: head(safeString(err), QUARANTINE_TEXT_CHARS) };
    }

    // The Standard Schema entry point reports issues without building a ZodError (an Error with
    // a captured stack): a flood of malformed payloads stays cheap to reject.
    const result = schema['~standard'].validate(json);
    if (result instanceof Promise) return { reason: 'internal', detail: 'asynchronous schema' };
    if (result.issues) {
      const issue = result.issues[0];
      const path = issue?.path ? issue.path.map((p) => String(typeof p === 'object' ? p.key : p)).join('.') : '';
      return { reason: 'schema', detail: head(`${path || '(root)'}: ${issue?.message ?? 'invalid'}`, QUARANTINE_TEXT_CHARS) };
    }
    const data = result.value as { id: string };
    if (data.id !== parsed.device_id) return { reason: 'id_mismatch', detail: head(`payload id ${data.id} on topic of ${parsed.device_id}`, QUARANTINE_TEXT_CHARS) };

    // The schema for the class guarantees the payload's shape; the union cannot be narrowed
    // generically, hence the cast.
    // The device id is the payload's own string (equal to the topic's, checked above) rather than
    // the topic's slice: V8 keeps a slice as a view of the whole topic, so every place that keeps
    // a device id (registry records, monitor keys, heap entries) kept a whole topic string alive.
    const msg = { type: parsed.message_class, device_id: data.id, site_id: parsed.site_id, received_ms, payload: result.value } as DeviceMessage;
    const refused = this.#admit?.(msg);
    if (refused !== undefined) return { reason: refused.reason, detail: head(refused.detail, QUARANTINE_TEXT_CHARS) };
    return msg;
  }

  #reject(topic: unknown, payload: unknown, received_ms: number, rejection: Rejection): void {
    this.#rejected[rejection.reason]++;
    if (this.#capacity === 0) return;
    let entry: QuarantineEntry;
    try {
      entry = {
        at_ms: received_ms,
        reason: rejection.reason,
        topic: typeof topic === 'string' ? head(topic, QUARANTINE_TEXT_CHARS) : safeString(topic),
        payload_head: payloadHead(payload),
        detail: rejection.detail,
      };
    } catch {
      entry = { at_ms: received_ms, reason: rejection.reason, topic: '', payload_head: '', detail: rejection.detail };
    }
    if (this.#ring.length < this.#capacity) {
      this.#ring.push(entry);
    } else {
      this.#ring[this.#start] = entry;
      this.#start = (this.#start + 1) % this.#capacity;
    }
  }
}

function payloadHead(payload: unknown): string {
  if (typeof payload === 'string') return head(payload, QUARANTINE_TEXT_CHARS);
  if (payload instanceof Uint8Array) {
    // Decode only a prefix: 4 bytes per character covers the worst case of UTF-8.
    const prefix = payload.subarray(0, QUARANTINE_TEXT_CHARS * 4);
    return head(lenientUtf8.decode(prefix), QUARANTINE_TEXT_CHARS);
  }
  return '';
}

function safeString(value: unknown): string {
  try {
    if (value instanceof Error) return head(value.message, QUARANTINE_TEXT_CHARS);
    return head(String(value), QUARANTINE_TEXT_CHARS);
  } catch {
    return '(unprintable)';
  }
}
