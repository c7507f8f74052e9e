import { approversFor } from '../core/access.js';
import { conftoolPath, describeAction, actionHash, type SetPooledAction } from '../core/actions.js';
import { formatClock, formatDuration } from '../core/durations.js';
import { CutoverError } from '../core/errors.js';
import { formatPoolState, samePoolState, type PoolState } from '../core/pool-state.js';
import { printable } from '../core/printable.js';
import { toCallerRecord } from '../core/requests.js';
import type { CommandContext, Reply } from './spec.js';
import { serviceOf } from './service-of.js';
import type { PoolObserver } from '../adapters/pool-observer.js';
import type { Inventory } from '../core/inventory.js';
import { describeHealth } from '../core/plan/analysis.js';
import { observeHealth } from '../adapters/observe-health.js';

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

  // The same policy the writer applies again right before the write (jobs/pool-writer.ts).
  const { verdict, proofs } = await deps.policy.evaluate(service, pool, [{ fqdn: host.fqdn, to: next }], 'change');
  if (!verdict.allow) {
    const hint =
      verdict.rule === 'bare-metal-needs-proven-workers'
        ? verdict.unproven.length > 0
          ? ' Let the pooled workers prove themselves (the guard says when), or depool the unproven ones.'
          : ' Pool a worker that serves and let it prove itself first.'
        : verdict.rule === 'ejection-budget'
          ? ''
          : ' Pool another host first.';
    throw new CutoverError(verdict.rule === 'bare-metal-needs-proven-workers' ? 'safety.unproven' : 'safety.capacity', `Refused: ${verb} ${host.shortName}: ${verdict.reason} · ${verdict.arithmetic}.${hint}`);
  }
  const provenWorkers = [...proofs].filter(([, proof]) => proof.kind === 'proven').map(([fqdn]) => fqdn.split('.')[0] ?? fqdn);

  const reason = printable(args.reason?.trim() ?? '', 200);
  if (settings.approval.require_reason && reason === '') {
    throw new CutoverError('input.invalid', `A reason is required: ${verb} ${host.shortName} <reason> [--task T123456].`);
  }

  // Bound to what the approver is shown: at execution a different state or etcd index writes nothing.
  const action: SetPooledAction = { kind: 'set-pooled', verb, service, pool, fqdn: host.fqdn, changes, expect: { state: current.state, revision: current.revision } };
  const required = settings.approval.approvers_required;
  const approvers = approversFor(config, service, caller.person);
  const now = deps.clock.now();
  const writeLine = `${path}: ${JSON.stringify(current.state)} → ${JSON.stringify(next)}`;

  if (args.dryRun === true) {
    const gate = required === 0 ? 'no approval needed' : `needs ${required} approval from ${listNames(approvers)}`;
    return `dry-run, nothing changed · would ${describeAction(action)} · write ${writeLine} then read it back · ${verdict.arithmetic} · ${gate}`;
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
  // A depool's approver sees what the pool would lose: health now and which workers are proven.
  const approverSees = verb === 'depool' ? ` · ${await healthNow(deps.observers?.get(service), inventory, pool.dc)} · proven workers: ${provenWorkers.length === 0 ? 'none' : provenWorkers.join(', ')} · ${verdict.arithmetic}` : '';
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
      `⏳ ${request.id}: ${caller.display} asks to ${request.summary}, now ${formatPoolState(current.state)}${approverSees} · ${why} · ` +
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

/** k8s share, 5xx and p99 beside bare metal, as the approver of a depool must see them; an outage is said, not hidden. */
async function healthNow(observer: PoolObserver | undefined, inventory: Inventory, dc: string): Promise<string> {
  const health = observer === undefined ? ({ kind: 'not-configured' } as const) : await observeHealth(observer, inventory, dc);
  switch (health.kind) {
    case 'not-configured':
      return 'health now: no metrics configured';
    case 'unavailable':
      return `health now: unavailable (${health.reason})`;
    case 'ok': {
      const { snapshot } = health;
      const share = snapshot.k8sShare.kind === 'value' ? `${Math.round(snapshot.k8sShare.value * 100)}% on k8s` : 'k8s share: no data';
      return `health now: ${share} · ${describeHealth(snapshot.k8s, snapshot.baseline)}`;
    }
    default:
      return health satisfies never;
  }
}
