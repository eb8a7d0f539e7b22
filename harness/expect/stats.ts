/** Nearest-rank quantile of an ascending list: the ⌈q·n⌉-th smallest (as the SLA report's p50). */
export function nearestRank(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}
