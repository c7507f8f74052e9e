import type { ExpectedPybalState, PybalConfirmation, PybalHostView } from './pybal.js';
import type { HealthSnapshot } from './plan-effects.js';

/**
 * The load balancer's and the metrics' view of a pool, next to conftool's: what `status` shows
 * side by side, because conftool saying "pooled" is not pybal serving, and pybal "up" is not
 * users getting tiles.
 */
export interface PoolObserver {
  /** Per LVS host, what pybal has for the pool; undefined when no pybal is configured. */
  pybal(pool: { dc: string; lvsService: string; port: number }): Promise<PybalHostView[] | undefined>;
  /** k8s vs bare-metal health for the service in a DC; undefined when no metrics are configured. */
  health(args: { dc: string; lvsService: string }): Promise<HealthSnapshot | undefined>;
  /**
   * After a conftool write: waits until every LVS host shows it (enabled, disabled or removed),
   * per pybal's rules. Undefined when no pybal is configured.
   */
  confirmApplied(pool: { dc: string; lvsService: string; port: number }, fqdn: string, expected: ExpectedPybalState): Promise<PybalConfirmation[] | undefined>;
}
