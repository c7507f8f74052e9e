import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { planRunSchema, type PlanRun } from '../../core/plan/run-state.js';
import { ensureRedisTarget } from '../../bot/redis-launcher.js';
import { afterReconnect, createRedisConnection, type RedisTarget } from '../../jobs/redis-connection.js';
import { setPlanTimeScale, setSimulation, writeTestConfig, type TestConfigFile } from '../helpers/bot-process.js';
import { startConsoleBot, type ConsoleBot } from '../helpers/console-bot.js';
import { auditRows, eventually } from '../helpers/fault-checks.js';
import { requestStep, runStep, throughDeploy } from '../helpers/plan-steps.js';
import { freePort } from '../helpers/free-port.js';
import { uniquePrefix } from '../helpers/redis.js';
import { startSentinelGroup, type SentinelGroup } from '../helpers/redis-sentinel.js';

const PLAN = 'kartotherian-to-wikikube';

/** What a failover must not lose: every audit entry, every approval, the service lock held. */
interface Written {
  auditIds: string[];
  approvals: Map<string, string[]>;
  lock: string | null;
}

/**
 * A real primary, a replica and three redis-sentinel processes; the bot (in-process, console
 * transport) follows them with WAIT 1 after approvals, locks and audit entries. The primary is
 * failed over while a wave's conftool writes are being made. The plan must go on to its end with
 * everything written before the failover still there and no action carried out twice.
 */
