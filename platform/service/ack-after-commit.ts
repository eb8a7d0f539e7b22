/**
 * Group commit with acknowledgement after commit (docs/durability.md, "When it is committed").
 *
 * MQTT.js processes one PUBLISH at a time: it calls `handleMessage`, and only when that calls
 * back does it write the PUBACK and move on to the next packet. Committing inside `handleMessage`
 * therefore costs one transaction per message. Instead the host applies each QoS 1 message (its
 * input and decisions staged in the store), and before calling back it *holds* the connection:
 * the socket is corked, so the PUBACK that MQTT.js writes stays in this process's memory. Once the
 * packets already read from the socket are processed (a `setImmediate` — MQTT.js works through
 * them on process.nextTick), `flush` commits everything staged in one transaction and only then
 * uncorks: the PUBACKs of the whole group leave together, after their commit.
 *
 * The invariant, per message: its PUBACK reaches the socket only after the transaction that
 * applied it has committed. A crash before the commit loses the held PUBACKs with the process,
 * so the broker redelivers those messages on the persistent session and the restarted platform
 * applies each once. A group is bounded by what the broker has in flight to this client
 * (Mosquitto's `max_inflight_messages`, 20 by default).
 */
export interface Corkable {
  cork(): void;
  uncork(): void;
  destroy(error?: Error): unknown;
}

export interface AckAfterCommitDeps {
  /** Makes everything applied so far durable (one transaction). */
  readonly commit: () => void;
  /** Runs after a successful commit, before the held acknowledgements are released (e.g. send commands it decided). */
  readonly afterCommit: () => void;
  /** A commit failed: the held acknowledgements were discarded with their connections; the platform must stop. */
  readonly onFailure: (err: Error) => void;
  /** Schedules `flush` after the packets already read are processed (setImmediate in production). */
  readonly later: (run: () => void) => void;
}

export class AckAfterCommit {
  readonly #deps: AckAfterCommitDeps;
  readonly #held = new Set<Corkable>();
  #scheduled = false;
  #failed = false;
  /** Groups committed and messages held, for metrics and the bench. */
  groups = 0;
  messages = 0;

  constructor(deps: AckAfterCommitDeps) {
    this.#deps = deps;
  }

  /**
   * Call after applying a message and before calling back to MQTT.js: whatever the connection
   * writes from now on (the PUBACK first) waits for the next commit.
   */
  hold(stream: Corkable): void {
    if (this.#failed) throw new Error('the store failed to commit; no message is acknowledged any more');
    if (!this.#held.has(stream)) {
      stream.cork();
      this.#held.add(stream);
    }
    this.messages++;
    if (!this.#scheduled) {
      this.#scheduled = true;
      this.#deps.later(() => this.flush());
    }
  }

  /** Commits what is applied, then releases the held connections' writes. Safe to call any time. */
  flush(): void {
    this.#scheduled = false;
    if (this.#failed) return;
    try {
      this.#deps.commit();
    } catch (err) {
      this.#failed = true;
      // Nothing held may leave: the acknowledgements die with their connections, so the broker
      // redelivers every message whose commit is in doubt.
      for (const s of this.#held) s.destroy();
      this.#held.clear();
      this.#deps.onFailure(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (this.#held.size > 0) this.groups++;
    this.#deps.afterCommit();
    for (const s of this.#held) s.uncork();
    this.#held.clear();
  }
}
