import { describe, expect, it } from 'vitest';
import type { PoolState } from '../../core/pool-state.js';
import { selectWave, type WaveInput } from '../../core/plan/wave-selection.js';

const maps = ['maps1005', 'maps1006', 'maps1007', 'maps1008', 'maps1009', 'maps1010'];
const workers = ['wikikube-worker1001', 'wikikube-worker1002', 'wikikube-worker1003', 'wikikube-worker1004'];
const yes: PoolState = { pooled: 'yes', weight: 10 };
const inactive: PoolState = { pooled: 'inactive', weight: 0 };

function input(overrides: Partial<WaveInput> & { pooledWorkers?: string[] } = {}): WaveInput {
  const states = new Map<string, PoolState>([...maps.map((host) => [host, yes] as const), ...workers.map((host) => [host, inactive] as const)]);
  for (const host of overrides.pooledWorkers ?? []) states.set(host, yes);
  return { states, workers, bareMetal: maps, proven: new Set(), pool: 0, depool: 0, threshold: 0.5, weight: 10, ...overrides };
}

describe('selectWave: the 2025-02-17 sequence cannot happen', () => {
  it('refuses to depool bare metal in the same wave as pooling unproven workers', () => {
    const wave = selectWave(input({ pool: 4, depool: 3 }));
    expect(wave.kind).toBe('refused');
    if (wave.kind === 'refused') expect(wave.reason).toMatch(/bare metal stays until wikikube-worker1001, .* have served real requests/);
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
    const wave = selectWave(input({ pooledWorkers: workers, proven: new Set(workers), depool: 3 }));
    expect(wave).toMatchObject({ kind: 'ok', pool: [], depool: ['maps1005', 'maps1006', 'maps1007'] });
    expect(wave.arithmetic).toBe('after: 7 pooled of 10 counted (inactive excluded) ≥ floor 5 = ceil(10 × 0.5) · pybal could eject 2 failing host(s); unproven workers: 0');
  });

  it('refuses a depool below the threshold floor', () => {
    const wave = selectWave(input({ pooledWorkers: ['wikikube-worker1001'], proven: new Set(['wikikube-worker1001']), depool: 4 }));
    expect(wave).toMatchObject({ kind: 'refused' });
    if (wave.kind === 'refused') expect(wave.reason).toBe('only 3 would stay pooled, below the floor of 4');
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
    expect(selectWave(input({ pooledWorkers: workers, proven: new Set(workers), pool: 'rest' }))).toMatchObject({ kind: 'refused', reason: 'nothing left to pool or depool in this wave' });
  });
});
