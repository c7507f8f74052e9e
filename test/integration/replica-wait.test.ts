import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { approve, transition } from '../../core/requests.js';
import { RedisAuditLog } from '../../jobs/redis-audit-log.js';
import { ReplicaWait, type ShortWait } from '../../jobs/replica-wait.js';
import { RedisRequestStore } from '../../jobs/request-store.js';
import { ServiceLocks } from '../../jobs/service-lock.js';
import { callerFor, DEFAULT_NOW } from '../helpers/fakes.js';
import { workerPoolDraft } from '../helpers/pool-request.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

/**
 * The test Redis has no replica, so every `WAIT 1` runs out: which writes wait shows in what is
 * reported, and the writes themselves succeed (a short wait is never fatal).
 */
describe('WAIT after the writes a failover must not lose', () => {
  let redis: Redis;
  let prefix = '';
  let shorts: ShortWait[] = [];
  const wait = new ReplicaWait({ replicas: 1, timeoutMs: 20 }, (short) => shorts.push(short));

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
  });

  afterEach(async () => {
    shorts = [];
    await cleanupPrefix(redis, prefix);
  });

  afterAll(async () => {
    await redis.quit();
  });

  it('an approval waits; filing, starting and finishing a request do not', async () => {
    prefix = uniquePrefix('replica-wait-requests');
    const store = new RedisRequestStore(redis, prefix, wait);
    const filed = await store.create(workerPoolDraft());
    expect(shorts).toEqual([]);
    const approved = await store.update(filed.id, (current) => approve(current, callerFor('bob'), DEFAULT_NOW + 1, current.actionHash));
    expect(approved.state).toBe('approved');
    expect(shorts).toEqual([{ what: `approval of ${filed.id}`, acked: 0, wanted: 1 }]);
    await store.update(filed.id, (current) => transition(current, 'running', DEFAULT_NOW + 2));
    await store.update(filed.id, (current) => transition(current, 'succeeded', DEFAULT_NOW + 3));
    expect(shorts).toHaveLength(1);
    expect((await store.get(filed.id))?.state).toBe('succeeded');
  });

  it('a lock taken waits; a lock refused does not', async () => {
    prefix = uniquePrefix('replica-wait-locks');
    const locks = new ServiceLocks(redis, prefix, wait);
    expect(await locks.acquire('kartotherian', { holder: 'alice', requestId: 'aaaa', since: 1 }, 10_000)).toBeDefined();
    expect(await locks.acquire('kartotherian', { holder: 'bob', requestId: 'bbbb', since: 2 }, 10_000)).toBeUndefined();
    expect(shorts.map((short) => short.what)).toEqual(['lock of kartotherian']);
  });

  it('an audit entry waits; a refusal, which anyone can cause at will, does not', async () => {
    prefix = uniquePrefix('replica-wait-audit');
    const audit = new RedisAuditLog(redis, prefix, { now: () => DEFAULT_NOW }, undefined, wait);
    const entry = { service: 'kartotherian', who: 'alice', where: 'console', detail: '' };
    await audit.append({ ...entry, event: 'request.created', requestId: 'aaaa' });
    await audit.append({ ...entry, event: 'command.refused' });
    expect(shorts.map((short) => short.what)).toEqual(['audit request.created']);
    expect(await redis.xlen(`${prefix}:audit`)).toBe(1);
  });

  it('a WAIT that fails (the connection went away mid-failover) is reported, not thrown', async () => {
    const gone = new Redis(TEST_REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    await wait.after(gone, 'audit request.created');
    expect(shorts).toEqual([expect.objectContaining({ what: 'audit request.created', acked: 0, wanted: 1 })]);
    expect(shorts[0]?.error).toBeInstanceOf(Error);
    gone.disconnect();
  });

  it('waits for nothing with wait_replicas 0', async () => {
    const off = new ReplicaWait({ replicas: 0, timeoutMs: 20 }, (short) => shorts.push(short));
    const gone = new Redis(TEST_REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    // Not even sent: a disconnected client would have failed it.
    await off.after(gone, 'audit request.created');
    expect(off.enabled).toBe(false);
    expect(shorts).toEqual([]);
    gone.disconnect();
  });
});
