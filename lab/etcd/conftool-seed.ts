import type { LabTopology } from '../topology.js';

export interface SeedEntry {
  key: string;
  value: string;
}

/** Production's weight for a pooled maps host (config default_weight). */
const MAPS_WEIGHT = 10;

/**
 * conftool's values as confctl writes them: Python's json.dumps of weight then pooled, so `", "`
 * and `": "` separators (adapters/conftool/conftool-value.ts reads and writes the same bytes; lab/
 * may not import adapters/, so the two literals below are checked against it in the unit test).
 */
export function conftoolValue(weight: number, pooled: 'yes' | 'no' | 'inactive'): string {
  return `{"weight": ${weight}, "pooled": "${pooled}"}`;
}

/**
 * The lab's starting conftool layout, /conftool/v1/pools/<dc>/<cluster>/<service>/<fqdn>: every
 * maps host pooled at weight 10 in each pool it is a member of, and each worker present but
 * `inactive` at weight 0 in the pool it may join, the state conftool creates new objects in (§2).
 */
export function conftoolSeed(topology: LabTopology): SeedEntry[] {
  const entries: SeedEntry[] = [];
  for (const service of topology.services) {
    for (const host of topology.hosts) {
      if (!service.members.includes(host.role)) continue;
      const value = host.role === 'maps' ? conftoolValue(MAPS_WEIGHT, 'yes') : conftoolValue(0, 'inactive');
      entries.push({ key: `/conftool/v1/pools/${host.dc}/${service.cluster}/${service.conftoolService}/${host.fqdn}`, value });
    }
  }
  return entries;
}
