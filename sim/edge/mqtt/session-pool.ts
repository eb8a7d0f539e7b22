import type { DeviceSession, DeviceTransport, WillMessage } from '../transport.ts';
import { ClientSession } from './client-session.ts';
import type { MqttTransportOptions } from './session-options.ts';
import { StepOutbox, type ExpectedMessage } from './step-outbox.ts';

export interface TransportError {
  readonly client_id: string;
  readonly message: string;
}

/**
 * The live MQTT connections of a transport, one per client id: a new connection for an id waits
 * for the previous one to close; errors are collected (bounded) for the run to report; and writes
 * are corked for the length of a lockstep step.
 */
export class SessionPool {
  readonly options: MqttTransportOptions;
  readonly errors: TransportError[] = [];
  readonly #live = new Map<string, ClientSession>();
  readonly #corked = new Set<ClientSession>();
  /** Sessions replaced by a newer one for the same id whose sockets have not closed yet. */
  readonly #retiring = new Set<ClientSession>();
  readonly #on_error = (client_id: string, err: Error): void => {
    if (this.errors.length < 1000) this.errors.push({ client_id, message: err.message });
  };

  /** Lockstep flow control (undefined: publishes go straight to the socket, as in real time). */
  readonly outbox: StepOutbox | undefined;

  constructor(options: MqttTransportOptions, flow: TransportFlow = 'direct') {
    this.options = options;
    this.outbox = flow === 'windowed' ? new StepOutbox() : undefined;
  }

  open(client_id: string, will: WillMessage): ClientSession {
    const previous = this.#live.get(client_id);
    if (previous) {
      this.#retiring.add(previous);
      void previous.closed.then(() => this.#retiring.delete(previous));
    }
    const session = new ClientSession(client_id, will, this.options, previous?.closed ?? Promise.resolve(), this.#on_error, this.outbox);
    this.#live.set(client_id, session);
    return session;
  }

  get(client_id: string): ClientSession | undefined {
    return this.#live.get(client_id);
  }

  /**
   * Corks every live connection for the duration of a step. The corked set is kept apart from
   * the by-id map because a session replaced during the step (crash and reconnect) must still be
   * uncorked, or its last messages would never leave and its will never fire.
   */
  cork(): void {
    for (const s of this.#live.values()) {
      s.cork();
      this.#corked.add(s);
    }
  }

  uncork(): void {
    for (const s of this.#corked) s.uncork();
    this.#corked.clear();
  }

  get size(): number {
    return this.#live.size;
  }

  /** Publishes released but not yet acknowledged by the broker, over every session still open. */
  get unsettled(): number {
    let n = 0;
    for (const s of this.#live.values()) n += s.unsettled;
    for (const s of this.#retiring) n += s.unsettled;
    return n;
  }

  /**
   * Closes every connection at the end of a run, each with a DISCONNECT so the broker publishes
   * no will: nothing reaches the broker after the run. Anything still held (a failed step) is
   * discarded, never sent. Sessions that do not finish within `timeout_ms` are cut.
   */
  async close(timeout_ms = 10_000): Promise<void> {
    this.outbox?.discard();
    const sessions = [...this.#live.values()];
    this.#live.clear();
    let timer: NodeJS.Timeout | undefined;
    const clean = Promise.all(sessions.map((s) => s.disconnect())).then(() => 'ok' as const);
    // wall-clock: a broker that stopped answering must not hang the shutdown
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeout_ms))); // wall-clock: shutdown deadline
    const outcome = await Promise.race([clean, late]);
    clearTimeout(timer);
    if (outcome === 'late') await Promise.all(sessions.map((s) => s.destroy()));
  }
}

/** `direct`: publishes go to the socket at once (real time); `windowed`: held for lockstep flow control. */
export type TransportFlow = 'direct' | 'windowed';

/** What both MQTT transports share: a pool of connections and the step-level controls on it. */
export abstract class PooledTransport implements DeviceTransport {
  protected readonly pool: SessionPool;

  constructor(options: MqttTransportOptions, flow: TransportFlow = 'direct') {
    this.pool = new SessionPool(options, flow);
  }

  /** Messages (and wills) waiting for the harness to release them (windowed flow). */
  get held(): number {
    return this.pool.outbox?.held ?? 0;
  }

  /** Released publishes the broker has not acknowledged yet. */
  get unsettled(): number {
    return this.pool.unsettled;
  }

  /** Releases up to `budget` held messages in the order they were made; returns how many went. */
  release(budget: number): number {
    return this.pool.outbox?.release(budget, { before: () => this.pool.cork(), after: () => this.pool.uncork() }) ?? 0;
  }

  /** The messages released in this step so far (what the platform should hold). */
  released(): readonly ExpectedMessage[] {
    return this.pool.outbox?.released() ?? [];
  }

  newStep(): void {
    this.pool.outbox?.newStep();
  }

  /** The connection state of a client id's current session (diagnostics). */
  describeSession(client_id: string): string {
    return this.pool.get(client_id)?.describe() ?? 'no session';
  }

  abstract open(client_id: string, will: WillMessage): DeviceSession;

  get errors(): readonly TransportError[] {
    return this.pool.errors;
  }

  get connections(): number {
    return this.pool.size;
  }

  cork(): void {
    this.pool.cork();
  }

  uncork(): void {
    this.pool.uncork();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
