import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import { startConsoleBot, type ConsoleBot } from '../helpers/console-bot.js';
import { prometheusBinary } from '../helpers/prometheus-server.js';
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
    chat.say('!kartotherian pool wikikube1002');
    await chat.waitFor(/⏳ \w+: alice asks to pool wikikube-worker1002/);
    chat.say(`!approve ${id}`);
    await chat.waitFor(/✖ You asked for/);
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
    expect(text).toMatch(/cutover_approvals_total\{decision="granted"\} 1/);
    expect(text).toMatch(/cutover_approvals_total\{decision="refused"\} 1/);
    expect(text).toMatch(/cutover_audit_events_total\{event="action.succeeded"\} 1/);
    // The second request still waits: requests by state come from Redis at scrape time.
    expect(text).toMatch(/cutover_requests_open\{service="kartotherian",state="pending"\} 1/);
    // Every call into an adapter is timed: conftool reads and writes, pybal, health.
    expect(text).toMatch(/cutover_adapter_call_seconds_count\{adapter="conftool-simulated",operation="compareAndSet",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/cutover_adapter_call_seconds_count\{adapter="simulated-observer",operation="confirmApplied",outcome="ok"\} [1-9]/);
    // Every watch, with its seconds since the last check: the guard ticks whether or not a worker is pooled.
    expect(text).toMatch(/cutover_watch_seconds_since_check\{watch="guard:kartotherian"\} [\d.]+/);
    const typeLines = text.split('\n').filter((line) => line.startsWith('# TYPE '));
    expect(new Set(typeLines).size).toBe(typeLines.length);
  });

  it('is an exposition Prometheus accepts: promtool parses it, and its only lint notes are about library-named metrics', async () => {
    const text = await (await get('/metrics')).text();
    // promtool ships with Debian's prometheus package, beside the binary the metrics tests need.
    const promtool = join(dirname(prometheusBinary()), 'promtool');
    const result = await execa(promtool, ['check', 'metrics'], { input: text, reject: false });
    const notes = `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => line.trim() !== '');
    expect(notes.some((line) => /error|parse/i.test(line)), notes.join('\n')).toBe(false);
    // BullMQ's bullmq_job_count and prom-client's nodejs_active_*_total gauges are named by their libraries.
    expect(notes.filter((line) => !/^(bullmq_|cutover_nodejs_)/.test(line))).toEqual([]);
  });

  it('answers /healthz, and /readyz with Redis and each transport', async () => {
    expect((await get('/healthz')).status).toBe(200);
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { leader: { instance: string; since: string } };
    expect(body).toEqual({ ready: true, checks: { redis: 'ok', console: 'ok', leader: 'leading' }, leader: { instance: body.leader.instance, token: 1, since: body.leader.since }, instance: { name: body.leader.instance, leading: true } });
    expect(Date.parse(body.leader.since)).toBeGreaterThan(0);
    expect((await get('/nope')).status).toBe(404);
  });
});
