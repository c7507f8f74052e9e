import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWorkerProcess, setSimulation, writeTestConfig, type BotProcess, type TestConfigFile } from '../helpers/bot-process.js';
import { startConsoleBot, type ConsoleBot } from '../helpers/console-bot.js';
import { actionEvents, conftoolValue, eventually, historyJson } from '../helpers/fault-checks.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const K = '!kartotherian';
const WORKER_PATH = '/conftool/v1/pools/eqiad/maps/kartotherian-k8s-ssl/wikikube-worker1001.eqiad.wmnet';

/**
 * The worker runs as its own process and is SIGKILLed while it holds an approved pool job; a new
 * worker must finish that job exactly once, without waiting out the dead one's service lock.
 */
describe('kill -9 of the worker in the middle of a pool job', () => {
  let redis: Redis;
  let prefix: string;
  let file: TestConfigFile;
  let gateway: ConsoleBot | undefined;
  const workers: BotProcess[] = [];

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.crash()));
    await gateway?.bot.stop();
    gateway = undefined;
    await cleanupPrefix(redis, prefix);
    await file.remove();
  });

  afterAll(async () => {
    await redis.quit();
  });

  it('recovers the job on a new worker, pools the host once, and tells the channel', async () => {
    // The hang keeps the job in the middle of its conftool call for as long as the test needs.
    prefix = uniquePrefix('fault-kill-before-write');
    file = await writeTestConfig(prefix, (yaml) => setSimulation(yaml, 'adapter_timeout_ms', 120_000));
    gateway = await startConsoleBot({ config: file.config, prefix, redisUrl: TEST_REDIS_URL, role: 'gateway' });
    const chat = gateway;
    workers.push(startWorkerProcess(file.path, TEST_REDIS_URL));

    chat.say(`${K} pool wikikube1001 crash rehearsal`);
    const [, id = ''] = await chat.waitFor(/⏳ (\w+): alice asks to pool wikikube-worker1001/);
    chat.say(`${K} simulate hang pooling`);
    await chat.waitFor(/simulated faults now: hanging: pooling/);
    chat.say('/as bob');
    chat.say(`!approve ${id}`);

    // The worker took the lock and is inside the adapter call: the middle of the job.
    const requests = chat.bot.deps.requests;
    await eventually('the job to start', () => requests.get(id).then((request) => request?.state), (state) => state === 'running', 30_000);
    expect(await chat.bot.deps.locks.current('kartotherian')).toMatchObject({ requestId: id });
    await workers[0]?.crash();

    chat.say(`${K} simulate clear`);
    await chat.waitFor(/simulated faults cleared/);
    expect(await conftoolValue(redis, prefix, WORKER_PATH)).toEqual({ pooled: 'inactive', weight: 0 });
    workers.push(startWorkerProcess(file.path, TEST_REDIS_URL));

    // Stalled-job recovery: the dead worker's job lock expires, then the stalled check moves the job back.
    await chat.waitFor(new RegExp(`✅ ${id} done: pool wikikube-worker1001.* pooled=inactive weight=0 → pooled=yes weight=10, read back and verified`), { timeoutMs: 45_000 });
    expect(await conftoolValue(redis, prefix, WORKER_PATH)).toEqual({ pooled: 'yes', weight: 10 });
    expect(await actionEvents(redis, prefix, id)).toEqual(['action.succeeded']);
    const history = await historyJson(chat, 'kartotherian', id);
    expect(history.filter((record) => record.event.startsWith('action.')).map((record) => record.event)).toEqual(['action.succeeded']);
    await chat.waitFor(/!log conftool wikikube-worker1001.* - alice@cutover/);
    expect(chat.transcript().filter((line) => line.startsWith('<cutover> !log conftool wikikube-worker1001'))).toHaveLength(1);
    expect((await requests.get(id))?.state).toBe('succeeded');

    // The lock the dead worker held is gone, and the next change for the service goes through.
    expect(await chat.bot.deps.locks.current('kartotherian')).toBeUndefined();
    const mark = chat.transcript().length;
    chat.say('/as alice');
    chat.say(`${K} pool wikikube1002 after the crash`);
    const [, next = ''] = await chat.waitFor(/⏳ (\w+): alice asks to pool wikikube-worker1002/, { from: mark });
    chat.say('/as carol');
    chat.say(`!approve ${next}`);
    await chat.waitFor(new RegExp(`✅ ${next} done`), { from: mark, timeoutMs: 20_000 });
  }, 90_000);

  it('a worker killed after its write, while pybal is asked: the replay reports the write once, not a no-op', async () => {
    prefix = uniquePrefix('fault-kill-after-write');
    file = await writeTestConfig(prefix, (yaml) => setSimulation(yaml, 'adapter_timeout_ms', 120_000));
    gateway = await startConsoleBot({ config: file.config, prefix, redisUrl: TEST_REDIS_URL, role: 'gateway' });
    const chat = gateway;
    workers.push(startWorkerProcess(file.path, TEST_REDIS_URL));

    chat.say(`${K} pool wikikube1001 crash after write`);
    const [, id = ''] = await chat.waitFor(/⏳ (\w+): alice asks to pool wikikube-worker1001/);
    chat.say(`${K} simulate hang pybal`);
    await chat.waitFor(/simulated faults now: hanging: pybal/);
    chat.say('/as bob');
    chat.say(`!approve ${id}`);
    // conftool is written; the job now waits on pybal to confirm it.
    await eventually('the conftool write', () => conftoolValue(redis, prefix, WORKER_PATH), (value) => (value as { pooled?: string } | null)?.pooled === 'yes', 30_000);
    await workers[0]?.crash();

    chat.say('/as alice');
    chat.say(`${K} simulate clear`);
    await chat.waitFor(/simulated faults cleared/);
    workers.push(startWorkerProcess(file.path, TEST_REDIS_URL));
    await chat.waitFor(new RegExp(`✅ ${id} done: pool wikikube-worker1001.* pooled=yes weight=10 found in place on resuming after an interrupted run`), { timeoutMs: 45_000 });
    expect(await actionEvents(redis, prefix, id)).toEqual(['action.succeeded']);
    await chat.waitFor(/!log conftool wikikube-worker1001.* - alice@cutover/);
    expect(chat.transcript().filter((line) => line.startsWith('<cutover> !log conftool wikikube-worker1001'))).toHaveLength(1);
    expect(chat.transcript().join('\n')).not.toMatch(new RegExp(`${id} no-op`));
    // The service lock is given back after the result is said (the job's last step), not before it.
    expect(await eventually('the service lock to be given back', () => chat.bot.deps.locks.current('kartotherian'), (lock) => lock === undefined, 5_000)).toBeUndefined();
  }, 90_000);
});
