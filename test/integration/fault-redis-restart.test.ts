import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import { planRunSchema, type PlanRun } from '../../core/plan/run-state.js';
import { startConsoleBot, type ConsoleBot } from '../helpers/console-bot.js';
import { requestStep, soaking, throughDeploy } from '../helpers/plan-steps.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis.js';
import { uniquePrefix } from '../helpers/redis.js';

const K = '!kartotherian';
const PLAN = 'kartotherian-to-wikikube';

/**
 * Redis (AOF, fsync always) is shut down and started again while a plan step soaks. The bot is
 * not restarted: it must find everything where it left it and carry on by itself.
 */
describe('Redis restarted in the middle of a plan soak', () => {
  let server: PrivateRedis | undefined;
  let chat: ConsoleBot | undefined;
  let redis: Redis | undefined;

  afterEach(async () => {
    await chat?.bot.stop();
    redis?.disconnect();
    await server?.dispose();
    chat = undefined;
    redis = undefined;
    server = undefined;
  });

  it('loses no request, plan state or audit entry, and the soak completes without restarting the bot', async () => {
    server = await startPrivateRedis();
    const config = await loadConfig();
    const plan = config.plans['kartotherian'];
    if (plan === undefined) throw new Error('the shipped config lost its plan');
    // first-worker soaks 900 s × 0.01 = 9 s, analysed every 0.6 s: long enough to stop Redis inside it.
    plan.time_scale = 0.01;
    const prefix = uniquePrefix('fault-redis-restart');
    redis = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 200 });
    redis.on('error', () => undefined);
    chat = await startConsoleBot({ config, prefix, redisUrl: server.url });
    const bot = chat;

    await throughDeploy(bot);
    const id = await requestStep(bot, 'canary');
    bot.say('/as bob');
    bot.say(`!approve ${id}`);
    await bot.waitFor(new RegExp(`▶ eqiad first-worker: .*\\(${id}\\) · then soaks 9s under analysis`), { timeoutMs: 20_000 });
    await soaking(bot);

    const before = await snapshot(redis, prefix);
    expect(before.plan?.phase).toBe('soaking');
    await server.shutdown();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await server.restart();

    const after = await snapshot(redis, prefix);
    expect(after.audit.slice(0, before.audit.length)).toEqual(before.audit);
    expect(after.requests).toEqual(before.requests);
    expect(after.plan?.journal).toEqual(before.plan?.journal);
    expect(after.plan?.completed).toEqual(before.plan?.completed);
    expect(after.conftool).toEqual(before.conftool);

    // Nobody touched the bot: the soak goes on ticking and ends, and commands answer again.
    await bot.waitFor(/✅ eqiad first-worker done: soak of 9s passed/, { timeoutMs: 30_000 });
    const mark = bot.transcript().length;
    bot.say('/as alice');
    bot.say(`${K} status --dc eqiad --service kartotherian-k8s-ssl`);
    await bot.waitFor(/yes w10: maps\[1005-1010\] wikikube-worker1001/, { from: mark });
    bot.say(`${K} plan`);
    await bot.waitFor(/ready at eqiad step 6\/8 observe/, { from: mark });
    const events = (await snapshot(redis, prefix)).audit.filter(([event, request]) => request === id && event.startsWith('action.'));
    expect(events).toEqual([['action.succeeded', id]]);
  }, 90_000);
});

async function snapshot(redis: Redis, prefix: string): Promise<{ audit: [string, string][]; requests: Record<string, string>; plan: PlanRun | undefined; conftool: Record<string, string> }> {
  const audit = (await redis.xrange(`${prefix}:audit`, '-', '+')).map(([, fields]): [string, string] => [fields[fields.indexOf('event') + 1] ?? '', fields[fields.indexOf('request') + 1] ?? '']);
  const requests: Record<string, string> = {};
  for (const key of await redis.keys(`${prefix}:request:*`)) {
    const json = await redis.hget(key, 'json');
    if (json !== null) requests[key] = (JSON.parse(json) as { state: string }).state;
  }
  const planJson = await redis.hget(`${prefix}:plan:${PLAN}`, 'json');
  return {
    audit,
    requests,
    plan: planJson === null ? undefined : planRunSchema.parse(JSON.parse(planJson)),
    conftool: await redis.hgetall(`${prefix}:sim:conftool`),
  };
}
