import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { GUARD_QUEUE } from '../../jobs/queue-names.js';
import { RedisEpisodes } from '../../jobs/watch/stale-episodes.js';
import { useConsoleBots } from '../helpers/console-bots.js';
import { pollUntil } from '../helpers/prometheus-server.js';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const STALE = /⚠ the guard of kartotherian has not looked at the pooled workers for \d+s \(every 0\.5s expected\): is a worker process running\? !kartotherian status/;
const RECOVERED = /✅ the guard of kartotherian looks at the pooled workers again/;

/** The shipped config with the ops endpoints on, and a guard looking every half second. */
async function watchedConfig(): Promise<Config> {
  const config = { ...(await loadConfig()), ops_http: { host: '127.0.0.1' as const, port: 0, sample_seconds: 30 } };
  const service = config.services['kartotherian'];
  if (service === undefined) throw new Error('the shipped config lost kartotherian');
  service.guard.probe_interval_seconds = 0.5;
  return config;
}

/** The gauge for the guard on a bot's /metrics. */
async function guardSeconds(port: number | undefined): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${port ?? 0}/metrics`)).text();
  const match = /^cutover_watch_seconds_since_check\{watch="guard:kartotherian"\} ([\d.e+-]+)$/m.exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

describe('the watchdog against real Redis and BullMQ', () => {
  const bots = useConsoleBots(() => {
    throw new Error('each test passes its config');
  });

  it('the leader tells the channel once when the guard stops looking, the gauge grows, and it says so when the guard is back', async () => {
    const config = await watchedConfig();
    const worker = await bots.start('watchdog', { config, role: 'worker', withConsole: false });
    const { prefix } = worker;
    // The first gateway leads: the guard's looks and the watchdog are both the leader's (issue 16).
    const gateway = await bots.start('watchdog', { config, role: 'gateway', prefix });
    // A second gateway on the same Redis stands by: it sees the same stale guard, and must not say it.
    const other = await bots.start('watchdog', { config, role: 'gateway', prefix, withConsole: false });
    expect(gateway.bot.leading()).toBe(true);
    expect(other.bot.leading()).toBe(false);
    const guardQueue = new Queue(GUARD_QUEUE, { connection: bots.redis, prefix });

    const fresh = await pollUntil(async () => {
      const seconds = await guardSeconds(gateway.bot.opsPort);
      return seconds !== undefined && seconds < 2 ? seconds : undefined;
    }, { what: 'the guard to look, on the gateway’s /metrics', timeoutMs: 10_000, intervalMs: 100 });
    expect(fresh).toBeLessThan(2);

    // The guard's schedule is gone (as a broken scheduler or a dead worker connection would leave it): nobody looks.
    await guardQueue.removeJobScheduler('guard-kartotherian');
    const mark = gateway.transcript().length;
    await gateway.waitFor(STALE, { from: mark, timeoutMs: 15_000 });
    const first = (await guardSeconds(gateway.bot.opsPort)) ?? 0;
    expect(first).toBeGreaterThan(5);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await guardSeconds(gateway.bot.opsPort)) ?? 0).toBeGreaterThan(first + 2);
    // The other gateway reads the same number, from Redis.
    expect((await guardSeconds(other.bot.opsPort)) ?? 0).toBeGreaterThan(first + 2);
    expect(gateway.transcript().filter((line) => STALE.test(line))).toHaveLength(1);
    // The episode is in Redis (the outbox's job id dedupes too, but only as long as BullMQ keeps the job).
    const ledger = `${prefix}:watchdog:guard:kartotherian`;
    const episode = await bots.redis.get(ledger);
    expect(episode).toMatch(/^\d+$/);

    // status says it too, first, in the same words.
    gateway.say('!kartotherian status --dc eqiad --service kartotherian-k8s-ssl');
    await gateway.waitFor(/^<cutover> lock: /, { from: mark });
    const reply = gateway.transcript().slice(mark);
    const header = reply.findIndex((line) => line.startsWith('<cutover> kartotherian · pool state'));
    expect(reply[header + 1]).toMatch(/^<cutover> ⚠ the guard of kartotherian has not looked at the pooled workers for \d+s \(every 0\.5s expected\): is a worker process running\?$/);

    await guardQueue.upsertJobScheduler('guard-kartotherian', { every: 500 }, { name: 'tick', data: { service: 'kartotherian' } });
    await gateway.waitFor(RECOVERED, { from: mark, timeoutMs: 15_000 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(gateway.transcript().filter((line) => RECOVERED.test(line))).toHaveLength(1);
    expect(gateway.transcript().filter((line) => STALE.test(line))).toHaveLength(1);
    expect((await guardSeconds(gateway.bot.opsPort)) ?? Infinity).toBeLessThan(2);
    expect(await bots.redis.get(ledger)).toBe(`closed:${episode ?? ''}`);
    await guardQueue.close();
  }, 60_000);

  it('in --role all the watchdog says nothing while its own guard looks', async () => {
    const config = await watchedConfig();
    const chat = await bots.start('watchdog-all', { config });
    await new Promise((resolve) => setTimeout(resolve, 7000));
    expect(chat.transcript().filter((line) => /the guard of kartotherian/.test(line))).toEqual([]);
    expect((await guardSeconds(chat.bot.opsPort)) ?? Infinity).toBeLessThan(2);
  }, 30_000);

  it('opens and closes each stale episode once across processes, and never reopens a closed one', async () => {
    const prefix = uniquePrefix('episodes');
    const clients = [new Redis(TEST_REDIS_URL), new Redis(TEST_REDIS_URL)];
    try {
      const [a, b] = clients.map((client) => new RedisEpisodes(client, prefix));
      if (a === undefined || b === undefined) throw new Error('two ledgers expected');
      const opened = await Promise.all([a.open('guard:x', '100'), b.open('guard:x', '100'), a.open('guard:x', '100')]);
      expect(opened.filter(Boolean)).toHaveLength(1);
      expect(await Promise.all([a.close('guard:x'), b.close('guard:x')]).then((results) => results.filter(Boolean).length)).toBe(1);
      // A process that read the stale watch just before it recovered cannot say it again.
      expect(await b.open('guard:x', '100')).toBe(false);
      expect(await b.close('guard:x')).toBe(false);
      expect(await a.open('guard:x', '200')).toBe(true);
      expect(await b.close('guard:x')).toBe(true);
    } finally {
      const [cleanup] = clients;
      await cleanup?.del(`${prefix}:watchdog:guard:x`);
      await Promise.all(clients.map((client) => client.quit()));
    }
  });
});
