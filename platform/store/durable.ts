import { createHash } from 'node:crypto';
import type { Journal } from '../core/model.ts';
import { Platform, type InputRecorder, type PlatformInput, type PlatformOptions, type PlatformState } from '../core/platform.ts';
import { decodeState, encodeState } from '../core/state-codec.ts';
import { StoreError, type PlatformStore, type StoredRecord } from './store.ts';

/** Snapshot cadence in platform time (a snapshot bounds how much journal a restart replays). */
export const DEFAULT_SNAPSHOT_EVERY_MS = 3_600_000;
/** Snapshots kept; the journal is kept from the oldest of them on, so one bad snapshot has a fallback. */
export const DEFAULT_KEEP_SNAPSHOTS = 2;

export interface DurabilityOptions {
  readonly snapshot_every_ms?: number;
  readonly keep_snapshots?: number;
}

/** What a start from the store found. */
export interface Recovery {
  /** Journal seq of the snapshot restored from, or null when the store had none. */
  readonly snapshot_seq: number | null;
  readonly snapshot_at_ms: number | null;
  /** Inputs replayed after the snapshot. */
  readonly replayed_inputs: number;
  /** Decisions re-made by the replay, each checked against the journal. */
  readonly replayed_decisions: number;
}

interface SnapshotBody {
  readonly format: 'msp-twin/platform-state';
  readonly platform: PlatformState;
  /** Digests of the latest messages applied, to recognise a broker's redelivery of one (see `seen`). */
  readonly recent?: readonly string[];
}

/** How many applied messages are remembered for redelivery detection. */
export const RECENT_MESSAGES = 256;

function messageDigest(topic: string, payload: string | Uint8Array): string {
  return createHash('sha1').update(topic).update('\u0000').update(payload).digest('base64');
}

/** A message as the platform took it (its payload as the input records it). */
interface RecentMessage {
  readonly topic: string;
  readonly payload: string | { readonly b64: string };
}

function digestOf(entry: string | RecentMessage): string {
  if (typeof entry === 'string') return entry;
  return messageDigest(entry.topic, typeof entry.payload === 'string' ? entry.payload : Buffer.from(entry.payload.b64, 'base64'));
}

const INPUT_PREFIX = 'in.';

/** An input as journal text: messages keep only what the platform reads (topic, payload). */
function inputBody(input: PlatformInput): string {
  // Plain JSON (key order fixed by this code): inputs and decisions hold no non-finite numbers,
  // and this is the hot path. Snapshots use the canonical encoder.
  if (input.op === 'step') return JSON.stringify({ op: 'step', step_end_ms: input.step_end_ms, messages: input.messages.map((m) => ({ topic: m.topic, payload: m.payload, t_ms: m.t_ms })) });
  return JSON.stringify(input);
}

function inputTime(input: PlatformInput): number {
  switch (input.op) {
    case 'step':
      return input.step_end_ms;
    case 'receive':
      return input.received_ms;
    case 'tick':
      return input.now_ms;
    case 'link':
      return input.at_ms;
    default:
      return input.command.at_ms;
  }
}

/**
 * Makes a Platform durable: every input it takes and every decision it makes are staged in the
 * store; `commit()` makes them durable together (the caller acknowledges what it applied only
 * after that: the broker's QoS 1 acks, the API's responses), and takes a snapshot when one is due.
 * `open()` builds the platform back from the store: newest snapshot, then the journal's tail
 * replayed input by input, each replayed decision compared with the journalled one.
 */
export class DurablePlatform {
  readonly store: PlatformStore;
  readonly platform: Platform;
  readonly recovery: Recovery;
  readonly #snapshot_every_ms: number;
  readonly #keep_snapshots: number;
  #last_snapshot_ms: number | null;
  #replay: { expected: readonly StoredRecord[]; at: number } | null = null;
  #in_input = false;
  /** The latest applied messages, oldest first (a ring): digests from a snapshot, or the messages themselves. */
  readonly #recent: Array<string | RecentMessage> = [];
  #recent_next = 0;
  /** Digests of `#recent`, built only when a redelivery asks (rare), dropped when the ring moves. */
  #recent_digests: Set<string> | null = null;

