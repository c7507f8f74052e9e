import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import { startConsoleBot, type ConsoleBot } from '../helpers/console-bot.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis.js';
import { uniquePrefix } from '../helpers/redis.js';

async function until(probe: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A leader that cannot reach Redis cannot know whether a standby took over: once its own
 * deadline passes it stops speaking by itself, and when Redis is back it contests again.
 */
describe('the leader and a Redis outage', () => {
  let server: PrivateRedis | undefined;
  let chat: ConsoleBot | undefined;

  afterEach(async () => {
    await server?.restart().catch(() => undefined);
    await chat?.bot.stop();
    await server?.dispose();
    chat = undefined;
    server = undefined;
  });

  it('steps down within its lease while Redis is gone, and leads again (and answers) once it is back', async () => {
    server = await startPrivateRedis();
    const config = { ...(await loadConfig()), leader: { lease_seconds: 2, renew_seconds: 0.5 } };
    chat = await startConsoleBot({ config, prefix: uniquePrefix('leader-outage'), redisUrl: server.url });
    expect(chat.bot.leading()).toBe(true);
    chat.say('!kartotherian status');
    await chat.waitFor(/led by .* \(lease 1 since/);

    await server.shutdown();
    const downAt = Date.now();
    const bot = chat.bot;
    await until(() => !bot.leading(), 'the leader to step down', 5_000);
    // Its own deadline told it, not Redis: within the 2 s lease and a renewal or two of slack on a loaded machine.
    expect(Date.now() - downAt).toBeLessThanOrEqual(3_500);

    await server.restart();
    await until(() => bot.leading(), 'the leader to lead again', 10_000);
    const mark = chat.transcript().length;
    chat.say('!kartotherian status');
    await chat.waitFor(/led by .* \(lease \d+ since/, { from: mark, timeoutMs: 10_000 });
  }, 60_000);
});
