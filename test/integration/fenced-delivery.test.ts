import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CutoverError } from '../../core/errors.js';
import type { Fence } from '../../core/ports/fence.js';
import { JobSystem } from '../../jobs/job-system.js';
import type { ChannelMessage } from '../../jobs/notifier.js';
import { notifyQueueName } from '../../jobs/queue-names.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

describe('outbox delivery behind the leader fence (real Redis, BullMQ)', () => {
  let redis: Redis;
  let prefix: string;
  const systems: JobSystem[] = [];

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
  });
  afterEach(async () => {
    await Promise.all(systems.splice(0).map((system) => system.close()));
    await cleanupPrefix(redis, prefix);
  });
  afterAll(async () => redis.quit());

  function jobSystem(): JobSystem {
    const system = new JobSystem({ prefix, transports: ['irc'], client: redis, connectWorker: () => new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null }), onError: () => undefined });
    systems.push(system);
    return system;
  }

  it('a lapsed leader hands no line to its transport: each goes back to the queue and the current leader says it, once', async () => {
    prefix = uniquePrefix('fenced-delivery');
    const lost: Fence = { label: 'leader lease 1 of a', check: async () => Promise.reject(new CutoverError('fence.lost', 'leader lease 1 of a is no longer current')) };
    let refusals = 0;
    const countingLost: Fence = { label: lost.label, check: async () => { refusals += 1; await lost.check(); } };
    const saidByA: string[] = [];
    const stale = jobSystem();
    stale.startDelivery('irc', countingLost, async (message) => void saidByA.push(message.text));

    const queue = new Queue<ChannelMessage>(notifyQueueName('irc'), { connection: redis, prefix });
    const texts = ['one', 'two', 'three'];
    for (const text of texts) await queue.add('say', { channel: '#ops', text, kind: 'result' }, { jobId: `line-${text}`, attempts: 50 });
    // The stale leader keeps taking the lines and putting them back; none fails, none is said.
    while (refusals < 6) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(saidByA).toEqual([]);
    expect(await queue.getJobCounts('failed', 'completed')).toEqual({ failed: 0, completed: 0 });

    const saidByB: string[] = [];
    const current = jobSystem();
    current.startDelivery('irc', { label: 'leader lease 2 of b', check: async () => undefined }, async (message) => void saidByB.push(message.text));
    while (saidByB.length < texts.length) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect([...saidByB].sort()).toEqual([...texts].sort());
    expect(saidByA).toEqual([]);
    expect((await queue.getJobCounts('completed')).completed).toBe(texts.length);
    await queue.close();
  });
});
