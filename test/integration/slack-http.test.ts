import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { FAKE_BOT_USER, rawTextOf, textOf, type SlackCall } from '../helpers/fake-slack-api.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { announced, BOT_TOKEN, startSlackBot, type SlackBot } from '../helpers/slack-bot.js';
import { blockActions, eventId, interactivityForm, messageEvent, OPS_CHANNEL, postSigned, reactionEvent, slashCommand } from '../helpers/slack-requests.js';

const ALICE = 'U01ALICE0';
const BOB = 'U01BOB000';
const CAROL = 'U01CAROL0';
const TWO_SERVICES = new URL('../fixtures/two-services/config.yaml', import.meta.url).pathname;

describe('Slack over the real Bolt HTTP receiver: signed requests in, Web API calls out, real BullMQ on real Redis', () => {
  let redis: Redis;
  let config: Config;
  let slack: SlackBot;
  let slackPrefix: string;
  const prefixes: string[] = [];

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
    config = await loadConfig();
    slack = await start(config, 'slack-http');
    slackPrefix = prefixes[0] ?? '';
  });

  afterAll(async () => {
    await slack.stop();
    await Promise.all(prefixes.map((prefix) => cleanupPrefix(redis, prefix)));
    await redis.quit();
  });

  async function start(withConfig: Config, label: string): Promise<SlackBot> {
    const prefix = uniquePrefix(label);
    prefixes.push(prefix);
    return startSlackBot({ config: withConfig, prefix, redisUrl: TEST_REDIS_URL, mode: 'http' });
  }

  /** Alice asks for `command`; resolves with the announcement the bot posted. */
  async function request(bot: SlackBot, command: string): Promise<ReturnType<typeof announced> & { call: SlackCall }> {
    const from = bot.api.calls.length;
    const sent = await postSigned(bot.eventsUrl, { json: messageEvent({ user: ALICE, text: command }) });
    expect(sent.status).toBe(200);
    const call = await bot.api.waitFor('chat.postMessage', (posted) => posted.params['blocks'] !== undefined, { from });
    return { ...announced(call), call };
  }

  function postsAfter(bot: SlackBot, from: number, test: (call: SlackCall) => boolean = () => true): SlackCall[] {
    return bot.api.calls.slice(from).filter((call) => call.status === 200 && call.method === 'chat.postMessage' && test(call));
  }

  it('refuses a forged signature and a stale timestamp with 401, and nothing reaches the channel', async () => {
    const from = slack.api.calls.length;
    const forged = await postSigned(slack.eventsUrl, { json: messageEvent({ user: ALICE, text: '!kartotherian pool wikikube1003' }), secret: 'not-the-secret' });
    expect(forged.status).toBe(401);
    const garbage = await postSigned(slack.eventsUrl, { json: messageEvent({ user: ALICE, text: '!kartotherian pool wikikube1003' }), signature: 'v0=deadbeef' });
    expect(garbage.status).toBe(401);
    const stale = await postSigned(slack.eventsUrl, { json: messageEvent({ user: ALICE, text: '!kartotherian pool wikikube1003' }), timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(slack.api.calls.slice(from).filter((call) => call.method !== 'auth.test')).toEqual([]);
    expect(slack.logs.join('\n')).toMatch(/signature mismatch[^]*stale/);
    expect(slack.logs.join('\n')).not.toContain(BOT_TOKEN);
  });

  it('answers Slack’s signed url_verification challenge', async () => {
    const response = await postSigned(slack.eventsUrl, { json: { token: 'legacy', challenge: 'c4ll3ng3', type: 'url_verification' } });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ challenge: 'c4ll3ng3' });
  });

  it('ignores edits, bot posts and chatter: only what a person types as a command reaches the gateway', async () => {
    const from = slack.api.calls.length;
    await postSigned(slack.eventsUrl, { json: messageEvent({ user: ALICE, text: '!kartotherian pool wikikube1003', subtype: 'message_changed' }) });
    await postSigned(slack.eventsUrl, { json: messageEvent({ user: ALICE, text: '!kartotherian pool wikikube1003', subtype: 'bot_message', botId: 'BOTHER0001' }) });
    await postSigned(slack.eventsUrl, { json: messageEvent({ user: FAKE_BOT_USER, text: '!kartotherian pool wikikube1003' }) });
    await postSigned(slack.eventsUrl, { json: messageEvent({ user: ALICE, text: '!kartotherian pool wikikube1003', channel: 'C0ELSEWHERE' }) });
    await postSigned(slack.eventsUrl, { json: messageEvent({ user: ALICE, text: 'lunch?' }) });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(slack.api.calls.slice(from)).toEqual([]);
  });

  it('answers a DM to the bot in the DM, whole and not threaded; refuses a change there, a stranger’s too, and files nothing', async () => {
    const dm = 'D0ALICE001';
    const from = slack.api.calls.length;
    await postSigned(slack.eventsUrl, { json: messageEvent({ user: ALICE, text: 'kartotherian status --full', channel: dm, channelType: 'im' }) });
    const full = await slack.api.waitFor('chat.postMessage', (call) => call.params['channel'] === dm && textOf(call).includes('pool state from'), { from });
    expect(full.params['thread_ts']).toBeUndefined();
    expect(textOf(full).split('\n').length).toBeGreaterThan(4);

    await postSigned(slack.eventsUrl, { json: messageEvent({ user: ALICE, text: '!kartotherian pool wikikube1004 from a DM', channel: dm, channelType: 'im' }) });
    const refusal = await slack.api.waitFor('chat.postMessage', (call) => call.params['channel'] === dm && textOf(call).includes('not taken in a private message'), { from });
    expect(textOf(refusal)).toMatch(/✖ "pool" is not taken in a private message: say it in the channel cutover serves/);

    // The attacker: a stranger DMs pool; the same refusal, in their DM, and nothing is announced anywhere.
    const strangerDm = 'D0MALLORY1';
    await postSigned(slack.eventsUrl, { json: messageEvent({ user: 'U0MALLORY1', text: 'kartotherian pool wikikube1004', channel: strangerDm, channelType: 'im' }) });
    await slack.api.waitFor('chat.postMessage', (call) => call.params['channel'] === strangerDm && textOf(call).includes('not taken in a private message'), { from });
    expect(postsAfter(slack, from, (call) => call.params['blocks'] !== undefined || call.params['channel'] === OPS_CHANNEL)).toEqual([]);
    const entries = (await slack.bot.deps.auditReader?.recent({ service: 'kartotherian', event: 'command.refused', limit: 20 })) ?? [];
    expect(entries.filter((entry) => entry.event === 'command.refused').map((entry) => [entry.who, entry.as, entry.where])).toEqual(
      expect.arrayContaining([
        ['alice', `slack ${ALICE}`, `slack:private:${dm}`],
        ['U0MALLORY1 (unidentified slack user)', 'slack U0MALLORY1', `slack:private:${strangerDm}`],
      ]),
    );
  });

  it('posts a request with Approve/Deny buttons; bob clicks Approve; the result lands in the thread and ✅ on the request', async () => {
    const posted = await request(slack, '!kartotherian pool wikikube1001 first canary');
    expect(posted.call.token).toBe(BOT_TOKEN);
    expect(posted.channel).toBe(OPS_CHANNEL);
    expect(posted.call.params['thread_ts']).toBeUndefined();
    expect(textOf(posted.call)).toMatch(new RegExp(`⏳ ${posted.requestId}: alice asks to pool wikikube-worker1001\\.eqiad\\.wmnet`));
    // Host names in code, the approvers mentioned so Slack notifies them, and no IRC commands beside the buttons.
    expect(rawTextOf(posted.call)).toContain('`wikikube-worker1001.eqiad.wmnet`');
    expect(rawTextOf(posted.call)).toMatch(/needs 1 approval from <@U01BOB000>/);
    expect(rawTextOf(posted.call)).not.toContain('!approve');
    expect(posted.call.params['blocks']).toEqual([
      { type: 'section', block_id: `cutover-request-${posted.requestId}`, text: { type: 'mrkdwn', text: posted.call.params['text'], verbatim: true } },
      expect.objectContaining({
        type: 'actions',
        elements: [
          expect.objectContaining({ action_id: 'cutover_approve', style: 'primary', value: JSON.stringify({ requestId: posted.requestId, actionHash: posted.actionHash }) }),
          expect.objectContaining({ action_id: 'cutover_deny', style: 'danger', value: JSON.stringify({ requestId: posted.requestId, actionHash: posted.actionHash }) }),
        ],
      }),
    ]);

    const from = slack.api.calls.length;
    const click = await postSigned(slack.eventsUrl, { form: interactivityForm(blockActions({ user: BOB, decision: 'approve', messageTs: posted.ts, value: posted.value })) });
    expect(click.status).toBe(200);
    const result = await slack.api.waitFor('chat.postMessage', (call) => textOf(call).startsWith(`✅ ${posted.requestId} done`), { from });
    expect(result.params['thread_ts']).toBe(posted.ts);
    expect(result.params['text']).toMatch(/pooled=inactive weight=0 → pooled=yes weight=10, read back and verified.*requested by alice, approved by bob/);
    await slack.api.waitFor('reactions.add', (call) => call.params['name'] === 'white_check_mark' && call.params['timestamp'] === posted.ts, { from });

    const effects = slack.api.calls.slice(from).filter((call) => call.status === 200 && call.method !== 'auth.test');
    const approvedReply = effects.find((call) => call.method === 'chat.postMessage' && textOf(call).startsWith('👍 bob approved'));
    expect(approvedReply?.params['thread_ts']).toBe(posted.ts);
    expect(approvedReply?.params['blocks']).toBeUndefined();
    // The buttons go once the request is decided; the announcement no longer waits for anyone and ends saying how it ended.
    const final = await slack.api.waitFor('chat.update', (call) => call.params['ts'] === posted.ts && JSON.stringify(call.params['blocks']).includes('done'), { from });
    const settledText = rawTextOf(posted.call).split(' · ').filter((part) => !/^(needs|expires)/.test(part)).join(' · ').replace(/^⏳ /, '');
    expect(final.params).toMatchObject({ channel: OPS_CHANNEL, ts: posted.ts, text: settledText });
    expect(final.params['blocks']).toEqual([
      { type: 'section', block_id: `cutover-request-${posted.requestId}`, text: { type: 'mrkdwn', text: settledText, verbatim: true } },
      {
        type: 'context',
        block_id: `cutover-notes-${posted.requestId}`,
        elements: [
          { type: 'mrkdwn', text: expect.stringMatching(/^👍 bob approved/) as unknown, verbatim: true },
          { type: 'mrkdwn', text: expect.stringMatching(new RegExp(`^✅ ${posted.requestId} done`)) as unknown, verbatim: true },
        ],
      },
    ]);
    // 👍 approved is in the thread before ✅ done.
    const thread = slack.api.calls.slice(from).filter((call) => call.status === 200 && call.method === 'chat.postMessage' && call.params['thread_ts'] === posted.ts).map(textOf);
    expect(thread.findIndex((text) => text.startsWith('👍 bob approved'))).toBeLessThan(thread.findIndex((text) => text.startsWith(`✅ ${posted.requestId} done`)));
    expect(effects.filter((call) => call.method === 'reactions.add').map((call) => [call.params['timestamp'], call.params['name']])).toEqual([
      [posted.ts, 'eyes'],
      [posted.ts, 'white_check_mark'],
    ]);
    expect(await poolValue('wikikube-worker1001')).toEqual({ pooled: 'yes', weight: 10 });
  });

  async function poolValue(host: string): Promise<unknown> {
    const raw = await redis.hget(`${slackPrefix}:sim:conftool`, `/conftool/v1/pools/eqiad/maps/kartotherian-k8s-ssl/${host}.eqiad.wmnet`);
    return raw === null ? null : JSON.parse(raw);
  }

  it('acts once when Slack delivers the same event twice (x-slack-retry-num)', async () => {
    const from = slack.api.calls.length;
    const event = messageEvent({ user: ALICE, text: '!kartotherian pool wikikube1002', eventId: eventId() });
    expect((await postSigned(slack.eventsUrl, { json: event })).status).toBe(200);
    expect((await postSigned(slack.eventsUrl, { json: event, retryNum: 1 })).status).toBe(200);
    await slack.api.waitFor('chat.postMessage', (call) => call.params['blocks'] !== undefined, { from });
    await new Promise((resolve) => setTimeout(resolve, 400));
    // Only announcements count: a late line about an earlier request (its SAL entry) may land meanwhile.
    expect(postsAfter(slack, from, (call) => call.params['blocks'] !== undefined)).toHaveLength(1);
  });

  it('approves on a 👍 reaction with a skin tone, and ignores the bot’s own ✅ on its messages', async () => {
    const posted = await request(slack, '!kartotherian pool wikikube2001');
    const from = slack.api.calls.length;
    await postSigned(slack.eventsUrl, { json: reactionEvent({ user: FAKE_BOT_USER, reaction: 'white_check_mark', itemTs: posted.ts }) });
    await postSigned(slack.eventsUrl, { json: reactionEvent({ user: BOB, reaction: '+1::skin-tone-3', itemTs: posted.ts }) });
    const approved = await slack.api.waitFor('chat.postMessage', (call) => textOf(call).startsWith(`👍 bob approved ${posted.requestId}`), { from });
    expect(approved.params['thread_ts']).toBe(posted.ts);
    await slack.api.waitFor('chat.postMessage', (call) => textOf(call).startsWith(`✅ ${posted.requestId} done`), { from });
    expect(postsAfter(slack, from, (call) => textOf(call).includes('may not approve'))).toEqual([]);
  });

  // Regression: a Deny click used to become `!deny ID --expect HASH`, which !deny refuses.
  it('denies on the Deny button: the buttons go and the announcement says who denied it', async () => {
    const posted = await request(slack, '!kartotherian depool maps1006 --service kartotherian-ssl');
    const from = slack.api.calls.length;
    await postSigned(slack.eventsUrl, { form: interactivityForm(blockActions({ user: CAROL, decision: 'deny', messageTs: posted.ts, value: posted.value })) });
    // The guard may speak in the channel too (an earlier test pooled a worker): wait for the answer itself.
    const answer = await slack.api.waitFor('chat.postMessage', (call) => textOf(call).startsWith('👎'), { from });
    expect(textOf(answer)).toMatch(new RegExp(`^👎 denied ${posted.requestId} by carol`));
    expect(answer.params['thread_ts']).toBe(posted.ts);
    const settled = await slack.api.waitFor('chat.update', (call) => call.params['ts'] === posted.ts, { from });
    expect(JSON.stringify(settled.params['blocks'])).not.toContain('cutover_approve');
    await slack.api.waitFor('reactions.add', (call) => call.params['timestamp'] === posted.ts && call.params['name'] === '-1', { from });
    expect((await slack.bot.deps.requests.get(posted.requestId))?.state).toBe('denied');
  });

  it('refuses self-approval by button: a reply, nothing queued, the request still pending', async () => {
    const posted = await request(slack, '!kartotherian pool wikikube1004');
    const from = slack.api.calls.length;
    await postSigned(slack.eventsUrl, { form: interactivityForm(blockActions({ user: ALICE, decision: 'approve', messageTs: posted.ts, value: posted.value })) });
    // Only the clicker needs the refusal: shown to alice alone, in the request's thread.
    const refusal = await slack.api.waitFor('chat.postEphemeral', (call) => textOf(call).includes('someone else has to approve it'), { from });
    expect(refusal.params).toMatchObject({ channel: OPS_CHANNEL, user: ALICE, thread_ts: posted.ts });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await slack.bot.deps.requests.get(posted.requestId))?.state).toBe('pending');
    // About this request (an earlier test's marks may still be arriving at the channel's pace).
    expect(slack.api.calls.slice(from).filter((call) => (call.method === 'reactions.add' && call.params['timestamp'] === posted.ts) || (call.method === 'chat.update' && call.params['ts'] === posted.ts))).toEqual([]);
  });

  it('answers a typed `status --full` and `help` in the channel to the asker alone; a plain `status` to everyone', async () => {
    const from = slack.api.calls.length;
    await postSigned(slack.eventsUrl, { json: messageEvent({ user: CAROL, text: '!kartotherian status --full' }) });
    const full = await slack.api.waitFor('chat.postEphemeral', (call) => /kartotherian-k8s-ssl:6543 — pooled/.test(textOf(call)), { from });
    expect(full.params).toMatchObject({ channel: OPS_CHANNEL, user: CAROL });
    await postSigned(slack.eventsUrl, { json: messageEvent({ user: CAROL, text: '!kartotherian help' }) });
    const help = await slack.api.waitFor('chat.postEphemeral', (call) => textOf(call).includes('!kartotherian pool'), { from });
    expect(help.params).toMatchObject({ channel: OPS_CHANNEL, user: CAROL });
    expect(postsAfter(slack, from, (call) => /kartotherian-k8s-ssl:6543 — pooled|!kartotherian pool/.test(textOf(call)))).toEqual([]);
    const next = slack.api.calls.length;
    await postSigned(slack.eventsUrl, { json: messageEvent({ user: CAROL, text: '!kartotherian status' }) });
    await slack.api.waitFor('chat.postMessage', (call) => textOf(call).startsWith('kartotherian eqiad'), { from: next });
  });

  it('acks /kartotherian status within 3 s and shows the status to the asker alone', async () => {
    const from = slack.api.calls.length;
    const response = await postSigned(slack.eventsUrl, { form: slashCommand({ user: CAROL, text: 'status --dc eqiad --service kartotherian-k8s-ssl' }) });
    expect(response.status).toBe(200);
    expect(response.ms).toBeLessThan(3_000);
    const status = await slack.api.waitFor('chat.postEphemeral', (call) => /eqiad kartotherian-k8s-ssl:6543 — pooled/.test(textOf(call)), { from });
    expect(status.params).toMatchObject({ channel: OPS_CHANNEL, user: CAROL });
    expect(status.params['thread_ts']).toBeUndefined();
    expect(postsAfter(slack, from, (call) => /kartotherian-k8s-ssl:6543 — pooled/.test(textOf(call)))).toEqual([]);
  });

  it('answers each service on its own slash command: /thumbor beside /kartotherian, from the config alone', async () => {
    // Plans are not what this is about (their files sit next to the fixture, not the shipped config).
    const two = await start({ ...(await loadConfig(TWO_SERVICES)), plans: {} }, 'slack-http-two');
    try {
      const from = two.api.calls.length;
      await postSigned(two.eventsUrl, { form: slashCommand({ user: CAROL, text: 'status --dc eqiad', command: '/thumbor' }) });
      await two.api.waitFor('chat.postEphemeral', (call) => /eqiad thumbor:8800 — pooled/.test(textOf(call)), { from });
      const next = two.api.calls.length;
      await postSigned(two.eventsUrl, { form: slashCommand({ user: CAROL, text: 'status --dc eqiad --service kartotherian-k8s-ssl' }) });
      await two.api.waitFor('chat.postEphemeral', (call) => /eqiad kartotherian-k8s-ssl:6543 — pooled/.test(textOf(call)), { from: next });
    } finally {
      await two.stop();
    }
  });

  it('tells the person who typed a slash command in another channel that it is not taken there, and does nothing', async () => {
    const from = slack.api.calls.length;
    const response = await postSigned(slack.eventsUrl, { form: slashCommand({ user: CAROL, text: 'status', channel: 'C0ELSEWHERE' }) });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ response_type: 'ephemeral', text: 'cutover does not take commands in this channel.' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(slack.api.calls.slice(from)).toEqual([]);
  });

  it('escapes what it echoes, so a <!channel> typed into a command never pings anyone', async () => {
    const from = slack.api.calls.length;
    await postSigned(slack.eventsUrl, { json: messageEvent({ user: ALICE, text: '!kartotherian bogus <!channel> &lt;b&gt; <@U01BOB000>' }) });
    const reply = await slack.api.waitFor('chat.postMessage', () => true, { from });
    expect(reply.params['text']).toMatch(/^✖ No command “bogus”/);
    // The only mentions are the bot's own, of the approvers a request waits for.
    for (const call of slack.api.answered('chat.postMessage')) expect(textOf(call).replace(/approval from (<@U[A-Z0-9]+>(, | or )?)+/, '')).not.toMatch(/<[!@#]/);
  });

  it('withdraws an approval when the 👍 is removed (two approvers required)', async () => {
    const twoPerson = structuredClone(config);
    const service = twoPerson.services['kartotherian'];
    if (service === undefined) throw new Error('shipped config lost kartotherian');
    service.approval.approvers_required = 2;
    const strict = await start(twoPerson, 'slack-withdraw');
    try {
      const posted = await request(strict, '!kartotherian pool wikikube2002');
      await postSigned(strict.eventsUrl, { json: reactionEvent({ user: BOB, reaction: '+1', itemTs: posted.ts }) });
      await strict.api.waitFor('chat.postMessage', (call) => textOf(call).startsWith(`👍 bob approved ${posted.requestId} (1/2)`));
      await postSigned(strict.eventsUrl, { json: reactionEvent({ user: BOB, reaction: '+1', itemTs: posted.ts, removed: true }) });
      const withdrawn = await strict.api.waitFor('chat.postMessage', (call) => textOf(call).startsWith(`↩ bob withdrew their approval of ${posted.requestId}`));
      expect(withdrawn.params['thread_ts']).toBe(posted.ts);
      const stored = await strict.bot.deps.requests.get(posted.requestId);
      expect(stored?.state).toBe('pending');
      expect(stored?.approvals).toEqual([]);
    } finally {
      await strict.stop();
    }
  });
});
