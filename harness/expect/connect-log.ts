import type { ConnectAttempt } from './storms.ts';

/** Attempts to a chunk: its arrays are made whole, so a run pays at most one chunk's slack. */
const CHUNK = 4_096;

/**
 * Every connect attempt of a run, in trace order, for the reconnect-storm reports. Held in
 * columns (time in a Float64Array, success in a Uint8Array, the device's id string shared with the
 * oracle) rather than an object per attempt: ~17 bytes an attempt instead of ~76, and a week of
 * the flagship makes several attempts a device (boots, crash reboots, reconnects after outages).
 * `at` makes an attempt object on demand; only the storm reports read them, a window at a time.
 */
export class ConnectLog {
  readonly #times: Float64Array[] = [];
  readonly #ok: Uint8Array[] = [];
  readonly #devices: string[][] = [];
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(t: number, d: string, ok: boolean): void {
    const chunk = Math.floor(this.#length / CHUNK);
    if (chunk === this.#times.length) {
      this.#times.push(new Float64Array(CHUNK));
      this.#ok.push(new Uint8Array(CHUNK));
      this.#devices.push([]);
    }
    const i = this.#length - chunk * CHUNK;
    this.#times[chunk]![i] = t;
    this.#ok[chunk]![i] = ok ? 1 : 0;
    this.#devices[chunk]!.push(d);
    this.#length++;
  }

  /** The attempt at `index` (0 = the first), or undefined past the end, as Array.prototype.at for index ≥ 0. */
  at(index: number): ConnectAttempt | undefined {
    if (!(index >= 0 && index < this.#length)) return undefined;
    const chunk = Math.floor(index / CHUNK);
    const i = index - chunk * CHUNK;
    return { t: this.#times[chunk]![i]!, d: this.#devices[chunk]![i]!, ok: this.#ok[chunk]![i] === 1 };
  }
}
