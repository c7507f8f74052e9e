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
const ALICE_SLACK = 'U01ALICE0';

/**
 * One bot on IRC and Slack at once, one queue, one identity model: alice asks on IRC, bob
 * approves on Slack, and the result comes back to IRC where it was asked.
 */
describe('IRC and Slack in one process', () => {
  let ircd: Inspircd;
  let redis: Redis;
  let bot: Bot;
  let irc: IrcTransport;
  let slack: SlackTransport;
  let api: FakeSlackApi;
  let alice: IrcHuman;
  const prefix = uniquePrefix('irc-slack');

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

  it('a request made on IRC is approved from Slack and reported on IRC', async () => {
    const from = alice.heard.length;
    alice.say(CHANNEL, '!kartotherian pool wikikube1003 asked on IRC');
    const request = await alice.waitFor(/⏳ (\w+): alice asks to pool wikikube-worker1003/, { from, timeoutMs: 15_000 });
    const id = request.match[1] ?? '';

    const slackFrom = api.calls.length;
    await postSigned(`http://127.0.0.1:${slack.httpPort ?? 0}/slack/events`, { json: messageEvent({ user: BOB_SLACK, text: `!approve ${id}` }) });
    await api.waitFor('chat.postMessage', (call) => textOf(call).startsWith(`👍 bob approved ${id} (1/1)`), { from: slackFrom });

    const done = await alice.waitFor(new RegExp(`✅ ${id} done: .*requested by alice, approved by bob`), { from, timeoutMs: 15_000 });
    expect(done.nick).toBe('cutover');
    expect(await redis.hget(`${prefix}:sim:conftool`, '/conftool/v1/pools/eqiad/maps/kartotherian-k8s-ssl/wikikube-worker1003.eqiad.wmnet')).toBe('{"weight":10,"pooled":"yes"}');
  }, 40_000);

  it('the requester cannot approve their own IRC request from Slack either', async () => {
    const from = alice.heard.length;
    alice.say(CHANNEL, '!kartotherian pool wikikube1004');
    const request = await alice.waitFor(/⏳ (\w+): alice asks to pool wikikube-worker1004/, { from, timeoutMs: 15_000 });
    const id = request.match[1] ?? '';
    const slackFrom = api.calls.length;
    await postSigned(`http://127.0.0.1:${slack.httpPort ?? 0}/slack/events`, { json: messageEvent({ user: ALICE_SLACK, text: `!approve ${id}` }) });
    await api.waitFor('chat.postMessage', (call) => textOf(call).startsWith(`✖ You asked for ${id}; someone else has to approve it.`), { from: slackFrom });
    expect(await redis.hget(`${prefix}:sim:conftool`, '/conftool/v1/pools/eqiad/maps/kartotherian-k8s-ssl/wikikube-worker1004.eqiad.wmnet')).toBe('{"weight":0,"pooled":"inactive"}');
  }, 40_000);
});
