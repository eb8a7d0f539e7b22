/**
 * Flow control for lockstep over a real broker. A step's publishes (and the wills its drops make
 * the broker publish) are held here in the order the simulation made them, and the harness
 * releases them in windows, waiting for the platform to have received one window before it
 * releases the next. Every broker bounds what it queues for one subscriber (Mosquitto, EMQX and
 * HiveMQ all default to about 1,000 QoS 1 messages); a step that put its whole burst on the wire
 * at once would lose the excess at the platform's subscription.
 *
 * One global FIFO keeps each publisher's order (MQTT's only ordering guarantee) and needs no
 * bookkeeping per session: a session's drop is released after its last publish, so its will can
 * never overtake them.
 */
export interface OutboxEntry {
  /** Messages the platform receives when this is carried out: 1 for a publish or a will, else 0. */
  readonly cost: 0 | 1;
  /** The message the platform should receive (topic, payload), for naming missing ones. */
  readonly message?: { readonly topic: string; readonly payload: string; readonly client_id: string };
  readonly run: () => void;
}

export interface ExpectedMessage {
  readonly topic: string;
  readonly payload: string;
  readonly client_id: string;
}

export class StepOutbox {
  #held: OutboxEntry[] = [];
  #next = 0;
  /** Messages of the current step handed to the broker so far (for diagnostics; reset per step). */
  #released: ExpectedMessage[] = [];

  hold(entry: OutboxEntry): void {
    this.#held.push(entry);
  }

  /** Entries still held. */
  get held(): number {
    return this.#held.length - this.#next;
  }

  /**
   * Carries out held entries in order until `budget` messages have been released; entries that
   * cost nothing (clean closes) right behind them go too. Returns the number of messages released.
   * `around` brackets the work (the transports cork their sockets, so one window is one write each).
   */
  release(budget: number, around?: { before(): void; after(): void }): number {
    let spent = 0;
    around?.before();
    try {
      while (this.#next < this.#held.length) {
        const e = this.#held[this.#next]!;
        if (e.cost > 0 && spent + e.cost > budget) break;
        this.#next++;
        spent += e.cost;
        if (e.message) this.#released.push(e.message);
        e.run();
      }
    } finally {
      around?.after();
    }
    if (this.#next === this.#held.length) {
      this.#held = [];
      this.#next = 0;
    }
    return spent;
  }

  /** What this step has released so far: the messages the platform should now hold. */
  released(): readonly ExpectedMessage[] {
    return this.#released;
  }

  /** A new step begins: forget what the last one released. */
  newStep(): void {
    this.#released = [];
  }

  /** The run is over or failed: whatever is still held is never sent. */
  discard(): number {
    const n = this.held;
    this.#held = [];
    this.#next = 0;
    return n;
  }
}
