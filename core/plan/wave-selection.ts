import { judgePoolChange, type PolicyMember } from '../policy/pool-policy.js';
import type { WorkerProof } from '../policy/worker-proof.js';
import type { PoolState } from '../pool-state.js';

export interface WaveInput {
  /** Live conftool state of every member of the pool in this DC, by FQDN. */
  states: ReadonlyMap<string, PoolState | undefined>;
  workers: readonly string[];
  bareMetal: readonly string[];
  /** What real traffic shows of each worker (the guard's records); missing means unchecked. */
  proofs: ReadonlyMap<string, WorkerProof>;
  pool: number | 'rest';
  depool: number | 'rest';
  threshold: number;
  /** Weight a worker is pooled at when it has none yet. */
  weight: number;
  dc: string;
  lvsService: string;
}

export type WaveSelection =
  | { kind: 'ok'; pool: string[]; depool: string[]; arithmetic: string }
  | { kind: 'refused'; reason: string; arithmetic: string };

/**
 * Chooses the hosts of one wave: the next idle workers to pool and the next pooled bare-metal
 * hosts to depool. Whether the wave is safe is the pool policy's call (`core/policy/pool-policy.ts`),
 * the same rule book every other change obeys.
 */
export function selectWave(input: WaveInput): WaveSelection {
  const idleWorkers = input.workers.filter((host) => input.states.get(host) !== undefined && input.states.get(host)?.pooled !== 'yes');
  const pooledBareMetal = input.bareMetal.filter((host) => input.states.get(host)?.pooled === 'yes');
  const pool = idleWorkers.slice(0, input.pool === 'rest' ? idleWorkers.length : input.pool);
  const depool = pooledBareMetal.slice(0, input.depool === 'rest' ? pooledBareMetal.length : input.depool);

  const changes = [
    ...pool.map((fqdn) => ({ fqdn, to: { ...(input.states.get(fqdn) ?? { pooled: 'inactive' as const, weight: 0 }), pooled: 'yes' as const, weight: Math.max(input.states.get(fqdn)?.weight ?? 0, input.weight) } })),
    ...depool.flatMap((fqdn) => {
      const current = input.states.get(fqdn);
      return current === undefined ? [] : [{ fqdn, to: { ...current, pooled: 'no' as const } }];
    }),
  ];
  const kinds = new Map<string, PolicyMember['kind']>([...input.bareMetal.map((fqdn) => [fqdn, 'bare-metal'] as const), ...input.workers.map((fqdn) => [fqdn, 'k8s-worker'] as const)]);
  const members: PolicyMember[] = [...new Set([...kinds.keys(), ...input.states.keys()])].map((fqdn) => ({ fqdn, kind: kinds.get(fqdn) ?? 'bare-metal', state: input.states.get(fqdn) }));
  const verdict = judgePoolChange({ purpose: 'plan', pool: { dc: input.dc, lvsService: input.lvsService, threshold: input.threshold }, members, changes, proofs: input.proofs });
  if (!verdict.allow) return { kind: 'refused', reason: verdict.reason, arithmetic: verdict.arithmetic };
  if (pool.length === 0 && depool.length === 0) return { kind: 'refused', reason: 'nothing left to pool or depool in this wave', arithmetic: verdict.arithmetic };
  return { kind: 'ok', pool, depool, arithmetic: verdict.arithmetic };
}
