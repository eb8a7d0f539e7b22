/**
 * The platform's durable store: an append-only journal of what happened to the platform — its
 * inputs (`in.*`: steps, messages, ticks, operator actions) and the decisions they produced (the
 * same `p.*` records the trace journals) — committed in batches, plus periodic snapshots of its
 * whole state. Recovery loads the newest snapshot and replays the inputs after it, checking that
 * the replay decides exactly what the journal says was decided (docs/durability.md).
 *
 * Two implementations share this interface: SQLite in WAL mode (`sqlite-store.ts`, a directory on
 * disk) and memory (`memory-store.ts`, which outlives a platform object inside one process, so a
 * simulated restart has a store to come back from).
 */
import { createHash } from 'node:crypto';
import { MspError } from '../../common/errors.ts';

/** Bumped when the layout or the meaning of records changes; a newer store is refused. */
export const STORE_SCHEMA_VERSION = 2;

/** Decisions kept past compaction: the rollout audit log is a record an MSP must keep. */
export const RETAINED_KINDS: readonly string[] = ['p.rollout'];

export interface StoredRecord {
  readonly seq: number;
  readonly at_ms: number;
  readonly kind: string;
  readonly body: string;
}

export interface StoredSnapshot {
  /** The journal seq the snapshot includes everything up to. */
  readonly seq: number;
  readonly at_ms: number;
  readonly body: string;
}

export interface LoadedStore {
  readonly snapshot: StoredSnapshot | null;
  /** Every journal record after the snapshot, in seq order (checked: no gap, checksums match). */
  readonly tail: readonly StoredRecord[];
}

export interface StoreStats {
  readonly records: number;
  readonly snapshots: number;
  readonly last_seq: number;
  readonly bytes: number;
}

export interface PlatformStore {
  /** Where it lives: a directory, or `memory`. */
  readonly location: string;
  /** The newest snapshot and the journal after it; throws StoreError on anything it cannot trust. */
  load(): LoadedStore;
  /** Stages one record; nothing is durable before `commit`. */
  append(at_ms: number, kind: string, body: string): void;
  /** Makes everything staged durable, atomically; returns the last committed seq. */
  commit(): number;
  /** Records staged and not yet committed. */
  readonly staged: number;
  /** Seq of the last committed record (0 when none). */
  readonly last_seq: number;
  /** Commits what is staged, then stores a snapshot of the state as of `last_seq`. */
  writeSnapshot(at_ms: number, body: string): void;
  /** Keeps the newest `keep_snapshots` snapshots and the journal from the oldest of them on (plus RETAINED_KINDS). */
  compact(keep_snapshots: number): void;
  /** The rollout audit log (every `p.rollout` record still held), in seq order. */
  auditLog(): StoredRecord[];
  stats(): StoreStats;
  /** Releases the store (and its lock); anything staged is dropped, as a crash would. */
  close(): void;
}

export type StoreErrorCode =
  | 'STORE_LOCKED'
  | 'STORE_NEWER_SCHEMA'
  | 'STORE_NOT_A_STORE'
  | 'STORE_OLDER_SCHEMA'
  | 'STORE_CORRUPT'
  | 'STORE_RECORD_CORRUPT'
  | 'STORE_JOURNAL_GAP'
  | 'STORE_SNAPSHOT_CORRUPT'
  | 'STORE_REPLAY_DIVERGED'
  | 'STORE_IO';

/** A store refused at start (or failing at run time). The message says what to do. */
export class StoreError extends MspError {
  declare readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string) {
    super(code, message);
    this.name = 'StoreError';
  }
}

/** The checksum kept with every record and snapshot (first 16 hex digits of SHA-256). */
export function checksum(seq: number, at_ms: number, kind: string, body: string): string {
  return createHash('sha256').update(`${seq}\u0000${at_ms}\u0000${kind}\u0000`).update(body).digest('hex').slice(0, 16);
}

/** Checks that a tail follows `after` with no gap; throws STORE_JOURNAL_GAP naming the hole. */
export function checkContiguous(records: readonly StoredRecord[], after: number, where: string): void {
  let expect = after + 1;
  for (const r of records) {
    if (r.seq !== expect) {
      throw new StoreError('STORE_JOURNAL_GAP', `${where}: journal record ${expect} is missing (next is ${r.seq}); the journal after the snapshot must be complete. Run \`msp-twin platform verify --data DIR --repair\` to drop everything from the gap on`);
    }
    expect++;
  }
}