  private constructor(store: PlatformStore, options: DurabilityOptions, build: (journal: Journal, recorder: InputRecorder) => Platform, downstream: Journal) {
    this.store = store;
    this.#snapshot_every_ms = options.snapshot_every_ms ?? DEFAULT_SNAPSHOT_EVERY_MS;
    this.#keep_snapshots = Math.max(1, options.keep_snapshots ?? DEFAULT_KEEP_SNAPSHOTS);
    const loaded = store.load();
    const journal: Journal = (at_ms, kind, fields) => {
      if (this.#replay !== null) {
        this.#checkReplayed(at_ms, kind, fields);
        return;
      }
      // Decisions outside any input (computing a report journals it) are not replayable facts.
      if (this.#in_input) store.append(at_ms, kind, JSON.stringify(fields));
      downstream(at_ms, kind, fields);
    };
    const recorder: InputRecorder = {
      input: (input) => {
        if (input.op === 'receive') this.#remember({ topic: input.topic, payload: input.payload });
        if (this.#replay !== null) return;
        store.append(inputTime(input), INPUT_PREFIX + input.op, inputBody(input));
        this.#in_input = true;
      },
      done: (input) => {
        if (this.#replay !== null) return;
        this.#in_input = false;
        // An operator action is acknowledged to the operator: it is committed at once.
        // So is the platform's own link change: a restart must not forget it was blind.
        if (input.op === 'enqueue' || input.op === 'operate' || input.op === 'link') this.commit();
      },
    };
    const platform = build(journal, recorder);
    let replayed_inputs = 0;
    let replayed_decisions = 0;
    if (loaded.snapshot !== null) {
      let body: SnapshotBody;
      try {
        body = decodeState<SnapshotBody>(loaded.snapshot.body);
      } catch (err) {
        throw new StoreError('STORE_SNAPSHOT_CORRUPT', `${store.location}: the snapshot at journal record ${loaded.snapshot.seq} is not readable (${err instanceof Error ? err.message : String(err)})`);
      }
      if (body.format !== 'msp-twin/platform-state') throw new StoreError('STORE_SNAPSHOT_CORRUPT', `${store.location}: the snapshot at journal record ${loaded.snapshot.seq} is not a platform state`);
      platform.restore(body.platform);
      for (const d of body.recent ?? []) this.#remember(d);
    }
    // Replay: each input, then exactly the decisions the journal holds after it.
    const tail = loaded.tail;
    for (let i = 0; i < tail.length; ) {
      const rec = tail[i]!;
      if (!rec.kind.startsWith(INPUT_PREFIX)) {
        throw new StoreError('STORE_REPLAY_DIVERGED', `${store.location}: journal record ${rec.seq} is a decision (${rec.kind}) with no input before it`);
      }
      let j = i + 1;
      while (j < tail.length && !tail[j]!.kind.startsWith(INPUT_PREFIX)) j++;
      const input = decodeInput(rec, store.location);
      this.#replay = { expected: tail.slice(i + 1, j), at: 0 };
      platform.replay(input);
      const left = this.#replay.expected.length - this.#replay.at;
      if (left > 0) {
        const missing = this.#replay.expected[this.#replay.at]!;
        throw new StoreError('STORE_REPLAY_DIVERGED', `${store.location}: replaying journal record ${rec.seq} did not make decision ${missing.seq} (${missing.kind}) again; the store and this platform version disagree`);
      }
      replayed_decisions += this.#replay.expected.length;
      this.#replay = null;
      // What was decided but not yet sent before the crash is dropped: see docs/durability.md.
      platform.drainCommands();
      replayed_inputs++;
      i = j;
    }
    this.#replay = null;
    this.platform = platform;
    this.#last_snapshot_ms = loaded.snapshot?.at_ms ?? null;
    this.recovery = { snapshot_seq: loaded.snapshot?.seq ?? null, snapshot_at_ms: loaded.snapshot?.at_ms ?? null, replayed_inputs, replayed_decisions };
  }

  /**
   * Opens the platform from `store`: `build` makes a fresh platform with the journal and recorder
   * it is given (pass them into PlatformOptions); decisions made live go on to `downstream`.
   */
  static open(store: PlatformStore, build: (journal: Journal, recorder: InputRecorder) => Platform, downstream: Journal, options: DurabilityOptions = {}): DurablePlatform {
    return new DurablePlatform(store, options, build, downstream);
  }

  /** Convenience: `open` with the options a Platform is normally built from. */
  static openWith(store: PlatformStore, options: Omit<PlatformOptions, 'journal' | 'recorder'>, downstream: Journal, durability: DurabilityOptions = {}): DurablePlatform {
    return DurablePlatform.open(store, (journal, recorder) => new Platform({ ...options, journal, recorder }), downstream, durability);
  }

  /**
   * Makes every input applied so far and its decisions durable (one transaction), then writes a
   * snapshot if `snapshot_every_ms` of platform time has passed since the last. Returns the last
   * committed seq.
   */
  commit(): number {
    const seq = this.store.commit();
    const now = this.platform.now_ms;
    if (this.#last_snapshot_ms === null) this.#last_snapshot_ms = now;
    else if (now - this.#last_snapshot_ms >= this.#snapshot_every_ms) this.snapshot();
    return seq;
  }

  /** Writes a snapshot now (and compacts): between inputs only. */
  snapshot(): void {
    const body: SnapshotBody = { format: 'msp-twin/platform-state', platform: this.platform.snapshot(), recent: this.#recentInOrder().map(digestOf) };
    this.store.writeSnapshot(this.platform.now_ms, encodeState(body));
    this.store.compact(this.#keep_snapshots);
    this.#last_snapshot_ms = this.platform.now_ms;
  }

  /**
   * True when this exact message (topic and payload) is among the latest applied: a QoS 1
   * redelivery (DUP) of a message committed just before a crash, whose PUBACK never left. The
   * caller acknowledges it without applying it again. Device messages carry their own seq and ts,
   * so two genuinely different messages are never byte-identical.
   */
  seen(topic: string, payload: string | Uint8Array): boolean {
    this.#recent_digests ??= new Set(this.#recent.map(digestOf));
    return this.#recent_digests.has(messageDigest(topic, payload));
  }

  /**
   * Remembers an applied message. The hot path only stores a reference in the ring; digests are
   * computed when a redelivery is checked or a snapshot is written, both rare.
   */
  #remember(entry: string | RecentMessage): void {
    if (this.#recent.length < RECENT_MESSAGES) this.#recent.push(entry);
    else this.#recent[this.#recent_next] = entry;
    this.#recent_next = (this.#recent_next + 1) % RECENT_MESSAGES;
    this.#recent_digests = null;
  }

  #recentInOrder(): Array<string | RecentMessage> {
    return this.#recent.length < RECENT_MESSAGES ? [...this.#recent] : [...this.#recent.slice(this.#recent_next), ...this.#recent.slice(0, this.#recent_next)];
  }

  #checkReplayed(at_ms: number, kind: string, fields: Record<string, unknown>): void {
    const r = this.#replay!;
    const want = r.expected[r.at];
    const body = JSON.stringify(fields);
    if (want === undefined || want.kind !== kind || want.at_ms !== at_ms || want.body !== body) {
      const where = want === undefined ? 'an extra decision' : `record ${want.seq} (${want.kind} at ${want.at_ms})`;
      throw new StoreError('STORE_REPLAY_DIVERGED', `${this.store.location}: the replay decided ${kind} at ${at_ms} where the journal has ${where}; the store and this platform version disagree`);
    }
    r.at++;
  }
}

function decodeInput(rec: StoredRecord, location: string): PlatformInput {
  try {
    return decodeState<PlatformInput>(rec.body);
  } catch (err) {
    throw new StoreError('STORE_RECORD_CORRUPT', `${location}: journal record ${rec.seq} (${rec.kind}) is not readable (${err instanceof Error ? err.message : String(err)})`);
  }
}
