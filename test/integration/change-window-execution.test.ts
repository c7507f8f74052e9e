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
import { FakeSlackApi } from '../helpers/fake-slack-api.js';
import { startInspircd, type Inspircd } from '../helpers/inspircd.js';
import { connectHuman, type IrcHuman } from '../helpers/irc-human.js';
import { testIrcSettings } from '../helpers/irc-settings.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { APP_TOKEN, BOT_TOKEN } from '../helpers/slack-bot.js';
import { messageEvent, OPS_CHANNEL, postSigned, SIGNING_SECRET } from '../helpers/slack-requests.js';

const CHANNEL = '#wikimedia-operations';
const BOB_SLACK = 'U01BOB000';
// Wednesday 2025-01-15 18:50 UTC, ten minutes before the window (Mon–Thu 13:00–19:00 UTC) closes.
let now = Date.UTC(2025, 0, 15, 18, 50);

/**
 * Approved inside the change window is no permission once it has closed: filed on IRC at 18:50,
 * approved from Slack at 19:01, the job refuses at execution (jobs/action-processor.ts) and conftool
 * is untouched. Real InspIRCd, Slack through Bolt's HTTP receiver, real Redis and BullMQ.
 */
describe('a change approved inside the window, executed after it closed', () => {
  let ircd: Inspircd;
  let redis: Redis;
  let bot: Bot;
  let irc: IrcTransport;
  let slack: SlackTransport;
  let api: FakeSlackApi;
  let alice: IrcHuman;
  const prefix = uniquePrefix('window-exec');
  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
    ircd = await startInspircd();
    api = await FakeSlackApi.start();
    const shipped = await loadConfig();
    const ircSettings = testIrcSettings(ircd, CHANNEL);
    const slackSettings: SlackTransportConfig = { enabled: false, mode: 'http', port: 0, channels: [OPS_CHANNEL], api_url: api.url, slash_commands: {} };
    const config: Config = { ...shipped, change_windows: { windows: [{ days: ['mon', 'tue', 'wed', 'thu'], from: '13:00', to: '19:00' }], freezes: [] }, transports: { ...shipped.transports, irc: ircSettings, slack: slackSettings } };
    const env = { redisUrl: TEST_REDIS_URL, logLevel: 'silent', slackBotToken: BOT_TOKEN, slackAppToken: APP_TOKEN, slackSigningSecret: SIGNING_SECRET };
    irc = createIrcTransport(ircSettings, env, config, () => undefined);
    slack = createSlackTransport(slackSettings, env, config, () => undefined, { listenHost: '127.0.0.1' });
    alice = await connectHuman({ host: ircd.host, port: ircd.port, nick: 'alice', channels: [CHANNEL] });
    bot = await startBot({ config, env, log: pino({ level: 'silent' }), role: 'all', prefix, lockRetryMs: 200, transports: [irc, slack], clock: { now: () => now } });
    await alice.waitUntil(() => irc.status().joined.includes(CHANNEL), 'join');
  });
  afterAll(async () => {
    await bot?.stop();
    await alice?.quit();
    await ircd?.dispose();
    await api?.close();
    await cleanupPrefix(redis, prefix);
    await redis.quit();
  });

  it('refuses at execution once the window closed after filing', async () => {
    const from = alice.heard.length;
    alice.say(CHANNEL, '!kartotherian pool wikikube1001 late');
    const request = await alice.waitFor(/⏳ (\w+): alice asks/, { from, timeoutMs: 15_000 });
    const id = request.match[1] ?? '';
    now = Date.UTC(2025, 0, 15, 19, 1);
    await postSigned(`http://127.0.0.1:${slack.httpPort ?? 0}/slack/events`, { json: messageEvent({ user: BOB_SLACK, text: `!approve ${id}` }) });
    const failed = await alice.waitFor(new RegExp(`❌ ${id} failed: .*Refused at execution, nothing was written: outside the change window`), { from, timeoutMs: 15_000 });
    expect(failed.text).toContain('next opens Thu 13:00 UTC, in 17h 59m');
    expect(await redis.hget(`${prefix}:sim:conftool`, '/conftool/v1/pools/eqiad/maps/kartotherian-k8s-ssl/wikikube-worker1001.eqiad.wmnet')).toBe('{"weight":0,"pooled":"inactive"}');
  }, 40_000);
});
