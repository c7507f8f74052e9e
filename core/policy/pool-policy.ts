import { pybalEjectionBudget, pybalFloor } from '../capacity.js';
import type { PoolState } from '../pool-state.js';
import type { WorkerProof } from './worker-proof.js';

/**
 * Why a pool change is being made. Only the emergency stop may move bare metal without proven
 * workers, because it puts bare metal back first; everything else obeys every rule.
 */
export type PolicyPurpose = 'change' | 'plan' | 'rollback' | 'guard' | 'emergency-stop';

export interface PolicyMember {
  fqdn: string;
  kind: 'bare-metal' | 'k8s-worker';
  /** Live conftool state; undefined when the object does not exist. */
  state: PoolState | undefined;
}

export interface PolicyChange {
  fqdn: string;
  to: PoolState;
}

export interface PolicyInput {
  purpose: PolicyPurpose;
  pool: { dc: string; lvsService: string; threshold: number };
  members: readonly PolicyMember[];
  changes: readonly PolicyChange[];
  /** What real traffic shows of each worker; a worker missing here is unchecked. */
  proofs: ReadonlyMap<string, WorkerProof>;
}

export type PolicyRule = 'bare-metal-needs-proven-workers' | 'capacity' | 'never-empty' | 'ejection-budget';

export type PolicyVerdict =
  | { allow: true; arithmetic: string; unproven: string[] }
  | { allow: false; rule: PolicyRule; reason: string; arithmetic: string; unproven: string[] };

/**
 * The one rule book for every change of pool state, whoever makes it (a hand pool/depool, a plan
 * step or wave, a rollback, the guard, the emergency stop), at request time and again right
 * before the write:
 * - bare metal leaves a pool that has Wikikube workers only when workers serve and every pooled
 *   worker is proven by real traffic now (2025-02-17: the workers pybal called up served nothing);
 * - capacity counts only hosts proven to serve: bare metal pooled, and proven workers. A change
 *   that takes serving capacity away must leave at least pybal's floor, ceil(total × threshold),
 *   where total is everything but inactive (pybal `coordinator.canDepool`);
 * - a pool that takes traffic is never emptied;
 * - no more unproven workers pooled at once than pybal could eject by itself if they all failed.
 */
export function judgePoolChange(input: PolicyInput): PolicyVerdict {
  const before = new Map(input.members.map((member) => [member.fqdn, member.state]));
  const kinds = new Map(input.members.map((member) => [member.fqdn, member.kind]));
  const after = new Map(before);
  for (const change of input.changes) after.set(change.fqdn, change.to);

  const isProven = (fqdn: string): boolean => input.proofs.get(fqdn)?.kind === 'proven';
  const workers = input.members.filter((member) => member.kind === 'k8s-worker').map((member) => member.fqdn);
  const pooledWorkersAfter = workers.filter((fqdn) => after.get(fqdn)?.pooled === 'yes');
  const unproven = pooledWorkersAfter.filter((fqdn) => !isProven(fqdn));

  const serving = (states: ReadonlyMap<string, PoolState | undefined>): number =>
    [...states].filter(([fqdn, state]) => state?.pooled === 'yes' && (kinds.get(fqdn) !== 'k8s-worker' || isProven(fqdn))).length;
  const pooledCount = (states: ReadonlyMap<string, PoolState | undefined>): number => [...states.values()].filter((state) => state?.pooled === 'yes').length;
  const total = [...after.values()].filter((state) => state !== undefined && state.pooled !== 'inactive').length;
  const floor = pybalFloor(total, input.pool.threshold);
  const servingBefore = serving(before);
  const servingAfter = serving(after);
  const budget = pybalEjectionBudget(after.values(), input.pool.threshold);
  const notCapacity = pooledWorkersAfter.length - pooledWorkersAfter.filter(isProven).length;
  const arithmetic =
    `after: ${servingAfter} serving of ${total} counted (inactive excluded${notCapacity > 0 ? `; ${notCapacity} pooled worker(s) not proven are not capacity` : ''})` +
    ` ${servingAfter >= floor ? '≥' : '<'} floor ${floor} = ceil(${total} × ${input.pool.threshold})` +
    ` · pybal could eject ${budget} failing host(s); unproven workers: ${unproven.length}`;
  const refuse = (rule: PolicyRule, reason: string): PolicyVerdict => ({ allow: false, rule, reason, arithmetic, unproven });

  const leavingBareMetal = input.changes.filter((change) => kinds.get(change.fqdn) === 'bare-metal' && takesTrafficAway(before.get(change.fqdn), change.to));
  const hasWorkers = workers.some((fqdn) => after.get(fqdn) !== undefined && after.get(fqdn)?.pooled !== 'inactive');
  if (leavingBareMetal.length > 0 && hasWorkers && input.purpose !== 'emergency-stop') {
    const names = `${leavingBareMetal.map((change) => short(change.fqdn)).join(', ')} ${leavingBareMetal.length === 1 ? 'stays' : 'stay'}`;
    if (pooledWorkersAfter.length === 0) {
      return refuse('bare-metal-needs-proven-workers', `${names}: no Wikikube worker serves in ${input.pool.lvsService} (${input.pool.dc}), so bare metal would only shift its load onto fewer bare-metal hosts`);
    }
    if (unproven.length > 0) {
      const why = unproven.map((fqdn) => `${short(fqdn)} (${input.proofs.get(fqdn)?.summary ?? 'not checked with real requests yet'})`).join('; ');
      return refuse('bare-metal-needs-proven-workers', `${names} until every pooled worker has served real requests through the VIP: ${why}`);
    }
  }

  if (pooledCount(before) > 0 && pooledCount(after) === 0) {
    return refuse('never-empty', `that would leave nothing pooled in ${input.pool.lvsService} (${input.pool.dc}), which takes traffic`);
  }
  if (servingAfter < servingBefore && servingAfter < floor) {
    return refuse('capacity', `only ${servingAfter} host(s) proven to serve would stay in ${input.pool.lvsService} (${input.pool.dc}), below pybal's floor of ${floor}`);
  }
  const newlyPooled = input.changes.some((change) => kinds.get(change.fqdn) === 'k8s-worker' && before.get(change.fqdn)?.pooled !== 'yes' && change.to.pooled === 'yes');
  if (newlyPooled && unproven.length > budget && input.purpose !== 'emergency-stop') {
    return refuse('ejection-budget', `if the ${unproven.length} unproven workers failed, pybal could eject only ${budget} and would keep the rest in rotation; pool fewer at once`);
  }
  return { allow: true, arithmetic, unproven };
}

/** Lowering a pooled host's weight sends its traffic to the others as surely as depooling it does. */
export function takesTrafficAway(before: PoolState | undefined, to: PoolState): boolean {
  return before?.pooled === 'yes' && (to.pooled !== 'yes' || to.weight < before.weight);
}

function short(fqdn: string): string {
  return fqdn.split('.')[0] ?? fqdn;
}
