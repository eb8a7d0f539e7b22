import * as hdr from 'hdr-histogram-js';

/**
 * Latency histograms: HdrHistogram (hdr-histogram-js), values recorded in integer microseconds
 * with 3 significant digits, so p99.9 and max are exact to 0.1 % instead of being interpolated
 * between a handful of buckets. Workers ship theirs to the coordinator compressed (the HDR wire
 * format), where they are added: percentiles of a merged histogram are the true fleet-wide ones,
 * which averaging per-worker percentiles would not be.
 */
export type LatencyHistogram = hdr.Histogram;

export interface LatencySummary {
  readonly count: number;
  readonly p50_ms: number;
  readonly p90_ms: number;
  readonly p99_ms: number;
  readonly p999_ms: number;
  readonly max_ms: number;
  readonly mean_ms: number;
}

/** 1 µs … 60 s before auto-resize; 32-bit counts hold any run this harness allows. */
export function latencyHistogram(): LatencyHistogram {
  return hdr.build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
}

/** Records a latency given in (fractional) milliseconds; negatives (clock skew) count as 0. */
export function recordMs(h: LatencyHistogram, latency_ms: number): void {
  h.recordValue(Math.max(0, Math.round(latency_ms * 1000)));
}

const ms = (us: number): number => Math.round(us) / 1000;

export function summarize(h: LatencyHistogram): LatencySummary {
  if (h.totalCount === 0) return { count: 0, p50_ms: 0, p90_ms: 0, p99_ms: 0, p999_ms: 0, max_ms: 0, mean_ms: 0 };
  return {
    count: h.totalCount,
    p50_ms: ms(h.getValueAtPercentile(50)),
    p90_ms: ms(h.getValueAtPercentile(90)),
    p99_ms: ms(h.getValueAtPercentile(99)),
    p999_ms: ms(h.getValueAtPercentile(99.9)),
    max_ms: ms(h.maxValue),
    mean_ms: ms(h.mean),
  };
}

export function encodeHistogram(h: LatencyHistogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** Adds encoded histograms (from workers) into one. */
export function mergeEncoded(into: LatencyHistogram, encoded: readonly string[]): LatencyHistogram {
  for (const e of encoded) into.add(hdr.decodeFromCompressedBase64(e, 32, false));
  return into;
}
