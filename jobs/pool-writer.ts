import type { CookbookLocks, HostLease } from '../core/ports/cookbook-locks.js';
import type { PoolEntry, PoolingBackend } from '../core/ports/pooling.js';
import { conftoolPath, type SetPooledAction } from '../core/actions.js';
import { checkPoolChange } from '../core/check-pool-change.js';
import { formatDuration } from '../core/durations.js';
import { CutoverError, isCutoverError } from '../core/errors.js';
import type { Inventory, PoolRef } from '../core/inventory.js';
import { judgePoolChange, takesTrafficAway, type PolicyChange, type PolicyMember, type PolicyPurpose, type PolicyVerdict } from '../core/policy/pool-policy.js';
import type { WorkerProof, WorkerRecord } from '../core/policy/worker-proof.js';
import { formatPoolState, samePoolState, type PoolState } from '../core/pool-state.js';
import { describeStateChange } from '../core/state-change.js';
import type { WorkerProofs } from './guard/worker-proofs.js';
import type { FenceScope } from './fence-scope.js';
import { WritesUnderWay, type Ticket } from './writes-under-way.js';

export interface PoolWrite {
  action: SetPooledAction;
  /**
   * The state the approver was shown (or the journal recorded as ours): if the key no longer
   * holds it, nothing is written. `revision` binds to etcd's modifiedIndex where there is one.
   */
  expect?: { state: PoolState; revision?: string };
  /** refuse (default) fails the write; skip leaves the key alone, as a rollback must. */
  onMismatch?: 'refuse' | 'skip';
  /** Who the change is for, kept with a worker's proof record. */
  by?: WorkerRecord['pooledBy'];
  /**
   * The pool, read by a caller that holds the service lock and had a write of its own to make
   * meanwhile (the request marked running). A quorum read made after the lock was taken, like the
   * writer's own; the compare-and-swap still refuses a key that moved since.
   */
  listing?: Promise<PoolEntry[]>;
}

export interface WriteResult {
  outcome: 'changed' | 'noop' | 'skipped';
  path: string;
  before: PoolState;
  after: PoolState;
  /** Why nothing was written (skipped, or already in place). */
  note?: string;
  /** The policy's numbers for a change that was judged. */
  arithmetic?: string;
  /** The whole pool as last read: with the write read back in it when one was made. */
  pool: PoolEntry[];
}

export interface Evaluation {
  verdict: PolicyVerdict;
  members: PolicyMember[];
  proofs: Map<string, WorkerProof>;
}

export interface PoolWriterDeps {
  pooling: PoolingBackend;
  inventories: ReadonlyMap<string, Inventory>;
  proofs: WorkerProofs;
  /** A worker was just pooled: the guard checks it with real requests at once. */
  onWorkerPooled?: (service: string) => Promise<void>;
  /** spicerack's cookbook locks, when configured: see lockFor. */
  hostLocks?: CookbookLocks;
  /** The fence of the work asking (jobs/fence-scope.ts): a job taken over by another worker writes nothing more. */
  fences?: Pick<FenceScope, 'check'>;
}

/**
 * Writes a person decided (a hand change, a plan step) lock the host as a cookbook would and wait
 * for no cookbook. The safety writes (the guard's depool, a rollback, an emergency stop) are never
 * held back by a cookbook's lock: they undo what cutover did, and must run when it matters.
 */
const LOCKED_PURPOSES: ReadonlySet<PolicyPurpose> = new Set(['change', 'plan']);

/**
 * The one way pool state changes, whoever asks: read, check the state the approver saw, judge
 * the change with the one policy (`core/policy/pool-policy.ts`), compare-and-swap merging only
 * the owned fields, read back. A compare-and-swap conflict means someone else wrote in between:
 * it is reported, never silently re-applied over their change.
 */
export class PoolWriter {
  /** A wave writes a few at once: each write is judged with the others under way counted as done. */
  private readonly underWay = new WritesUnderWay();

  constructor(private readonly deps: PoolWriterDeps) {}

