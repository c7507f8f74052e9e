import type { Host } from '../../core/inventory.js';
import { takesTrafficAway } from '../../core/policy/pool-policy.js';
import type { Operation } from './step-operations.js';

/**
 * How many of a wave's pool writes may be on the wire at once. Each write is still judged alone
 * against the pool as read (PoolWriter.write), with the others in flight counted as done, and
 * compare-and-swaps its own key; a few at a time is what hides etcd's round trips.
 */
export const WAVE_WRITES_AT_ONCE = 8;

/**
 * The step's operations cut into runs that may go at once: consecutive pool writes that take no
 * traffic away, moving the same kind of host the same way (a wave's workers inactive → yes).
 * Within such a run every write only adds to the same side of the policy's arithmetic, so any
 * part of the run that has landed is allowed if the whole is, and the order they land in does
 * not matter. A write that takes traffic away (a depool, a lower weight) goes alone, as before:
 * the next one is judged on the pool with it landed, and a kill between two of them leaves one
 * done and one not (test/integration/fault-plan-kill.test.ts). Anything else (a puppet run, a
 * mixed retire) starts a new run too, and runs go one after another, as the approver read them.
 */
export function concurrentRuns(operations: readonly Operation[], hosts: readonly Host[]): Operation[][] {
  const kinds = new Map(hosts.map((host) => [host.fqdn, host.kind]));
  const runs: Operation[][] = [];
  let last: string | undefined;
  for (const op of operations) {
    const move = op.kind === 'set-pooled' && !takesTrafficAway(op.from, op.to) ? `${kinds.get(op.action.fqdn) ?? 'unknown'} ${op.action.pool.dc}/${op.action.pool.lvsService} ${op.from.pooled}→${op.to.pooled} ${Math.sign(op.to.weight - op.from.weight)}` : undefined;
    const current = runs.at(-1);
    if (current !== undefined && move !== undefined && move === last) current.push(op);
    else runs.push([op]);
    last = move;
  }
  return runs;
}

/**
 * A step's operations performed as the plan runner does it (step-execution.ts) and the bench
 * times it: run after run, the writes of a run at most WAVE_WRITES_AT_ONCE at once. Results in
 * the operations' order.
 */
export async function performInRuns<R>(operations: readonly Operation[], hosts: readonly Host[], perform: (op: Operation) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (const run of concurrentRuns(operations, hosts)) results.push(...(await atMost(run[0]?.kind === 'set-pooled' ? WAVE_WRITES_AT_ONCE : 1, run, perform)));
  return results;
}

/**
 * `each` over `items`, at most `limit` at once, started in order; results in the items' order.
 * After the first failure nothing new starts, those already started finish, and that failure is
 * thrown: a wave that stops half-way stops with what it wrote accounted for.
 */
export async function atMost<T, R>(limit: number, items: readonly T[], each: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next;
      next += 1;
      try {
        results[index] = await each(items[index] as T);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  if (failure !== undefined) throw failure.error;
  return results;
}
