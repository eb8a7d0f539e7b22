import { cpSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../harness/run/run-scenario.ts';
import { parseScenario } from '../../harness/scenario/scenario.ts';
import { DurablePlatform } from '../../platform/store/durable.ts';
import { SqliteStore, STORE_FILE, chunkChecksum, decodeChunk, encodeChunk } from '../../platform/store/sqlite-store.ts';
import { encodeState } from '../../platform/core/state-codec.ts';
import { StoreError, checksum } from '../../platform/store/store.ts';
import { repairStore, verifyStore } from '../../platform/store/verify.ts';

/**
 * A store the platform cannot trust is refused at start with a stable code and a message saying
 * what to do — never started empty. Each case damages a copy of a real store written by a short
 * simulated run (snapshots every 20 minutes, two kept), then checks start, `verify` and `--repair`.
 */
const MIN = 60_000;
const root = mkdtempSync(join(tmpdir(), 'msp-twin-bad-store-'));
const golden = join(root, 'golden');
let n = 0;

const SCENARIO = `name: store-cases
seed: 3
start: "2026-01-13 06:00"
duration: 2h
fleet:
  sites:
    - id: nyc
      metro: New York
      timezone: America/New_York
      buildings:
        - id: hq
          type: office
          floors: 2
          zones_per_floor: 2
          per_zone: { occupancy: 1, env: 1, hvac: 1 }
          per_floor: { leak: 1 }
timeline:
  - { id: wet, at: 1h45m, action: fault.inject, fault: leak, target: { device: hq-f01-leak-001 }, for: 10m }
`;

beforeAll(async () => {
  await runScenario(parseScenario(SCENARIO, 'store-cases.yaml'), { data_dir: golden, durability: { snapshot_every_ms: 25 * MIN, keep_snapshots: 2 } });
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

function copy(): string {
  const dir = join(root, `case-${++n}`);
  cpSync(golden, dir, { recursive: true });
  return dir;
}

function edit(dir: string, sql: string, ...params: unknown[]): void {
  const db = new Database(join(dir, STORE_FILE));
  db.prepare(sql).run(...params);
  db.close();
}

function lastSeq(dir: string): number {
  const db = new Database(join(dir, STORE_FILE), { readonly: true });
  const seq = (db.prepare('SELECT MAX(last) AS n FROM journal').get() as { n: number }).n;
  db.close();
  return seq;
}

interface Chunk {
  seq: number;
  last: number;
  body: string;
}

/** The journal's rows (one per commit), newest first. */
function chunks(dir: string): Chunk[] {
  const db = new Database(join(dir, STORE_FILE), { readonly: true });
  const rows = db.prepare('SELECT seq, last, body FROM journal ORDER BY seq DESC').all() as Chunk[];
  db.close();
  return rows;
}

function start(dir: string): DurablePlatform {
  const store = new SqliteStore(dir);
  try {
    return DurablePlatform.openWith(store, {}, () => {});
  } finally {
    store.close();
  }
}

function refusal(f: () => unknown): StoreError {
  try {
    f();
  } catch (err) {
    if (err instanceof StoreError) return err;
    throw err;
  }
  throw new Error('expected a StoreError, the store was accepted');
}

describe('a damaged or foreign store is refused at start', () => {
  it('the sound store verifies and recovers: snapshot plus a replayed tail', () => {
    const report = verifyStore(copy());
    expect(report.problem).toBeNull();
    expect(report.ok).toBe(true);
    expect(report.snapshots).toBe(2);
    expect(report.snapshot_seq).toBeGreaterThan(0);
    expect(report.replayed_inputs).toBeGreaterThan(0);
  });

  it('a record that fails its checksum: STORE_RECORD_CORRUPT; repair drops it and the tail after it', () => {
    const dir = copy();
    const last = lastSeq(dir);
    const bad = chunks(dir)[2]!;
    edit(dir, "UPDATE journal SET body = body || ' ' WHERE seq = ?", bad.seq);
    const err = refusal(() => start(dir));
    expect(err.code).toBe('STORE_RECORD_CORRUPT');
    expect(err.message).toContain(`journal records ${bad.seq}–${bad.last}`);
    expect(err.message).toContain('--repair');
    expect(verifyStore(dir).problem?.code).toBe('STORE_RECORD_CORRUPT');
    const fixed = repairStore(dir);
    expect(fixed.dropped_records).toBe(last - bad.seq + 1);
    expect(statSync(fixed.damaged_copy).size).toBeGreaterThan(0);
    expect(verifyStore(dir).ok).toBe(true);
    expect(lastSeq(dir)).toBe(bad.seq - 1);
  });

  it('a missing record after the snapshot: STORE_JOURNAL_GAP', () => {
    const dir = copy();
    const gone = chunks(dir)[1]!;
    edit(dir, 'DELETE FROM journal WHERE seq = ?', gone.seq);
    expect(refusal(() => start(dir)).code).toBe('STORE_JOURNAL_GAP');
    repairStore(dir);
    expect(verifyStore(dir).ok).toBe(true);
    expect(lastSeq(dir)).toBe(gone.seq - 1);
  });

  it('a damaged snapshot: STORE_SNAPSHOT_CORRUPT; repair falls back to the one before it', () => {
    const dir = copy();
    edit(dir, 'UPDATE snapshots SET body = substr(body, 1, length(body) - 9) WHERE seq = (SELECT MAX(seq) FROM snapshots)');
    expect(refusal(() => start(dir)).code).toBe('STORE_SNAPSHOT_CORRUPT');
    const before = lastSeq(dir);
    const fixed = repairStore(dir);
    expect(fixed).toMatchObject({ kept_snapshots: 1, dropped_snapshots: 1, dropped_records: 0 });
    const report = verifyStore(dir);
    expect(report.ok).toBe(true);
    expect(lastSeq(dir)).toBe(before);
  });

  it('a decision the replay does not make again (checksum intact): STORE_REPLAY_DIVERGED', () => {
    const dir = copy();
    const db = new Database(join(dir, STORE_FILE));
    const snapshot = (db.prepare('SELECT MAX(seq) AS n FROM snapshots').get() as { n: number }).n;
    // The newest commit after the snapshot holding a decision; forge that decision, re-seal the row.
    const chunk = chunks(dir).find((c) => c.seq > snapshot && decodeChunk(c.seq, c.last, c.body)!.some((r) => r.kind.startsWith('p.')))!;
    const records = decodeChunk(chunk.seq, chunk.last, chunk.body)!;
    const forged = records.findLast((r) => r.kind.startsWith('p.'))!;
    const text = encodeChunk(records.map((r) => ({ ...r, body: r === forged ? r.body.replace(/}$/, ',"forged":true}') : r.body })));
    db.prepare('UPDATE journal SET body = ?, sum = ? WHERE seq = ?').run(text, chunkChecksum(chunk.seq, chunk.last, text), chunk.seq);
    db.close();
    const err = refusal(() => start(dir));
    expect(err.code).toBe('STORE_REPLAY_DIVERGED');
    expect(err.message).toContain(`record ${forged.seq}`);
  });

  it('a store written by a newer version: STORE_NEWER_SCHEMA', () => {
    const dir = copy();
    edit(dir, "UPDATE meta SET value = '99' WHERE key = 'schema_version'");
    const err = refusal(() => new SqliteStore(dir));
    expect(err.code).toBe('STORE_NEWER_SCHEMA');
    expect(err.message).toContain('schema 99');
  });

  it('a store of schema 1 (a row per record) is migrated at start and recovers the same state', () => {
    const dir = copy();
    const reference = start(copy());
    // Rewrite the copy in schema 1's layout: one journal row per record, each with its own checksum.
    const db = new Database(join(dir, STORE_FILE));
    const records = chunks(dir).reverse().flatMap((c) => decodeChunk(c.seq, c.last, c.body)!);
    db.exec('DROP TABLE journal; DROP TABLE audit; CREATE TABLE journal (seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL, sum TEXT NOT NULL);');
    const ins = db.prepare('INSERT INTO journal (seq, at_ms, kind, body, sum) VALUES (?, ?, ?, ?, ?)');
    for (const r of records) ins.run(r.seq, r.at_ms, r.kind, r.body, checksum(r.seq, r.at_ms, r.kind, r.body));
    db.prepare("UPDATE meta SET value = '1' WHERE key = 'schema_version'").run();
    db.close();
    expect(verifyStore(dir).problem?.code).toBe('STORE_OLDER_SCHEMA');
    const migrated = start(dir);
    expect(encodeState(migrated.platform.snapshot())).toBe(encodeState(reference.platform.snapshot()));
    expect(migrated.recovery).toEqual(reference.recovery);
    expect(verifyStore(dir).ok).toBe(true);
  });

  it('a truncated file: refused (STORE_CORRUPT), never opened empty', () => {
    const dir = copy();
    const file = join(dir, STORE_FILE);
    truncateSync(file, Math.floor(statSync(file).size * 0.6));
    const err = refusal(() => start(dir));
    expect(['STORE_CORRUPT', 'STORE_RECORD_CORRUPT', 'STORE_JOURNAL_GAP']).toContain(err.code);
    expect(verifyStore(dir).ok).toBe(false);
  });

  it('a file that is not a store: STORE_NOT_A_STORE', () => {
    const dir = join(root, 'garbage');
    cpSync(golden, dir, { recursive: true });
    rmSync(join(dir, `${STORE_FILE}-wal`), { force: true });
    rmSync(join(dir, `${STORE_FILE}-shm`), { force: true });
    writeFileSync(join(dir, STORE_FILE), 'this is not a database, it is a text file that is long enough to have a header\n'.repeat(20));
    expect(refusal(() => new SqliteStore(dir)).code).toBe('STORE_NOT_A_STORE');
  });

  it('a directory held by another running platform: STORE_LOCKED, and the holder is unaffected', () => {
    const dir = copy();
    const holder = new SqliteStore(dir);
    try {
      const err = refusal(() => new SqliteStore(dir));
      expect(err.code).toBe('STORE_LOCKED');
      expect(err.message).toContain('another running platform');
      expect(verifyStore(dir).problem?.code).toBe('STORE_LOCKED');
      holder.append(1, 'in.tick', '{"op":"tick","now_ms":1}');
      expect(holder.commit()).toBeGreaterThan(0);
    } finally {
      holder.close();
    }
    // Released with the holder (the OS drops the lock with the process, kill -9 included).
    new SqliteStore(dir).close();
  });

  it('a simulated run refuses a --data directory that already holds a store', async () => {
    await expect(runScenario(parseScenario(SCENARIO, 'store-cases.yaml'), { data_dir: copy(), duration_ms: 10 * MIN })).rejects.toThrow(/RUN_DATA_NOT_EMPTY/);
  });
});