  /** The policy's verdict on `changes` to one pool as it is now: what request time and execution both ask. */
  async evaluate(service: string, pool: PoolRef, changes: readonly PolicyChange[], purpose: PolicyPurpose, read?: readonly PoolEntry[], evidence?: ReadonlyMap<string, WorkerProof>): Promise<Evaluation> {
    const entries = read ?? (await this.deps.pooling.listPool(pool));
    return this.judge(service, pool, entries, changes, purpose, await this.proofsFor(service, pool, entries, changes, purpose, evidence));
  }

  /**
   * "Proven" for bare metal to leave means proven now: the record, and real requests this moment.
   * A wave checks once, at the start of its execution, and hands that evidence to each of its writes.
   */
  private async proofsFor(service: string, pool: PoolRef, entries: readonly PoolEntry[], changes: readonly PolicyChange[], purpose: PolicyPurpose, evidence: ReadonlyMap<string, WorkerProof> | undefined, recorded?: Promise<Map<string, WorkerProof>>): Promise<Map<string, WorkerProof>> {
    if (evidence !== undefined) return new Map(evidence);
    const kinds = this.kinds(service, pool);
    const states = new Map(entries.map((entry) => [entry.fqdn, entry.state]));
    const bareMetalLeaves = changes.some((change) => kinds.get(change.fqdn) === 'bare-metal' && takesTrafficAway(states.get(change.fqdn), change.to));
    if (!bareMetalLeaves || purpose === 'emergency-stop') return recorded ?? this.deps.proofs.recorded(service, pool);
    const after = new Map(states);
    for (const change of changes) after.set(change.fqdn, change.to);
    const pooledWorkers = [...kinds].filter(([fqdn, kind]) => kind === 'k8s-worker' && after.get(fqdn)?.pooled === 'yes').map(([fqdn]) => fqdn);
    return this.deps.proofs.fresh(service, pool, pooledWorkers);
  }

  /** The policy on the pool as read, synchronously: a wave's writes register theirs in the same turn. */
  private judge(service: string, pool: PoolRef, entries: readonly PoolEntry[], changes: readonly PolicyChange[], purpose: PolicyPurpose, proofs: Map<string, WorkerProof>): Evaluation {
    const inventory = this.inventory(service);
    const states = new Map(entries.map((entry) => [entry.fqdn, entry.state]));
    const kinds = this.kinds(service, pool);
    // Hosts conftool has that the inventory does not still count in pybal's arithmetic.
    const members: PolicyMember[] = [...new Set([...kinds.keys(), ...states.keys()])].map((fqdn) => ({ fqdn, kind: kinds.get(fqdn) ?? 'bare-metal', state: states.get(fqdn) }));
    const verdict = judgePoolChange({ purpose, pool: { dc: pool.dc, lvsService: pool.lvsService, threshold: inventory.lvsService(pool.lvsService).depool_threshold }, members, changes, proofs });
    return { verdict, members, proofs };
  }

  /** The inventory's hosts of a pool by kind; an inventory never changes, so each pool's is built once (a wave asks 500 times). */
  private kinds(service: string, pool: PoolRef): ReadonlyMap<string, PolicyMember['kind']> {
    const inventory = this.inventory(service);
    const byPool = KINDS.get(inventory) ?? new Map<string, ReadonlyMap<string, PolicyMember['kind']>>();
    KINDS.set(inventory, byPool);
    const key = `${pool.dc}/${pool.lvsService}`;
    const known = byPool.get(key);
    if (known !== undefined) return known;
    const kinds = new Map(inventory.members(pool.lvsService, pool.dc).map((host) => [host.fqdn, host.kind]));
    byPool.set(key, kinds);
    return kinds;
  }

  /** `evidence`: proofs checked now by the caller for this very execution (a wave's writes share one round of real requests). */
  async write(write: PoolWrite, purpose: PolicyPurpose, evidence?: ReadonlyMap<string, WorkerProof>): Promise<WriteResult> {
    const lease = await this.lockFor(write, purpose);
    const ticket = this.underWay.enter(conftoolPath(write.action.pool, ''));
    try {
      return await this.writeAlongside(write, purpose, ticket, evidence);
    } finally {
      ticket.leave();
      if (lease !== undefined) await this.deps.hostLocks?.unlockHost(lease);
    }
  }

