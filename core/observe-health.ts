import type { Inventory } from './inventory.js';
import { withTimeout } from './with-timeout.js';
import type { HealthSnapshot } from './ports/plan-effects.js';
import type { PoolObserver } from './ports/pool-observer.js';

/** What a health read gave: numbers, nothing configured, or why there are no numbers. */
export type ObservedHealth =
  | { kind: 'ok'; lvsService: string; snapshot: HealthSnapshot }
  | { kind: 'not-configured' }
  | { kind: 'unavailable'; reason: string };

export const HEALTH_TIMEOUT_MS = 3000;

/**
 * k8s beside bare metal in one DC, read where the migration happens (the first LVS service
 * workers can join). Bounded by a timeout: a status line or a sample never waits on a hung
 * Prometheus.
 */
export async function observeHealth(observer: PoolObserver, inventory: Inventory, dc: string, timeoutMs = HEALTH_TIMEOUT_MS): Promise<ObservedHealth> {
  const lvsService = inventory.workerLvsServices[0] ?? inventory.lvsServiceNames[0] ?? '';
  const health = await withTimeout(
    observer.health({ dc, lvsService }).catch((error: unknown) => (error instanceof Error ? error.message : 'error')),
    timeoutMs,
    'no answer' as const,
  );
  if (health === undefined) return { kind: 'not-configured' };
  if (typeof health === 'string') return { kind: 'unavailable', reason: health };
  return { kind: 'ok', lvsService, snapshot: health };
}
