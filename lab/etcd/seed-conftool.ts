import type { EtcdKeys } from '../servers/etcd-keys.js';
import type { LabTopology } from '../topology.js';
import { conftoolSeed } from './conftool-seed.js';

/** Writes the starting layout through the v2 keys API (parent directories come with the keys). */
export async function seedConftool(keys: EtcdKeys, topology: LabTopology): Promise<number> {
  const entries = conftoolSeed(topology);
  for (const entry of entries) await keys.put(entry.key, entry.value);
  return entries.length;
}
