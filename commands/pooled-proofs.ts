import type { PoolRef } from '../core/inventory.js';
import type { PoolView } from './pool-view.js';
import type { WatchView, WorkerProofStatus } from '../core/ports/watch.js';

/** The Wikikube workers pooled=yes in the pool, by short name. */
export function pooledWorkers(view: Pick<PoolView, 'members'>): string[] {
  return view.members.filter((member) => member.kind === 'k8s-worker' && member.state?.pooled === 'yes').map((member) => member.shortName);
}

/**
 * What real traffic has shown of each worker pooled in the pool. A pooled worker the guard has
 * no record of is unchecked: not yet looked at, and not capacity.
 */
export async function pooledProofs(watch: WatchView, service: string, pool: PoolRef, view: Pick<PoolView, 'members'>): Promise<WorkerProofStatus[]> {
  const pooled = view.members.filter((member) => member.kind === 'k8s-worker' && member.state?.pooled === 'yes');
  if (pooled.length === 0) return [];
  const records = new Map((await watch.workers(service, pool)).map((worker) => [worker.fqdn, worker]));
  return pooled.map(
    (member) =>
      records.get(member.fqdn) ?? { fqdn: member.fqdn, proof: { kind: 'unchecked', summary: 'not checked with real requests yet' }, servedMs: undefined, proveMs: 0, lastCheckAt: undefined },
  );
}
