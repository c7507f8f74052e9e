import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EtcdV2Client } from '../../adapters/conftool/etcd-client.js';
import { EtcdPooling } from '../../adapters/conftool/etcd-pooling.js';
import { formatConftoolValue } from '../../adapters/conftool/conftool-value.js';
import { conftoolPath, type SetPooledAction } from '../../core/actions.js';
import { isCutoverError } from '../../core/errors.js';
import { FenceScope } from '../../jobs/fence-scope.js';
import { fencedProcessor } from '../../jobs/fenced-processor.js';
import { WorkerProofs } from '../../jobs/guard/worker-proofs.js';
import { Notifier, type ChannelMessage } from '../../jobs/notifier.js';
import { PlanStore } from '../../jobs/plan/plan-store.js';
import { PoolWriter } from '../../jobs/pool-writer.js';
import { loadShippedConfig, shippedInventories } from '../helpers/config.js';
import { EtcdKeys, startEtcd, type EtcdServer } from '../helpers/etcd-server.js';
import { MemoryProofRecords, ScriptedProber, TEST_PROOF_SETTINGS } from '../helpers/fake-safety.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { WORKER_POOL_ACTION } from '../helpers/pool-request.js';

const INACTIVE = formatConftoolValue({ pooled: 'inactive', weight: 0 });
const worker = (n: number): SetPooledAction => ({ ...WORKER_POOL_ACTION, fqdn: `wikikube-worker${n}.eqiad.wmnet` });
const path = (action: SetPooledAction): string => conftoolPath(action.pool, action.fqdn);

/**
 * A worker that stalls past its job's lock (its event loop stopped: SIGSTOP, a frozen VM) and
 * wakes up must write and say nothing more: the job is someone else's by then. BullMQ's own lock
 * is the fencing token. The stall is BullMQ's `skipLockRenewal`: the lock runs out exactly as it
 * does for a process that cannot renew it, with nothing in Redis touched by the test.
 */
