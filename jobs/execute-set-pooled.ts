import type { PoolingBackend } from '../adapters/pooling.js';
import { conftoolPath, type SetPooledAction } from '../core/actions.js';
import { capacityAfter, reducesCapacity } from '../core/capacity.js';
import { CutoverError } from '../core/errors.js';
import { formatPoolState, samePoolState, type PoolState } from '../core/pool-state.js';

export interface SetPooledResult {
  outcome: 'changed' | 'noop';
  path: string;
  before: PoolState;
  after: PoolState;
}

const CONFLICT_RETRIES = 3;

/**
 * Set-and-verify, after spicerack's confctl: read, merge only the fields this action owns,
 * re-check capacity against the pool as it is now, compare-and-swap, then read back.
 */
export async function executeSetPooled(
  action: SetPooledAction,
  pooling: PoolingBackend,
  depoolThreshold: number,
): Promise<SetPooledResult> {
  const path = conftoolPath(action.pool, action.fqdn);
  for (let attempt = 1; ; attempt += 1) {
    const current = await pooling.get(path);
    if (current === undefined) {
      throw new CutoverError('pooling.backend', `${path} does not exist in conftool any more; nothing was written.`);
    }
    // An inactive host takes no traffic; writing pooled=no would only add it to pybal's total.
    if (action.verb === 'depool' && current.state.pooled === 'inactive') return { outcome: 'noop', path, before: current.state, after: current.state };
    const next: PoolState = { ...current.state, ...action.changes };
    if (samePoolState(current.state, next)) return { outcome: 'noop', path, before: current.state, after: current.state };

    if (reducesCapacity(current.state, next)) {
      const members = await pooling.listPool(action.pool);
      const verdict = capacityAfter(new Map(members.map((entry) => [entry.fqdn, entry.state])), action.fqdn, next, depoolThreshold);
      if (!verdict.ok) {
        throw new CutoverError(
          'safety.capacity',
          `Refused at execution: only ${verdict.pooledAfter} of ${verdict.totalAfter} would stay pooled in ${action.pool.lvsService} (${action.pool.dc}), below the floor of ${verdict.floor}; nothing was written.`,
        );
      }
    }

    try {
      await pooling.compareAndSet(path, next, current.revision);
    } catch (error) {
      if (error instanceof CutoverError && error.code === 'pooling.conflict' && attempt < CONFLICT_RETRIES) continue;
      throw error;
    }

    const readBack = await pooling.get(path);
    if (!samePoolState(readBack?.state, next)) {
      throw new CutoverError(
        'pooling.verify-failed',
        `Wrote ${formatPoolState(next)} to ${path} but read back ${formatPoolState(readBack?.state)}; check !status and conftool by hand.`,
      );
    }
    return { outcome: 'changed', path, before: current.state, after: next };
  }
}
