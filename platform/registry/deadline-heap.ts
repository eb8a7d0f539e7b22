/** Something with one liveness deadline at a time: where it sits in a DeadlineHeap, and when. */
export interface Deadline {
  readonly id: string;
  /** When its deadline falls, or null while it has none (then it is not in the heap). */
  scheduled_ms: number | null;
  /** Its place in the heap's array, or -1 while it is not in the heap. */
  heap_index: number;
}

/**
 * A binary min-heap of the registry's device records on (scheduled_ms, id), each record in it at
 * most once and moved in place when its deadline changes (platform/registry/registry.ts). The
 * records carry their own time and place, so the heap makes no entry objects: a heap of
 * {at_ms, id, gen} entries with stale ones left behind cost ~76 bytes a device and one object per
 * heartbeat re-park (docs/performance.md, "Memory per device"). Code-unit id order, so the order
 * is the same on every machine and never depends on the heap's layout.
 */
export class DeadlineHeap<T extends Deadline> {
  readonly #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  /** Puts `d` in the heap at `at_ms`, or moves it there if it is in already. */
  set(d: T, at_ms: number): void {
    d.scheduled_ms = at_ms;
    if (d.heap_index < 0) {
      d.heap_index = this.#items.length;
      this.#items.push(d);
      this.#up(d.heap_index);
      return;
    }
    this.#up(d.heap_index);
    this.#down(d.heap_index);
  }

  /** Takes `d` out of the heap (its deadline is gone); nothing if it is not in. */
  remove(d: T): void {
    const i = d.heap_index;
    if (i < 0) return;
    d.heap_index = -1;
    d.scheduled_ms = null;
    const last = this.#items.pop()!;
    if (last === d) return;
    this.#items[i] = last;
    last.heap_index = i;
    this.#up(i);
    this.#down(last.heap_index);
  }

  /** Empties the heap (every record in it is left with no deadline). */
  clear(): void {
    for (const d of this.#items) {
      d.heap_index = -1;
      d.scheduled_ms = null;
    }
    this.#items.length = 0;
  }

  #less(a: T, b: T): boolean {
    const ta = a.scheduled_ms!;
    const tb = b.scheduled_ms!;
    if (ta !== tb) return ta < tb;
    return a.id < b.id;
  }

  #up(i: number): void {
    const items = this.#items;
    const d = items[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (!this.#less(d, p)) break;
      items[i] = p;
      p.heap_index = i;
      i = parent;
    }
    items[i] = d;
    d.heap_index = i;
  }

  #down(i: number): void {
    const items = this.#items;
    const n = items.length;
    const d = items[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && this.#less(items[r]!, items[l]!) ? r : l;
      const c = items[child]!;
      if (!this.#less(c, d)) break;
      items[i] = c;
      c.heap_index = i;
      i = child;
    }
    items[i] = d;
    d.heap_index = i;
  }
}
