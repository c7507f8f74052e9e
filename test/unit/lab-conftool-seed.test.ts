import { describe, expect, it } from 'vitest';
import { formatConftoolValue } from '../../adapters/conftool/conftool-value.js';
import { parseConftoolPath } from '../../adapters/conftool/conftool-key.js';
import { conftoolSeed, conftoolValue } from '../../lab/etcd/conftool-seed.js';
import { labTopology } from '../../lab/topology.js';
import { loadShippedConfig } from '../helpers/config.js';

describe('the lab\'s conftool seed', () => {
  it('writes values byte for byte as conftool does', () => {
    expect(conftoolValue(10, 'yes')).toBe(formatConftoolValue({ weight: 10, pooled: 'yes' }));
    expect(conftoolValue(0, 'inactive')).toBe(formatConftoolValue({ weight: 0, pooled: 'inactive' }));
  });

  it('pools every maps host in its three pools and puts workers inactive in the k8s pool only', async () => {
    const seed = conftoolSeed(labTopology(await loadShippedConfig()));
    const keys = seed.map((entry) => parseConftoolPath(entry.key));
    // 12 maps hosts x 3 pools + 8 workers x 1 pool.
    expect(seed).toHaveLength(12 * 3 + 8);
    expect(new Set(keys.map((key) => key.cluster))).toEqual(new Set(['maps']));
    const workers = seed.filter((entry) => entry.key.includes('wikikube-worker'));
    expect(workers).toHaveLength(8);
    expect(workers.every((entry) => entry.key.includes('/kartotherian-k8s-ssl/') && entry.value === '{"weight": 0, "pooled": "inactive"}')).toBe(true);
    expect(seed).toContainEqual({ key: '/conftool/v1/pools/codfw/maps/kartotherian/maps2005.codfw.wmnet', value: '{"weight": 10, "pooled": "yes"}' });
    expect(seed.some((entry) => entry.key.includes('lvs') || entry.key.includes('cp1'))).toBe(false);
  });
});
