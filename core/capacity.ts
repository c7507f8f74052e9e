import type { PoolState } from './pool-state.js';

export interface CapacityVerdict {
  ok: boolean;
  /** Members that would still be pooled=yes. */
  pooledAfter: number;
  /** Members pybal counts (everything but inactive and absent). */
  totalAfter: number;
  /** The least pooledAfter pybal's threshold allows. */
  floor: number;
}

/**
 * pybal only capacity-checks its own monitor depools; an operator depool through conftool is
 * never checked (wikimedia-ops.md §3). This applies pybal's rule, pooled >= total x threshold,
 * to the pool as it would be after the change, and never lets a pool become empty.
 */
export function capacityAfter(
  members: ReadonlyMap<string, PoolState | undefined>,
  fqdn: string,
  next: PoolState,
  threshold: number,
): CapacityVerdict {
  const after = new Map(members);
  after.set(fqdn, next);
  return poolCapacity(after.values(), threshold);
}

/** The pool as it is: how many serve, how many pybal counts, and the floor its threshold sets. */
export function poolCapacity(states: Iterable<PoolState | undefined>, threshold: number): CapacityVerdict {
  let pooledAfter = 0;
  let totalAfter = 0;
  for (const state of states) {
    if (state === undefined || state.pooled === 'inactive') continue;
    totalAfter += 1;
    if (state.pooled === 'yes') pooledAfter += 1;
  }
  const floor = pybalFloor(totalAfter, threshold);
  return { ok: pooledAfter >= floor, pooledAfter, totalAfter, floor };
}

/**
 * The least number of hosts pybal keeps up: ceil(total × threshold), and never nothing. The
 * epsilon keeps 10 × 0.7 (7.000000000000001 in floating point) at 7, as pybal's own float
 * comparison `up >= total * threshold` would allow.
 */
export function pybalFloor(total: number, threshold: number): number {
  return Math.max(1, Math.ceil(total * threshold - 1e-9));
}

/** True when the change takes serving capacity away, which is when the guard applies. */
export function reducesCapacity(before: PoolState | undefined, next: PoolState): boolean {
  return before?.pooled === 'yes' && next.pooled !== 'yes';
}

/**
 * How many pooled hosts pybal could still take out by itself if they failed its checks: it
 * depools a failing server only while up-and-enabled stays >= total x threshold (PyBal
 * coordinator.canDepool). New workers beyond this budget would stay in rotation broken.
 */
export function pybalEjectionBudget(states: Iterable<PoolState | undefined>, threshold: number): number {
  const { pooledAfter: enabled, totalAfter: total } = poolCapacity(states, threshold);
  return Math.max(0, Math.floor(enabled - total * threshold + 1e-9));
}
