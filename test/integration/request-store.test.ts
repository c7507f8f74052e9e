import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { approve, transition } from '../../core/requests.js';
import { RedisRequestStore } from '../../jobs/request-store.js';
import { callerFor, DEFAULT_NOW } from '../helpers/fakes.js';
import { workerPoolDraft } from '../helpers/pool-request.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const NOW = DEFAULT_NOW;
const draft = workerPoolDraft();

/**
 * Two processes share one Redis; each store tries its update on the value it saw last. The
 * compare-and-swap must still see every write the other made, and a refiled id is a new request.
 */
describe('RedisRequestStore across processes', () => {
  let redis: Redis;
  let prefix = '';

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
  });

  afterEach(async () => {
    await cleanupPrefix(redis, prefix);
  });

  afterAll(async () => {
    await redis.quit();
  });

  it('an update based on what this process saw is redone on the other process\'s newer value, never over it', async () => {
    prefix = uniquePrefix('request-store-stale');
    const gateway = new RedisRequestStore(redis, prefix);
    const worker = new RedisRequestStore(redis, prefix);
    const filed = await gateway.create(draft);
    expect(await worker.get(filed.id)).toEqual(filed);

    // The gateway approves; the worker still remembers the pending request.
    await gateway.update(filed.id, (current) => approve(current, callerFor('bob'), NOW + 1, current.actionHash));
    const seenBy: string[] = [];
    const running = await worker.update(filed.id, (current) => {
      seenBy.push(current.state);
      return transition(current, current.state === 'approved' ? 'running' : 'expired', NOW + 2);
    });

    expect(seenBy).toEqual(['pending', 'approved']);
    expect(running.state).toBe('running');
    expect(running.approvals.map((vote) => vote.person)).toEqual(['bob']);
    expect(await gateway.get(filed.id)).toEqual(running);
    expect(await redis.hget(`${prefix}:request:${filed.id}`, 'version')).toBe('3');
  });

  it('a request lost with its Redis and refiled under the same id at version 1 is not overwritten from memory', async () => {
    prefix = uniquePrefix('request-store-refiled');
    const store = new RedisRequestStore(redis, prefix);
    const filed = await store.create(draft);
    const key = `${prefix}:request:${filed.id}`;
    // What a Redis without persistence holds after a restart, once someone filed again and drew the same id.
    const refiled = { ...filed, reason: 'another change entirely', summary: 'another summary' };
    await redis.del(key);
    await redis.hset(key, 'json', JSON.stringify(refiled), 'version', '1');

    const updated = await store.update(filed.id, (current) => transition(current, 'expired', NOW + 5));

    expect(updated.reason).toBe('another change entirely');
    expect(JSON.parse((await redis.hget(key, 'json')) ?? '{}')).toMatchObject({ reason: 'another change entirely', state: 'expired' });
  });

  it('what a caller does to a request it was handed never reaches the next update', async () => {
    prefix = uniquePrefix('request-store-copies');
    const store = new RedisRequestStore(redis, prefix);
    const filed = await store.create(draft);
    const handed = await store.get(filed.id);
    if (handed === undefined) throw new Error('the request was not stored');
    handed.reason = 'scribbled on by a caller';

    const expired = await store.update(filed.id, (current) => transition(current, 'expired', NOW + 5));

    expect(expired.reason).toBe('T378944 step 4');
  });
});
