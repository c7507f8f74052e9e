import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import { startConsoleBot, type ConsoleBot } from '../helpers/console-bot.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

describe('the bot’s own /metrics, /healthz and /readyz on loopback', () => {
  let redis: Redis;
  let chat: ConsoleBot;
  const prefix = uniquePrefix('ops');

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
    const config = { ...(await loadConfig()), ops_http: { host: '127.0.0.1' as const, port: 0, sample_seconds: 30 } };
    chat = await startConsoleBot({ config, prefix, redisUrl: TEST_REDIS_URL });
  });

  afterAll(async () => {
    await chat.bot.stop();
    await cleanupPrefix(redis, prefix);
    await redis.quit();
  });

  const get = (path: string) => fetch(`http://127.0.0.1:${chat.bot.opsPort ?? 0}${path}`);

  it('counts commands and finished requests, times actions, and exports BullMQ queue depths', async () => {
    chat.say('!kartotherian status --dc eqiad');
    chat.say('!kartotherian pool nosuchhost');
    chat.say('!kartotherian pool wikikube1001');
    const [, id] = await chat.waitFor(/⏳ (\w+):/);
    chat.say('/as bob');
    chat.say(`!approve ${id}`);
    await chat.waitFor(new RegExp(`✅ ${id} done`));
    const response = await get('/metrics');
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/cutover_commands_total\{command="status",outcome="ok"\} 1/);
    expect(text).toMatch(/cutover_commands_total\{command="pool",outcome="refused"\} 1/);
    expect(text).toMatch(/cutover_requests_finished_total\{state="succeeded"\} 1/);
    expect(text).toMatch(/cutover_action_duration_seconds_count\{kind="set-pooled"\} 1/);
    expect(text).toMatch(/cutover_outbox_depth\{transport="console"\} \d+/);
    expect(text).toMatch(/bullmq_job_count\{queue="actions",state="completed"\} 1/);
    expect(text).toMatch(/cutover_process_resident_memory_bytes \d+/);
    const typeLines = text.split('\n').filter((line) => line.startsWith('# TYPE '));
    expect(new Set(typeLines).size).toBe(typeLines.length);
  });

  it('answers /healthz, and /readyz with Redis and each transport', async () => {
    expect((await get('/healthz')).status).toBe(200);
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { redis: 'ok', console: 'ok' } });
    expect((await get('/nope')).status).toBe(404);
  });
});
