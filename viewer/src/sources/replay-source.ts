/**
 * Replay of a recorded trace. The file is streamed and decoded line by line into a Timeline
 * (typed arrays; telemetry payloads are not kept — the details panel fetches a device's last
 * telemetry line back from the server by byte range), then folded once to build keyframes.
 * Playback moves the simulated time; the state is always exactly the fold at that time.
 */
import type { TopologyDoc, ViewerConfig } from '../config.ts';
import { emptyDecoded, decodeLine } from '../model/decode.ts';
import { FleetState } from '../model/fleet-state.ts';
import { DeviceRegistry } from '../model/registry.ts';
import { Timeline } from '../model/timeline.ts';
import type { Source } from './source.ts';

export interface LoadProgress {
  bytes: number;
  total: number;
  lines: number;
}

const YIELD_EVERY_MS = 60;

export class ReplaySource implements Source {
  readonly mode = 'replay' as const;
  readonly registry = new DeviceRegistry();
  readonly state = new FleetState(this.registry);
  readonly timeline = new Timeline();
  topology_doc: TopologyDoc | null = null;
  title = 'Replay';
  start_ms = 0;
  end_ms = 0;
  playing = false;
  /** Simulated seconds per wall second. */
  rate = 60;
  private T = 0;
  private last_wall: number | null = null;
  private dirty = true;
  malformed = 0;
  lines = 0;

  constructor(private readonly config: Extract<ViewerConfig, { mode: 'replay' }>) {
    this.title = config.title;
  }

  async load(onProgress: (p: LoadProgress) => void): Promise<void> {
    if (this.config.topology_url) {
      const r = await fetch(this.config.topology_url);
      if (r.ok) this.topology_doc = (await r.json()) as TopologyDoc;
    }
    const res = await fetch(this.config.trace_url);
    if (!res.ok || !res.body) throw new Error(`cannot load the trace: HTTP ${res.status}`);
    const total = Number(res.headers.get('content-length') ?? this.config.trace_bytes) || this.config.trace_bytes;
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    const out = emptyDecoded();
    let carry = new Uint8Array(0);
    let base = 0;
    let last_yield = performance.now();
    const line = (text: string, off: number, len: number): void => {
      if (len === 0) return;
      this.lines++;
      let o: unknown;
      try {
        o = JSON.parse(text);
      } catch {
        this.malformed++;
        return;
      }
      if (o === null || typeof o !== 'object') return;
      if (decodeLine(this.registry, o as Record<string, unknown>, out)) this.timeline.append(out, off, len);
    };
    const chunk = (bytes: Uint8Array, at: number): void => {
      const text = decoder.decode(bytes);
      if (text.length === bytes.length) {
        // ASCII (every trace we write): character offsets are byte offsets.
        let from = 0;
        for (;;) {
          const nl = text.indexOf('\n', from);
          const end = nl < 0 ? text.length : nl;
          line(text.slice(from, end), at + from, end - from);
          if (nl < 0) break;
          from = nl + 1;
        }
      } else {
        let from = 0;
        for (;;) {
          const nl = bytes.indexOf(10, from);
          const end = nl < 0 ? bytes.length : nl;
          line(decoder.decode(bytes.subarray(from, end)), at + from, end - from);
          if (nl < 0) break;
          from = nl + 1;
        }
      }
    };
    for (;;) {
      const { done, value } = await reader.read();
      if (value && value.length > 0) {
        const buf = new Uint8Array(carry.length + value.length);
        buf.set(carry);
        buf.set(value, carry.length);
        const nl = buf.lastIndexOf(10);
        if (nl < 0) carry = buf;
        else {
          chunk(buf.subarray(0, nl), base);
          base += nl + 1;
          carry = buf.slice(nl + 1);
        }
        onProgress({ bytes: base + carry.length, total, lines: this.lines });
      }
      if (done) break;
      if (performance.now() - last_yield > YIELD_EVERY_MS) {
        // Let the progress bar paint.
        await new Promise((r) => setTimeout(r, 0));
        last_yield = performance.now();
      }
    }
    if (carry.length > 0) chunk(carry, base);
    this.state.grow();
    this.timeline.finish(this.state);
    const run = this.state.run;
    this.start_ms = typeof run?.start_ms === 'number' ? run.start_ms : this.timeline.min_t;
    this.end_ms = typeof run?.end_ms === 'number' ? run.end_ms : this.timeline.max_t;
    if (!Number.isFinite(this.start_ms)) this.start_ms = 0;
    if (!Number.isFinite(this.end_ms) || this.end_ms < this.start_ms) this.end_ms = this.start_ms;
    this.T = this.end_ms;
    this.dirty = true;
  }

  get time(): number {
    return this.T;
  }

  seek(T: number): void {
    this.T = Math.max(this.start_ms, Math.min(this.end_ms, T));
    this.timeline.seek(this.state, this.T);
    this.dirty = false;
  }

  play(): void {
    if (this.T >= this.end_ms) this.seek(this.start_ms);
    this.playing = true;
    this.last_wall = null;
  }

  pause(): void {
    this.playing = false;
  }

  tick(wall_ms: number): void {
    if (this.playing) {
      if (this.last_wall !== null) {
        const next = this.T + (wall_ms - this.last_wall) * this.rate;
        if (next >= this.end_ms) {
          this.T = this.end_ms;
          this.playing = false;
        } else this.T = next;
        this.dirty = true;
      }
      this.last_wall = wall_ms;
    }
    if (this.dirty) {
      this.timeline.seek(this.state, this.T);
      this.dirty = false;
    }
  }

  speed(): number | null {
    return this.playing ? this.rate : 0;
  }

  lastOta(d: number): Record<string, unknown> | null {
    const ref = this.state.c.ota_ref[d]!;
    return ref >= 0 ? (this.timeline.obj[ref] ?? null) : null;
  }

  lastEvent(d: number): Record<string, unknown> | null {
    const ref = this.state.c.event_ref[d]!;
    return ref >= 0 ? (this.timeline.obj[ref] ?? null) : null;
  }

  async telemetryValues(d: number): Promise<Record<string, unknown> | null> {
    const ref = this.state.c.tel_ref[d]!;
    if (ref < 0) return null;
    const off = this.timeline.off[ref]!;
    const len = this.timeline.len[ref]!;
    const r = await fetch(this.config.trace_url, { headers: { range: `bytes=${off}-${off + len - 1}` } });
    if (!r.ok) return null;
    try {
      const o = JSON.parse(await r.text()) as { p?: { values?: Record<string, unknown> } };
      return o.p?.values ?? null;
    } catch {
      return null;
    }
  }
}
