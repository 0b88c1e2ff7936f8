/**
 * Order statistics for every benchmark table. One convention: a quantile is asked for as a
 * fraction p in 0..1 (0.5, 0.99) and answered by nearest rank, the ⌈p·n⌉-th smallest of n
 * values (at least the first), never interpolated. Histograms that count values in buckets use
 * the same rank to find their bucket.
 */

/** The 1-based nearest rank of the p-quantile (p in 0..1) among `count` values. */
export function nearestRank(p: number, count: number): number {
  return Math.max(1, Math.ceil(p * count));
}

/** The p-quantile (p in 0..1) of an ascending array, by nearest rank; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length, nearestRank(p, sorted.length)) - 1] as number;
}

/** The median (mean of the two middle values for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
