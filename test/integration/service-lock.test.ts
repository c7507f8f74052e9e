import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceLocks } from '../../jobs/service-lock.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

describe('the per-service lock on real Redis', () => {
  let redis: Redis;
  const prefix = uniquePrefix('lock');
  let locks: ServiceLocks;

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
    locks = new ServiceLocks(redis, prefix);
  });

  afterAll(async () => {
    await cleanupPrefix(redis, prefix);
    await redis.quit();
  });

  const info = (requestId: string) => ({ holder: 'alice', requestId, since: Date.now() });

  it('is taken once; a second request waits; the same request (a replay of its job) takes it back', async () => {
    const token = await locks.acquire('one', info('req1'), 60_000);
    expect(token).toBeDefined();
    expect(await locks.acquire('one', info('req2'), 60_000)).toBeUndefined();
    expect(await locks.current('one')).toMatchObject({ holder: 'alice', requestId: 'req1' });
    const replay = await locks.acquire('one', info('req1'), 60_000);
    expect(replay).toBeDefined();
    // The dead run's token no longer frees it; the replay's does.
    expect(await locks.release('one', token ?? '')).toBe(false);
    expect(await locks.release('one', replay ?? '')).toBe(true);
    expect(await locks.current('one')).toBeUndefined();
  });

  it('stays held past its TTL while renewed, and expires by itself once the holder stops', async () => {
    const token = (await locks.acquire('long', info('req3'), 1500)) ?? '';
    const stop = locks.keepAlive('long', token, 1500, (error) => {
      throw error;
    });
    await sleep(3500);
    expect(await locks.current('long')).toMatchObject({ requestId: 'req3' });
    stop();
    await sleep(1800);
    expect(await locks.current('long')).toBeUndefined();
    expect(await locks.acquire('long', info('req4'), 1500)).toBeDefined();
  });

  it('never renews a lock someone else holds now', async () => {
    const theirs = await locks.acquire('taken', info('req5'), 60_000);
    expect(theirs).toBeDefined();
    expect(await locks.renew('taken', 'not-their-token', 60_000)).toBe(false);
    expect(await redis.pttl(`${prefix}:lock:taken`)).toBeGreaterThan(50_000);
  });
});
