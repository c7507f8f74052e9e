import type { PoolingBackend } from '../adapters/pooling.js';
import type { SetPooledAction } from '../core/actions.js';
import { CutoverError } from '../core/errors.js';
import type { Inventory } from '../core/inventory.js';
import { formatPoolState } from '../core/pool-state.js';
import { executeSetPooled } from './execute-set-pooled.js';

export interface ExecutionResult {
  state: 'succeeded' | 'noop';
  /** What the channel and the request record are told. */
  outcome: string;
  /** Extra detail for the audit trail (the exact key written). */
  auditDetail: string;
}

/** One approved pool/depool: set-and-verify, then the pool as it is now, for the channel. */
export async function runSetPooled(action: SetPooledAction, pooling: PoolingBackend, inventories: ReadonlyMap<string, Inventory>): Promise<ExecutionResult> {
  const inventory = inventories.get(action.service);
  if (inventory === undefined) throw new CutoverError('input.invalid', `Service ${action.service} is no longer configured.`);
  const result = await executeSetPooled(action, pooling, inventory.lvsService(action.pool.lvsService).depool_threshold);
  const members = await pooling.listPool(action.pool);
  const count = (pooled: string): number => members.filter((entry) => entry.state.pooled === pooled).length;
  const poolNow = `${action.pool.dc} ${action.pool.lvsService} now ${count('yes')} pooled, ${count('no')} depooled, ${count('inactive')} inactive`;
  const change =
    result.outcome === 'noop'
      ? `${action.fqdn} was already ${formatPoolState(result.before)}; nothing changed`
      : `${formatPoolState(result.before)} → ${formatPoolState(result.after)}, read back and verified`;
  // In dry-run mode the backend records writes instead of sending them; say so loudly.
  const dryRun = pooling.kind.startsWith('dry-run') ? 'DRY RUN, nothing written: ' : '';
  return {
    state: result.outcome === 'noop' ? 'noop' : 'succeeded',
    outcome: `${dryRun}${change} · ${poolNow}`,
    auditDetail: `${result.path}: ${change}`,
  };
}
