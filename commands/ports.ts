import type { CookbookLocks } from '../core/ports/cookbook-locks.js';
import type { IntegrationsView } from '../core/ports/integrations.js';
import type { PoolObserver } from '../core/ports/pool-observer.js';
import type { PoolingBackend } from '../core/ports/pooling.js';
import type { PlanControl } from '../core/ports/plan-control.js';
import type { PoolPolicyGate } from '../core/ports/policy-gate.js';
import type { SimulationControl } from '../core/ports/simulation-control.js';
import type { ActionQueue, AuditLog, AuditReader, Clock, LockView, RequestFiling, RequestStore } from '../core/ports/stores.js';
import type { WatchView } from '../core/ports/watch.js';
import type { LeadershipView } from '../core/ports/leadership.js';

/**
 * What the decision layer needs from the outside world, as one bundle of the ports in
 * core/ports/: implementations live in jobs/ and adapters/ and are wired in bot/main.ts; tests
 * pass hand-written fakes the same way.
 */
export interface CommandDeps {
  requests: RequestStore;
  queue: ActionQueue;
  filer: RequestFiling;
  pooling: Pick<PoolingBackend, 'kind' | 'listPool' | 'get'>;
  policy: PoolPolicyGate;
  locks: LockView;
  audit: AuditLog;
  clock: Clock;
  /** Plans by service; a service without a plan has no plan commands. */
  plans?: ReadonlyMap<string, PlanControl>;
  simulations?: ReadonlyMap<string, SimulationControl>;
  auditReader?: AuditReader;
  /** pybal's and the metrics' view of each service's pools, for status. */
  observers?: ReadonlyMap<string, PoolObserver>;
  /** Watches and worker proofs, for status. */
  watch?: WatchView;
  /** spicerack's cookbook locks, when configured: status names the foreign ones on the service's hosts. */
  cookbookLocks?: Pick<CookbookLocks, 'locksOn'>;
  /** Alertmanager, Phabricator, Grafana, the cookbook locks' etcd when configured: status says which do not answer. */
  integrations?: IntegrationsView;
  /** Who holds the leader lease, when instances contest it: status names it. */
  leadership?: LeadershipView;
}
