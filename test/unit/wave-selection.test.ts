import { describe, expect, it } from 'vitest';
import type { PoolState } from '../../core/pool-state.js';
import { selectWave, type WaveInput } from '../../core/plan/wave-selection.js';
import type { WorkerProof } from '../../core/policy/worker-proof.js';

const maps = ['maps1005', 'maps1006', 'maps1007', 'maps1008', 'maps1009', 'maps1010'];
const workers = ['wikikube-worker1001', 'wikikube-worker1002', 'wikikube-worker1003', 'wikikube-worker1004'];
const yes: PoolState = { pooled: 'yes', weight: 10 };
const inactive: PoolState = { pooled: 'inactive', weight: 0 };

/** Workers the guard has seen serve real requests long enough. */
function proven(hosts: readonly string[]): Map<string, WorkerProof> {
  return new Map(hosts.map((host) => [host, { kind: 'proven', summary: `${host} serves real requests: probes 2/2` }]));
}

function input(overrides: Partial<WaveInput> & { pooledWorkers?: string[] } = {}): WaveInput {
  const states = new Map<string, PoolState>([...maps.map((host) => [host, yes] as const), ...workers.map((host) => [host, inactive] as const)]);
  for (const host of overrides.pooledWorkers ?? []) states.set(host, yes);
  const { pooledWorkers: _pooled, ...rest } = overrides;
  return { states, workers, bareMetal: maps, proofs: new Map(), pool: 0, depool: 0, threshold: 0.5, weight: 10, dc: 'eqiad', lvsService: 'kartotherian-k8s-ssl', ...rest };
}

describe('selectWave: the 2025-02-17 sequence cannot happen', () => {
  it('refuses to depool bare metal in the same wave as pooling unproven workers', () => {
    const wave = selectWave(input({ pool: 4, depool: 3 }));
    expect(wave.kind).toBe('refused');
    if (wave.kind === 'refused') expect(wave.reason).toMatch(/^maps1005, maps1006, maps1007 stay until every pooled worker has served real requests through the VIP: wikikube-worker1001 \(not checked with real requests yet\); wikikube-worker1002/);
  });

  it('refuses to depool while pooled workers are unproven, even if pybal says they are up', () => {
    const wave = selectWave(input({ pooledWorkers: workers, depool: 3 }));
    expect(wave).toMatchObject({ kind: 'refused' });
  });

  it('pools the next idle workers when pybal could still eject all of them', () => {
    const wave = selectWave(input({ pool: 2 }));
    expect(wave).toMatchObject({ kind: 'ok', pool: ['wikikube-worker1001', 'wikikube-worker1002'], depool: [] });
  });

  it('depools bare metal once the pooled workers are proven, and explains the arithmetic', () => {
    const wave = selectWave(input({ pooledWorkers: workers, proofs: proven(workers), depool: 3 }));
    expect(wave).toMatchObject({ kind: 'ok', pool: [], depool: ['maps1005', 'maps1006', 'maps1007'] });
    expect(wave.arithmetic).toBe('after: 7 serving of 10 counted (inactive excluded) ≥ floor 5 = ceil(10 × 0.5) · pybal could eject 2 failing host(s); unproven workers: 0');
  });

  it('refuses a depool below the threshold floor', () => {
    const wave = selectWave(input({ pooledWorkers: ['wikikube-worker1001'], proofs: proven(['wikikube-worker1001']), depool: 4 }));
    expect(wave).toMatchObject({ kind: 'refused' });
    if (wave.kind === 'refused') expect(wave.reason).toBe("only 3 host(s) proven to serve would stay in kartotherian-k8s-ssl (eqiad), below pybal's floor of 4");
  });

  it('refuses to pool more unproven workers than pybal could eject', () => {
    // 3 maps already depooled (no, still counted): 3 yes + 4 new = 7 enabled of 10; budget floor(7 - 5) = 2.
    const states = new Map<string, PoolState>([
      ...maps.slice(0, 3).map((host) => [host, { pooled: 'no', weight: 10 }] as const),
      ...maps.slice(3).map((host) => [host, yes] as const),
      ...workers.map((host) => [host, inactive] as const),
    ]);
    const wave = selectWave(input({ states, pool: 4 }));
    expect(wave).toMatchObject({ kind: 'refused' });
    if (wave.kind === 'refused') expect(wave.reason).toMatch(/pybal could eject only 2/);
  });

  it('says when nothing is left', () => {
    expect(selectWave(input({ pooledWorkers: workers, proofs: proven(workers), pool: 'rest' }))).toMatchObject({ kind: 'refused', reason: 'nothing left to pool or depool in this wave' });
  });
});
