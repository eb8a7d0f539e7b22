import { SimError } from './errors.ts';

/**
 * Virtual time in integer milliseconds since the Unix epoch. The simulator never reads the wall
 * clock: time moves only when the event loop advances it, so a run is a pure function of its
 * inputs. Integers (not floats) keep ordering exact over months of simulated time.
 */
export interface Clock {
  readonly now_ms: number;
}

export class VirtualClock implements Clock {
  #now_ms: number;

  constructor(start_ms: number) {
    if (!Number.isSafeInteger(start_ms)) throw new SimError('SIM_INVALID_ARGUMENT', `clock start must be an integer ms, got ${start_ms}`);
    this.#now_ms = start_ms;
  }

  get now_ms(): number {
    return this.#now_ms;
  }

  /** Moves time forward; moving backward is always a bug in the caller. */
  advanceTo(at_ms: number): void {
    if (at_ms < this.#now_ms) throw new SimError('SIM_TIME_TRAVEL', `clock cannot move back from ${this.#now_ms} to ${at_ms}`);
    if (!Number.isSafeInteger(at_ms)) throw new SimError('SIM_INVALID_ARGUMENT', `clock time must be an integer ms, got ${at_ms}`);
    this.#now_ms = at_ms;
  }
}
