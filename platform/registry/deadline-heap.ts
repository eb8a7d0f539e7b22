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
  /**
   * Each item's scheduled_ms again, at the same index: a sift compares times it reads from this
   * array, not from records scattered over the heap (each record read was a likely cache miss,
   * two a level; the registry re-parks most devices' deadlines once a heartbeat period, ~290,000
   * times a simulated day on the flagship). Records are read only on a tie of times.
   */
  readonly #keys: number[] = [];

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
      this.#keys.push(at_ms);
      this.#up(d.heap_index);
      return;
    }
    const i = d.heap_index;
    const before = this.#keys[i]!;
    this.#keys[i] = at_ms;
    // Only one way can be right: later sinks, earlier rises (an equal time stays).
    if (at_ms > before) this.#down(i);
    else if (at_ms < before) this.#up(i);
  }

  /** Takes `d` out of the heap (its deadline is gone); nothing if it is not in. */
  remove(d: T): void {
    const i = d.heap_index;
    if (i < 0) return;
    d.heap_index = -1;
    d.scheduled_ms = null;
    const last = this.#items.pop()!;
    const last_key = this.#keys.pop()!;
    if (last === d) return;
    this.#items[i] = last;
    this.#keys[i] = last_key;
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
    this.#keys.length = 0;
  }

  /** Whether the item at index `a` goes before the one at `b`: (time, id), code-unit id order. */
  #before(a: number, b: number): boolean {
    const ta = this.#keys[a]!;
    const tb = this.#keys[b]!;
    if (ta !== tb) return ta < tb;
    return this.#items[a]!.id < this.#items[b]!.id;
  }

  #up(i: number): void {
    const items = this.#items;
    const keys = this.#keys;
    const d = items[i]!;
    const t = keys[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const tp = keys[parent]!;
      if (tp < t || (tp === t && items[parent]!.id <= d.id)) break;
      const p = items[parent]!;
      items[i] = p;
      keys[i] = tp;
      p.heap_index = i;
      i = parent;
    }
    items[i] = d;
    keys[i] = t;
    d.heap_index = i;
  }

  #down(i: number): void {
    const items = this.#items;
    const keys = this.#keys;
    const n = items.length;
    const d = items[i]!;
    const t = keys[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && this.#before(r, l) ? r : l;
      const tc = keys[child]!;
      if (tc > t || (tc === t && items[child]!.id >= d.id)) break;
      const c = items[child]!;
      items[i] = c;
      keys[i] = tc;
      c.heap_index = i;
      i = child;
    }
    items[i] = d;
    keys[i] = t;
    d.heap_index = i;
  }
}
