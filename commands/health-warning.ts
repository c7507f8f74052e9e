import type { HealthSnapshot } from '../core/ports/plan-effects.js';
import { foldHosts } from '../core/nodeset.js';
import { percent, seconds } from '../core/plan/analysis.js';
import type { HealthLimits } from '../core/ports/watch.js';

/**
 * A ⚠ line when k8s is over the limits while workers are pooled in the DC. On 2025-02-17
 * `status` said `40% of traffic on k8s · 5xx 100.0%` and nothing else while broken workers
 * served; the numbers alone did not make anyone act. `way` says what to do.
 */
export function breachWarning(dc: string, health: HealthSnapshot, limits: HealthLimits, pooledWorkers: readonly string[], way: string): string | undefined {
  if (pooledWorkers.length === 0) return undefined;
  const { errorRatio, p99Seconds } = health.k8s;
  const over: string[] = [];
  if (errorRatio.kind === 'value' && errorRatio.value > limits.errorRatioMax) over.push(`5xx ${percent(errorRatio.value)} > max ${percent(limits.errorRatioMax)}`);
  if (p99Seconds.kind === 'value' && p99Seconds.value > limits.p99SecondsMax) over.push(`p99 ${seconds(p99Seconds.value)} > max ${seconds(limits.p99SecondsMax)}`);
  if (over.length === 0) return undefined;
  const workers = `${pooledWorkers.length} worker${pooledWorkers.length === 1 ? '' : 's'} pooled (${foldHosts(pooledWorkers)})`;
  return `⚠ ${dc}: k8s is over the limits with ${workers}: ${over.join(', ')} · ${way}`;
}
