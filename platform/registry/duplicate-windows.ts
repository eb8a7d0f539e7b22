/**
 * Every device's last few (seq, ts) pairs, for the registry's duplicate check, in slabs of typed
 * arrays shared by the fleet. A Uint8Array and a Float64Array per device cost about 500 bytes of heap
 * for 144 bytes of data (each typed array drags an object, a buffer and a store along), and the
 * registry holds one window per device (docs/performance.md, "Memory per device").
 */
export class DuplicateWindows {
  readonly #window: number;
  readonly #slab_slots: number;
  /**
   * Slabs of `slab_slots` windows each, added as devices are claimed. One pair of arrays doubled
   * as the fleet grew held up to twice what it used: 8,192 windows for the flagship's 4,500
   * devices, ~260 bytes a device instead of 144 (docs/performance.md, "Memory per device").
   */
  readonly #seq: Uint8Array[] = [];
  readonly #ts: Float64Array[] = [];
  #used = 0;

  constructor(window: number, slab_slots = 256) {
    this.#window = window;
    this.#slab_slots = slab_slots;
  }

  /** A zeroed window for a new device; its slot number is what the device keeps. */
  claim(): number {
    const slot = this.#used++;
    if (slot >= this.#seq.length * this.#slab_slots) {
      this.#seq.push(new Uint8Array(this.#window * this.#slab_slots));
      this.#ts.push(new Float64Array(this.#window * this.#slab_slots));
    }
    return slot;
  }

  /** Forgets every window (a registry loading a saved state starts from none). */
  clear(): void {
    this.#seq.length = 0;
    this.#ts.length = 0;
    this.#used = 0;
  }

  /** Whether (seq, ts) is among the first `count` entries of the slot's window. */
  holds(slot: number, count: number, seq: number, ts: number): boolean {
    const slab = Math.floor(slot / this.#slab_slots);
    const seqs = this.#seq[slab]!;
    const times = this.#ts[slab]!;
    const base = (slot - slab * this.#slab_slots) * this.#window;
    for (let i = base; i < base + count; i++) {
      if (seqs[i] === seq && times[i] === ts) return true;
    }
    return false;
  }

  /** Writes (seq, ts) at position `at` of the slot's window; seq is stored as a byte, as before. */
  put(slot: number, at: number, seq: number, ts: number): void {
    const slab = Math.floor(slot / this.#slab_slots);
    const i = (slot - slab * this.#slab_slots) * this.#window + at;
    this.#seq[slab]![i] = seq;
    this.#ts[slab]![i] = ts;
  }

  /** The slot's window as plain arrays (saved state). */
  read(slot: number): { seq: number[]; ts: number[] } {
    const slab = Math.floor(slot / this.#slab_slots);
    const base = (slot - slab * this.#slab_slots) * this.#window;
    return { seq: Array.from(this.#seq[slab]!.subarray(base, base + this.#window)), ts: Array.from(this.#ts[slab]!.subarray(base, base + this.#window)) };
  }

  /** Fills the slot's window from saved arrays, converting as the typed arrays always did. */
  write(slot: number, seq: readonly number[], ts: readonly number[]): void {
    const slab = Math.floor(slot / this.#slab_slots);
    const base = (slot - slab * this.#slab_slots) * this.#window;
    this.#seq[slab]!.set(Uint8Array.from(seq).subarray(0, this.#window), base);
    this.#ts[slab]!.set(Float64Array.from(ts).subarray(0, this.#window), base);
  }
}
