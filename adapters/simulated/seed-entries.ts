import type { Config } from '../../config/schema.js';
import { conftoolPath } from '../../core/actions.js';
import type { Inventory } from '../../core/inventory.js';
import type { SeedEntry } from './simulated-pooling.js';

/** The conftool objects the config's seed describes, one per host, LVS service and DC. */
export function seedEntries(config: Config, inventories: ReadonlyMap<string, Inventory>): SeedEntry[] {
  if (config.backends.pooling.kind !== 'simulated') return [];
  const entries: SeedEntry[] = [];
  for (const [lvsService, groups] of Object.entries(config.backends.pooling.seed)) {
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
