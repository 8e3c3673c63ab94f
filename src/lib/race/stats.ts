// Latency statistics. Percentiles use linear interpolation between the closest ranks (the
// "type 7" estimator of R and NumPy's default), so p50 of [1, 2, 3, 4] is 2.5 and p100 is the max.

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  max: number;
}

/** The p-th percentile (0 ≤ p ≤ 100) of values sorted ascending; NaN for an empty list. */
export function percentileOfSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (p <= 0) return sorted[0]!;
  if (p >= 100) return sorted[sorted.length - 1]!;
  const rank = (p / 100) * (sorted.length - 1);
  const below = Math.floor(rank);
  const fraction = rank - below;
  const low = sorted[below]!;
  const high = sorted[Math.min(below + 1, sorted.length - 1)]!;
  return low + (high - low) * fraction;
}

export function percentile(values: readonly number[], p: number): number {
  return percentileOfSorted([...values].sort((a, b) => a - b), p);
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/** p50/p95/max/mean of a sample, or null when there is nothing to summarize. */
export function summarize(values: readonly number[]): LatencySummary | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    mean: mean(sorted),
    p50: percentileOfSorted(sorted, 50),
    p95: percentileOfSorted(sorted, 95),
    max: sorted[sorted.length - 1]!,
  };
}
