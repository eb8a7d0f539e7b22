import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import Database from 'better-sqlite3';
import { crashPoint } from './crash-points.ts';
import {
  RETAINED_KINDS,
  STORE_SCHEMA_VERSION,
  StoreError,
  checkContiguous,
  checksum,
  type LoadedStore,
  type PlatformStore,
  type StoreStats,
  type StoredRecord,
  type StoredSnapshot,
} from './store.ts';

/** WAL pages (4 KiB) between automatic checkpoints; see the constructor. */
export const WAL_CHECKPOINT_PAGES = 8_192;

/** The database file inside a `--data` directory. */
export const STORE_FILE = 'platform.db';

/** A journal row: a run of consecutive records committed together (one group commit). */
interface ChunkRow {
  seq: number;
  last: number;
  body: string;
  sum: string;
}

interface Staged {
  at_ms: number;
  kind: string;
  body: string;
}

/**
 * A chunk's text: one record a line, `at_ms TAB kind TAB body`. Record bodies are JSON texts,
 * which never hold a raw line break, and kinds are plain names, so no escaping is needed — the
 * hot path pays one join, one checksum and one row per commit instead of per record.
 */
export function encodeChunk(rows: readonly Staged[]): string {
  let text = '';
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (r.body.includes('\n') || r.kind.includes('\t') || r.kind.includes('\n')) {
      throw new StoreError('STORE_IO', `journal record ${r.kind}: a record's kind and body must not hold line breaks or tabs`);
    }
    text += (i === 0 ? '' : '\n') + `${r.at_ms}\t${r.kind}\t${r.body}`;
  }
  return text;
}

/** The records of a chunk that passed its checksum; null if its text is not a chunk of `last - seq + 1` records. */
export function decodeChunk(seq: number, last: number, text: string): StoredRecord[] | null {
  const lines = text.split('\n');
  if (lines.length !== last - seq + 1) return null;
  const out: StoredRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const a = line.indexOf('\t');
    const b = a < 0 ? -1 : line.indexOf('\t', a + 1);
    const at_ms = Number(line.slice(0, a));
    if (b < 0 || !Number.isFinite(at_ms)) return null;
    out.push({ seq: seq + i, at_ms, kind: line.slice(a + 1, b), body: line.slice(b + 1) });
  }
  return out;
}

/**
 * The checksum of a chunk (records `seq`..`last`): CRC-32 over its range and text. A chunk is the
 * hot path (one per commit, thousands a second); CRC-32 catches torn and flipped bytes as well as
 * a cryptographic hash would and costs a third of SHA-256. Snapshots and audit records, written
 * rarely, keep SHA-256 (`checksum`).
 */
export function chunkChecksum(seq: number, last: number, text: string): string {
  return `crc32:${crc32(text, crc32(`${seq}\u0000${last}\u0000`)).toString(16).padStart(8, '0')}`;
}

export interface SqliteStoreOptions {
  /** Open read-only (verify): no lock taken beyond SQLite's own, nothing created. */
  readonly readonly?: boolean;
  /**
   * `NORMAL` (default) commits survive a process crash (kill -9), which is what the platform
   * promises; `FULL` also survives power loss at the cost of an fsync per commit (docs/durability.md).
   */
  readonly synchronous?: 'NORMAL' | 'FULL';
  /**
   * Who writes the store, recorded when it is created: `service` (msp-twin platform) or
   * `simulator` (a run's platform, built with the scenario's topology, which verify cannot rebuild).
   */
  readonly writer?: 'service' | 'simulator';
}

function sqliteCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/** Maps SQLite's own failures onto the store's stable codes, with what to do about them. */
export function storeFailure(err: unknown, dir: string): StoreError {
  if (err instanceof StoreError) return err;
  const code = sqliteCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new StoreError('STORE_LOCKED', `${dir} is held by another running platform (its database is locked); stop that one, or give this one another --data directory`);
  }
  if (code === 'SQLITE_NOTADB') return new StoreError('STORE_NOT_A_STORE', `${join(dir, STORE_FILE)} is not a platform store (${message})`);
  if (code?.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_IOERR_SHORT_READ') {
    return new StoreError('STORE_CORRUPT', `${join(dir, STORE_FILE)} is damaged (${message}); run \`msp-twin platform verify --data ${dir}\`, and \`--repair\` to keep its good prefix`);
  }
  return new StoreError('STORE_IO', `${join(dir, STORE_FILE)}: ${message}`);
}

