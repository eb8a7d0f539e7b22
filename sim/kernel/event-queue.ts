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
  /** A technician's visit (the NOC's field service): after commands, before reports. */
  field: 35,
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
   * are ~100 bytes per device), and the event itself, which a recurring event hands back to
   * `EventQueue.reschedule`.
   */
  readonly fire: (guard: never, event: ScheduledEvent) => void;
  /** Short label for diagnostics, e.g. "sample". */
  readonly label: string;
  /** When set, the event only fires while `guard.epoch` still equals `epoch`. */
  readonly guard: EpochGuard | null;
  readonly epoch: number;
}

/** The queue's own view of an event: `reschedule` moves it to its next occurrence. */
interface MutableEvent {
  at_ms: number;
  priority: number;
  seq: number;
  fire: (guard: never, event: ScheduledEvent) => void;
  label: string;
  guard: EpochGuard | null;
  epoch: number;
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
  /** The last event `pop` returned, until it is rescheduled: the only one `reschedule` accepts. */
  #popped: ScheduledEvent | undefined = undefined;
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
  schedule<G extends EpochGuard | null = null>(at_ms: number, priority: number, label: string, fire: (guard: G, event: ScheduledEvent) => void, guard: G | null = null): ScheduledEvent {
    this.#check(at_ms, label);
    const event: MutableEvent = { at_ms, priority, seq: this.#next_seq++, fire, label, guard, epoch: guard === null ? 0 : guard.epoch };
    this.#push(event);
    return event;
  }

  /**
   * Puts the event that was just popped back in the queue at `at_ms`, exactly as `schedule` with
   * its priority, label, function and guard would (a fresh `seq`, so the order is the same), but
   * without a new object. A device's sample is always pending and recurs some 700 times a day: one
   * object each was most of the simulator's garbage (docs/performance.md).
   */
  reschedule(event: ScheduledEvent, at_ms: number): void {
    if (event !== this.#popped) throw new SimError('SIM_INVALID_ARGUMENT', `event "${event.label}" can only be rescheduled while it fires (it may still be queued)`);
    this.#check(at_ms, event.label);
    this.#popped = undefined;
    const e = event as MutableEvent;
    e.at_ms = at_ms;
    e.seq = this.#next_seq++;
    e.epoch = e.guard === null ? 0 : e.guard.epoch;
    this.#push(e);
  }

  /**
   * The pending live event of `guard` that runs `fire`, if any: a linear scan, for the rare
   * occasion when something must move a recurring event (a device woken early, DeviceTwin.wake).
   */
  pendingOf(guard: EpochGuard, fire: (guard: never, event: ScheduledEvent) => void): ScheduledEvent | undefined {
    for (const event of this.#heap) if (event.guard === guard && event.fire === fire && isLive(event)) return event;
    return undefined;
  }

  /** Makes a pending guarded event lapse when it comes due (popped and counted, not run). */
  lapse(event: ScheduledEvent): void {
    if (event.guard === null) throw new SimError('SIM_INVALID_ARGUMENT', `event "${event.label}" has no guard to lapse by`);
    (event as MutableEvent).epoch = Number.NaN;
  }

  #check(at_ms: number, label: string): void {
    if (!Number.isSafeInteger(at_ms)) throw new SimError('SIM_INVALID_ARGUMENT', `event "${label}" time must be an integer ms, got ${at_ms}`);
    if (this.#heap.length >= this.max_pending) {
      throw new SimError('SIM_BOUND_EXCEEDED', `event queue holds ${this.#heap.length} events (limit ${this.max_pending}) while scheduling "${label}"`);
    }
  }

  #push(event: ScheduledEvent): void {
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
    this.#popped = top;
    return top;
  }
}

/** Runs an event, handing it its guard (see `ScheduledEvent.fire`). */
export function fireEvent(event: ScheduledEvent): void {
  (event.fire as (guard: EpochGuard | null, event: ScheduledEvent) => void)(event.guard, event);
}
