import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
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

/** The database file inside a `--data` directory. */
export const STORE_FILE = 'platform.db';

interface RecordRow {
  seq: number;
  at_ms: number;
  kind: string;
  body: string;
  sum: string;
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
 * transaction; every record and snapshot carries a checksum, checked when it is read back.
 */
export class SqliteStore implements PlatformStore {
  readonly location: string;
  readonly #db: Database.Database;
  #staging: Array<{ at_ms: number; kind: string; body: string }> = [];
  #last_seq = 0;
  readonly #insert: Database.Statement;
  readonly #commit_batch: (rows: ReadonlyArray<{ at_ms: number; kind: string; body: string }>) => void;

  constructor(dir: string, options: SqliteStoreOptions = {}) {
    this.location = dir;
    const file = join(dir, STORE_FILE);
    try {
      if (!options.readonly) mkdirSync(dir, { recursive: true });
      else statSync(file);
    } catch (err) {
      throw new StoreError('STORE_IO', `${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    try {
      this.#db = new Database(file, { timeout: 0, readonly: options.readonly === true, fileMustExist: options.readonly === true });
      if (!options.readonly) {
        this.#db.pragma('locking_mode = EXCLUSIVE');
        this.#db.pragma('journal_mode = WAL');
        this.#db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
        // Takes the exclusive lock now (refusing a second platform at start, not at its first write).
        this.#db.exec('BEGIN IMMEDIATE');
        this.#db.exec('COMMIT');
        this.#init(options.writer ?? 'service');
      }
      this.#checkSchema(dir);
      const integrity = this.#db.pragma('quick_check', { simple: true });
      if (integrity !== 'ok') throw new StoreError('STORE_CORRUPT', `${file} failed SQLite's integrity check (${String(integrity)}); run \`msp-twin platform verify --data ${dir} --repair\` to keep its good prefix`);
      this.#last_seq = (this.#db.prepare('SELECT COALESCE(MAX(seq), 0) AS n FROM journal').get() as { n: number }).n;
    } catch (err) {
      throw storeFailure(err, dir);
    }
    this.#insert = this.#db.prepare('INSERT INTO journal (seq, at_ms, kind, body, sum) VALUES (?, ?, ?, ?, ?)');
    this.#commit_batch = this.#db.transaction((rows: ReadonlyArray<{ at_ms: number; kind: string; body: string }>) => {
      let seq = this.#last_seq;
      for (const r of rows) {
        seq++;
        this.#insert.run(seq, r.at_ms, r.kind, r.body, checksum(seq, r.at_ms, r.kind, r.body));
      }
    });
  }

  #init(writer: string): void {
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL, sum TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS snapshots (seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, body TEXT NOT NULL, sum TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS journal_kind ON journal (kind, seq);
    `);
    this.#db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run('schema_version', String(STORE_SCHEMA_VERSION));
    this.#db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run('writer', writer);
  }

  #checkSchema(dir: string): void {
    let row: { value: string } | undefined;
    try {
      row = this.#db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
    } catch (err) {
      if (sqliteCode(err) === 'SQLITE_ERROR') throw new StoreError('STORE_NOT_A_STORE', `${join(dir, STORE_FILE)} is an SQLite database but not a platform store (no meta table)`);
      throw err;
    }
    const version = Number(row?.value);
    if (!Number.isInteger(version)) throw new StoreError('STORE_NOT_A_STORE', `${join(dir, STORE_FILE)} has no schema version`);
    if (version > STORE_SCHEMA_VERSION) {
      throw new StoreError('STORE_NEWER_SCHEMA', `${join(dir, STORE_FILE)} was written by a newer msp-twin (store schema ${version}; this one reads up to ${STORE_SCHEMA_VERSION}); run that version, or start on another --data directory`);
    }
  }

  load(): LoadedStore {
    try {
      const snap = this.#db.prepare('SELECT seq, at_ms, body, sum FROM snapshots ORDER BY seq DESC LIMIT 1').get() as (StoredSnapshot & { sum: string }) | undefined;
      if (snap !== undefined && checksum(snap.seq, snap.at_ms, 'snapshot', snap.body) !== snap.sum) {
        throw new StoreError('STORE_SNAPSHOT_CORRUPT', `${this.location}: the snapshot at journal record ${snap.seq} fails its checksum; run \`msp-twin platform verify --data ${this.location} --repair\` to fall back to the one before it`);
      }
      const after = snap?.seq ?? 0;
      const rows = this.#db.prepare('SELECT seq, at_ms, kind, body, sum FROM journal WHERE seq > ? ORDER BY seq').all(after) as RecordRow[];
      for (const r of rows) {
        if (checksum(r.seq, r.at_ms, r.kind, r.body) !== r.sum) {
          throw new StoreError('STORE_RECORD_CORRUPT', `${this.location}: journal record ${r.seq} (${r.kind}) fails its checksum; run \`msp-twin platform verify --data ${this.location} --repair\` to drop it and everything after it`);
        }
      }
      const tail = rows.map(({ seq, at_ms, kind, body }) => ({ seq, at_ms, kind, body }));
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
    this.#commit_batch(rows);
    this.#last_seq += rows.length;
    return this.#last_seq;
  }

  writeSnapshot(at_ms: number, body: string): void {
    this.commit();
    const seq = this.#last_seq;
    this.#db.prepare('INSERT OR REPLACE INTO snapshots (seq, at_ms, body, sum) VALUES (?, ?, ?, ?)').run(seq, at_ms, body, checksum(seq, at_ms, 'snapshot', body));
  }

  compact(keep_snapshots: number): void {
    const kept = this.#db.prepare('SELECT seq FROM snapshots ORDER BY seq DESC LIMIT ?').all(keep_snapshots) as Array<{ seq: number }>;
    if (kept.length < keep_snapshots) return;
    const from = kept[kept.length - 1]!.seq;
    const placeholders = RETAINED_KINDS.map(() => '?').join(', ');
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM snapshots WHERE seq < ?').run(from);
      this.#db.prepare(`DELETE FROM journal WHERE seq <= ? AND kind NOT IN (${placeholders})`).run(from, ...RETAINED_KINDS);
    })();
    // Hand the WAL's pages back to the main file now and then, so the WAL stays small.
    this.#db.pragma('wal_checkpoint(TRUNCATE)');
  }

  auditLog(): StoredRecord[] {
    return this.#db.prepare(`SELECT seq, at_ms, kind, body FROM journal WHERE kind IN (${RETAINED_KINDS.map(() => '?').join(', ')}) ORDER BY seq`).all(...RETAINED_KINDS) as StoredRecord[];
  }

  stats(): StoreStats {
    const records = (this.#db.prepare('SELECT COUNT(*) AS n FROM journal').get() as { n: number }).n;
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
