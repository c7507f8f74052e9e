import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import { textOf } from '../helpers/fake-slack-api.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { announced, APP_TOKEN, BOT_TOKEN, startSlackBot, type SlackBot } from '../helpers/slack-bot.js';
import { blockActions, eventId, messageEvent, OPS_CHANNEL, slashCommand } from '../helpers/slack-requests.js';

const ALICE = 'U01ALICE0';
const CAROL = 'U01CAROL0';

describe('Slack socket mode through the real @slack/socket-mode client and a local WebSocket fake', () => {
  let redis: Redis;
  let slack: SlackBot;
  let prefix: string;

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
    prefix = uniquePrefix('slack-socket');
    slack = await startSlackBot({ config: await loadConfig(), prefix, redisUrl: TEST_REDIS_URL, mode: 'socket' });
  });

  afterAll(async () => {
    await slack.stop();
    await cleanupPrefix(redis, prefix);
    await redis.quit();
  });

  it('connects with the app token, and calls the Web API with the bot token only', async () => {
    expect(slack.socket?.connectionCount).toBe(1);
    const open = slack.api.answered('apps.connections.open');
    expect(open).toHaveLength(1);
    expect(open[0]?.token).toBe(APP_TOKEN);
    expect(slack.api.answered('auth.test')[0]?.token).toBe(BOT_TOKEN);
  });

  it('acks an events_api envelope, posts the request, and acts once on the redelivery', async () => {
    const socket = slack.socket;
    if (socket === undefined) throw new Error('socket mode without its fake');
    const from = slack.api.calls.length;
    const body = messageEvent({ user: ALICE, text: '!kartotherian pool wikikube1003', eventId: eventId() });
    const first = socket.sendEvent(body);
    expect(await socket.waitForAck(first)).toEqual({ envelope_id: first, payload: {} });
    const posted = announced(await slack.api.waitFor('chat.postMessage', (call) => call.params['blocks'] !== undefined, { from }));
    expect(posted.channel).toBe(OPS_CHANNEL);

    // Slack thinks the first ack was lost: a new envelope, the same event_id, retry_attempt 1.
    const again = socket.sendEvent(body, { retryAttempt: 1 });
    await socket.waitForAck(again);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(slack.api.calls.slice(from).filter((call) => call.method === 'chat.postMessage')).toHaveLength(1);

    const click = socket.sendPayload('interactive', blockActions({ user: CAROL, decision: 'approve', messageTs: posted.ts, value: posted.value }));
    await socket.waitForAck(click);
    const result = await slack.api.waitFor('chat.postMessage', (call) => textOf(call).startsWith(`✅ ${posted.requestId} done`), { from });
    expect(result.params['thread_ts']).toBe(posted.ts);
  });

  it('acks a slash command envelope and answers in the channel', async () => {
    const socket = slack.socket;
    if (socket === undefined) throw new Error('socket mode without its fake');
    const from = slack.api.calls.length;
    const envelope = socket.sendPayload('slash_commands', slashCommand({ user: CAROL, text: 'help' }));
    await socket.waitForAck(envelope);
    const help = await slack.api.waitFor('chat.postMessage', () => true, { from });
    expect(help.params['channel']).toBe(OPS_CHANNEL);
    expect(textOf(help)).toMatch(/pool/);
  });
});
