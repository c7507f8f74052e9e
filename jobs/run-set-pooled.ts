import { salSigner } from '../core/identity.js';
import type { PoolEntry, PoolingBackend } from '../core/ports/pooling.js';
import type { SetPooledAction } from '../core/actions.js';
import { CutoverError } from '../core/errors.js';
import type { Inventory } from '../core/inventory.js';
import { formatPoolState, type PoolState } from '../core/pool-state.js';
import type { ChangeRequest } from '../core/requests.js';
import type { PoolObserver } from '../core/ports/pool-observer.js';
import { salPoolLines } from '../core/sal-pool-lines.js';
import type { PoolWriter } from './pool-writer.js';

export interface ExecutionResult {
  state: 'succeeded' | 'noop';
  /** What the channel and the request record are told. */
  outcome: string;
  /** Extra detail for the audit trail (the exact key written). */
  auditDetail: string;
  /** The plan announces the step's end itself (once its soak has passed): no second result line for the request. */
  narrated?: boolean;
  /** The change's SAL line (without `!log `), said with the result in the plan's format. */
  sal?: string;
}

export interface SetPooledContext {
  writer: PoolWriter;
  pooling: Pick<PoolingBackend, 'kind' | 'listPool'>;
  inventories: ReadonlyMap<string, Inventory>;
  observer?: PoolObserver | undefined;
}

/**
 * One approved pool/depool: through the one writer (bound to the state the approver saw, judged
 * by the one policy, verified), then pybal's view and the pool as it is now, for the channel.
 * `resumed` marks the replay of a run that died mid-way (a killed worker).
 */
export async function runSetPooled(action: SetPooledAction, request: ChangeRequest, context: SetPooledContext, resumed = false, listing?: Promise<PoolEntry[]>): Promise<ExecutionResult> {
  const inventory = context.inventories.get(action.service);
  if (inventory === undefined) throw new CutoverError('input.invalid', `Service ${action.service} is no longer configured.`);
  const lvs = inventory.lvsService(action.pool.lvsService);
  const by = { by: request.requester.display, requestId: request.id, reason: request.reason, transport: request.requester.transport, channel: request.requester.channel, ...(request.task === undefined ? {} : { task: request.task }) };
  const result = await context.writer.write({ action, ...(action.expect === undefined ? {} : { expect: action.expect }), ...(listing === undefined ? {} : { listing }), by }, 'change');
  // The dead run most likely wrote it before it died: calling that a no-op would leave the one
  // write this request made out of the audit, and pybal unconfirmed.
  const foundOnResume = resumed && result.outcome === 'noop';
  const dryRunBackend = context.pooling.kind.startsWith('dry-run');
  const pybal = (result.outcome === 'changed' || foundOnResume) && !dryRunBackend && context.observer !== undefined ? await confirmPybal(context.observer, action, lvs.port, result.after) : '';
  // The pool as the writer read it back, unless pybal was waited on since: then as it is now.
  const members = pybal === '' ? result.pool : await context.pooling.listPool(action.pool);
  const count = (pooled: string): number => members.filter((entry) => entry.state.pooled === pooled).length;
  const poolNow = `${action.pool.dc} ${action.pool.lvsService} now ${count('yes')} pooled, ${count('no')} depooled, ${count('inactive')} inactive`;
  const change = foundOnResume
    ? `${formatPoolState(result.after)} found in place on resuming after an interrupted run (which had started the write), read back and verified`
    : result.outcome === 'noop'
      ? `${action.fqdn} was already ${formatPoolState(result.before)}; nothing changed`
      : `${formatPoolState(result.before)} → ${formatPoolState(result.after)}, read back and verified`;
  // In dry-run mode the backend records writes instead of sending them; say so loudly.
  const dryRun = dryRunBackend ? 'DRY RUN, nothing written: ' : '';
  const changed = result.outcome === 'changed' || foundOnResume;
  const from = foundOnResume ? (action.expect?.state ?? result.before) : result.before;
  // The plan's SAL format (sal-pool-lines.ts), so a hand pool and a wave read alike in SAL.
  const sal = changed ? salPoolLines([{ fqdn: action.fqdn, lvsService: action.pool.lvsService, from, to: result.after }], action.pool.dc)[0] : undefined;
  const task = request.task === undefined ? '' : ` - ${request.task}`;
  return {
    ...(sal === undefined ? {} : { sal: `${sal} - ${request.reason} - ${salSigner(request.requester)}${task}` }),
    state: result.outcome === 'noop' && !foundOnResume ? 'noop' : 'succeeded',
    outcome: `${dryRun}${change}${pybal} · ${poolNow}`,
    auditDetail: `${result.path}: ${change}${result.arithmetic === undefined ? '' : ` · ${result.arithmetic}`}`,
  };
}

/**
 * conftool saying pooled is not the load balancer serving: every LVS host must show the change.
 * One that does not fails the request loudly, since the pool is now not what people think.
 */
async function confirmPybal(observer: PoolObserver, action: SetPooledAction, port: number, after: PoolState): Promise<string> {
  // The write is done by now: an error that only named pybal would read as "nothing happened".
  const confirmations = await observer.confirmApplied({ dc: action.pool.dc, lvsService: action.pool.lvsService, port }, action.fqdn, { pooled: after.pooled }).catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CutoverError(error instanceof CutoverError ? error.code : 'pooling.verify-failed', `conftool now says pooled=${after.pooled} for ${action.fqdn} (written and read back), but pybal could not be asked: ${reason}; check pybal before anything else.`, { cause: error });
  });
  if (confirmations === undefined) return '';
  // A pool pybal does not serve yet (before the LVS step) takes no traffic: nothing to confirm.
  if (confirmations.length > 0 && confirmations.every((confirmation) => confirmation.error?.kind === 'http-error')) {
    return `, pybal has no ${action.pool.lvsService} pool yet (takes no traffic)`;
  }
  const lagging = confirmations.filter((confirmation) => confirmation.outcome !== 'applied');
  if (lagging.length > 0) {
    throw new CutoverError(
      'pooling.verify-failed',
      `conftool now says pooled=${after.pooled} for ${action.fqdn}, but pybal on ${lagging.map((confirmation) => `${confirmation.lvsHost} (${confirmation.outcome}${confirmation.error === undefined ? '' : `: ${confirmation.error.kind}`})`).join(', ')} does not show it; check pybal before anything else.`,
    );
  }
  return `, pybal ✓ on ${confirmations.map((confirmation) => confirmation.lvsHost.split('.')[0]).join(', ')}`;
}
