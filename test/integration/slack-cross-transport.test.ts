import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import { textOf } from '../helpers/fake-slack-api.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { announced, startSlackBot, type SlackBot } from '../helpers/slack-bot.js';
import { messageEvent, OPS_CHANNEL, postSigned } from '../helpers/slack-requests.js';

const ALICE = 'U01ALICE0';
const BOB = 'U01BOB000';

describe('one bot, console and Slack at once, one identity model', () => {
  let redis: Redis;
  let slack: SlackBot;
  let prefix: string;

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
    prefix = uniquePrefix('slack-cross');
    slack = await startSlackBot({ config: await loadConfig(), prefix, redisUrl: TEST_REDIS_URL, mode: 'http', withConsole: true });
  });

  afterAll(async () => {
    await slack.stop();
    await cleanupPrefix(redis, prefix);
    await redis.quit();
  });

  it('approves from Slack a request made in the console, and reports the result in the console', async () => {
    const chat = slack.console;
    if (chat === undefined) throw new Error('no console');
    chat.say('!kartotherian pool wikikube1002 asked on the console');
    const [, id] = await chat.waitFor(/⏳ (\w+): alice asks to pool wikikube-worker1002/);

    const from = slack.api.calls.length;
    const approval = messageEvent({ user: BOB, text: `!approve ${id}` });
    await postSigned(slack.eventsUrl, { json: approval });
    const reply = await slack.api.waitFor('chat.postMessage', (call) => textOf(call).startsWith(`👍 bob approved ${id} (1/1)`), { from });
    // No announcement of this request lives in Slack, so the answer threads under bob's own message.
    expect(reply.params).toMatchObject({ channel: OPS_CHANNEL, thread_ts: (approval['event'] as { ts: string }).ts });

    await chat.waitFor(new RegExp(`✅ ${id} done: .*requested by alice, approved by bob`));
    await slack.bot.settle(5_000);
    const aboutIt = slack.api.calls.slice(from).filter((call) => textOf(call).includes(`${id} done`));
    expect(aboutIt).toEqual([]);
    // The gateway anchors the request on its first Slack message, the approval, and marks it 👀 (queued).
    await slack.api.waitFor('reactions.add', () => true, { from });
    expect(slack.api.calls.slice(from).filter((call) => call.method === 'reactions.add').map((call) => call.params)).toEqual([
      { channel: OPS_CHANNEL, timestamp: reply.response['ts'], name: 'eyes' },
    ]);
  });

  it('approves from the console a request made in Slack, and reports the result in the Slack thread', async () => {
    const chat = slack.console;
    if (chat === undefined) throw new Error('no console');
    const from = slack.api.calls.length;
    await postSigned(slack.eventsUrl, { json: messageEvent({ user: ALICE, text: '!kartotherian pool wikikube2003' }) });
    const posted = announced(await slack.api.waitFor('chat.postMessage', (call) => call.params['blocks'] !== undefined, { from }));
    chat.say('/as bob');
    chat.say(`!approve ${posted.requestId}`);
    await chat.waitFor(new RegExp(`👍 bob approved ${posted.requestId}`));
    const result = await slack.api.waitFor('chat.postMessage', (call) => textOf(call).startsWith(`✅ ${posted.requestId} done`), { from });
    expect(result.params['thread_ts']).toBe(posted.ts);
    await slack.api.waitFor('reactions.add', (call) => call.params['timestamp'] === posted.ts && call.params['name'] === 'white_check_mark', { from });
  });
});