  /** The host's cookbook lock, taken for the write; a refusal names the cookbook that holds it and since when. */
  private async lockFor(write: PoolWrite, purpose: PolicyPurpose): Promise<HostLease | undefined> {
    const locks = this.deps.hostLocks;
    if (locks === undefined || !LOCKED_PURPOSES.has(purpose)) return undefined;
    const { fqdn } = write.action;
    const outcome = await locks.lockHost(fqdn, { person: write.by?.by ?? 'cutover', ...(write.by?.requestId === undefined ? {} : { requestId: write.by.requestId }) });
    if (outcome.ok) return outcome.lease;
    if (outcome.reason === 'busy') throw new CutoverError('pooling.backend', `Could not take ${fqdn}'s cookbook lock: ${outcome.detail}; nothing was written.`);
    const holders = outcome.holders.map((holder) => `${holder.owner} holds ${holder.key}, taken ${formatDuration(holder.ageSeconds * 1000)} ago (ttl ${formatDuration(holder.ttlSeconds * 1000)})`).join('; ');
    throw new CutoverError('safety.locked', `${fqdn} is locked by a cookbook: ${holders}; nothing was written. Ask again when it is done.`);
  }

  private async writeAlongside(write: PoolWrite, purpose: PolicyPurpose, ticket: Ticket, evidence?: ReadonlyMap<string, WorkerProof>): Promise<WriteResult> {
    const { action } = write;
    const path = conftoolPath(action.pool, action.fqdn);
    // The records most writes are judged with, read from Redis while etcd is read (unused, and its failure ignored, where a change needs fresh proof).
    const recorded = evidence === undefined ? this.deps.proofs.recorded(action.service, action.pool) : undefined;
    recorded?.catch(() => undefined);
    // One quorum read of the whole pool serves both the write's compare-and-swap and the policy.
    const entries = await (write.listing ?? this.deps.pooling.listPool(action.pool));
    const current = entries.find((entry) => entry.path === path);
    if (current === undefined) throw new CutoverError('pooling.backend', `${path} does not exist in conftool any more; nothing was written.`);
    const next: PoolState = { ...current.state, ...action.changes };
    const stale = write.expect === undefined ? undefined : staleness(write.expect, current);
    if (stale !== undefined) {
      // What was asked for is already there (a replay after a crash, or someone did it): nothing to write.
      if (samePoolState(current.state, next)) return { outcome: 'noop', path, before: current.state, after: current.state, note: `already ${formatPoolState(current.state)}`, pool: entries };
      if (write.onMismatch === 'skip') return { outcome: 'skipped', path, before: current.state, after: current.state, note: stale, pool: entries };
      throw new CutoverError('request.stale', `${action.fqdn} ${stale} since it was shown for approval; nothing was written. Ask again to act on the pool as it is now.`);
    }
    // The same no-op rules the request was filed under (core/check-pool-change.ts).
    if (checkPoolChange(action.verb, current.state, action.changes).kind === 'noop') return { outcome: 'noop', path, before: current.state, after: current.state, pool: entries };

    const change = { fqdn: action.fqdn, to: next };
    const proofs = await this.proofsFor(action.service, action.pool, entries, [...ticket.others(entries, action.fqdn), change], purpose, evidence, recorded);
    // Judged and registered in one turn: no other write of this pool is judged between the two.
    const { verdict } = this.judge(action.service, action.pool, entries, [...ticket.others(entries, action.fqdn), change], purpose, proofs);
    if (!verdict.allow) {
      throw new CutoverError(verdict.rule === 'bare-metal-needs-proven-workers' ? 'safety.unproven' : 'safety.capacity', `Refused at execution: ${verdict.reason} · ${verdict.arithmetic}; nothing was written.`);
    }
    ticket.judged(action.fqdn, next, current.revision);
    // A joining worker's record is written before the write that pools it: the guard reads the pool and
    // then the records, so it can never see cutover's own pool without its record and call it drift.
    const joining = this.joins(action, current.state, next);
    try {
      // As near the write as costs nothing: etcd v2 cannot check the token itself, so a process that
      // stalls between here and its compare-and-swap still writes, on a revision its successor has
      // most likely moved on (the compare-and-swap then refuses it). Every later write of it is refused here.
      await Promise.all([this.deps.fences?.check(), joining ? this.deps.proofs.pooled(action.service, action.pool, action.fqdn, write.by) : undefined]);
    } catch (error) {
      ticket.failed(action.fqdn);
      throw error;
    }
    try {
      await this.deps.pooling.compareAndSet(path, next, current.revision, current.extra);
      ticket.landed(action.fqdn);
    } catch (error) {
      // Any other error (a timeout) may have landed all the same: the others still count it.
      if (!isCutoverError(error, 'pooling.conflict')) throw error;
      // Not written, and it never will be: the others are judged without it.
      ticket.failed(action.fqdn);
      const now = await this.deps.pooling.get(path).catch(() => undefined);
      throw new CutoverError(
        'pooling.conflict',
        `Someone else changed ${action.fqdn} between cutover's read and its write (${formatPoolState(current.state)} → ${formatPoolState(now?.state)}); their change was kept and nothing was written. Check !status and ask again.`,
        { cause: error },
      );
    }
    // Read back with the pool around it, for the result's numbers: on etcd one quorum read of the key, the listing proven by its index.
    // The guard's look at a joining worker is queued while the read-back runs: it is delayed anyway (job-system.ts kickGuard).
    const [pool] = await Promise.all([this.deps.pooling.listPool(action.pool, path), joining ? this.deps.onWorkerPooled?.(action.service) : undefined]);
    const readBack = pool.find((entry) => entry.path === path);
    if (!samePoolState(readBack?.state, next)) {
      throw new CutoverError('pooling.verify-failed', `Wrote ${formatPoolState(next)} to ${path} but read back ${formatPoolState(readBack?.state)}; check !status and conftool by hand.`);
    }
    if (!joining && this.leaves(action, current.state, next)) await this.deps.proofs.left(action.service, action.pool, action.fqdn);
    return { outcome: 'changed', path, before: current.state, after: next, arithmetic: verdict.arithmetic, pool };
  }

