import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { FakeSlackApi, textOf } from '../helpers/fake-slack-api.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { announced, startSlackBot, type SlackBot } from '../helpers/slack-bot.js';
import { blockActions, interactivityForm, messageEvent, OPS_CHANNEL, postSigned } from '../helpers/slack-requests.js';

const ALICE = 'U01ALICE0';
const BOB = 'U01BOB000';
const CAROL = 'U01CAROL0';

/** Clicks played as an attacker and across a restart: a click counts only on its own request's live message. */
describe('Slack button clicks: bound to the message clicked, checked against the current state after a restart', () => {
  let redis: Redis;
  let config: Config;
  let api: FakeSlackApi;
  let prefix: string;
  let slack: SlackBot;

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
    config = await loadConfig();
    api = await FakeSlackApi.start();
    prefix = uniquePrefix('slack-clicks');
    slack = await startSlackBot({ config, prefix, redisUrl: TEST_REDIS_URL, mode: 'http', api });
  });

  afterAll(async () => {
    await slack.stop();
    await api.close();
    await cleanupPrefix(redis, prefix);
    await redis.quit();
  });

  async function request(bot: SlackBot, command: string): Promise<ReturnType<typeof announced>> {
    const from = api.calls.length;
    await postSigned(bot.eventsUrl, { json: messageEvent({ user: ALICE, text: command }) });
    return announced(await api.waitFor('chat.postMessage', (call) => call.params['blocks'] !== undefined, { from }));
  }

  function click(bot: SlackBot, user: string, messageTs: string, value: string): Promise<{ status: number }> {
    return postSigned(bot.eventsUrl, { form: interactivityForm(blockActions({ user, decision: 'approve', messageTs, value })) });
  }

  it('refuses a forged click whose value names request B on request A’s message: B stays pending, only the clicker is told', async () => {
    const a = await request(slack, '!kartotherian pool wikikube1001');
    const b = await request(slack, '!kartotherian pool wikikube1002');
    const from = api.calls.length;
    expect((await click(slack, BOB, a.ts, b.value)).status).toBe(200);
    const refusal = await api.waitFor('chat.postEphemeral', (call) => textOf(call).includes('does not belong to this message'), { from });
    expect(refusal.params).toMatchObject({ channel: OPS_CHANNEL, user: BOB, thread_ts: a.ts });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await slack.bot.deps.requests.get(b.requestId))?.state).toBe('pending');
    expect((await slack.bot.deps.requests.get(a.requestId))?.state).toBe('pending');
    expect(slack.logs.join('\n')).toMatch(/refused a click by U01BOB000/);
  });

  it('after a restart: a stale button is answered and does nothing; a live one of a request announced before it works, and its message is edited to the end', async () => {
    const done = await request(slack, '!kartotherian pool wikikube1003');
    await click(slack, BOB, done.ts, done.value);
    await api.waitFor('chat.postMessage', (call) => textOf(call).startsWith(`✅ ${done.requestId} done`));
    const live = await request(slack, '!kartotherian pool wikikube1004');
    await slack.stop();

    // The same Slack, a new process: the request→message index in memory is gone.
    slack = await startSlackBot({ config, prefix, redisUrl: TEST_REDIS_URL, mode: 'http', api });
    const from = api.calls.length;
    await click(slack, CAROL, done.ts, done.value);
    const stale = await api.waitFor('chat.postEphemeral', (call) => call.params['user'] === CAROL, { from });
    expect(textOf(stale)).toMatch(new RegExp(`${done.requestId} is no longer waiting for a decision .*stale`));
    // Read back from Slack, not taken from the click.
    expect(api.calls.slice(from).some((call) => call.method === 'conversations.history' && call.params['latest'] === done.ts)).toBe(true);
    expect(slack.logs.join('\n')).toMatch(/refused a click by U01CAROL0/);

    const next = api.calls.length;
    await click(slack, CAROL, live.ts, live.value);
    await api.waitFor('chat.postMessage', (call) => textOf(call).startsWith(`✅ ${live.requestId} done`), { from: next });
    const final = await api.waitFor('chat.update', (call) => call.params['ts'] === live.ts && JSON.stringify(call.params['blocks']).includes('done'), { from: next });
    const blocks = JSON.stringify(final.params['blocks']);
    expect(blocks).not.toContain('cutover_approve');
    expect(blocks).toMatch(/👍 carol approved/);
    expect(textOf(final)).not.toMatch(/needs 1 approval|expires in/);
    expect((await slack.bot.deps.requests.get(done.requestId))?.state).not.toBe('pending');
  });
});
