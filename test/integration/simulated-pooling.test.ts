import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FaultInjectingPooling } from '../../adapters/simulated/fault-injecting-pooling.js';
import { fleetFaultsSchema } from '../../adapters/simulated/fleet-model.js';
import { FleetState } from '../../adapters/simulated/fleet-state.js';
import { SimulatedPooling } from '../../adapters/simulated/simulated-pooling.js';
import type { PoolRef } from '../../core/inventory.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const POOL: PoolRef = { lvsService: 'kartotherian-ssl', dc: 'eqiad', cluster: 'maps', conftoolService: 'kartotherian-ssl' };
const DIR = '/conftool/v1/pools/eqiad/maps/kartotherian-ssl';
const M5 = `${DIR}/maps1005.eqiad.wmnet`;
const M6 = `${DIR}/maps1006.eqiad.wmnet`;

/** The simulated conftool keeps fields cutover does not own, the way confctl does (confctl-transcripts.md, Transcript 2). */
describe('SimulatedPooling on a real Redis: values with fields cutover does not own', () => {
  let redis: Redis;
  let prefix: string;
  let pooling: SimulatedPooling;
  const stored = async (path: string): Promise<string | null> => redis.hget(`${prefix}:sim:conftool`, path);

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
  });

  beforeEach(async () => {
    if (prefix !== undefined) await cleanupPrefix(redis, prefix);
    prefix = uniquePrefix('sim-pooling');
    pooling = new SimulatedPooling(redis, prefix);
    await pooling.seed([
      { path: M5, state: { weight: 10, pooled: 'yes' } },
      { path: M6, state: { weight: 10, pooled: 'inactive' } },
    ]);
  });

  afterAll(async () => {
    if (prefix !== undefined) await cleanupPrefix(redis, prefix);
    redis?.disconnect();
  });

  it('reads and lists a stored value with an extra field, and a value without one has no extra', async () => {
    await redis.hset(`${prefix}:sim:conftool`, M6, '{"weight": 10, "pooled": "inactive", "reason": "T1"}');
    expect(await pooling.get(M6)).toMatchObject({ path: M6, fqdn: 'maps1006.eqiad.wmnet', state: { weight: 10, pooled: 'inactive' }, extra: { reason: 'T1' } });
    const listed = await pooling.listPool(POOL);
    expect(listed.map((entry) => [entry.fqdn, entry.extra])).toEqual([
      ['maps1005.eqiad.wmnet', undefined],
      ['maps1006.eqiad.wmnet', { reason: 'T1' }],
    ]);
    expect(Object.hasOwn(listed[0] ?? {}, 'extra')).toBe(false);
  });

  it('merges the owned fields into what it was asked to keep, in order, and returns the extra', async () => {
    await redis.hset(`${prefix}:sim:conftool`, M6, '{"weight": 10, "pooled": "inactive", "reason": "T1"}');
    const read = await pooling.get(M6);
    const written = await pooling.compareAndSet(M6, { pooled: 'yes', weight: 10 }, read?.revision ?? null, read?.extra);
    expect(await stored(M6)).toBe('{"weight":10,"pooled":"yes","reason":"T1"}');
    expect(written).toEqual({ path: M6, fqdn: 'maps1006.eqiad.wmnet', state: { weight: 10, pooled: 'yes' }, revision: written.revision, extra: { reason: 'T1' } });
    expect(Number(written.revision)).toBeGreaterThan(Number(read?.revision));
  });

  it('still refuses a bad owned field, with or without extras, and an invalid state before writing it', async () => {
    await redis.hset(`${prefix}:sim:conftool`, M6, '{"weight": 10, "pooled": "maybe", "reason": "T1"}');
    await expect(pooling.get(M6)).rejects.toMatchObject({ code: 'adapter.bad-output' });
    await expect(pooling.listPool(POOL)).rejects.toMatchObject({ code: 'adapter.bad-output' });
    const read = await pooling.get(M5);
    await expect(pooling.compareAndSet(M5, { pooled: 'yes', weight: 1.5 }, read?.revision ?? null)).rejects.toMatchObject({ code: 'input.invalid' });
    expect(await stored(M5)).toBe('{"weight":10,"pooled":"yes"}');
  });

  it('FaultInjectingPooling passes what to keep through, and its entries keep their extra', async () => {
    const fleet = new FleetState(redis, prefix, 'kartotherian', fleetFaultsSchema.parse({}));
    const faulty = new FaultInjectingPooling(pooling, () => ({ fleet, timeoutMs: 1000, writeMs: 0 }));
    await redis.hset(`${prefix}:sim:conftool`, M6, '{"weight": 10, "pooled": "inactive", "reason": "T1"}');
    const read = await faulty.get(M6);
    expect(read?.extra).toEqual({ reason: 'T1' });
    const written = await faulty.compareAndSet(M6, { pooled: 'no', weight: 10 }, read?.revision ?? null, read?.extra);
    expect(written.extra).toEqual({ reason: 'T1' });
    expect(await stored(M6)).toBe('{"weight":10,"pooled":"no","reason":"T1"}');
  });

  it('FaultInjectingPooling hangs only the pools of the service whose faults say so', async () => {
    const thumborPath = '/conftool/v1/pools/eqiad/thumbor/thumbor/thumbor1005.eqiad.wmnet';
    await pooling.seed([{ path: thumborPath, state: { weight: 10, pooled: 'yes' } }]);
    const kartotherian = new FleetState(redis, prefix, 'kartotherian', fleetFaultsSchema.parse({}));
    const thumbor = new FleetState(redis, prefix, 'thumbor', fleetFaultsSchema.parse({}));
    await thumbor.setFaults(fleetFaultsSchema.parse({ hanging: ['pooling'] }));
    const slept: number[] = [];
    const owners = { maps: kartotherian, thumbor };
    const faulty = new FaultInjectingPooling(
      pooling,
      (pool) => ({ fleet: pool.cluster === 'maps' ? owners.maps : owners.thumbor, timeoutMs: 300, writeMs: 0 }),
      async (ms) => void slept.push(ms),
    );

    const read = await faulty.get(M5);
    await faulty.compareAndSet(M5, { pooled: 'no', weight: 10 }, read?.revision ?? null);
    expect(await faulty.listPool(POOL)).toHaveLength(2);
    expect(slept).toEqual([]);
    await expect(faulty.get(thumborPath)).rejects.toMatchObject({ code: 'adapter.timeout' });
    await expect(faulty.listPool({ lvsService: 'thumbor', dc: 'eqiad', cluster: 'thumbor', conftoolService: 'thumbor' })).rejects.toMatchObject({ code: 'adapter.timeout' });
    expect(slept).toEqual([300, 300]);
    expect(await kartotherian.faults()).toEqual(fleetFaultsSchema.parse({}));
    expect(await redis.exists(`${prefix}:sim:thumbor:faults`, `${prefix}:sim:kartotherian:faults`)).toBe(1);
  });
});
