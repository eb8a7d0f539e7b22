import { createHash } from 'node:crypto';
import type { TraceJournal } from '../../sim/kernel/trace.ts';
import { orderStep, type OrderedMessage } from '../../platform/core/step-order.ts';
import { TransportFailure } from './transport-failure.ts';

/**
 * The platform side of the lockstep barrier (docs/mqtt.md, lockstep), until the real platform takes its
 * place: it buffers device messages as they arrive in whatever order the broker delivers them,
 * and when the sim's step marker says how many belong to step k and all have arrived, it applies
 * them in canonical order — here, folding them into a digest journalled in the trace — and
 * acknowledges. Socket arrival order never reaches the trace; only the sorted set does.
 */
export interface ReceivedMessage {
  readonly topic: string;
  readonly payload: string;
}

export interface StepMarker {
  readonly step: number;
  readonly t_ms: number;
  readonly expected: number;
  /** Wills the broker published in the step, as (topic, virtual time): they carry no ts. */
  readonly wills?: ReadonlyArray<readonly [string, number]>;
}

export class StepReceiver {
  readonly #trace: TraceJournal;
  #buffer: ReceivedMessage[] = [];
  #marker: StepMarker | undefined;
  #on_complete: ((marker: StepMarker) => void) | undefined;
  received_total = 0;
  ignored_retained = 0;
  #stopped = false;
  /** Real-time mode has no steps: count what arrives, keep nothing. */
  readonly #count_only: boolean;
  readonly #on_apply: ((messages: readonly OrderedMessage[], t_ms: number) => void) | undefined;
  readonly #on_message: ((m: ReceivedMessage) => void) | undefined;

  /**
   * `on_apply` receives each completed step's messages in canonical order (the platform applies
   * them); `on_message` receives each message as it arrives (real-time mode).
   */
  constructor(trace: TraceJournal, options: { count_only?: boolean; on_apply?: (messages: readonly OrderedMessage[], t_ms: number) => void; on_message?: (m: ReceivedMessage) => void } = {}) {
    this.#trace = trace;
    this.#count_only = options.count_only ?? false;
    this.#on_apply = options.on_apply;
    this.#on_message = options.on_message;
  }

  /** A device message from the broker. Retained replays (history, not news) are ignored. */
  onMessage(topic: string, payload: string, retained: boolean): void {
    if (this.#stopped) return;
    if (retained) {
      this.ignored_retained++;
      return;
    }
    this.received_total++;
    if (this.#count_only) {
      this.#on_message?.({ topic, payload });
      return;
    }
    this.#buffer.push({ topic, payload });
    this.#check();
  }

  /**
   * The run ended or failed: from now on nothing is applied or journalled, so a teardown (a will,
   * a late redelivery) can never complete a step in the trace after the run's last line.
   */
  stop(): void {
    this.#stopped = true;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** The messages buffered for the open step (for naming missing or unexpected ones). */
  held(): readonly ReceivedMessage[] {
    return this.#buffer;
  }

  /** The sim's step marker; `on_complete` runs once every message of the step has arrived. */
  onMarker(marker: StepMarker, on_complete: (marker: StepMarker) => void): void {
    if (this.#stopped) return;
    if (this.#marker) throw new TransportFailure('LOCKSTEP_PROTOCOL', `marker for step ${marker.step} while step ${this.#marker.step} is open`);
    this.#marker = marker;
    this.#on_complete = on_complete;
    this.#check();
  }

  /** What the receiver holds for the open step, for a clear time-out message. */
  pending(): { step: number | undefined; have: number; expected: number | undefined } {
    return { step: this.#marker?.step, have: this.#buffer.length, expected: this.#marker?.expected };
  }

  #check(): void {
    const marker = this.#marker;
    if (!marker || this.#buffer.length < marker.expected) return;
    if (this.#buffer.length > marker.expected) {
      throw new TransportFailure('LOCKSTEP_COUNT', `step ${marker.step} expected ${marker.expected} messages, received ${this.#buffer.length}`);
    }
    // Sorted once, here, in the platform's canonical order; the digest and the platform see the same array.
    const ordered = orderStep(this.#buffer, marker.t_ms, marker.wills && marker.wills.length > 0 ? new Map(marker.wills) : undefined);
    // One `update` per step: four per message cost more than the hashing (the digest is the same).
    // Joined rather than summed: one flat string instead of a rope of three nodes a message for
    // the hash to flatten (docs/performance.md).
    const parts: string[] = [];
    for (let i = 0; i < ordered.length; i++) parts.push(ordered[i]!.topic, ' ', ordered[i]!.payload, '\n');
    const h = createHash('sha256').update(parts.join('')).digest('hex').slice(0, 32);
    this.#trace.append(marker.t_ms, 'rx', { step: marker.step, n: ordered.length, h });
    this.#on_apply?.(ordered, marker.t_ms);
    this.#buffer = [];
    this.#marker = undefined;
    const done = this.#on_complete!;
    this.#on_complete = undefined;
    done(marker);
  }
}
