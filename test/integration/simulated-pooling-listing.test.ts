import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedPooling } from '../../adapters/simulated/simulated-pooling.js';
import type { PoolRef } from '../../core/inventory.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const POOL: PoolRef = { lvsService: 'kartotherian', dc: 'eqiad', cluster: 'maps', conftoolService: 'kartotherian' };
const DIR = '/conftool/v1/pools/eqiad/maps/kartotherian';
const SSL_DIR = '/conftool/v1/pools/eqiad/maps/kartotherian-ssl';
const path = (dir: string, host: string): string => `${dir}/${host}.eqiad.wmnet`;

/** A pool's listing reads the pool through the path index, and a fleet stored before the index still lists. */
describe('SimulatedPooling listings on a real Redis', () => {
  let redis: Redis;
  let prefix: string;
  let pooling: SimulatedPooling;

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
  });

  beforeEach(async () => {
    if (prefix !== undefined) await cleanupPrefix(redis, prefix);
    prefix = uniquePrefix('sim-listing');
    pooling = new SimulatedPooling(redis, prefix);
  });

  afterAll(async () => {
    if (prefix !== undefined) await cleanupPrefix(redis, prefix);
    redis?.disconnect();
  });

  it('lists a fleet kept from before the path index once seeded, values and revisions untouched', async () => {
    // The demo's .state/redis as the previous layout left it: the values and revisions hashes only.
    await redis.hset(`${prefix}:sim:conftool`, path(DIR, 'maps1005'), '{"weight":10,"pooled":"yes"}', path(DIR, 'maps1006'), '{"weight": 5, "pooled": "no", "reason": "T1"}');
    await redis.hset(`${prefix}:sim:conftool:revision`, path(DIR, 'maps1005'), '7', path(DIR, 'maps1006'), '9');
    await redis.set(`${prefix}:sim:conftool:index`, '9');
    // Unindexed, the pool lists nothing: seed, which the bot runs at every start, is the migration.
    expect(await pooling.listPool(POOL)).toEqual([]);

    expect(await pooling.seed([{ path: path(DIR, 'maps1005'), state: { weight: 1, pooled: 'no' } }])).toBe(0);

    expect(await pooling.listPool(POOL)).toEqual([
      { path: path(DIR, 'maps1005'), fqdn: 'maps1005.eqiad.wmnet', state: { weight: 10, pooled: 'yes' }, revision: '7' },
      { path: path(DIR, 'maps1006'), fqdn: 'maps1006.eqiad.wmnet', state: { weight: 5, pooled: 'no' }, revision: '9', extra: { reason: 'T1' } },
    ]);
    expect(await redis.hget(`${prefix}:sim:conftool`, path(DIR, 'maps1006'))).toBe('{"weight": 5, "pooled": "no", "reason": "T1"}');
    const written = await pooling.compareAndSet(path(DIR, 'maps1007'), { weight: 10, pooled: 'yes' }, null);
    expect(written.revision).toBe('10');
    expect((await pooling.listPool(POOL)).map((entry) => entry.fqdn)).toEqual(['maps1005.eqiad.wmnet', 'maps1006.eqiad.wmnet', 'maps1007.eqiad.wmnet']);
  });

  it('lists only the pool: not a pool whose name starts the same, not objects below a sub-directory', async () => {
    await pooling.seed([
      { path: path(DIR, 'maps1005'), state: { weight: 10, pooled: 'yes' } },
      { path: path(SSL_DIR, 'maps1005'), state: { weight: 10, pooled: 'no' } },
      { path: path(`${DIR}/old`, 'maps1009'), state: { weight: 10, pooled: 'yes' } },
      { path: path('/conftool/v1/pools/eqiad/maps/only-below/old', 'maps1009'), state: { weight: 10, pooled: 'yes' } },
    ]);
    await pooling.compareAndSet(path(DIR, 'maps1010'), { weight: 1, pooled: 'inactive' }, null);

    expect((await pooling.listPool(POOL)).map((entry) => [entry.path, entry.state.pooled])).toEqual([
      [path(DIR, 'maps1005'), 'yes'],
      [path(DIR, 'maps1010'), 'inactive'],
    ]);
    expect((await pooling.listPool({ ...POOL, conftoolService: 'kartotherian-ssl' })).map((entry) => entry.path)).toEqual([path(SSL_DIR, 'maps1005')]);
    expect(await pooling.listPool({ ...POOL, dc: 'codfw' })).toEqual([]);
    expect(await pooling.listPool({ ...POOL, conftoolService: 'kartotherian/old' })).toHaveLength(1);
    expect(await pooling.listPool({ ...POOL, cluster: 'maps/kartotherian', conftoolService: 'old' })).toHaveLength(1);
    expect(await pooling.listPool({ ...POOL, conftoolService: 'only-below' })).toEqual([]);
  });

  it('gives each of several concurrent listings its own entries, and a listing after a write sees the write', async () => {
    await pooling.seed([
      { path: path(DIR, 'maps1005'), state: { weight: 10, pooled: 'yes' } },
      { path: path(DIR, 'maps1006'), state: { weight: 10, pooled: 'yes' } },
    ]);
    const [first, second] = await Promise.all([pooling.listPool(POOL), pooling.listPool(POOL)]);
    expect(second).toEqual(first);
    first.pop();
    if (first[0] !== undefined) first[0].state.pooled = 'no';
    expect(second.map((entry) => entry.state.pooled)).toEqual(['yes', 'yes']);

    // Asked while a listing of the pool is under way, but after the write went out: the write shows.
    const read = second[1];
    const under = pooling.listPool(POOL);
    const write = pooling.compareAndSet(path(DIR, 'maps1006'), { weight: 10, pooled: 'no' }, read?.revision ?? null);
    const after = pooling.listPool(POOL);
    await Promise.all([under, write]);
    expect((await after).map((entry) => entry.state.pooled)).toEqual(['yes', 'no']);
  });

  it('reuses a parsed listing only while Redis holds exactly it: a hand edit that keeps the revision shows at once', async () => {
    await pooling.seed([
      { path: path(DIR, 'maps1005'), state: { weight: 10, pooled: 'yes' } },
      { path: path(DIR, 'maps1006'), state: { weight: 10, pooled: 'yes' } },
    ]);
    const first = await pooling.listPool(POOL);
    // What a caller does to its copy never reaches the listing the next caller gets.
    if (first[0] !== undefined) first[0].state.pooled = 'inactive';
    first.pop();
    const again = await pooling.listPool(POOL);
    expect(again.map((entry) => [entry.fqdn, entry.state.pooled])).toEqual([['maps1005.eqiad.wmnet', 'yes'], ['maps1006.eqiad.wmnet', 'yes']]);

    // Written beside cutover (an HSET, as a person with redis-cli would): no revision moves, the value does.
    await redis.hset(`${prefix}:sim:conftool`, path(DIR, 'maps1006'), '{"weight": 3, "pooled": "no", "reason": "T2"}');
    expect(await pooling.listPool(POOL)).toEqual([
      { ...again[0], state: { weight: 10, pooled: 'yes' } },
      { path: path(DIR, 'maps1006'), fqdn: 'maps1006.eqiad.wmnet', state: { weight: 3, pooled: 'no' }, revision: again[1]?.revision, extra: { reason: 'T2' } },
    ]);
    // And a key removed beside cutover is gone from the next listing.
    await redis.hdel(`${prefix}:sim:conftool`, path(DIR, 'maps1005'));
    expect((await pooling.listPool(POOL)).map((entry) => entry.fqdn)).toEqual(['maps1006.eqiad.wmnet']);
  });
});
