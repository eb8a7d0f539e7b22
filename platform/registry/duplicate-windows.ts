/**
 * Every device's last few (seq, ts) pairs, for the registry's duplicate check, in two arrays
 * shared by the fleet. A Uint8Array and a Float64Array per device cost about 500 bytes of heap
 * for 144 bytes of data (each typed array drags an object, a buffer and a store along), and the
 * registry holds one window per device (docs/performance.md, "Memory per device").
 */
export class DuplicateWindows {
  readonly #window: number;
  #seq: Uint8Array;
  #ts: Float64Array;
  #used = 0;

  constructor(window: number, initial_slots = 64) {
    this.#window = window;
    this.#seq = new Uint8Array(window * initial_slots);
    this.#ts = new Float64Array(window * initial_slots);
  }

  /** A zeroed window for a new device; its slot number is what the device keeps. */
  claim(): number {
    const slot = this.#used++;
    if (this.#used * this.#window > this.#ts.length) {
      // Doubling keeps claims amortised O(1); the old arrays go with their last reader.
      const seq = new Uint8Array(this.#seq.length * 2);
      seq.set(this.#seq);
      const ts = new Float64Array(this.#ts.length * 2);
      ts.set(this.#ts);
      this.#seq = seq;
      this.#ts = ts;
    }
    return slot;
  }

  /** Forgets every window (a registry loading a saved state starts from none). */
  clear(): void {
    this.#seq.fill(0, 0, this.#used * this.#window);
    this.#ts.fill(0, 0, this.#used * this.#window);
    this.#used = 0;
  }

  /** Whether (seq, ts) is among the first `count` entries of the slot's window. */
  holds(slot: number, count: number, seq: number, ts: number): boolean {
    const base = slot * this.#window;
    for (let i = base; i < base + count; i++) {
      if (this.#seq[i] === seq && this.#ts[i] === ts) return true;
    }
    return false;
  }

  /** Writes (seq, ts) at position `at` of the slot's window; seq is stored as a byte, as before. */
  put(slot: number, at: number, seq: number, ts: number): void {
    const i = slot * this.#window + at;
    this.#seq[i] = seq;
    this.#ts[i] = ts;
  }

  /** The slot's window as plain arrays (saved state). */
  read(slot: number): { seq: number[]; ts: number[] } {
    const base = slot * this.#window;
    return { seq: Array.from(this.#seq.subarray(base, base + this.#window)), ts: Array.from(this.#ts.subarray(base, base + this.#window)) };
  }

  /** Fills the slot's window from saved arrays, converting as the typed arrays always did. */
  write(slot: number, seq: readonly number[], ts: readonly number[]): void {
    const base = slot * this.#window;
    this.#seq.set(Uint8Array.from(seq).subarray(0, this.#window), base);
    this.#ts.set(Float64Array.from(ts).subarray(0, this.#window), base);
  }
}
