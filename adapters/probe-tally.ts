import type { ProbeTally } from '../core/ports/real-traffic.js';

/**
 * Real requests' outcomes counted: "ok" for a success, otherwise what `failureLabel` calls the
 * failure ("503", "names", "timeout"). Failures are listed most frequent first, ties by name, so
 * the same outcomes always read the same way in the channel.
 */
export function tallyOf(outcomes: readonly string[]): ProbeTally {
  const counts = new Map<string, number>();
  for (const outcome of outcomes) if (outcome !== 'ok') counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  const failed = [...counts.values()].reduce((sum, count) => sum + count, 0);
  const failures = [...counts]
    .sort(([a, countA], [b, countB]) => countB - countA || a.localeCompare(b))
    .map(([label, count]) => `${label} ×${count}`);
  return { ok: outcomes.length - failed, total: outcomes.length, failures };
}
