/**
 * A recorded trace in memory, columnar, with keyframes for scrubbing.
 *
 * "The state at simulated time T" is defined as: fold, in file order, every line whose `t` ≤ T
 * (docs/viewer.md). File order is journal order; platform (`p.*`) lines of a lockstep step are
 * journalled at the step's end with their own, earlier, times, so `t` is not monotone in the file
 * and a naive "fold the prefix up to T" would be wrong around every step boundary.
 *
 * How seeks stay exact and cheap: a keyframe at line p is the fold of *all* lines before p; it is
 * valid for every T ≥ maxT(p) (the largest t before p). From it, lines p… are folded in file order
 * when t ≤ T and skipped otherwise, and the scan stops at the first line q whose suffix minimum of t
 * exceeds T (nothing after q can qualify). Moving forward reuses the current state as long as no
 * skipped line has become due; otherwise it seeks again from a keyframe.
 */
import { EV } from './codes.ts';
import { emptyDecoded, type Decoded } from './decode.ts';
import type { FleetSnapshot, FleetState } from './fleet-state.ts';
import { Story } from './story.ts';

const INITIAL_CAPACITY = 1 << 14;
/** Keyframe spacing in lines: small enough that a seek folds a few thousand lines at most. */
const MIN_KEYFRAME_LINES = 2048;
/** Keyframe memory budget; spacing widens for big fleets and long traces. */
const KEYFRAME_BUDGET_BYTES = 160 * 1024 * 1024;
const BYTES_PER_DEVICE_IN_KEYFRAME = 112;

export class Timeline {
  length = 0;
  private cap = INITIAL_CAPACITY;
  t = new Float64Array(INITIAL_CAPACITY);
  code = new Uint8Array(INITIAL_CAPACITY);
  dev = new Int32Array(INITIAL_CAPACITY);
  a = new Int32Array(INITIAL_CAPACITY);
  b = new Int32Array(INITIAL_CAPACITY);
  val = new Float32Array(INITIAL_CAPACITY);
  bat = new Float32Array(INITIAL_CAPACITY);
  rssi = new Float32Array(INITIAL_CAPACITY);
  bits = new Uint8Array(INITIAL_CAPACITY);
  /** Byte offset and length of the line in the trace file (the details panel fetches it by range). */
  off = new Float64Array(INITIAL_CAPACITY);
  len = new Uint32Array(INITIAL_CAPACITY);
  /** Parsed objects of the non-telemetry lines (sparse). */
  obj: Array<Record<string, unknown> | null> = [];

  // Built by finish():
  private suffix_min = new Float64Array(0);
  private keyframes: Array<{ pos: number; max_t: number; snap: FleetSnapshot }> = [];
  /** Times of incident openings and fault starts, for the scrubber's markers and "next incident". */
  incident_opens: Array<{ t: number; id: string; pri: string }> = [];
  fault_starts: Array<{ t: number; id: string; kind: string }> = [];
  /** Faults, incidents, alerts and rollout waves of the whole run (built by finish()). */
  story = new Story();
  min_t = Infinity;
  max_t = -Infinity;

  // Seek state:
  private cursor = 0;
  private skipped_min = Infinity;
  private at_t = -Infinity;
  private scratch: Decoded = emptyDecoded();

  append(e: Decoded, off: number, len: number): void {
    if (this.length === this.cap) this.growTo(this.cap * 2);
    const i = this.length++;
    this.t[i] = e.t;
    this.code[i] = e.code;
    this.dev[i] = e.d;
    this.a[i] = e.a;
    this.b[i] = e.b;
    this.val[i] = e.val;
    this.bat[i] = e.bat;
    this.rssi[i] = e.rssi;
    this.bits[i] = e.bits;
    this.off[i] = off;
    this.len[i] = len;
    this.obj[i] = e.code === EV.telemetry ? null : e.obj;
    if (e.t < this.min_t) this.min_t = e.t;
    if (e.t > this.max_t) this.max_t = e.t;
  }

