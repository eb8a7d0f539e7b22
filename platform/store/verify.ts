import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { PlatformOptions } from '../core/platform.ts';
import { decodeState } from '../core/state-codec.ts';
import { DurablePlatform } from './durable.ts';
import { SqliteStore, STORE_FILE, chunkChecksum, decodeChunk, storeFailure } from './sqlite-store.ts';
import { STORE_SCHEMA_VERSION, StoreError, checksum, type StoreErrorCode } from './store.ts';

export interface VerifyReport {
  readonly ok: boolean;
  readonly location: string;
  readonly records: number;
  readonly snapshots: number;
  readonly last_seq: number;
  /** The newest snapshot recovery would start from, and what it would replay after it. */
  readonly snapshot_seq: number | null;
  readonly replayed_inputs: number;
  /** False for a simulator's store: its platform was built from a scenario verify cannot rebuild, so only the structure is checked. */
  readonly replay_checked: boolean;
  /** The first thing wrong, with its stable code; null when the store is sound. */
  readonly problem: { readonly code: StoreErrorCode; readonly message: string } | null;
}

/**
 * `msp-twin platform verify --data DIR`: everything a start would check — SQLite's integrity, the
 * schema version, every snapshot's and record's checksum, no gap after the newest snapshot — and
 * then the recovery itself (snapshot restored, journal tail replayed and each replayed decision
 * compared with the journal), on a read-only connection. `options` must be the ones the platform
 * runs with (its firmware catalog): a replay under another catalog decides differently.
 */
export function verifyStore(dir: string, options: Omit<PlatformOptions, 'journal' | 'recorder'> = {}): VerifyReport {
  let store: SqliteStore | undefined;
  let counts = { records: 0, snapshots: 0, last_seq: 0 };
  try {
    store = new SqliteStore(dir, { readonly: true });
    const s = store.stats();
    counts = { records: s.records, snapshots: s.snapshots, last_seq: s.last_seq };
    checkAllSnapshots(store.database, dir);
    checkAuditLog(store.database, dir);
    if (store.writer === 'simulator') {
      const loaded = store.load();
      if (loaded.snapshot) decodeState(loaded.snapshot.body);
      for (const r of loaded.tail) JSON.parse(r.body);
      return { ok: true, location: dir, ...counts, snapshot_seq: loaded.snapshot?.seq ?? null, replayed_inputs: loaded.tail.filter((r) => r.kind.startsWith('in.')).length, replay_checked: false, problem: null };
    }
    const durable = DurablePlatform.openWith(store, options, () => {});
    return { ok: true, location: dir, ...counts, snapshot_seq: durable.recovery.snapshot_seq, replayed_inputs: durable.recovery.replayed_inputs, replay_checked: true, problem: null };
  } catch (err) {
    const e = err instanceof StoreError ? err : storeFailure(err, dir);
    return { ok: false, location: dir, ...counts, snapshot_seq: null, replayed_inputs: 0, replay_checked: false, problem: { code: e.code, message: e.message } };
  } finally {
    store?.close();
  }
}

function checkAllSnapshots(db: Database.Database, dir: string): void {
  for (const s of db.prepare('SELECT seq, at_ms, body, sum FROM snapshots ORDER BY seq').iterate() as IterableIterator<{ seq: number; at_ms: number; body: string; sum: string }>) {
    if (checksum(s.seq, s.at_ms, 'snapshot', s.body) !== s.sum) throw new StoreError('STORE_SNAPSHOT_CORRUPT', `${dir}: the snapshot at journal record ${s.seq} fails its checksum`);
  }
}

function checkAuditLog(db: Database.Database, dir: string): void {
  for (const a of db.prepare('SELECT seq, at_ms, kind, body, sum FROM audit ORDER BY seq').iterate() as IterableIterator<{ seq: number; at_ms: number; kind: string; body: string; sum: string }>) {
    if (checksum(a.seq, a.at_ms, a.kind, a.body) !== a.sum) throw new StoreError('STORE_RECORD_CORRUPT', `${dir}: audit record ${a.seq} (${a.kind}) fails its checksum; --repair drops it and everything after it`);
  }
}

export interface RepairReport {
  /** Journal records kept (the good prefix) and dropped (the torn or damaged tail). */
  readonly kept_records: number;
  readonly dropped_records: number;
  readonly kept_snapshots: number;
  readonly dropped_snapshots: number;
  /** Where the damaged file was moved (kept for forensics). */
  readonly damaged_copy: string;
}

interface ChunkRow {
  seq: number;
  last: number;
  body: string;
  sum: string;
}

interface AuditRow {
  seq: number;
  at_ms: number;
  kind: string;
  body: string;
  sum: string;
}

interface SnapshotRow {
  seq: number;
  at_ms: number;
  body: string;
  sum: string;
}

/**
 * Drops the torn tail: copies the store's good prefix — journal rows (one per commit) in seq order
 * up to the first one that fails its checksum, is missing, or cannot be read; snapshots that pass
 * their checksum and lie within that prefix; the audit records within it — into a new database,
 * and keeps the damaged file next to it. What is dropped was committed once: docs/durability.md
 * says what that means and when to do it.
 */