describe('Redis failing over (Sentinel) in the middle of a plan', () => {
  let group: SentinelGroup | undefined;
  let redis: Redis | undefined;
  let chat: ConsoleBot | undefined;
  let file: TestConfigFile | undefined;

  afterEach(async () => {
    await chat?.bot.stop();
    redis?.disconnect();
    await group?.dispose();
    await file?.remove();
    chat = undefined;
    redis = undefined;
    group = undefined;
    file = undefined;
  });

  async function start(prefix: string): Promise<{ chat: ConsoleBot; redis: Redis; group: SentinelGroup }> {
    const sentinels = await startSentinelGroup();
    group = sentinels;
    file = await writeTestConfig(prefix, (yaml) => {
      yaml['redis'] = { ...(yaml['redis'] as object), sentinels: sentinels.sentinels, sentinel_name: sentinels.name, wait_replicas: 1, wait_timeout_ms: 300 };
      yaml['ops_http'] = { host: '127.0.0.1', port: 0 };
      setPlanTimeScale(yaml, 0.001);
      // A wave's writes take a while, so the failover lands between them whatever the machine's speed.
      setSimulation(yaml, 'conftool_write_ms', 3000);
    });
    // REDIS_URL's host goes unused with sentinels; the password comes as REDIS_PASSWORD would.
    chat = await startConsoleBot({ config: file.config, prefix, redisUrl: 'redis://127.0.0.1:6379', env: { redisPassword: sentinels.password } });
    redis = sentinels.client();
    return { chat, redis, group: sentinels };
  }

  /** Every step left, in both datacenters, until the plan says it is complete. */
  async function toTheEnd(bot: ConsoleBot): Promise<void> {
    for (let step = 0; step < 30; step += 1) {
      const mark = bot.transcript().length;
      const id = await requestStep(bot);
      // Retiring bare metal wants two approvers; each named one approves until enough have.
      const [, count = '0', names = ''] = /needs (\d+) approvals? from ([\w, ]+)/.exec(bot.transcript().slice(mark).join('\n')) ?? [];
      for (const person of names.split(', ').slice(0, Number(count))) {
        bot.say(`/as ${person}`);
        bot.say(`!approve ${id}`);
      }
      const [done] = await bot.waitFor(/✅ \w+ [\w-]+.* done: .*/, { from: mark, timeoutMs: 60_000 });
      if (done.includes('the plan is complete')) return;
    }
    throw new Error(`the plan did not complete in 30 steps:\n${bot.transcript().slice(-20).join('\n')}`);
  }

  async function planRun(client: Redis, prefix: string): Promise<PlanRun | undefined> {
    const json = await client.hget(`${prefix}:plan:${PLAN}`, 'json');
    return json === null ? undefined : planRunSchema.parse(JSON.parse(json));
  }

  async function written(client: Redis, prefix: string): Promise<Written> {
    const auditIds = (await client.xrange(`${prefix}:audit`, '-', '+')).map(([id]) => id);
    const approvals = new Map<string, string[]>();
    for (const id of await client.zrange(`${prefix}:kartotherian:requests`, '0', '-1')) {
      const json = await client.hget(`${prefix}:request:${id}`, 'json');
      approvals.set(id, json === null ? [] : (JSON.parse(json) as { approvals: { person: string }[] }).approvals.map((vote) => vote.person));
    }
    return { auditIds, approvals, lock: await client.get(`${prefix}:lock:kartotherian`) };
  }

  it.each([
    ['SENTINEL FAILOVER', (sentinels: SentinelGroup) => sentinels.failover()],
    ['SIGKILL of the primary', (sentinels: SentinelGroup) => sentinels.killPrimary()],
  ])('%s mid-wave: the plan finishes, nothing written before is lost, nothing is done twice', async (label, failOver) => {
    const prefix = uniquePrefix(`sentinel-${label}`);
    const { chat, redis, group } = await start(prefix);
    const seeded = Number(await redis.get(`${prefix}:sim:conftool:index`));

    await throughDeploy(chat);
    await runStep(chat, /✅ eqiad first-worker done/);
    await runStep(chat, /✅ eqiad observe done/);
    await runStep(chat, /✅ eqiad waves wave 1\/4 done/);
    const id = await requestStep(chat);
    chat.say('/as bob');
    chat.say(`!approve ${id}`);
    const waveWrites = (run: PlanRun | undefined) => run?.journal.filter((entry) => entry.stepId === 'waves' && entry.wave === 1 && entry.status === 'done').length ?? 0;
    await eventually('the first depool of wave 2 to be written and journalled', () => planRun(redis, prefix), (run) => waveWrites(run) === 1, 30_000);

    const before = await written(redis, prefix);
    expect(before.lock).not.toBeNull();
    const { port, ms } = await failOver(group);
    const after = await written(redis, prefix);
    console.log(`${label}: new primary ${port} named by the sentinels after ${ms} ms`);

    // Nothing the bot had written (and WAITed for) is missing from the new primary.
    expect(after.auditIds).toEqual(expect.arrayContaining(before.auditIds));
    for (const [request, people] of before.approvals) expect(after.approvals.get(request), `approvals of ${request}`).toEqual(expect.arrayContaining(people));
    // Held for the same request. Its token is the same unless the failover outlasted BullMQ's job
    // lock (10 s; a split vote among the sentinels retries after twice the failover timeout): the
    // job is then run again and its replay takes the service lock anew (CI saw 12.7 s once).
    const holder = (lock: string | null) => (lock === null ? null : (JSON.parse(lock) as { holder: string; requestId: string }));
    if (ms < 10_000) expect(after.lock).toBe(before.lock);
    else expect(holder(after.lock)).toMatchObject({ holder: holder(before.lock)?.holder, requestId: holder(before.lock)?.requestId });

    // The bot answers through the new primary: how long after it was named.
    const named = Date.now();
    const mark = chat.transcript().length;
    chat.say('!kartotherian plan');
    await chat.waitFor(/kartotherian-to-wikikube/, { from: mark, timeoutMs: 30_000 });
    console.log(`${label}: the bot answered ${Date.now() - named} ms after the new primary was named`);
    // After SENTINEL FAILOVER the old primary follows the new one; wait for it so the rest of the
    // plan runs with a replica again (after a SIGKILL there is none: the WAITs then time out).
    if (label === 'SENTINEL FAILOVER') await group.replicaInSync();

    await chat.waitFor(/✅ eqiad waves wave 2\/4 done/, { timeoutMs: 45_000 });
    await toTheEnd(chat);

    // No action twice: one end per request, each SAL line once, and one conftool write per journalled one.
    // The plan says it is complete from inside its last step: that step's own end is audited a moment after.
    const ended = (all: Awaited<ReturnType<typeof auditRows>>): boolean => all.filter((row) => row.event === 'request.created').every((created) => all.some((row) => row.requestId === created.requestId && row.event.startsWith('action.')));
    const rows = await eventually('every request to have ended', () => auditRows(redis, prefix), ended, 10_000);
    const requests = new Set(rows.filter((row) => row.event === 'request.created').map((row) => row.requestId));
    expect((await planRun(redis, prefix))?.phase).toBe('done');
    expect(requests.size).toBeGreaterThanOrEqual(20);
    for (const request of requests) expect(rows.filter((row) => row.requestId === request && row.event.startsWith('action.')).map((row) => row.event), `actions of ${request}`).toEqual(['action.succeeded']);
    const sal = chat.transcript().filter((line) => line.includes('!log conftool'));
    expect(new Set(sal).size).toBe(sal.length);
    const run = await planRun(redis, prefix);
    const journalled = run?.journal.filter((entry) => entry.kind === 'set-pooled' && entry.status === 'done').length ?? 0;
    expect(journalled).toBeGreaterThan(0);
    expect(Number(await redis.get(`${prefix}:sim:conftool:index`)) - seeded).toBe(journalled);

    // The WAITs that found no replica (after a SIGKILL the new primary has none) were counted, not fatal.
    const metrics = await (await fetch(`http://127.0.0.1:${String(chat.bot.opsPort)}/metrics`)).text();
    if (label.startsWith('SIGKILL')) expect(metrics).toMatch(/cutover_redis_replica_wait_short_total\{what="audit"\} [1-9]/);
  }, 240_000);
});

