import { poolCapacity, pybalEjectionBudget } from '../capacity.js';
import type { PoolState } from '../pool-state.js';

export interface WaveInput {
  /** Live conftool state of every member of the pool in this DC, by FQDN. */
  states: ReadonlyMap<string, PoolState | undefined>;
  workers: readonly string[];
  bareMetal: readonly string[];
  /** Workers that already served real requests through the VIP path since they were pooled. */
  proven: ReadonlySet<string>;
  pool: number | 'rest';
  depool: number | 'rest';
  threshold: number;
  /** Weight a worker is pooled at when it has none yet. */
  weight: number;
}

export type WaveSelection =
  | { kind: 'ok'; pool: string[]; depool: string[]; arithmetic: string }
  | { kind: 'refused'; reason: string; arithmetic: string };

/**
 * Chooses the hosts of one wave and checks it is safe before anything is written:
 * - workers are pooled before any bare metal leaves, and bare metal leaves only when every
 *   pooled worker has served real requests (the 2025-02-17 lesson: pybal "up" is not serving);
 * - the pool stays at or above pybal's depool_threshold after the depools;
 * - pybal could still eject every unproven worker by itself if they all failed.
 */
export function selectWave(input: WaveInput): WaveSelection {
  const pooledWorkers = input.workers.filter((host) => input.states.get(host)?.pooled === 'yes');
  const idleWorkers = input.workers.filter((host) => input.states.get(host) !== undefined && input.states.get(host)?.pooled !== 'yes');
  const pooledBareMetal = input.bareMetal.filter((host) => input.states.get(host)?.pooled === 'yes');
  const pool = idleWorkers.slice(0, input.pool === 'rest' ? idleWorkers.length : input.pool);
  const depool = pooledBareMetal.slice(0, input.depool === 'rest' ? pooledBareMetal.length : input.depool);

  const after = new Map(input.states);
  for (const host of pool) after.set(host, { pooled: 'yes', weight: Math.max(input.states.get(host)?.weight ?? 0, input.weight) });
  const unprovenAfterPool = [...pooledWorkers, ...pool].filter((host) => !input.proven.has(host));
  for (const host of depool) {
    const current = after.get(host);
    if (current !== undefined) after.set(host, { ...current, pooled: 'no' });
  }
  const final = poolCapacity(after.values(), input.threshold);
  const budget = pybalEjectionBudget(after.values(), input.threshold);
  const arithmetic =
    `after: ${final.pooledAfter} pooled of ${final.totalAfter} counted (inactive excluded) ≥ floor ${final.floor} = ceil(${final.totalAfter} × ${input.threshold})` +
    ` · pybal could eject ${budget} failing host(s); unproven workers: ${unprovenAfterPool.length}`;

  if (depool.length > 0 && unprovenAfterPool.length > 0) {
    return {
      kind: 'refused',
      reason: `bare metal stays until ${unprovenAfterPool.join(', ')} ${unprovenAfterPool.length === 1 ? 'has' : 'have'} served real requests through the VIP; pool workers first, soak, then depool`,
      arithmetic,
    };
  }
  if (!final.ok) {
    return { kind: 'refused', reason: `only ${final.pooledAfter} would stay pooled, below the floor of ${final.floor}`, arithmetic };
  }
  if (unprovenAfterPool.length > budget) {
    return {
      kind: 'refused',
      reason: `if the ${unprovenAfterPool.length} unproven workers failed, pybal could eject only ${budget} and would keep the rest in rotation; pool fewer at once`,
      arithmetic,
    };
  }
  if (pool.length === 0 && depool.length === 0) return { kind: 'refused', reason: 'nothing left to pool or depool in this wave', arithmetic };
  return { kind: 'ok', pool, depool, arithmetic };
}
