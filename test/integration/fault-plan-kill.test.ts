import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { planRunSchema, type PlanRun } from '../../core/plan/run-state.js';
import { setPlanTimeScale, setSimulation, startWorkerProcess, writeTestConfig, type BotProcess, type TestConfigFile } from '../helpers/bot-process.js';
import { startConsoleBot, type ConsoleBot } from '../helpers/console-bot.js';
import { actionEvents, auditRows, eventually } from '../helpers/fault-checks.js';
import { requestStep, runStep, throughDeploy } from '../helpers/plan-steps.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const K = '!kartotherian';
const PLAN = 'kartotherian-to-wikikube';

/**
 * The plan worker runs as its own process and is SIGKILLed (or frozen) while a wave is being
 * carried out: its conftool writes are made, its verification is not. A new worker must finish that
 * wave from the journal, without writing anything twice or picking new hosts for the same wave.
 */
describe('kill -9 (or a stall) of the plan worker in the middle of a wave', () => {
  let redis: Redis;
  // Each case its own: one whose stop ran late must not leave its leader lease or plan to the next.
  let prefix = uniquePrefix('fault-plan-kill');
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

  async function pooled(host: string): Promise<string | undefined> {
    const raw = await redis.hget(`${prefix}:sim:conftool`, `/conftool/v1/pools/eqiad/maps/kartotherian-k8s-ssl/${host}.eqiad.wmnet`);
    return raw === null ? undefined : (JSON.parse(raw) as { pooled: string }).pooled;
  }

  async function planRun(): Promise<PlanRun | undefined> {
    const json = await redis.hget(`${prefix}:plan:${PLAN}`, 'json');
    return json === null ? undefined : planRunSchema.parse(JSON.parse(json));
  }

  /** A gateway here, a plan worker as a child process, and the eqiad plan carried through wave 1. */
  async function throughWaveOne(...simulation: [key: string, value: unknown][]): Promise<ConsoleBot> {
    prefix = uniquePrefix('fault-plan-kill');
    file = await writeTestConfig(prefix, (yaml) => {
      setPlanTimeScale(yaml, 0.001);
      for (const [key, value] of simulation) setSimulation(yaml, key, value);
    });
    gateway = await startConsoleBot({ config: file.config, prefix, redisUrl: TEST_REDIS_URL, role: 'gateway' });
    workers.push(startWorkerProcess(file.path, TEST_REDIS_URL));
    await throughDeploy(gateway);
    await runStep(gateway, /✅ eqiad first-worker done/);
    await runStep(gateway, /✅ eqiad observe done/);
    await runStep(gateway, /✅ eqiad waves wave 1\/4 done/);
    return gateway;
  }

  it('killed between the two writes of a wave: the new worker writes only the second, and the wave is logged once', async () => {
    // Each simulated conftool write takes 1.5 s, so the kill lands after the first depool and
    // before the second, whatever the machine's speed.
    const chat = await throughWaveOne(['conftool_write_ms', 1500]);

    const id = await requestStep(chat);
    chat.say('/as bob');
    chat.say(`!approve ${id}`);
    const waveWrites = (run: PlanRun | undefined) => run?.journal.filter((entry) => entry.stepId === 'waves' && entry.wave === 1 && entry.status === 'done') ?? [];
    await eventually('the first depool of wave 2 to be written and journalled', planRun, (run) => waveWrites(run).length === 1, 30_000);
    await workers[0]?.crash();
    expect(await Promise.all(['maps1005', 'maps1006', 'maps1007'].map(pooled))).toEqual(['no', 'yes', 'yes']);

    workers.push(startWorkerProcess(file.path, TEST_REDIS_URL));
    await chat.waitFor(/✅ eqiad waves wave 2\/4 done/, { timeoutMs: 45_000 });

    expect(await Promise.all(['maps1005', 'maps1006', 'maps1007', 'maps1008'].map(pooled))).toEqual(['no', 'no', 'yes', 'yes']);
    expect(waveWrites(await planRun()).map((entry) => entry.target.split('/').pop())).toEqual(['maps1005.eqiad.wmnet', 'maps1006.eqiad.wmnet']);
    expect(await actionEvents(redis, prefix, id)).toEqual(['action.succeeded']);
    // The killed run never reached its SAL line; the replay logs both writes, once.
    expect(chat.transcript().filter((line) => /!log conftool .*maps/.test(line))).toEqual([
      expect.stringContaining('!log conftool maps[1005-1006].eqiad.wmnet kartotherian-k8s-ssl (eqiad): pooled=yes → no weight=10'),
    ]);
  }, 90_000);

  it('resumes the wave on a new worker: the same two hosts depooled once, verified, one executed action', async () => {
    // Each write takes 1.5 s, so the probes can be made to hang after the first write and before the checks that follow the second.
    const chat = await throughWaveOne(['adapter_timeout_ms', 120_000], ['conftool_write_ms', 1500]);

    // Wave 2 proves the workers with real requests once as it starts (they serve), depools two
    // bare-metal hosts, then proves the workers again: by then that probe hangs.
    const id = await requestStep(chat);
    chat.say('/as bob');
    chat.say(`!approve ${id}`);
    await eventually('the first depool of wave 2 to be written and journalled', planRun, (run) => run?.journal.filter((entry) => entry.stepId === 'waves' && entry.wave === 1 && entry.status === 'done').length === 1, 30_000);
    chat.say(`${K} simulate hang probes`);
    await chat.waitFor(/hanging: probes/);
    await eventually('both depools of wave 2 to be written and journalled', planRun, (run) => run?.journal.filter((entry) => entry.stepId === 'waves' && entry.wave === 1 && entry.status === 'done').length === 2, 30_000);
    expect(await Promise.all(['maps1005', 'maps1006', 'maps1007'].map(pooled))).toEqual(['no', 'no', 'yes']);
    expect((await planRun())?.phase).toBe('acting');
    await workers[0]?.crash();

    chat.say('/as alice');
    chat.say(`${K} simulate clear`);
    await chat.waitFor(/simulated faults cleared/);
    workers.push(startWorkerProcess(file.path, TEST_REDIS_URL));
    await chat.waitFor(/✅ eqiad waves wave 2\/4 done/, { timeoutMs: 45_000 });

    // The same two hosts, not two more: the wave was approved for maps1005 and maps1006.
    expect(await Promise.all(['maps1005', 'maps1006', 'maps1007', 'maps1008', 'maps1009', 'maps1010'].map(pooled))).toEqual(['no', 'no', 'yes', 'yes', 'yes', 'yes']);
    const run = await planRun();
    const writes = run?.journal.filter((entry) => entry.stepId === 'waves' && entry.wave === 1 && entry.kind === 'set-pooled') ?? [];
    expect(writes.filter((entry) => entry.status === 'done').map((entry) => entry.target.split('/').pop())).toEqual(['maps1005.eqiad.wmnet', 'maps1006.eqiad.wmnet']);
    expect(run?.phase).toBe('ready');
    expect(run?.position).toMatchObject({ step: 6, wave: 2 });
    expect(await actionEvents(redis, prefix, id)).toEqual(['action.succeeded']);
    // One SAL line for the wave's two depools, said once although the wave ran on two workers.
    expect(chat.transcript().filter((line) => line.includes('!log conftool maps[1005-1006].eqiad.wmnet kartotherian-k8s-ssl (eqiad): pooled=yes → no'))).toHaveLength(1);
    expect(chat.transcript().filter((line) => /!log conftool .*maps/.test(line))).toHaveLength(1);
    chat.say(`${K} status --dc eqiad --service kartotherian`);
    await chat.waitFor(/lock: free/);
  }, 90_000);

  /**
   * Frozen (SIGSTOP: a stalled VM, a long pause) past its job's lock, while another worker takes the
   * wave over from the journal and finishes it. When the frozen one wakes, its write in flight finds
   * the key moved on, and it must then say and change nothing: no ⏸ "stopped" on a wave that is
   * done, no ❌, no second SAL line. Its job's BullMQ lock is the fencing token (jobs/job-lock-fence.ts).
   */
  it('stalled past its job lock, it wakes after another worker finished its wave: says nothing, pauses nothing, and the wave is written and logged once', async () => {
    // Each simulated conftool write takes 1.5 s: the stall lands inside the second depool's write.
    const chat = await throughWaveOne(['conftool_write_ms', 1500]);
    const stalled = workers[0] as BotProcess;

    const id = await requestStep(chat);
    chat.say('/as bob');
    chat.say(`!approve ${id}`);
    const waveWrites = (run: PlanRun | undefined) => run?.journal.filter((entry) => entry.stepId === 'waves' && entry.wave === 1 && entry.status === 'done') ?? [];
    await eventually('the first depool of wave 2 to be written and journalled', planRun, (run) => waveWrites(run).length === 1, 30_000);
    stalled.stall();
    const mark = chat.transcript().length;

    // The successor: its stalled-job check finds the frozen worker's lock gone and carries the wave on from the journal.
    workers.push(startWorkerProcess(file.path, TEST_REDIS_URL));
    await chat.waitFor(/✅ eqiad waves wave 2\/4 done/, { from: mark, timeoutMs: 60_000 });
    expect(await Promise.all(['maps1005', 'maps1006', 'maps1007', 'maps1008'].map(pooled))).toEqual(['no', 'no', 'yes', 'yes']);
    const settled = await planRun();

    stalled.wake();
    // It wakes, its write in flight is refused by etcd's compare-and-swap (the key moved on), and it
    // stops at its fence. Without one, it would pause the finished wave and say so ("stopped: …").
    const spoke = () => chat.transcript().slice(mark).some((line) => /stopped:|❌|⏸/.test(line));
    const stopped = async () => (await auditRows(redis, prefix)).some((row) => row.event === 'job.superseded' && row.requestId === id);
    await eventually('the stalled run to stop at its fence (or speak)', async () => spoke() || (await stopped()), (done) => done, 30_000);
    // Time for anything it might still say to reach the channel.
    await new Promise((resolve) => setTimeout(resolve, 1500));

    expect(chat.transcript().slice(mark).filter((line) => /stopped:|❌|⏸/.test(line))).toEqual([]);
    expect(chat.transcript().filter((line) => /!log conftool .*maps/.test(line))).toEqual([
      expect.stringContaining('!log conftool maps[1005-1006].eqiad.wmnet kartotherian-k8s-ssl (eqiad): pooled=yes → no weight=10'),
    ]);
    expect(chat.transcript().filter((line) => /✅ eqiad waves wave 2\/4 done/.test(line))).toHaveLength(1);
    expect((await auditRows(redis, prefix)).filter((row) => row.event === 'job.superseded').map((row) => row.requestId)).toEqual([id]);
    const run = await planRun();
    expect(run?.phase).toBe('ready');
    expect(run?.position).toEqual(settled?.position);
    expect(run?.journal).toEqual(settled?.journal);
    expect(waveWrites(run).map((entry) => entry.target.split('/').pop())).toEqual(['maps1005.eqiad.wmnet', 'maps1006.eqiad.wmnet']);
    expect(await Promise.all(['maps1005', 'maps1006', 'maps1007', 'maps1008'].map(pooled))).toEqual(['no', 'no', 'yes', 'yes']);
    expect(await actionEvents(redis, prefix, id)).toEqual(['action.succeeded']);
  }, 150_000);
});
