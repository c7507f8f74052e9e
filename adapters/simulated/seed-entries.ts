import { conftoolPath } from '../../core/actions.js';
import type { Inventory } from '../../core/inventory.js';
import type { PoolState } from '../../core/pool-state.js';
import type { SeedEntry } from './simulated-pooling.js';

/** The pooling backend's settings as far as a seed goes: the simulated one carries it, keyed by LVS service then host group. */
export interface SeedSettings {
  kind: string;
  seed?: Readonly<Record<string, Readonly<Record<string, PoolState>>>>;
}

/** The conftool objects the config's seed describes, one per host, LVS service and DC. */
export function seedEntries(pooling: SeedSettings, inventories: ReadonlyMap<string, Inventory>): SeedEntry[] {
  if (pooling.kind !== 'simulated' || pooling.seed === undefined) return [];
  const entries: SeedEntry[] = [];
  for (const [lvsService, groups] of Object.entries(pooling.seed)) {
    const inventory = [...inventories.values()].find((candidate) => candidate.lvsServiceNames.includes(lvsService));
    if (inventory === undefined) continue;
    for (const dc of inventory.datacenters) {
      const pool = inventory.pool(lvsService, dc);
      for (const host of inventory.members(lvsService, dc)) {
        const state = groups[host.group];
        if (state !== undefined) entries.push({ path: conftoolPath(pool, host.fqdn), state });
      }
    }
  }
  return entries;
}
