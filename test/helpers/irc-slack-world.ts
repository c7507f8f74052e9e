import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createIrcTransport } from '../../bot/irc/create-irc-transport.js';
import type { IrcTransport } from '../../bot/irc/irc-transport.js';
import { startBot, type Bot } from '../../bot/main.js';
import { createSlackTransport } from '../../bot/slack/create-slack-transport.js';
import type { SlackTransport } from '../../bot/slack/slack-transport.js';
import { loadConfig } from '../../config/load.js';
import type { Config, SlackTransportConfig } from '../../config/schema.js';
import type { Clock } from '../../core/ports/stores.js';
import { FakeSlackApi } from './fake-slack-api.js';
import { startInspircd, type Inspircd } from './inspircd.js';
import { connectHuman, type IrcHuman } from './irc-human.js';
import { testIrcSettings } from './irc-settings.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from './redis.js';
import { APP_TOKEN, BOT_TOKEN } from './slack-bot.js';
import { OPS_CHANNEL, SIGNING_SECRET } from './slack-requests.js';

export const IRC_CHANNEL = '#wikimedia-operations';

export interface IrcSlackWorld {
  ircd: Inspircd;
  redis: Redis;
  bot: Bot;
  irc: IrcTransport;
  slack: SlackTransport;
  api: FakeSlackApi;
  /** A person on the real InspIRCd, in the bot's channel. */
  alice: IrcHuman;
  prefix: string;
  /** Where Bolt's HTTP receiver takes signed events. */
  eventsUrl: string;
  stop(): Promise<void>;
}

/**
 * The shipped bot with two chats at once: IRC on a real InspIRCd (alice in the channel) and Slack
 * through Bolt's real HTTP receiver against a fake Web API, on real Redis, a unique prefix.
 */
export async function startIrcSlackWorld(options: { label: string; edit?: (config: Config) => Config; clock?: Clock }): Promise<IrcSlackWorld> {
  await requireRedis();
  const redis = new Redis(TEST_REDIS_URL);
  const prefix = uniquePrefix(options.label);
  const ircd = await startInspircd();
  const api = await FakeSlackApi.start();
  const shipped = await loadConfig();
  const ircSettings = testIrcSettings(ircd, IRC_CHANNEL);
  const slackSettings: SlackTransportConfig = { enabled: false, mode: 'http', port: 0, channels: [OPS_CHANNEL], api_url: api.url, slash_commands: {} };
  const config = (options.edit ?? ((same) => same))({ ...shipped, transports: { ...shipped.transports, irc: ircSettings, slack: slackSettings } });
  const env = { redisUrl: TEST_REDIS_URL, logLevel: 'silent', slackBotToken: BOT_TOKEN, slackAppToken: APP_TOKEN, slackSigningSecret: SIGNING_SECRET };
  const irc = createIrcTransport(ircSettings, env, config, () => undefined);
  const slack = createSlackTransport(slackSettings, env, config, () => undefined, { listenHost: '127.0.0.1' });
  const alice = await connectHuman({ host: ircd.host, port: ircd.port, nick: 'alice', channels: [IRC_CHANNEL] });
  const bot = await startBot({ config, env, log: pino({ level: 'silent' }), role: 'all', prefix, lockRetryMs: 200, transports: [irc, slack], ...(options.clock === undefined ? {} : { clock: options.clock }) });
  await alice.waitUntil(() => irc.status().joined.includes(IRC_CHANNEL), 'the bot joining the IRC channel');
  return {
    ircd,
    redis,
    bot,
    irc,
    slack,
    api,
    alice,
    prefix,
    eventsUrl: `http://127.0.0.1:${slack.httpPort ?? 0}/slack/events`,
    async stop() {
      await bot.stop();
      await alice.quit();
      await ircd.dispose();
      await api.close();
      await cleanupPrefix(redis, prefix);
      await redis.quit();
    },
  };
}