/**
 * The store as one SQLite database in WAL mode inside the data directory. One platform at a time:
 * the connection holds SQLite's exclusive lock for its whole life (the OS drops it when the process
 * dies, kill -9 included, so there is no stale lock file to clean up). Each commit is one
 * transaction writing one journal row — the chunk of records staged since the last commit — with
 * its checksum, checked when it is read back; records of RETAINED_KINDS are also copied into the
 * `audit` table in the same transaction, which compaction never touches.
 */
export class SqliteStore implements PlatformStore {
  readonly location: string;
  readonly #db: Database.Database;
  #staging: Staged[] = [];
  #last_seq = 0;
  readonly #commit_chunk: (rows: readonly Staged[]) => void;

  constructor(dir: string, options: SqliteStoreOptions = {}) {
    this.location = dir;
    const file = join(dir, STORE_FILE);
    try {
      if (!options.readonly) mkdirSync(dir, { recursive: true });
      else statSync(file);
    } catch (err) {
      throw new StoreError('STORE_IO', `${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    let opened: Database.Database | undefined;
    try {
      this.#db = opened = new Database(file, { timeout: 0, readonly: options.readonly === true, fileMustExist: options.readonly === true });
      if (!options.readonly) {
        this.#db.pragma('locking_mode = EXCLUSIVE');
        this.#db.pragma('journal_mode = WAL');
        this.#db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
        // A checkpoint (WAL pages copied back into the database) fsyncs even at NORMAL, and at the
        // default of every 1,000 pages it came every second or so at full ingest speed and cost
        // more than the commits. Every WAL_CHECKPOINT_PAGES pages (32 MiB of WAL) instead.
        this.#db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
        // Takes the exclusive lock now (refusing a second platform at start, not at its first write).
        this.#db.exec('BEGIN IMMEDIATE');
        this.#db.exec('COMMIT');
        this.#init(options.writer ?? 'service');
      }
      this.#checkSchema(dir, options.readonly === true);
      const integrity = this.#db.pragma('quick_check', { simple: true });
      if (integrity !== 'ok') throw new StoreError('STORE_CORRUPT', `${file} failed SQLite's integrity check (${String(integrity)}); run \`msp-twin platform verify --data ${dir} --repair\` to keep its good prefix`);
      this.#last_seq = (this.#db.prepare('SELECT COALESCE(MAX(last), 0) AS n FROM journal').get() as { n: number }).n;
    } catch (err) {
      // A refused store is let go at once: a connection left open would keep its lock.
      if (opened?.open) opened.close();
      throw storeFailure(err, dir);
    }
    const insert_chunk = this.#db.prepare('INSERT INTO journal (seq, last, body, sum) VALUES (?, ?, ?, ?)');
    const insert_audit = this.#db.prepare('INSERT INTO audit (seq, at_ms, kind, body, sum) VALUES (?, ?, ?, ?, ?)');
    this.#commit_chunk = this.#db.transaction((rows: readonly Staged[]) => {
      const first = this.#last_seq + 1;
      const last = this.#last_seq + rows.length;
      const text = encodeChunk(rows);
      insert_chunk.run(first, last, text, chunkChecksum(first, last, text));
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!;
        if (RETAINED_KINDS.includes(r.kind)) insert_audit.run(first + i, r.at_ms, r.kind, r.body, checksum(first + i, r.at_ms, r.kind, r.body));
      }
      crashPoint('commit', `records ${first}–${last}`);
    });
  }

  #init(writer: string): void {
    const version = this.#schemaVersion();
    if (version === 1) {
      migrateFromV1(this.#db);
      return;
    }
    // A store, or a database that is not one (refused by #checkSchema): never written to here.
    if (version !== null) return;
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY, last INTEGER NOT NULL, body TEXT NOT NULL, sum TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL, sum TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS snapshots (seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, body TEXT NOT NULL, sum TEXT NOT NULL);
    `);
    this.#db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run('schema_version', String(STORE_SCHEMA_VERSION));
    this.#db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run('writer', writer);
  }

  /** The version in meta; null for an empty database (a new store), NaN when there is no meta table. */
  #schemaVersion(): number | null {
    const has_meta = this.#db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get() !== undefined;
    if (!has_meta) {
      const tables = (this.#db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n;
      return tables === 0 ? null : Number.NaN;
    }
    const row = this.#db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
    return Number(row?.value);
  }

  #checkSchema(dir: string, readonly: boolean): void {
    let version: number | null;
    try {
      version = this.#schemaVersion();
    } catch (err) {
      if (sqliteCode(err) === 'SQLITE_ERROR') throw new StoreError('STORE_NOT_A_STORE', `${join(dir, STORE_FILE)} is an SQLite database but not a platform store (no meta table)`);
      throw err;
    }
    if (version === null || Number.isNaN(version)) throw new StoreError('STORE_NOT_A_STORE', `${join(dir, STORE_FILE)} is an SQLite database but not a platform store (no schema version)`);
    if (!Number.isInteger(version)) throw new StoreError('STORE_NOT_A_STORE', `${join(dir, STORE_FILE)} has no schema version`);
    if (version > STORE_SCHEMA_VERSION) {
      throw new StoreError('STORE_NEWER_SCHEMA', `${join(dir, STORE_FILE)} was written by a newer msp-twin (store schema ${version}; this one reads up to ${STORE_SCHEMA_VERSION}); run that version, or start on another --data directory`);
    }
    if (version < STORE_SCHEMA_VERSION && readonly) {
      throw new StoreError('STORE_OLDER_SCHEMA', `${join(dir, STORE_FILE)} has store schema ${version}; start the platform on it once (it is migrated to schema ${STORE_SCHEMA_VERSION} at start), then verify`);
    }
  }

  load(): LoadedStore {
    try {
      const snap = this.#db.prepare('SELECT seq, at_ms, body, sum FROM snapshots ORDER BY seq DESC LIMIT 1').get() as (StoredSnapshot & { sum: string }) | undefined;
      if (snap !== undefined && checksum(snap.seq, snap.at_ms, 'snapshot', snap.body) !== snap.sum) {
        throw new StoreError('STORE_SNAPSHOT_CORRUPT', `${this.location}: the snapshot at journal record ${snap.seq} fails its checksum; run \`msp-twin platform verify --data ${this.location} --repair\` to fall back to the one before it`);
      }
      const after = snap?.seq ?? 0;
      const chunks = this.#db.prepare('SELECT seq, last, body, sum FROM journal WHERE last > ? ORDER BY seq').all(after) as ChunkRow[];
      const tail: StoredRecord[] = [];
      for (const c of chunks) {
        const records = chunkChecksum(c.seq, c.last, c.body) === c.sum ? decodeChunk(c.seq, c.last, c.body) : null;
        if (records === null) {
          throw new StoreError('STORE_RECORD_CORRUPT', `${this.location}: journal records ${c.seq}–${c.last} (one commit) fail their checksum; run \`msp-twin platform verify --data ${this.location} --repair\` to drop them and everything after them`);
        }
        for (const r of records) if (r.seq > after) tail.push(r);
      }
      checkContiguous(tail, after, this.location);
      return { snapshot: snap === undefined ? null : { seq: snap.seq, at_ms: snap.at_ms, body: snap.body }, tail };
    } catch (err) {
      throw storeFailure(err, this.location);
    }
  }

  append(at_ms: number, kind: string, body: string): void {
    this.#staging.push({ at_ms, kind, body });
  }

  get staged(): number {
    return this.#staging.length;
  }

  get last_seq(): number {
    return this.#last_seq;
  }

  commit(): number {
    if (this.#staging.length === 0) return this.#last_seq;
    const rows = this.#staging;
    this.#staging = [];
    this.#commit_chunk(rows);
    this.#last_seq += rows.length;
    return this.#last_seq;
  }

  writeSnapshot(at_ms: number, body: string): void {
    this.commit();
    const seq = this.#last_seq;
    this.#db.transaction(() => {
      this.#db.prepare('INSERT OR REPLACE INTO snapshots (seq, at_ms, body, sum) VALUES (?, ?, ?, ?)').run(seq, at_ms, body, checksum(seq, at_ms, 'snapshot', body));
      crashPoint('snapshot', `snapshot of record ${seq}`);
    })();
  }

  compact(keep_snapshots: number): void {
    const kept = this.#db.prepare('SELECT seq FROM snapshots ORDER BY seq DESC LIMIT ?').all(keep_snapshots) as Array<{ seq: number }>;
    if (kept.length < keep_snapshots) return;
    const from = kept[kept.length - 1]!.seq;
    this.#db.transaction(() => {
      const snapshots = this.#db.prepare('DELETE FROM snapshots WHERE seq < ?').run(from).changes;
      const chunks = this.#db.prepare('DELETE FROM journal WHERE last <= ?').run(from).changes;
      crashPoint('compaction', `keeping from record ${from}: ${snapshots} snapshots and ${chunks} journal rows deleted`);
    })();
    // SQLite's automatic checkpoint (every ~1,000 WAL pages) hands the WAL back to the main file;
    // a forced TRUNCATE checkpoint here would cost an fsync of the database per snapshot.
  }

  auditLog(): StoredRecord[] {
    return (this.#db.prepare('SELECT seq, at_ms, kind, body FROM audit ORDER BY seq').all() as StoredRecord[]);
  }

  stats(): StoreStats {
    const records = (this.#db.prepare('SELECT COALESCE(SUM(last - seq + 1), 0) AS n FROM journal').get() as { n: number }).n;
    const snapshots = (this.#db.prepare('SELECT COUNT(*) AS n FROM snapshots').get() as { n: number }).n;
    const page = this.#db.pragma('page_size', { simple: true }) as number;
    const pages = this.#db.pragma('page_count', { simple: true }) as number;
    return { records, snapshots, last_seq: this.#last_seq, bytes: page * pages };
  }

  close(): void {
    this.#staging = [];
    if (this.#db.open) this.#db.close();
  }

  /** Who created the store (`service` or `simulator`). */
  get writer(): string {
    return (this.#db.prepare("SELECT value FROM meta WHERE key = 'writer'").get() as { value: string } | undefined)?.value ?? 'service';
  }

  /** The underlying database, for `verify` (read-only walks). */
  get database(): Database.Database {
    return this.#db;
  }
}

/**
 * Schema 1 kept one journal row per record, each with its own checksum. Schema 2 keeps one row
 * per commit (chunks) and the audit log in its own table. Migration, in one transaction: each
 * schema-1 record becomes a chunk of one — with a fresh chunk checksum only if its own checksum
 * held, so a damaged record is still refused after the migration — and retained kinds are copied
 * into `audit`.
 */
function migrateFromV1(db: Database.Database): void {
  db.transaction(() => {
    db.exec(`
      ALTER TABLE journal RENAME TO journal_v1;
      CREATE TABLE journal (seq INTEGER PRIMARY KEY, last INTEGER NOT NULL, body TEXT NOT NULL, sum TEXT NOT NULL);
      CREATE TABLE audit (seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL, sum TEXT NOT NULL);
    `);
    const chunk = db.prepare('INSERT INTO journal (seq, last, body, sum) VALUES (?, ?, ?, ?)');
    const audit = db.prepare('INSERT INTO audit (seq, at_ms, kind, body, sum) VALUES (?, ?, ?, ?, ?)');
    for (const r of db.prepare('SELECT seq, at_ms, kind, body, sum FROM journal_v1 ORDER BY seq').all() as Array<StoredRecord & { sum: string }>) {
      const sound = checksum(r.seq, r.at_ms, r.kind, r.body) === r.sum;
      const text = `${r.at_ms}\t${r.kind}\t${r.body}`;
      chunk.run(r.seq, r.seq, text, sound ? chunkChecksum(r.seq, r.seq, text) : 'damaged-in-v1');
      if (RETAINED_KINDS.includes(r.kind)) audit.run(r.seq, r.at_ms, r.kind, r.body, r.sum);
    }
    db.exec('DROP TABLE journal_v1; DROP INDEX IF EXISTS journal_kind;');
    db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(STORE_SCHEMA_VERSION));
  })();
}
