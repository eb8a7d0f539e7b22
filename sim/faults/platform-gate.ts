/**
 * The platform process during a `platform_restart` fault: while it is down the broker holds its
 * QoS 1 messages (a persistent session), so nothing is lost, but nothing is processed either — no
 * message, no timer, no operator action. When it comes back it takes the backlog in one go, in the
 * canonical order the lockstep gave it, stamped with its restart time: detections are late by the
 * downtime, exactly as a NOC would see it. Generic over the message type so it needs no platform.
 */
export interface GateDelivery<M> {
  /** A normal step: apply the step's messages up to its end. */
  apply(messages: readonly M[], step_end_ms: number): void;
  /** The held backlog, received all at once at `at_ms`. */
  backlog(messages: readonly M[], at_ms: number): void;
}

/** Most messages held while the platform is down; beyond it they are dropped and counted. */
export const MAX_BACKLOG = 2_000_000;

export class PlatformGate<M> {
  #down = false;
  #up_at_ms: number | null = null;
  #held: M[] = [];
  /** Messages dropped because the backlog bound was hit. */
  overflow = 0;
  /** Longest backlog delivered at once. */
  max_backlog = 0;

  get is_down(): boolean {
    return this.#down;
  }

  down(_at_ms: number): void {
    this.#down = true;
    this.#up_at_ms = null;
  }

  up(at_ms: number): void {
    this.#down = false;
    this.#up_at_ms = at_ms;
  }

  /** Called once per lockstep step with the step's messages in canonical order. */
  step(messages: readonly M[], step_end_ms: number, deliver: GateDelivery<M>): void {
    if (this.#down) {
      for (const m of messages) {
        if (this.#held.length < MAX_BACKLOG) this.#held.push(m);
        else this.overflow++;
      }
      return;
    }
    if (this.#held.length > 0 || this.#up_at_ms !== null) {
      const held = this.#held;
      this.#held = [];
      this.max_backlog = Math.max(this.max_backlog, held.length);
      if (held.length > 0) deliver.backlog(held, Math.min(step_end_ms, this.#up_at_ms ?? step_end_ms));
      this.#up_at_ms = null;
    }
    deliver.apply(messages, step_end_ms);
  }
}