  /** A Wikikube worker joins the pool: its proof starts over (before the write), and the guard checks it at once (after). */
  private joins(action: SetPooledAction, before: PoolState, after: PoolState): boolean {
    return this.isWorker(action) && before.pooled !== 'yes' && after.pooled === 'yes';
  }

  /** A Wikikube worker leaves the pool: it must prove itself again when it comes back. */
  private leaves(action: SetPooledAction, before: PoolState, after: PoolState): boolean {
    return this.isWorker(action) && before.pooled === 'yes' && after.pooled !== 'yes';
  }

  private isWorker(action: SetPooledAction): boolean {
    if (this.deps.pooling.kind.startsWith('dry-run')) return false;
    return this.inventory(action.service).hosts.find((candidate) => candidate.fqdn === action.fqdn)?.kind === 'k8s-worker';
  }

  private inventory(service: string): Inventory {
    const inventory = this.deps.inventories.get(service);
    if (inventory === undefined) throw new CutoverError('input.invalid', `Service ${service} is no longer configured.`);
    return inventory;
  }
}

const KINDS = new WeakMap<Inventory, Map<string, ReadonlyMap<string, PolicyMember['kind']>>>();

/** What changed since `expect` was shown, in words with the numbers; undefined when nothing did. */
function staleness(expect: NonNullable<PoolWrite['expect']>, current: PoolEntry): string | undefined {
  if (!samePoolState(expect.state, current.state)) return `changed: ${describeStateChange(expect.state, current.state)}`;
  if (expect.revision !== undefined && expect.revision !== current.revision) return `was rewritten (revision ${expect.revision} → ${current.revision}) though its values are the same`;
  return undefined;
}