  private growTo(cap: number): void {
    const grow = <T extends Float64Array | Float32Array | Int32Array | Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a as never);
      return b;
    };
    this.t = grow(this.t, (n) => new Float64Array(n));
    this.code = grow(this.code, (n) => new Uint8Array(n));
    this.dev = grow(this.dev, (n) => new Int32Array(n));
    this.a = grow(this.a, (n) => new Int32Array(n));
    this.b = grow(this.b, (n) => new Int32Array(n));
    this.val = grow(this.val, (n) => new Float32Array(n));
    this.bat = grow(this.bat, (n) => new Float32Array(n));
    this.rssi = grow(this.rssi, (n) => new Float32Array(n));
    this.bits = grow(this.bits, (n) => new Uint8Array(n));
    this.off = grow(this.off, (n) => new Float64Array(n));
    this.len = grow(this.len, (n) => new Uint32Array(n));
    this.cap = cap;
  }

  /** Line i as a Decoded record (reused object: copy what you keep). */
  decoded(i: number): Decoded {
    const e = this.scratch;
    e.code = this.code[i]!;
    e.t = this.t[i]!;
    e.d = this.dev[i]!;
    e.a = this.a[i]!;
    e.b = this.b[i]!;
    e.val = this.val[i]!;
    e.bat = this.bat[i]!;
    e.rssi = this.rssi[i]!;
    e.bits = this.bits[i]!;
    e.obj = this.obj[i] ?? null;
    return e;
  }

  /** After the last append: suffix minima, markers and keyframes (folds the whole trace once). */
  finish(state: FleetState): void {
    const n = this.length;
    this.suffix_min = new Float64Array(n + 1);
    this.suffix_min[n] = Infinity;
    for (let i = n - 1; i >= 0; i--) this.suffix_min[i] = Math.min(this.t[i]!, this.suffix_min[i + 1]!);
    state.grow();
    state.clear();
    const devices = Math.max(1, state.registry.size);
    const budget_frames = Math.max(8, Math.floor(KEYFRAME_BUDGET_BYTES / (devices * BYTES_PER_DEVICE_IN_KEYFRAME)));
    const every = Math.max(MIN_KEYFRAME_LINES, Math.ceil(n / budget_frames));
    this.keyframes = [];
    this.incident_opens = [];
    this.fault_starts = [];
    const seen_inc = new Set<string>();
    this.story = new Story();
    let max_t = -Infinity;
    for (let i = 0; i < n; i++) {
      if (i % every === 0) this.keyframes.push({ pos: i, max_t, snap: state.snapshot() });
      const e = this.decoded(i);
      if (e.code === EV.incident) {
        const id = e.obj!.id as string;
        if (!seen_inc.has(id)) {
          seen_inc.add(id);
          this.incident_opens.push({ t: e.t, id, pri: String(e.obj!.pri ?? '') });
        }
      } else if (e.code === EV.fault && e.obj!.s === 'start') {
        this.fault_starts.push({ t: e.t, id: String(e.obj!.id ?? ''), kind: String(e.obj!.kind ?? 'fault') });
      }
      this.story.observe(e);
      state.apply(e, i);
      if (e.t > max_t) max_t = e.t;
    }
    this.story.finish();
    this.incident_opens.sort((x, y) => x.t - y.t || (x.id < y.id ? -1 : 1));
    this.fault_starts.sort((x, y) => x.t - y.t);
    this.at_t = Infinity;
    this.cursor = n;
    this.skipped_min = Infinity;
    state.t = this.max_t;
  }

  /** Puts `state` at simulated time T (exactly the fold defined above). */
  seek(state: FleetState, T: number): void {
    if (T >= this.at_t && T < this.skipped_min && this.keyframes.length > 0) {
      this.scan(state, T);
      return;
    }
    // The last keyframe valid for T: keyframe max_t is non-decreasing in position.
    let lo = 0;
    let hi = this.keyframes.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.keyframes[mid]!.max_t <= T) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (best < 0) {
      state.clear();
      this.cursor = 0;
    } else {
      const k = this.keyframes[best]!;
      state.restore(k.snap);
      this.cursor = k.pos;
    }
    this.skipped_min = Infinity;
    this.at_t = T;
    this.scan(state, T);
  }

  private scan(state: FleetState, T: number): void {
    const n = this.length;
    let i = this.cursor;
    while (i < n && this.suffix_min[i]! <= T) {
      const t = this.t[i]!;
      if (t <= T) state.apply(this.decoded(i), i);
      else if (t < this.skipped_min) this.skipped_min = t;
      i++;
    }
    this.cursor = i;
    this.at_t = T;
    state.t = T;
    state.version++;
  }

  nextIncidentAfter(T: number): { t: number; id: string } | undefined {
    return this.incident_opens.find((x) => x.t > T);
  }

  prevIncidentBefore(T: number): { t: number; id: string } | undefined {
    let found: { t: number; id: string } | undefined;
    for (const x of this.incident_opens) if (x.t < T) found = x;
    return found;
  }
}
