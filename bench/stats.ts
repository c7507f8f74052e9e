/** What a row reports about a set of samples. */
export interface Summary {
  median: number;
  p99: number;
  runs: number;
}

/** Median (mean of the two middle values for an even count) and nearest-rank p99. */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('summarize needs at least one sample');
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  // Nearest rank, not interpolation: with under 100 samples the p99 is honestly the worst one seen.
  const p99 = sorted[Math.max(0, Math.ceil(0.99 * sorted.length) - 1)] ?? 0;
  return { median, p99, runs: sorted.length };
}
