import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeState, encodeState } from '../../platform/core/state-codec.ts';
import { MemoryStore } from '../../platform/store/memory-store.ts';

describe('state codec', () => {
  it('round-trips plain data, non-finite numbers included, and is canonical (key order never matters)', () => {
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY),
        fc.double({ noNaN: true }).filter((x) => !Object.is(x, -0)),
        fc.string(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(fc.string({ maxLength: 6 }).filter((k) => k !== '~num' && k !== '__proto__'), tie('node'), { maxKeys: 4 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        const text = encodeState(v);
        expect(decodeState(text)).toEqual(v);
        // The same data built in another key order encodes to the same bytes.
        const reordered = JSON.parse(JSON.stringify(v, (_k, x: unknown) => (x !== null && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).reverse()) : x)), (_k, x: unknown) => x) as unknown;
        if (JSON.stringify(v) !== undefined && !text.includes('~num')) expect(encodeState(reordered)).toBe(text);
      }),
    );
    expect(encodeState({ b: 1, a: [Number.NEGATIVE_INFINITY] })).toBe('{"a":[{"~num":"-Infinity"}],"b":1}');
  });

  it('refuses what is not data', () => {
    expect(() => encodeState({ f: () => 1 })).toThrow(/STATE_NOT_DATA/);
  });
});

describe('memory store', () => {
  it('commits atomically, keeps the newest snapshots and the journal from the oldest kept one, and the audit log whole', () => {
    const store = new MemoryStore();
    store.append(1, 'in.tick', '{}');
    store.append(1, 'p.rollout', '{"ev":"created"}');
    expect(store.last_seq).toBe(0);
    expect(store.commit()).toBe(2);
    store.writeSnapshot(1, 'S1');
    store.append(2, 'in.tick', '{}');
    store.writeSnapshot(2, 'S2');
    store.append(3, 'in.tick', '{}');
    store.append(3, 'p.rollout', '{"ev":"download"}');
    store.writeSnapshot(3, 'S3');
    store.append(4, 'in.tick', '{}');
    store.commit();
    store.append(5, 'in.tick', '{}');
    store.close(); // staged, never committed: dropped as a crash would
    store.compact(2);
    const loaded = store.load();
    expect(loaded.snapshot).toEqual({ seq: 5, at_ms: 3, body: 'S3' });
    expect(loaded.tail.map((r) => r.seq)).toEqual([6]);
    expect(store.stats()).toMatchObject({ snapshots: 2, last_seq: 6 });
    // Both audit records survive compaction, in order.
    expect(store.auditLog().map((r) => r.body)).toEqual(['{"ev":"created"}', '{"ev":"download"}']);
  });
});
