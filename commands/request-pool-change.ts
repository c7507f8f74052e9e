import { conftoolPath, describeWrite, type SetPooledAction } from '../core/actions.js';
import { CutoverError } from '../core/errors.js';
import type { HealthNow } from '../core/health-now.js';
import { formatPoolState, type PoolState } from '../core/pool-state.js';
import { checkPoolChange } from '../core/check-pool-change.js';
import { printable } from '../core/printable.js';
import { draftRequest, type RequestInput } from '../core/request-draft.js';
import type { RequestNotice } from '../core/request-notice.js';
import type { Answer } from './outcome.js';
import { requestAnswer } from './request-answer.js';
import type { CommandContext } from './spec.js';
import { serviceOf } from './service-of.js';
import type { PoolObserver } from '../core/ports/pool-observer.js';
import type { Inventory } from '../core/inventory.js';
import { describeHealth } from '../core/plan/analysis.js';
import type { PolicyVerdict } from '../core/policy/pool-policy.js';
import { observeHealth } from '../core/observe-health.js';

export interface PoolChangeArgs {
  host: string;
  service?: string | undefined;
  weight?: number | undefined;
  task?: string | undefined;
  reason?: string | undefined;
  dryRun?: boolean | undefined;
  overrideFreeze?: string | undefined;
}

/**
 * The decision behind `pool` and `depool`: resolve the host, read what conftool holds now,
 * refuse what is pointless or unsafe, and otherwise file a request that waits for approval.
 * `--dry-run` builds the same request and shows the same announcement, and files nothing.
 */
export async function requestPoolChange(verb: 'pool' | 'depool', args: PoolChangeArgs, context: CommandContext): Promise<string | Answer> {
  const { config, deps, caller } = context;
  const { name: service, settings, inventory } = serviceOf(context);
  const host = inventory.resolveHost(args.host);
  const pool = inventory.choosePool(host, args.service);
  const current = await deps.pooling.get(conftoolPath(pool, host.fqdn));
  if (current === undefined) {
    throw new CutoverError(
      'input.invalid',
      `${host.fqdn} has no conftool object in ${pool.lvsService} (${pool.dc}); conftool-data in puppet has to add it (as inactive) first.`,
    );
  }

  const changes: SetPooledAction['changes'] =
    verb === 'pool'
      ? { pooled: 'yes', ...weightFor(args.weight, current.state, settings.default_weight) }
      : { pooled: 'no' };
  // The same no-op rules the writer applies at execution (jobs/pool-writer.ts).
  const change = checkPoolChange(verb, current.state, changes);
  if (change.kind === 'noop') {
    const where = `in ${pool.lvsService} (${pool.dc})`;
    return change.why === 'inactive'
      ? `${host.shortName} is inactive ${where}, so it takes no traffic already; nothing to do.`
      : `${host.shortName} is already ${formatPoolState(current.state)} ${where}; nothing to do.`;
  }

  // The same policy the writer applies again right before the write (jobs/pool-writer.ts).
  const { verdict, proofs } = await deps.policy.evaluate(service, pool, [{ fqdn: host.fqdn, to: change.next }], 'change');
  if (!verdict.allow) {
    const hint = refusalHint(verdict);
    throw new CutoverError(verdict.rule === 'bare-metal-needs-proven-workers' ? 'safety.unproven' : 'safety.capacity', `Refused: ${verb} ${host.shortName}: ${verdict.reason} · ${verdict.arithmetic}.${hint}`);
  }

  const reason = printable(args.reason?.trim() ?? '', 200);
  if (settings.approval.require_reason && reason === '') {
    throw new CutoverError('input.invalid', `A reason is required: ${verb} ${host.shortName} <reason> [--task T123456].`);
  }

  // Bound to what the approver is shown: at execution a different state or etcd index writes nothing.
  const action: SetPooledAction = { kind: 'set-pooled', verb, service, pool, fqdn: host.fqdn, changes, expect: { state: current.state, revision: current.revision } };
  const input: RequestInput = { service, action, caller, reason: reason === '' ? 'no reason given' : reason, task: args.task, approvalsRequired: settings.approval.approvers_required, freezeOverride: args.overrideFreeze };
  // A depool's approver sees what the pool would lose: health now and which workers are proven.
  const sees: Pick<RequestNotice, 'health' | 'capacity'> =
    verb === 'depool'
      ? {
          health: await healthNow(deps.observers?.get(service), inventory, pool.dc),
          capacity: { proven: [...proofs].filter(([, proof]) => proof.kind === 'proven').map(([fqdn]) => fqdn.split('.')[0] ?? fqdn), arithmetic: verdict.arithmetic },
        }
      : {};

  if (args.dryRun === true) {
    const { draft, approvers } = draftRequest(input, config, deps.clock.now());
    return requestAnswer({ id: undefined, request: draft, approvers, ...sees, then: [`then write ${describeWrite(action)} and read it back`] });
  }
  const { request, approvers } = await deps.filer.file(input);
  return requestAnswer({ id: request.id, request, approvers, ...sees });
}

/** conftool's `pool` refuses weight 0, since ipvsadm would keep the host but send it nothing. */
function weightFor(requested: number | undefined, current: PoolState, fallback: number): { weight?: number } {
  if (requested !== undefined) return { weight: requested };
  return current.weight > 0 ? {} : { weight: fallback };
}

/** k8s share, 5xx and p99 beside bare metal, read where the migration happens. */
async function healthNow(observer: PoolObserver | undefined, inventory: Inventory, dc: string): Promise<HealthNow> {
  if (observer === undefined) return { kind: 'not-configured' };
  const health = await observeHealth(observer, inventory, dc);
  if (health.kind !== 'ok') return health;
  const { k8sShare, k8s, baseline } = health.snapshot;
  return { kind: 'ok', share: k8sShare, summary: describeHealth(k8s, baseline) };
}

/** What the person can do about a refusal, by the rule that made it. */
function refusalHint(verdict: Extract<PolicyVerdict, { allow: false }>): string {
  switch (verdict.rule) {
    case 'bare-metal-needs-proven-workers':
      return verdict.unproven.length > 0
        ? ' The guard says in the channel when each worker is proven; depool the ones that fail.'
        : ' Bare metal may leave again once a pooled worker has proven itself; workers depooled after failing still belong to the migration until they are set inactive.';
    case 'capacity':
    case 'never-empty':
      return ' Pool another host first.';
    case 'ejection-budget':
      return ' Let the pooled workers prove themselves first, or pool fewer at once.';
    default:
      return verdict.rule satisfies never;
  }
}
