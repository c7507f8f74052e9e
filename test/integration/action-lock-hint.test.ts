import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeRequestSchema, type ChangeRequest, type RequestState } from '../../core/requests.js';
import { createActionProcessor } from '../../jobs/action-processor.js';
import type { RequestJobData } from '../../jobs/bullmq-action-queue.js';
import { Notifier } from '../../jobs/notifier.js';
import { ServiceLocks } from '../../jobs/service-lock.js';
import { loadShippedConfig, shippedInventories } from '../helpers/config.js';
import { DEFAULT_NOW, makeDeps } from '../helpers/fakes.js';
import { workerPoolDraft } from '../helpers/pool-request.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

function request(id: string, state: RequestState): ChangeRequest {
  return changeRequestSchema.parse({ ...workerPoolDraft(), id, state });
}

/**
 * An action job names the lock it takes, so the worker asks for it while it reads the request.
 * A lock taken for a job that has nothing to run must never outlive the job: it would hold up
 * every other change of that service for the lock's whole TTL.
 */
describe('the lock an action job names', () => {
  let redis: Redis;
  const prefix = uniquePrefix('action-lock-hint');
  let queue: Queue<RequestJobData>;
  let locks: ServiceLocks;
  let process: ReturnType<typeof createActionProcessor>;
  let fakes: ReturnType<typeof makeDeps>;

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    queue = new Queue<RequestJobData>('actions', { connection: redis, prefix });
    locks = new ServiceLocks(redis, prefix);
    const config = await loadShippedConfig();
    const inventories = shippedInventories(config);
    fakes = makeDeps(config, inventories);
    process = createActionProcessor({
      requests: fakes.requests,
      locks,
      audit: fakes.audit,
      // No transport configured: nothing to tell, which these jobs have no reason to do anyway.
      notifier: new Notifier(() => undefined),
      pooling: fakes.pooling,
      writer: fakes.safety.writer,
      inventories,
      clock: fakes.clock,
      lockTtlMs: 60_000,
      lockRetryMs: 200,
      log: () => undefined,
    });
  });

  afterAll(async () => {
    await queue.close();
    await cleanupPrefix(redis, prefix);
    await redis.quit();
  });

  async function job(data: RequestJobData) {
    return queue.add('execute', data, { jobId: `execute-${data.requestId}` });
  }

  it('is given back when the request already ended (a replay), and when it does not exist', async () => {
    fakes.requests.put(request('done', 'succeeded'));
    expect(await process(await job({ requestId: 'done', lock: { service: 'kartotherian', holder: 'alice' } }))).toBe('succeeded');
    expect(await locks.current('kartotherian')).toBeUndefined();

    await expect(process(await job({ requestId: 'gone', lock: { service: 'kartotherian', holder: 'alice' } }))).rejects.toThrow('request gone does not exist');
    expect(await locks.current('kartotherian')).toBeUndefined();
  });

  it('is given back when the request is not approved, or names another service than the job says', async () => {
    fakes.requests.put(request('wait', 'pending'));
    await expect(process(await job({ requestId: 'wait', lock: { service: 'kartotherian', holder: 'alice' } }))).rejects.toThrow('is not approved');
    expect(await locks.current('kartotherian')).toBeUndefined();

    fakes.requests.put(request('other', 'succeeded'));
    expect(await process(await job({ requestId: 'other', lock: { service: 'maps-elsewhere', holder: 'alice' } }))).toBe('succeeded');
    expect(await locks.current('maps-elsewhere')).toBeUndefined();
  });

  it('leaves another request\'s lock alone', async () => {
    const held = await locks.acquire('kartotherian', { holder: 'bob', requestId: 'busy', since: DEFAULT_NOW }, 60_000);
    if (held === undefined) throw new Error('the lock was not free');
    fakes.requests.put(request('late', 'succeeded'));
    expect(await process(await job({ requestId: 'late', lock: { service: 'kartotherian', holder: 'alice' } }))).toBe('succeeded');
    expect(await locks.current('kartotherian')).toEqual({ holder: 'bob', requestId: 'busy', since: DEFAULT_NOW });
    await locks.release('kartotherian', held);
  });
});
