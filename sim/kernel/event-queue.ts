import { SimError } from './errors.ts';

/**
 * Event priorities break ties between events at the same millisecond before FIFO order does
 * (FoundationDB's rule). Lower runs first: physics before sensing, sensing before reporting,
 * so a report at time t always sees the world as of t.
 */
export const Priority = {
  fault: 0,
  world: 10,
  device: 20,
  command: 30,
  report: 40,
  housekeeping: 90,
} as const;

/** Something whose events lapse when its epoch moves on (a device that crashed). */
export interface EpochGuard {
  readonly epoch: number;
}

export interface ScheduledEvent {
  readonly at_ms: number;
  readonly priority: number;
  readonly seq: number;
  /**
   * Runs the event; receives the guard (null for unguarded events), so an owner's frequent
   * events can share one function rather than hold a closure each (a closure and its context
   * are ~100 bytes per device).
   */
  readonly fire: (guard: never) => void;
  /** Short label for diagnostics, e.g. "sample". */
  readonly label: string;
  /** When set, the event only fires while `guard.epoch` still equals `epoch`. */
  readonly guard: EpochGuard | null;
  readonly epoch: number;
}

/** Whether a popped event should run: unguarded, or its owner's epoch has not moved since scheduling. */
export function isLive(event: ScheduledEvent): boolean {
  return event.guard === null || event.guard.epoch === event.epoch;
}

function before(a: ScheduledEvent, b: ScheduledEvent): boolean {
  if (a.at_ms !== b.at_ms) return a.at_ms < b.at_ms;
  if (a.priority !== b.priority) return a.priority < b.priority;
  return a.seq < b.seq;
}

/**
 * A binary min-heap over the total order (at_ms, priority, seq). `seq` is a counter assigned at
 * schedule time, so two events can never compare equal and the order never depends on the heap's
 * internal layout. Bounded: exceeding `max_pending` throws rather than exhausting memory.
 */
export class EventQueue {
  readonly #heap: ScheduledEvent[] = [];
  #next_seq = 0;
  readonly max_pending: number;

  constructor(max_pending = 5_000_000) {
    this.max_pending = max_pending;
  }

  get size(): number {
    return this.#heap.length;
  }

  /**
   * `guard`: the event lapses (is popped and counted, but does nothing) if the guard's epoch has
   * changed by the time it is due; cheaper than wrapping `fire` in a checking closure per event.
   */
  schedule<G extends EpochGuard | null = null>(at_ms: number, priority: number, label: string, fire: (guard: G) => void, guard: G | null = null): ScheduledEvent {
    if (!Number.isSafeInteger(at_ms)) throw new SimError('SIM_INVALID_ARGUMENT', `event "${label}" time must be an integer ms, got ${at_ms}`);
    if (this.#heap.length >= this.max_pending) {
      throw new SimError('SIM_BOUND_EXCEEDED', `event queue holds ${this.#heap.length} events (limit ${this.max_pending}) while scheduling "${label}"`);
    }
    const event: ScheduledEvent = { at_ms, priority, seq: this.#next_seq++, fire, label, guard, epoch: guard === null ? 0 : guard.epoch };
    const heap = this.#heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!before(event, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = event;
    return event;
  }

  peek(): ScheduledEvent | undefined {
    return this.#heap[0];
  }

  /** Removes and returns the earliest event. */
  pop(): ScheduledEvent | undefined {
    const heap = this.#heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const child = r < n && before(heap[r]!, heap[l]!) ? r : l;
        if (!before(heap[child]!, last)) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}

/** Runs an event, handing it its guard (see `ScheduledEvent.fire`). */
export function fireEvent(event: ScheduledEvent): void {
  (event.fire as (guard: EpochGuard | null) => void)(event.guard);
}
