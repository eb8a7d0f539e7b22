import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface TraceDiff {
  readonly equal: boolean;
  /** 1-based line number of the first difference (undefined when equal). */
  readonly line?: number;
  readonly a?: string;
  readonly b?: string;
  readonly lines_a: number;
  readonly lines_b: number;
}

async function* lines(path: string): AsyncGenerator<string> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of rl) yield line;
}

/**
 * The first place two traces diverge, streamed line by line (a month of the flagship is
 * gigabytes): equal traces are the determinism proof, and the first differing line is where a
 * hunt for hidden nondeterminism starts (FoundationDB's "rerun the seed, compare the digest").
 */
export async function diffTraces(path_a: string, path_b: string, options: { from_line?: number } = {}): Promise<TraceDiff> {
  const ia = lines(path_a)[Symbol.asyncIterator]();
  const ib = lines(path_b)[Symbol.asyncIterator]();
  // Lines before `from_line` are read and counted but not compared (e.g. the header, which names
  // the seed: two seeds' behaviour can still be compared from line 2 on).
  const from = Math.max(1, options.from_line ?? 1);
  let n = 0;
  let first: { line: number; a: string | undefined; b: string | undefined } | undefined;
  let count_a = 0;
  let count_b = 0;
  for (;;) {
    const [ra, rb] = await Promise.all([ia.next(), ib.next()]);
    if (!ra.done) count_a++;
    if (!rb.done) count_b++;
    if (ra.done && rb.done) break;
    n++;
    if (first === undefined && n >= from && (ra.done || rb.done || ra.value !== rb.value)) {
      first = { line: n, a: ra.done ? undefined : ra.value, b: rb.done ? undefined : rb.value };
    }
  }
  if (!first) return { equal: true, lines_a: count_a, lines_b: count_b };
  return { equal: false, line: first.line, ...(first.a !== undefined ? { a: first.a } : {}), ...(first.b !== undefined ? { b: first.b } : {}), lines_a: count_a, lines_b: count_b };
}