describe('a job that lost its lock writes nothing more (real Redis, real BullMQ locks, real etcd)', () => {
  let etcd: EtcdServer;
  let keys: EtcdKeys;
  let redis: Redis;
  let prefix: string;
  let fences: FenceScope;
  let writer: PoolWriter;
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
    etcd = await startEtcd();
    keys = new EtcdKeys(etcd.url);
  });

  afterAll(async () => {
    await redis.quit();
    await etcd?.stop();
  });

  beforeEach(async () => {
    prefix = uniquePrefix('job-fence');
    await keys.removeTree('/conftool');
    for (const n of [1001, 1002, 1003]) await keys.put(path(worker(n)), INACTIVE, { prevExist: 'false' });
    for (const n of [1005, 1006, 1007, 1008]) await keys.put(conftoolPath(WORKER_POOL_ACTION.pool, `maps${n}.eqiad.wmnet`), formatConftoolValue({ pooled: 'yes', weight: 10 }), { prevExist: 'false' });
    fences = new FenceScope();
    const inventories = shippedInventories(await loadShippedConfig());
    const proofs = new WorkerProofs({ store: new MemoryProofRecords(), probers: new Map([['kartotherian', new ScriptedProber()]]), settings: () => TEST_PROOF_SETTINGS, clock: { now: () => Date.now() } });
    writer = new PoolWriter({ pooling: new EtcdPooling(new EtcdV2Client({ endpoints: [etcd.url], timeoutMs: 2000 })), inventories, proofs, fences });
  });

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await cleanupPrefix(redis, prefix);
  });

  /** A connection of a worker's own, as BullMQ needs for its blocking commands. */
  function blocking(): Redis {
    const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    closers.unshift(() => connection.quit());
    return connection;
  }

  /** Runs `work` as the processor of one job on a worker that never renews its 1 s lock. */
  async function runStalling<T>(work: (job: Job) => Promise<T>, options: { takeOver?: (job: Job) => Promise<void> } = {}): Promise<T> {
    const queue = new Queue('fenced', { connection: redis, prefix });
    closers.push(() => queue.close());
    let outcome!: { ok: true; value: T } | { ok: false; error: unknown };
    // A healthy worker on the same queue, started once the stalling one holds the job: its stalled
    // check finds the job's lock gone and runs the job itself.
    const startHealthy = (takeOver: (job: Job) => Promise<void>): void => {
      const healthy = new Worker('fenced', fencedProcessor(fences, redis, async (job) => takeOver(job)), { connection: blocking(), prefix, lockDuration: 5000, stalledInterval: 300 });
      closers.push(() => healthy.close(true));
    };
    const finished = new Promise<void>((resolve) => {
      const stalling = new Worker('fenced', fencedProcessor(fences, redis, async (job) => {
        if (options.takeOver !== undefined) startHealthy(options.takeOver);
        try {
          outcome = { ok: true, value: await work(job) };
        } catch (error) {
          outcome = { ok: false, error };
        }
        resolve();
      }), { connection: blocking(), prefix, lockDuration: 1000, skipLockRenewal: true, skipStalledCheck: true });
      // Its own finish is refused by BullMQ too ("Missing lock"): expected of a job that is not its own any more.
      stalling.on('error', () => undefined);
      closers.push(() => stalling.close(true));
    });
    await queue.add('step', {}, { jobId: 'step-1' });
    await finished;
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  const lockGone = async (job: Job): Promise<void> => {
    const key = `${job.queueQualifiedName}:${job.id ?? ''}:lock`;
    for (let waited = 0; (await redis.exists(key)) === 1; waited += 50) {
      if (waited > 5000) throw new Error('the lock never ran out');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  it('writes while its lock holds; once the lock ran out the next write is refused and etcd keeps its value', async () => {
    const second = await runStalling(async (job) => {
      const first = await writer.write({ action: worker(1001) }, 'change');
      expect(first.outcome).toBe('changed');
      await lockGone(job);
      return writer.write({ action: worker(1002) }, 'change').catch((error: unknown) => error);
    });
    expect(isCutoverError(second, 'fence.lost')).toBe(true);
    expect((second as Error).message).toMatch(/job step-1 of fenced is no longer this process's \(its lock expired while this process was stalled\)/);
    expect((await keys.get(path(worker(1001))))?.value).toBe(formatConftoolValue({ pooled: 'yes', weight: 10 }));
    expect((await keys.get(path(worker(1002))))?.value).toBe(INACTIVE);
  });

  it('another worker took the job over: the stalled one is refused, the new holder writes', async () => {
    let taken!: () => void;
    let refused!: () => void;
    const takenOver = new Promise<void>((resolve) => (taken = resolve));
    const staleDone = new Promise<void>((resolve) => (refused = resolve));
    const stale = await runStalling(
      async () => {
        await takenOver;
        const outcome = await writer.write({ action: worker(1002) }, 'change').catch((error: unknown) => error);
        refused();
        return outcome;
      },
      {
        takeOver: async () => {
          await writer.write({ action: worker(1003) }, 'change');
          taken();
          // Still running (holding the lock) while the stalled one tries.
          await staleDone;
        },
      },
    );
    expect(isCutoverError(stale, 'fence.lost')).toBe(true);
    expect((stale as Error).message).toContain('another worker took it over');
    expect((await keys.get(path(worker(1003))))?.value).toBe(formatConftoolValue({ pooled: 'yes', weight: 10 }));
    expect((await keys.get(path(worker(1002))))?.value).toBe(INACTIVE);
  });

  it('says nothing and changes no plan once its lock ran out', async () => {
    const outbox = new Queue<ChannelMessage>('notify-test', { connection: redis, prefix });
    closers.push(() => outbox.close());
    const notifier = new Notifier(() => outbox, { fences });
    const plans = new PlanStore(redis, prefix, fences);
    const refusals = await runStalling(async (job) => {
      await notifier.send({ transport: 'test', channel: '#ops' }, { kind: 'result', text: 'said while the lock held' }, 'before');
      await lockGone(job);
      const said = await notifier.send({ transport: 'test', channel: '#ops' }, { kind: 'result', text: 'said after' }, 'after').catch((error: unknown) => error);
      const planned = await plans.update('kartotherian', () => { throw new Error('never read'); }, (run) => run).catch((error: unknown) => error);
      return [said, planned];
    });
    expect(refusals.map((error) => isCutoverError(error, 'fence.lost'))).toEqual([true, true]);
    expect((await outbox.getJobs(['waiting', 'delayed', 'active'])).map((job) => job.data.text)).toEqual(['said while the lock held']);
    expect(await plans.get('kartotherian')).toBeUndefined();
  });
});
