import { SimError } from './errors.ts';

/**
 * A loop guard: call `tick()` once per iteration; past `limit` iterations it throws instead of
 * hanging, naming the loop so the failure points at the runaway (TigerBeetle's "limits on
 * everything").
 */
export class LoopBound {
  readonly #name: string;
  readonly #limit: number;
  #count = 0;

  constructor(name: string, limit: number) {
    this.#name = name;
    this.#limit = limit;
  }

  tick(): void {
    if (++this.#count > this.#limit) {
      throw new SimError('SIM_BOUND_EXCEEDED', `loop "${this.#name}" exceeded ${this.#limit} iterations`);
    }
  }

  get count(): number {
    return this.#count;
  }
}

/** Counts what was dropped when a bounded buffer was full, so a drop is reported, never silent. */
export class BoundedBuffer<T> {
  readonly capacity: number;
  readonly #items: T[] = [];
  #dropped = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** Adds an item; when full, drops the oldest (telemetry freshness beats history) and counts it. */
  push(item: T): void {
    if (this.#items.length >= this.capacity) {
      this.#items.shift();
      this.#dropped++;
    }
    this.#items.push(item);
  }

  drain(): T[] {
    return this.#items.splice(0, this.#items.length);
  }

  get length(): number {
    return this.#items.length;
  }

  get dropped(): number {
    return this.#dropped;
  }
}
