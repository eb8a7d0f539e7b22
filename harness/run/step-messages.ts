import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/**
 * What differs inside a lockstep step whose `rx` digests differ (docs/mqtt.md, "Comparing runs"):
 * a recorded trace holds every message the sim published (`pub` lines) and every will the broker
 * published for it (`will` lines) before the step's `rx` line, so the step's messages can be
 * rebuilt from each trace and compared by topic and payload. Streaming: a trace may be gigabytes.
 */
export interface StepMessage {
  readonly topic: string;
  /** The device the topic names (msp/v1/<site>/<device>/<class>). */
  readonly device: string;
  readonly payload: string;
}

export interface StepDifference {
  readonly step: number;
  /** The step's end (virtual ms), from the rx line. */
  readonly t: number;
  readonly rx_a: string | undefined;
  readonly rx_b: string | undefined;
  /** Messages of the step only one side published, and same-topic messages whose payloads differ. */
  readonly only_a: readonly StepMessage[];
  readonly only_b: readonly StepMessage[];
  readonly changed: ReadonlyArray<{ readonly topic: string; readonly device: string; readonly a: string; readonly b: string }>;
  /** Both sides published the same messages: the difference is in what the platform received. */
  readonly same_published: boolean;
}

interface Line {
  k?: string;
  t?: number;
  c?: string;
  topic?: string;
  p?: unknown;
  step?: number;
  n?: number;
  h?: string;
}

async function* records(path: string): AsyncGenerator<Line> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.includes('"k":"rx"') && !line.includes('"k":"pub"') && !line.includes('"k":"will"')) continue;
    try {
      yield JSON.parse(line) as Line;
    } catch {
      // A truncated last line (a run cut off mid-write) names nothing.
    }
  }
}

/** Each step's rx line as `n:h` (count and digest) with its time. */
async function rxLines(path: string): Promise<Map<number, { key: string; t: number }>> {
  const out = new Map<number, { key: string; t: number }>();
  for await (const r of records(path)) if (r.k === 'rx' && r.step !== undefined) out.set(r.step, { key: `${r.n}:${r.h}`, t: r.t ?? 0 });
  return out;
}

/** The messages published in `step` (after the previous rx line, up to this one), wills included. */
async function messagesOf(path: string, step: number): Promise<StepMessage[]> {
  const site_of = new Map<string, string>();
  let current: StepMessage[] = [];
  for await (const r of records(path)) {
    if (r.k === 'rx') {
      if (r.step === step) return current;
      current = [];
    } else if (r.k === 'pub' && r.topic) {
      const [, , site, device] = r.topic.split('/');
      if (site && device) site_of.set(device, site);
      current.push({ topic: r.topic, device: device ?? r.c ?? '?', payload: JSON.stringify(r.p) });
    } else if (r.k === 'will' && r.c) {
      current.push({ topic: `msp/v1/${site_of.get(r.c) ?? '?'}/${r.c}/state`, device: r.c, payload: JSON.stringify(r.p) });
    }
  }
  return current;
}

/** The first step whose rx lines differ, and which of its messages differ; undefined if none do. */
export async function stepDifference(path_a: string, path_b: string): Promise<StepDifference | undefined> {
  const [ra, rb] = await Promise.all([rxLines(path_a), rxLines(path_b)]);
  const steps = [...new Set([...ra.keys(), ...rb.keys()])].sort((x, y) => x - y);
  const step = steps.find((s) => ra.get(s)?.key !== rb.get(s)?.key);
  if (step === undefined) return undefined;
  const [ma, mb] = await Promise.all([messagesOf(path_a, step), messagesOf(path_b, step)]);
  const key = (m: StepMessage): string => `${m.topic} ${m.payload}`;
  // Multisets: the same message twice on one side and once on the other differs by one.
  const count = new Map<string, number>();
  for (const m of mb) count.set(key(m), (count.get(key(m)) ?? 0) + 1);
  const only_a: StepMessage[] = [];
  for (const m of ma) {
    const n = count.get(key(m)) ?? 0;
    if (n > 0) count.set(key(m), n - 1);
    else only_a.push(m);
  }
  const only_b: StepMessage[] = [];
  for (const m of mb) {
    const n = count.get(key(m)) ?? 0;
    if (n > 0) {
      count.set(key(m), n - 1);
      only_b.push(m);
    }
  }
  // Same topic on both sides with different payloads: a changed message rather than two.
  const changed: Array<{ topic: string; device: string; a: string; b: string }> = [];
  for (let i = 0; i < only_a.length; i++) {
    const j = only_b.findIndex((m) => m.topic === only_a[i]!.topic);
    if (j < 0) continue;
    changed.push({ topic: only_a[i]!.topic, device: only_a[i]!.device, a: only_a[i]!.payload, b: only_b[j]!.payload });
    only_a.splice(i--, 1);
    only_b.splice(j, 1);
  }
  return {
    step,
    t: (ra.get(step) ?? rb.get(step))!.t,
    rx_a: ra.get(step)?.key,
    rx_b: rb.get(step)?.key,
    only_a,
    only_b,
    changed,
    same_published: only_a.length === 0 && only_b.length === 0 && changed.length === 0,
  };
}