export function repairStore(dir: string): RepairReport {
  const file = join(dir, STORE_FILE);
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: 0 });
  } catch (err) {
    throw storeFailure(err, dir);
  }
  const chunks: ChunkRow[] = [];
  const snapshots: SnapshotRow[] = [];
  const audit: AuditRow[] = [];
  let total_records = -1;
  let total_snapshots = 0;
  try {
    const version = Number((db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined)?.value);
    if (version > STORE_SCHEMA_VERSION) throw new StoreError('STORE_NEWER_SCHEMA', `${file} was written by a newer msp-twin (schema ${version}); repair it with that version`);
    if (version < STORE_SCHEMA_VERSION) throw new StoreError('STORE_OLDER_SCHEMA', `${file} has store schema ${version}; start the platform on it once (it migrates the store), then verify and repair`);
    try {
      total_records = (db.prepare('SELECT COALESCE(SUM(last - seq + 1), 0) AS n FROM journal').get() as { n: number }).n;
    } catch {
      // unreadable: counted from the prefix below
    }
    try {
      for (const c of db.prepare('SELECT seq, last, body, sum FROM journal ORDER BY seq').iterate() as IterableIterator<ChunkRow>) {
        if (chunkChecksum(c.seq, c.last, c.body) !== c.sum || decodeChunk(c.seq, c.last, c.body) === null) break;
        chunks.push(c);
      }
    } catch {
      // unreadable from here on: the prefix read so far is what is kept
    }
    try {
      for (const s of db.prepare('SELECT seq, at_ms, body, sum FROM snapshots ORDER BY seq').iterate() as IterableIterator<SnapshotRow>) {
        total_snapshots++;
        if (checksum(s.seq, s.at_ms, 'snapshot', s.body) !== s.sum) continue;
        try {
          decodeState(s.body);
        } catch {
          continue;
        }
        snapshots.push(s);
      }
    } catch {
      // as above
    }
    try {
      for (const a of db.prepare('SELECT seq, at_ms, kind, body, sum FROM audit ORDER BY seq').iterate() as IterableIterator<AuditRow>) {
        if (checksum(a.seq, a.at_ms, a.kind, a.body) === a.sum) audit.push(a);
      }
    } catch {
      // as above
    }
  } finally {
    db.close();
  }
  const records_in = (cs: readonly ChunkRow[]): number => cs.reduce((n, c) => n + c.last - c.seq + 1, 0);
  if (total_records < 0) total_records = records_in(chunks);
  // Cut the journal at the first gap after the newest usable snapshot.
  const last_good = chunks[chunks.length - 1]?.last ?? 0;
  const usable = snapshots.filter((s) => s.seq <= last_good || chunks.length === 0);
  const base = usable[usable.length - 1]?.seq ?? 0;
  let kept = chunks.filter((c) => c.last <= base);
  let expect = base + 1;
  for (const c of chunks) {
    if (c.last <= base) continue;
    if (c.seq > expect) break;
    kept.push(c);
    expect = c.last + 1;
  }
  if (usable.length === 0 && chunks.length > 0 && chunks[0]!.seq !== 1) {
    // No snapshot to start from and the journal's head is gone: nothing can be replayed.
    kept = [];
    expect = 1;
  }
  const end = expect - 1;
  const kept_snapshots = usable.filter((s) => s.seq <= end);
  const kept_audit = audit.filter((a) => a.seq <= end);
  // Build the repaired store beside the damaged one, then swap them.
  const work = join(dir, '.repair');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work);
  const fresh = new SqliteStore(work, { writer: writerOf(file) });
  fresh.close();
  const out = new Database(join(work, STORE_FILE));
  try {
    out.transaction(() => {
      const ins = out.prepare('INSERT INTO journal (seq, last, body, sum) VALUES (?, ?, ?, ?)');
      for (const c of kept) ins.run(c.seq, c.last, c.body, c.sum);
      const aud = out.prepare('INSERT INTO audit (seq, at_ms, kind, body, sum) VALUES (?, ?, ?, ?, ?)');
      for (const a of kept_audit) aud.run(a.seq, a.at_ms, a.kind, a.body, a.sum);
      const snap = out.prepare('INSERT INTO snapshots (seq, at_ms, body, sum) VALUES (?, ?, ?, ?)');
      for (const s of kept_snapshots) snap.run(s.seq, s.at_ms, s.body, s.sum);
    })();
    out.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    out.close();
  }
  let n = 1;
  while (existsSync(join(dir, `${STORE_FILE}.damaged-${n}`))) n++;
  const damaged_copy = join(dir, `${STORE_FILE}.damaged-${n}`);
  renameSync(file, damaged_copy);
  for (const ext of ['-wal', '-shm']) if (existsSync(file + ext)) renameSync(file + ext, damaged_copy + ext);
  renameSync(join(work, STORE_FILE), file);
  rmSync(work, { recursive: true, force: true });
  const kept_records = records_in(kept);
  return {
    kept_records,
    dropped_records: Math.max(0, total_records - kept_records),
    kept_snapshots: kept_snapshots.length,
    dropped_snapshots: total_snapshots - kept_snapshots.length,
    damaged_copy,
  };
}

function writerOf(file: string): 'service' | 'simulator' {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true, timeout: 0 });
    try {
      return (db.prepare("SELECT value FROM meta WHERE key = 'writer'").get() as { value: string } | undefined)?.value === 'simulator' ? 'simulator' : 'service';
    } finally {
      db.close();
    }
  } catch {
    return 'service';
  }
}