describe('a connection that followed a failover', () => {
  it('runs the after-reconnect work once per failover (compose-core queues approved requests again there)', async () => {
    const sentinels = await startSentinelGroup();
    const client = createRedisConnection({ kind: 'sentinel', sentinels: sentinels.sentinels, name: sentinels.name, password: sentinels.password, db: 0 }, 'client', () => undefined);
    try {
      await client.ping();
      let runs = 0;
      afterReconnect(client, async () => (runs += 1), (error) => {
        throw error;
      });
      expect(runs).toBe(0);
      const { port } = await sentinels.failover();
      await eventually('the reconnect work to run', async () => runs, (count) => count === 1, 15_000);
      // The connection now writes to the new primary.
      await client.set('t-sentinel-reconnect', '1');
      expect(await sentinels.primaryPort()).toBe(port);
      expect(runs).toBe(1);
    } finally {
      client.disconnect();
      await sentinels.dispose();
    }
  }, 60_000);
});

describe('starting against sentinels', () => {
  let sentinels: SentinelGroup;
  let stateDir: string;

  beforeAll(async () => {
    sentinels = await startSentinelGroup();
    stateDir = await mkdtemp(join(tmpdir(), 'cutover-sentinel-state-'));
  }, 60_000);

  afterAll(async () => {
    await sentinels.dispose();
    await rm(stateDir, { recursive: true, force: true });
  });

  function target(patch: Partial<Extract<RedisTarget, { kind: 'sentinel' }>> = {}): RedisTarget {
    return { kind: 'sentinel', sentinels: sentinels.sentinels, name: sentinels.name, password: sentinels.password, db: 0, ...patch };
  }

  it('names the primary, and never starts a Redis of its own', async () => {
    const lines: string[] = [];
    const ready = await ensureRedisTarget(target(), { autostart: true, stateDir, log: (line) => lines.push(line) });
    expect(ready.started).toBe(false);
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^Redis: the primary "cutover" of sentinels .*, now 127\\.0\\.0\\.1:${await sentinels.primaryPort()}\\.$`))]);
    expect(existsSync(join(stateDir, 'redis'))).toBe(false);
  });

  it('goes on when one sentinel of the list is down, and says which ones are when none answers', async () => {
    const dead = { host: '127.0.0.1', port: await freePort() };
    await expect(ensureRedisTarget(target({ sentinels: [dead, ...sentinels.sentinels] }), { autostart: false, stateDir })).resolves.toMatchObject({ started: false });
    await expect(ensureRedisTarget(target({ sentinels: [dead] }), { autostart: true, stateDir })).rejects.toThrow(new RegExp(`No sentinel names a primary for "cutover" \\(127\\.0\\.0\\.1:${dead.port}: .*ECONNREFUSED.*\\): check redis.sentinels / REDIS_SENTINELS`));
  });

  it('says when no sentinel monitors the name, or the primary refuses the password', async () => {
    await expect(ensureRedisTarget(target({ name: 'mymaster' }), { autostart: false, stateDir })).rejects.toThrow(/No sentinel names a primary for "mymaster" \(.*does not monitor "mymaster"/);
    const refused = ensureRedisTarget(target({ password: 'wrong' }), { autostart: false, stateDir });
    await expect(refused).rejects.toThrow(/The primary 127\.0\.0\.1:\d+ of "cutover" refused the connection .*: check REDIS_PASSWORD/);
    await expect(refused).rejects.not.toThrow(/wrong/);
  });
});
