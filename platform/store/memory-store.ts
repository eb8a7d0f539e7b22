import { RETAINED_KINDS, checkContiguous, type LoadedStore, type PlatformStore, type StoreStats, type StoredRecord, type StoredSnapshot } from './store.ts';

/**
 * The store in memory: for simulated runs without `--data`. It holds records as the same text a
 * file would, and outlives the platform object that wrote it, so a simulated `platform_restart`
 * recovers through exactly the same load, restore and replay as from disk.
 */
export class MemoryStore implements PlatformStore {
  readonly location = 'memory';
  #records: StoredRecord[] = [];
  #snapshots: StoredSnapshot[] = [];
  #staging: Array<{ at_ms: number; kind: string; body: string }> = [];
  #last_seq = 0;
  #bytes = 0;

  load(): LoadedStore {
    const snapshot = this.#snapshots[this.#snapshots.length - 1] ?? null;
    const after = snapshot?.seq ?? 0;
    const tail = this.#records.filter((r) => r.seq > after);
    checkContiguous(tail, after, 'memory store');
    return { snapshot, tail };
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
    for (const r of this.#staging) {
      this.#records.push({ seq: ++this.#last_seq, ...r });
      this.#bytes += r.body.length + r.kind.length + 16;
    }
    this.#staging = [];
    return this.#last_seq;
  }

  writeSnapshot(at_ms: number, body: string): void {
    this.commit();
    this.#snapshots.push({ seq: this.#last_seq, at_ms, body });
    this.#bytes += body.length;
  }

  compact(keep_snapshots: number): void {
    if (this.#snapshots.length <= keep_snapshots) return;
    const dropped = this.#snapshots.slice(0, this.#snapshots.length - keep_snapshots);
    this.#snapshots = this.#snapshots.slice(-keep_snapshots);
    for (const s of dropped) this.#bytes -= s.body.length;
    const from = this.#snapshots[0]!.seq;
    const kept: StoredRecord[] = [];
    for (const r of this.#records) {
      if (r.seq > from || RETAINED_KINDS.includes(r.kind)) kept.push(r);
      else this.#bytes -= r.body.length + r.kind.length + 16;
    }
    this.#records = kept;
  }

  auditLog(): StoredRecord[] {
    return this.#records.filter((r) => RETAINED_KINDS.includes(r.kind));
  }

  stats(): StoreStats {
    return { records: this.#records.length, snapshots: this.#snapshots.length, last_seq: this.#last_seq, bytes: this.#bytes };
  }

  close(): void {
    this.#staging = [];
  }
}
