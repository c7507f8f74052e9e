/**
 * In dry-run mode SAL is left alone (jobs/notifier.ts): stashbot records every `!log` said in
 * #wikimedia-operations, so a dry run says those lines marked instead. On real Redis, through
 * the BullMQ outbox queue the gateway reads.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Notifier, type ChannelMessage } from '../../jobs/notifier.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

let redis: Redis;
const prefix = uniquePrefix('notifier-dry-run');
let queue: Queue<ChannelMessage>;

beforeAll(async () => {
  await requireRedis();
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue<ChannelMessage>('notify-console', { connection: redis, prefix });
});

afterAll(async () => {
  await queue.close();
  await cleanupPrefix(redis, prefix);
  await redis.quit();
});

const DESTINATION = { transport: 'console', channel: '#ops' };

async function said(dedupeKey: string): Promise<string | undefined> {
  return (await queue.getJob(dedupeKey))?.data.text;
}

describe('the notifier', () => {
  it('says a SAL line as it is when the bot writes for real', async () => {
    await new Notifier(() => queue).send(DESTINATION, { kind: 'progress', text: '!log alice@cutover pool wikikube-worker1001 - new workers' }, 'real-sal');
    expect(await said('real-sal')).toBe('!log alice@cutover pool wikikube-worker1001 - new workers');
  });

  it('in dry-run mode says it marked, so SAL records nothing, and leaves other lines alone', async () => {
    const notifier = new Notifier(() => queue, { dryRun: true });
    await notifier.send(DESTINATION, { kind: 'progress', text: '!log alice@cutover pool wikikube-worker1001 - new workers' }, 'dry-sal');
    await notifier.send(DESTINATION, { kind: 'result', text: '✅ req1 done: DRY RUN, nothing written: pooled=inactive weight=0 → pooled=yes weight=10' }, 'dry-result');

    expect(await said('dry-sal')).toBe('DRY RUN, not logged: alice@cutover pool wikikube-worker1001 - new workers');
    expect(await said('dry-result')).toBe('✅ req1 done: DRY RUN, nothing written: pooled=inactive weight=0 → pooled=yes weight=10');
  });
});
