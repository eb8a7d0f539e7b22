/**
 * The simulator's trace lines of one lockstep step, held until the step's end and then put in the
 * trace's order: by virtual time, then by site, then in the order the site made them
 * (docs/scale-out.md, "The trace's order").
 *
 * Why not the order the events fired in: two sites' events at the same millisecond fire in the
 * order they were scheduled, and that order depends on which other sites share the event queue.
 * A site's own events keep their relative order whatever else is in the queue (each is scheduled
 * by an earlier event of the same site, or by the world's global clockwork, which every shard
 * runs), so "time, site, site-local order" is the same whether one simulator holds every site or
 * N shards hold a part each. Lines that belong to no site (the NOC, a broker outage) carry the
 * site `''` and come first at their millisecond.
 */
export interface StepLineBatch {
  readonly t: readonly number[];
  readonly site: readonly string[];
  readonly kind: readonly string[];
  readonly line: readonly string[];
}

export class StepLines {
  #t: number[] = [];
  #site: string[] = [];
  #kind: string[] = [];
  #line: string[] = [];
  /** Sort scratch for drainTo, kept between steps. */
  #order = new Int32Array(0);

  get size(): number {
    return this.#t.length;
  }

  push(t_ms: number, site: string, kind: string, line: string): void {
    this.#t.push(t_ms);
    this.#site.push(site);
    this.#kind.push(kind);
    this.#line.push(line);
  }

  /** The held lines in the trace's order (a stable sort keeps each site's own order); empties the buffer. */
  take(): StepLineBatch {
    return this.#drain().batch;
  }

  /**
   * `take`, and where each held line went: `position[i]` is the place in the batch of the i-th line
   * pushed, or null when the batch kept the push order (the common case).
   */
  takeIndexed(): { batch: StepLineBatch; position: Int32Array | null } {
    const ordered = this.#drain();
    if (ordered.index === null) return { batch: ordered.batch, position: null };
    const position = new Int32Array(ordered.index.length);
    ordered.index.forEach((pushed, place) => (position[pushed] = place));
    return { batch: ordered.batch, position };
  }

  /**
   * `take`, written line by line to `write` instead of returned: one simulator's path, which
   * needs no batch. A step that is out of order is written through a sort of indices kept between
   * steps rather than four reordered copies of its lines (a steady share of a run's garbage).
   */
  drainTo(write: (kind: string, line: string) => void): void {
    const t = this.#t;
    const site = this.#site;
    const kind = this.#kind;
    const line = this.#line;
    const n = t.length;
    if (ordered(t, site)) {
      for (let i = 0; i < n; i++) write(kind[i]!, line[i]!);
    } else {
      if (this.#order.length < n) this.#order = new Int32Array(Math.max(n, 2 * this.#order.length));
      const order = this.#order;
      // Insertion sort: a step's lines come in time order but for lines of one millisecond from
      // different sites, so it is nearly sorted and this costs about one pass, with no allocation
      // (a comparator sort of a typed array copies it). Stable: equal keys keep the push order. A
      // step far from sorted (a broker outage's lines for every device at one instant) falls back
      // to the comparator sort rather than going quadratic.
      let moves = 0;
      for (let i = 0; i < n && moves <= 16 * n; i++) {
        let j = i;
        while (j > 0 && before(t, site, i, order[j - 1]!)) {
          order[j] = order[j - 1]!;
          j--;
          moves++;
        }
        order[j] = i;
      }
      if (moves > 16 * n) {
        const sorted = order.subarray(0, n);
        for (let i = 0; i < n; i++) sorted[i] = i;
        sorted.sort((x, y) => compareLines(t, site, x, y));
      }
      for (let i = 0; i < n; i++) write(kind[order[i]!]!, line[order[i]!]!);
    }
    this.#t = [];
    this.#site = [];
    this.#kind = [];
    this.#line = [];
  }

  #drain(): { batch: StepLineBatch; index: readonly number[] | null } {
    const ordered = orderLinesIndexed({ t: this.#t, site: this.#site, kind: this.#kind, line: this.#line });
    this.#t = [];
    this.#site = [];
    this.#kind = [];
    this.#line = [];
    return ordered;
  }
}

/** Whether line a goes strictly before line b in the trace's (time, site) order. */
function before(t: readonly number[], site: readonly string[], a: number, b: number): boolean {
  const dt = t[a]! - t[b]!;
  return dt < 0 || (dt === 0 && site[a]! < site[b]!);
}

/** The trace's order of lines a and b: (time, site), then the order they were pushed in. */
function compareLines(t: readonly number[], site: readonly string[], a: number, b: number): number {
  return before(t, site, a, b) ? -1 : before(t, site, b, a) ? 1 : a - b;
}

/** Whether the lines are already in (time, site) order: the common case, since events pop in time order. */
function ordered(t: readonly number[], site: readonly string[]): boolean {
  for (let i = 1; i < t.length; i++) if (before(t, site, i, i - 1)) return false;
  return true;
}

/** Sorts a batch by (time, site), keeping the given order among equal keys. */
export function orderLines(b: StepLineBatch): StepLineBatch {
  return orderLinesIndexed(b).batch;
}

/** `orderLines`, and which line of `b` each place of the result holds (null: the same order). */
function orderLinesIndexed(b: StepLineBatch): { batch: StepLineBatch; index: readonly number[] | null } {
  if (ordered(b.t, b.site)) return { batch: b, index: null };
  const index = b.t.map((_, i) => i);
  index.sort((x, y) => compareLines(b.t, b.site, x, y));
  return { batch: { t: index.map((i) => b.t[i]!), site: index.map((i) => b.site[i]!), kind: index.map((i) => b.kind[i]!), line: index.map((i) => b.line[i]!) }, index };
}

/**
 * Several shards' batches of the same step as one, in the trace's order: concatenated in shard
 * order, then sorted stably, so equal keys keep shard order and, within a shard, its own order.
 * A site lives in exactly one shard, so for site lines the result does not depend on the split.
 */
export function mergeLines(batches: readonly StepLineBatch[]): StepLineBatch {
  if (batches.length === 1) return batches[0]!;
  const all = { t: [] as number[], site: [] as string[], kind: [] as string[], line: [] as string[] };
  for (const b of batches) {
    for (let i = 0; i < b.t.length; i++) {
      all.t.push(b.t[i]!);
      all.site.push(b.site[i]!);
      all.kind.push(b.kind[i]!);
      all.line.push(b.line[i]!);
    }
  }
  return orderLines(all);
}
