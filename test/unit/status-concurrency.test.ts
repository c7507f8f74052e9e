import { describe, expect, it } from 'vitest';
import { createDispatcher } from '../../commands/dispatch.js';
import type { PoolRef } from '../../core/inventory.js';
import type { PoolObserver } from '../../core/ports/pool-observer.js';
import type { PoolEntry } from '../../core/ports/pooling.js';
import { loadShippedConfig, shippedInventories } from '../helpers/config.js';
import { callerFor, makeDeps } from '../helpers/fakes.js';

const config = await loadShippedConfig();

/**
 * `status` asks conftool, pybal and the metrics at the same moment: with conftool held, pybal
 * has already been asked for every pool and the metrics for every DC. In production they are
 * three services (etcd, pybal on each LVS host, Prometheus); the reply takes the slowest, not the sum.
 */
describe('status asks everything at once', () => {
  it.each(['status', 'status --full'])('%s: pybal and health are asked while conftool is still being read', async (command) => {
    const inventories = shippedInventories(config);
    const fakes = makeDeps(config, inventories);
    const held: Array<() => void> = [];
    const asked: string[] = [];
    const pooling = {
      kind: fakes.pooling.kind,
      listPool: async (pool: PoolRef): Promise<PoolEntry[]> => {
        asked.push(`conftool ${pool.dc} ${pool.lvsService}`);
        await new Promise<void>((release) => held.push(release));
        return fakes.pooling.listPool(pool);
      },
    };
    const observer: PoolObserver = {
      pybal: async ({ dc, lvsService }) => {
        asked.push(`pybal ${dc} ${lvsService}`);
        return [];
      },
      health: async ({ dc }) => {
        asked.push(`health ${dc}`);
        return undefined;
      },
      confirmApplied: async () => undefined,
    };
    const deps = { ...fakes.deps, pooling: { ...fakes.deps.pooling, ...pooling }, observers: new Map([['kartotherian', observer]]) };
    const dispatch = createDispatcher({ config, inventories, deps, onUnexpectedError: (error) => { throw error; } });
    const reply = dispatch.line({ text: `!kartotherian ${command}`, caller: callerFor('alice') });

    const inventory = inventories.get('kartotherian');
    const pools = inventory?.datacenters.flatMap((dc) => inventory.lvsServiceNames.map((lvsService) => `${dc} ${lvsService}`)) ?? [];
    await expect.poll(() => held.length).toBe(pools.length);
    // Nothing from conftool has come back yet, and every other question is already out.
    expect(asked.filter((line) => line.startsWith('pybal')).sort()).toEqual(pools.map((pool) => `pybal ${pool}`).sort());
    expect(asked.filter((line) => line.startsWith('health')).sort()).toEqual(['health codfw', 'health eqiad']);

    for (const release of held.splice(0)) release();
    // Later reads (the guard's view of pooled workers) are let through as they come.
    const releasing = setInterval(() => { for (const release of held.splice(0)) release(); }, 1);
    try {
      const answer = await reply;
      for (const pool of pools) expect(answer?.text).toContain(pool.split(' ')[0]);
      expect(answer?.text).toContain('kartotherian-k8s-ssl');
    } finally {
      clearInterval(releasing);
    }
  });
});
