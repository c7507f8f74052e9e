import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIrcTransport } from '../../bot/irc/create-irc-transport.js';
import type { IrcTransport } from '../../bot/irc/irc-transport.js';
import { startBot, type Bot } from '../../bot/main.js';
import { createSlackTransport } from '../../bot/slack/create-slack-transport.js';
import type { SlackTransport } from '../../bot/slack/slack-transport.js';
import { loadConfig } from '../../config/load.js';
import type { Config, SlackTransportConfig } from '../../config/schema.js';
import { FakeSlackApi, textOf } from '../helpers/fake-slack-api.js';
import { startInspircd, type Inspircd } from '../helpers/inspircd.js';
import { connectHuman, type IrcHuman } from '../helpers/irc-human.js';
import { testIrcSettings } from '../helpers/irc-settings.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { APP_TOKEN, BOT_TOKEN } from '../helpers/slack-bot.js';
import { messageEvent, OPS_CHANNEL, postSigned, SIGNING_SECRET } from '../helpers/slack-requests.js';

const CHANNEL = '#wikimedia-operations';
const BOB_SLACK = 'U01BOB000';

/**
 * Issue 15 item 6: what everyone must hear is said in every configured channel, not only where it
 * started. alice works on IRC; the Slack channel hears the guard's depool of her worker and her
 * emergency stop too.
 */
describe('safety lines in every channel', () => {
  let ircd: Inspircd;
  let redis: Redis;
  let bot: Bot;
  let irc: IrcTransport;
  let slack: SlackTransport;
  let api: FakeSlackApi;
  let alice: IrcHuman;
  const prefix = uniquePrefix('everywhere');

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
    ircd = await startInspircd();
    api = await FakeSlackApi.start();
    const shipped = await loadConfig();
    const ircSettings = testIrcSettings(ircd, CHANNEL);
    const slackSettings: SlackTransportConfig = { enabled: false, mode: 'http', port: 0, channels: [OPS_CHANNEL], api_url: api.url, slash_commands: {} };
    const config: Config = { ...shipped, transports: { ...shipped.transports, irc: ircSettings, slack: slackSettings } };
    const env = { redisUrl: TEST_REDIS_URL, logLevel: 'silent', slackBotToken: BOT_TOKEN, slackAppToken: APP_TOKEN, slackSigningSecret: SIGNING_SECRET };
    irc = createIrcTransport(ircSettings, env, config, () => undefined);
    slack = createSlackTransport(slackSettings, env, config, () => undefined, { listenHost: '127.0.0.1' });
    alice = await connectHuman({ host: ircd.host, port: ircd.port, nick: 'alice', channels: [CHANNEL] });
    bot = await startBot({ config, env, log: pino({ level: 'silent' }), role: 'all', prefix, lockRetryMs: 200, transports: [irc, slack] });
    await alice.waitUntil(() => irc.status().joined.includes(CHANNEL), 'the bot joining the IRC channel');
  });

  afterAll(async () => {
    await bot?.stop();
    await alice?.quit();
    await ircd?.dispose();
    await api?.close();
    if (redis !== undefined) {
      await cleanupPrefix(redis, prefix);
      await redis.quit();
    }
  });

  it("a guard's depool of a worker pooled from IRC is said on IRC and in the Slack channel", async () => {
    const from = alice.heard.length;
    alice.say(CHANNEL, '!kartotherian simulate broken wikikube1001');
    await alice.waitFor(/wikikube1001|wikikube-worker1001/, { from, timeoutMs: 15_000 });
    alice.say(CHANNEL, '!kartotherian pool wikikube1001 a worker that fails');
    const request = await alice.waitFor(/⏳ (\w+): alice asks to pool wikikube-worker1001/, { from, timeoutMs: 15_000 });
    const id = request.match[1] ?? '';
    const slackFrom = api.calls.length;
    await postSigned(`http://127.0.0.1:${slack.httpPort ?? 0}/slack/events`, { json: messageEvent({ user: BOB_SLACK, text: `!approve ${id}` }) });

    const onIrc = await alice.waitFor(/⏪ guard depooled wikikube-worker1001/, { from, timeoutMs: 30_000 });
    const onSlack = await api.waitFor('chat.postMessage', (call) => call.params['channel'] === OPS_CHANNEL && textOf(call).startsWith('⏪ guard depooled wikikube-worker1001'), { from: slackFrom, timeoutMs: 30_000 });
    expect(textOf(onSlack)).toBe(onIrc.text);
    // The !log is SAL's, said once where the worker was pooled.
    expect(api.calls.slice(slackFrom).filter((call) => textOf(call).includes('cutover-guard@cutover'))).toEqual([]);
  }, 60_000);

  it('an emergency stop asked on IRC is reported on IRC, and said in the Slack channel as it ends', async () => {
    const from = alice.heard.length;
    const slackFrom = api.calls.length;
    alice.say(CHANNEL, '!kartotherian emergency-stop drill');
    const queued = await alice.waitFor(/🛑 (\w+) EMERGENCY STOP queued by alice/, { from, timeoutMs: 15_000 });
    const id = queued.match[1] ?? '';
    // Nothing left to change here (the guard took the worker out): a no-op, still news everywhere.
    await alice.waitFor(new RegExp(`(?:✅ ${id} done|➖ ${id} no-op): .*emergency stop done`), { from, timeoutMs: 30_000 });
    const onSlack = await api.waitFor('chat.postMessage', (call) => call.params['channel'] === OPS_CHANNEL && textOf(call).startsWith('🛑 kartotherian EMERGENCY STOP by alice'), { from: slackFrom, timeoutMs: 30_000 });
    expect(textOf(onSlack)).toMatch(new RegExp(`^🛑 kartotherian EMERGENCY STOP by alice \\(${id}\\): drill · emergency stop done`));
    // The asker's channel heard it from the request: not twice.
    expect(alice.heard.slice(from).filter((line) => line.text.startsWith('🛑 kartotherian EMERGENCY STOP by alice'))).toEqual([]);
  }, 60_000);
});
