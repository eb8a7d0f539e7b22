/**
 * The registry's deadline heap holds each device record once and moves it in place when its
 * deadline changes (platform/registry/deadline-heap.ts). For any sequence of sets, moves and
 * removals its head must be the record a plain scan finds least on (scheduled_ms, id), and every
 * record must know whether, and where, it is in the heap.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeadlineHeap, type Deadline } from '../../platform/registry/deadline-heap.ts';

function record(id: string): Deadline {
  return { id, scheduled_ms: null, heap_index: -1 };
}

describe('DeadlineHeap', () => {
  it('always has at its head the least (scheduled_ms, id) of the records in it, for any sets, moves and removals', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), who: fc.integer({ min: 0, max: 11 }), at: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ kind: fc.constant('remove' as const), who: fc.integer({ min: 0, max: 11 }) }),
      fc.record({ kind: fc.constant('pop' as const) }),
      fc.record({ kind: fc.constant('clear' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const records = Array.from({ length: 12 }, (_, i) => record(`dev-${String.fromCharCode(97 + ((i * 7) % 12))}`));
        const heap = new DeadlineHeap<Deadline>();
        for (const o of ops) {
          if (o.kind === 'set') heap.set(records[o.who]!, o.at);
          else if (o.kind === 'remove') heap.remove(records[o.who]!);
          else if (o.kind === 'pop') {
            const top = heap.peek();
            if (top !== undefined) heap.remove(top);
          } else heap.clear();
          const inside = records.filter((r) => r.heap_index >= 0);
          expect(heap.size).toBe(inside.length);
          for (const r of records) expect(r.heap_index >= 0).toBe(r.scheduled_ms !== null);
          const least = [...inside].sort((a, b) => a.scheduled_ms! - b.scheduled_ms! || (a.id < b.id ? -1 : 1))[0];
          expect(heap.peek()).toBe(least);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('moves a record both ways: later sinks below others, earlier rises above them', () => {
    const [a, b, c] = [record('a'), record('b'), record('c')];
    const heap = new DeadlineHeap<Deadline>();
    heap.set(a, 10);
    heap.set(b, 20);
    heap.set(c, 30);
    heap.set(a, 25);
    expect(heap.peek()).toBe(b);
    heap.set(c, 5);
    expect(heap.peek()).toBe(c);
    heap.set(b, 5); // same time as c: the smaller id first
    expect(heap.peek()).toBe(b);
    heap.remove(b);
    expect([heap.peek(), b.scheduled_ms, b.heap_index]).toEqual([c, null, -1]);
  });

  it('lifts the record that fills a removed place when it is earlier than that place\'s parent', () => {
    // Set in this order the array is [1, 10, 2, 11, 12, 3, 4]; taking 11 out moves 4 under 10,
    // where it must rise.
    const heap = new DeadlineHeap<Deadline>();
    const at = [1, 10, 2, 11, 12, 3, 4];
    const records = at.map((t) => record(`d${String(t).padStart(2, '0')}`));
    records.forEach((r, i) => heap.set(r, at[i]!));
    heap.remove(records[3]!);
    // Two later ones behind it, so the misplaced record is not simply the next one moved up.
    heap.set(record('d50'), 50);
    heap.set(record('d60'), 60);
    const order: number[] = [];
    for (let top = heap.peek(); top !== undefined; top = heap.peek()) {
      order.push(top.scheduled_ms!);
      heap.remove(top);
    }
    expect(order).toEqual([1, 2, 3, 4, 10, 12, 50, 60]);
  });
});
