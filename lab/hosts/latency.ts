/**
 * A latency sampler around `baseMs`: uniform in [base/2, 3·base/2], so the default 10 ms gives the
 * 5–15 ms a healthy tile server has, and histograms have something to spread over.
 */
export function latencySampler(baseMs: number, random: () => number = Math.random): () => number {
  return () => baseMs * (0.5 + random());
}
