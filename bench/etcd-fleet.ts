import { formatConftoolValue } from '../adapters/conftool/conftool-value.js';
import { seedEntries } from '../adapters/simulated/seed-entries.js';
import type { Config } from '../config/schema.js';
import type { PoolState } from '../core/pool-state.js';
import { shippedInventories } from '../test/helpers/config.js';
import type { EtcdKeys } from '../test/helpers/etcd-server.js';

/**
 * The config switched to `backends.pooling: etcd`, and etcd seeded with the conftool objects the
 * simulated fleet would start from (maps pooled, workers inactive), in conftool's own JSON.
 * Returns the seeded keys.
 */
export async function useEtcd(config: Config, url: string, keys: EtcdKeys): Promise<Map<string, PoolState>> {
  const seeded = new Map(seedEntries(config.backends.pooling, shippedInventories(config)).map((entry) => [entry.path, entry.state]));
  await putAll(keys, seeded);
  config.backends.pooling = { kind: 'etcd', endpoints: [url], timeout_ms: 5000 };
  // A real conftool has no simulated world behind it (the bot builds none when conftool is real);
  // and no plan, which would need production adapters.
  config.plans = {};
  return seeded;
}

/** Untimed setup and resets: a few writes in flight at once, so a 500-key reset does not eat the time budget. */
export async function putAll(keys: EtcdKeys, states: ReadonlyMap<string, PoolState>): Promise<void> {
  const entries = [...states];
  for (let i = 0; i < entries.length; i += 16) {
    await Promise.all(entries.slice(i, i + 16).map(([path, state]) => keys.put(path, formatConftoolValue(state))));
  }
}
