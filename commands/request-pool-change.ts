import { approversFor } from '../core/access.js';
import { conftoolPath, describeAction, actionHash, type SetPooledAction } from '../core/actions.js';
import { capacityAfter, reducesCapacity } from '../core/capacity.js';
import { formatClock, formatDuration } from '../core/durations.js';
import { CutoverError } from '../core/errors.js';
import { formatPoolState, samePoolState, type PoolState } from '../core/pool-state.js';
import { printable } from '../core/printable.js';
import { toCallerRecord } from '../core/requests.js';
import type { CommandContext, Reply } from './spec.js';
import { serviceOf } from './service-of.js';

export interface PoolChangeArgs {
  host: string;
  service?: string | undefined;
  weight?: number | undefined;
  task?: string | undefined;
  reason?: string | undefined;
  dryRun?: boolean | undefined;
}

/**
 * The decision behind `pool` and `depool`: resolve the host, read what conftool holds now,
 * refuse what is pointless or unsafe, and otherwise file a request that waits for approval.
 */
export async function requestPoolChange(verb: 'pool' | 'depool', args: PoolChangeArgs, context: CommandContext): Promise<string | Reply> {
  const { config, deps, caller } = context;
  const { name: service, settings, inventory } = serviceOf(context);
  const host = inventory.resolveHost(args.host);
  const pool = inventory.choosePool(host, args.service);
  const path = conftoolPath(pool, host.fqdn);
  const current = await deps.pooling.get(path);
  if (current === undefined) {
    throw new CutoverError(
      'input.invalid',
      `${host.fqdn} has no conftool object in ${pool.lvsService} (${pool.dc}); conftool-data in puppet has to add it (as inactive) first.`,
    );
  }

  if (verb === 'depool' && current.state.pooled === 'inactive') {
    return `${host.shortName} is inactive in ${pool.lvsService} (${pool.dc}), so it takes no traffic already; nothing to do.`;
  }
  const changes: SetPooledAction['changes'] =
    verb === 'pool'
      ? { pooled: 'yes', ...weightFor(args.weight, current.state, settings.default_weight) }
      : { pooled: 'no' };
  const next: PoolState = { ...current.state, ...changes };
  if (samePoolState(current.state, next)) {
    return `${host.shortName} is already ${formatPoolState(current.state)} in ${pool.lvsService} (${pool.dc}); nothing to do.`;
  }

  if (reducesCapacity(current.state, next)) {
    const members = await deps.pooling.listPool(pool);
    const verdict = capacityAfter(new Map(members.map((entry) => [entry.fqdn, entry.state])), host.fqdn, next, inventory.lvsService(pool.lvsService).depool_threshold);
    if (!verdict.ok) {
      throw new CutoverError(
        'safety.capacity',
        `Refused: ${verb} ${host.shortName} would leave ${verdict.pooledAfter} of ${verdict.totalAfter} hosts pooled in ${pool.lvsService} (${pool.dc}); depool_threshold ${inventory.lvsService(pool.lvsService).depool_threshold} needs at least ${verdict.floor}. Pool another host first.`,
      );
    }
  }

  const reason = printable(args.reason?.trim() ?? '', 200);
  if (settings.approval.require_reason && reason === '') {
    throw new CutoverError('input.invalid', `A reason is required: ${verb} ${host.shortName} <reason> [--task T123456].`);
  }

  const action: SetPooledAction = { kind: 'set-pooled', verb, service, pool, fqdn: host.fqdn, changes };
  const required = settings.approval.approvers_required;
  const approvers = approversFor(config, service, caller.person);
  const now = deps.clock.now();
  const writeLine = `${path}: ${JSON.stringify(current.state)} → ${JSON.stringify(next)}`;

  if (args.dryRun === true) {
    const gate = required === 0 ? 'no approval needed' : `needs ${required} approval from ${listNames(approvers)}`;
    return `dry-run, nothing changed · would ${describeAction(action)} · write ${writeLine} then read it back · ${gate}`;
  }
  if (required > 0 && approvers.length < required) {
    throw new CutoverError('auth.forbidden', `Nobody but you can approve this on ${service}; the config needs ${required} other approver(s).`);
  }

  const request = await deps.requests.create({
    service,
    action,
    actionHash: actionHash(action),
    summary: describeAction(action),
    reason: reason === '' ? 'no reason given' : reason,
    ...(args.task === undefined ? {} : { task: args.task }),
    requester: toCallerRecord(caller),
    approvalsRequired: required,
    approvals: [],
    state: required === 0 ? 'approved' : 'pending',
    createdAt: now,
    expiresAt: now + settings.approval.ttl_seconds * 1000,
    updatedAt: now,
  });
  await deps.audit.append({
    event: 'request.created',
    service,
    who: caller.person ?? caller.display,
    where: `${caller.transport}:${caller.channel}`,
    requestId: request.id,
    detail: `${request.summary} · ${writeLine} · reason: ${request.reason}${request.task === undefined ? '' : ` ${request.task}`}`,
  });

  const why = `${request.reason}${request.task === undefined ? '' : ` (${request.task})`}`;
  if (required === 0) {
    await deps.queue.enqueue(request);
    return {
      text: `▶ ${request.id} queued: ${request.summary}, now ${formatPoolState(current.state)} · ${why}`,
      request: { id: request.id, actionHash: request.actionHash, state: 'approved' },
    };
  }
  await deps.queue.scheduleExpiry(request);
  return {
    text:
      `⏳ ${request.id}: ${caller.display} asks to ${request.summary}, now ${formatPoolState(current.state)} · ${why} · ` +
      `needs ${required} approval from ${listNames(approvers)}: !approve ${request.id} or !deny ${request.id} · ` +
      `expires in ${formatDuration(request.expiresAt - now)} (${formatClock(request.expiresAt)})`,
    request: { id: request.id, actionHash: request.actionHash, state: 'pending' },
  };
}

/** conftool's `pool` refuses weight 0, since ipvsadm would keep the host but send it nothing. */
function weightFor(requested: number | undefined, current: PoolState, fallback: number): { weight?: number } {
  if (requested !== undefined) return { weight: requested };
  return current.weight > 0 ? {} : { weight: fallback };
}

function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} or ${names.at(-1) ?? ''}`;
}
