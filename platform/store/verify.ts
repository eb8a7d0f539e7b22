import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { PlatformOptions } from '../core/platform.ts';
import { decodeState } from '../core/state-codec.ts';
import { DurablePlatform } from './durable.ts';
import { SqliteStore, STORE_FILE, storeFailure } from './sqlite-store.ts';
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

export interface RepairReport {
  /** Journal records kept (the good prefix) and dropped (the torn or damaged tail). */
  readonly kept_records: number;
  readonly dropped_records: number;
  readonly kept_snapshots: number;
  readonly dropped_snapshots: number;
  /** Where the damaged file was moved (kept for forensics). */
  readonly damaged_copy: string;
}

interface Row {
  seq: number;
  at_ms: number;
  kind: string;
  body: string;
  sum: string;
}

/**
 * Drops the torn tail: copies the store's good prefix — records in seq order up to the first one
 * that fails its checksum, is missing, or cannot be read; snapshots that pass their checksum and
 * lie within that prefix — into a new database, and keeps the damaged file next to it. What is
 * dropped was committed once: docs/durability.md says what that means and when to do it.
 */
export function repairStore(dir: string): RepairReport {
  const file = join(dir, STORE_FILE);
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: 0 });
  } catch (err) {
    throw storeFailure(err, dir);
  }
  const records: Row[] = [];
  const snapshots: Row[] = [];
  let total_records = 0;
  let total_snapshots = 0;
  try {
    const version = Number((db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined)?.value);
    if (version > STORE_SCHEMA_VERSION) throw new StoreError('STORE_NEWER_SCHEMA', `${file} was written by a newer msp-twin (schema ${version}); repair it with that version`);
    try {
      total_records = (db.prepare('SELECT COUNT(*) AS n FROM journal').get() as { n: number }).n;
    } catch {
      total_records = -1;
    }
    // Records: the retained audit records before the first snapshot are not contiguous, so the
    // prefix is "every readable, checksummed record up to the first damage after the last snapshot".
    try {
      for (const r of db.prepare('SELECT seq, at_ms, kind, body, sum FROM journal ORDER BY seq').iterate() as IterableIterator<Row>) {
        if (checksum(r.seq, r.at_ms, r.kind, r.body) !== r.sum) break;
        records.push(r);
      }
    } catch {
      // unreadable from here on: the prefix read so far is what is kept
    }
    try {
      for (const s of db.prepare('SELECT seq, at_ms, body, sum FROM snapshots ORDER BY seq').iterate() as IterableIterator<Omit<Row, 'kind'>>) {
        total_snapshots++;
        if (checksum(s.seq, s.at_ms, 'snapshot', s.body) !== s.sum) continue;
        try {
          decodeState(s.body);
        } catch {
          continue;
        }
        snapshots.push({ ...s, kind: 'snapshot' });
      }
    } catch {
      // as above
    }
  } finally {
    db.close();
  }
  // Cut the records at the first gap after the newest usable snapshot.
  const usable = snapshots.filter((s) => s.seq <= (records[records.length - 1]?.seq ?? 0) || records.length === 0);
  let base = usable[usable.length - 1]?.seq ?? 0;
  let kept = records.filter((r) => r.seq <= base);
  let expect = base + 1;
  for (const r of records) {
    if (r.seq <= base) continue;
    if (r.seq !== expect) break;
    kept.push(r);
    expect++;
  }
  if (usable.length === 0 && records.length > 0 && records[0]!.seq !== 1) {
    // No snapshot to start from and the journal's head is gone: nothing can be replayed.
    kept = [];
    base = 0;
  }
  const kept_snapshots = usable.filter((s) => s.seq <= expect - 1);
  // Build the repaired store beside the damaged one, then swap them.
  const work = join(dir, '.repair');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work);
  const fresh = new SqliteStore(work, { writer: writerOf(file) });
  fresh.close();
  const out = new Database(join(work, STORE_FILE));
  try {
    out.transaction(() => {
      const ins = out.prepare('INSERT INTO journal (seq, at_ms, kind, body, sum) VALUES (?, ?, ?, ?, ?)');
      for (const r of kept) ins.run(r.seq, r.at_ms, r.kind, r.body, r.sum);
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
  return {
    kept_records: kept.length,
    dropped_records: Math.max(0, (total_records < 0 ? records.length : total_records) - kept.length),
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
