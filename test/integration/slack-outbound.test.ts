import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackTransport, type SlackTransportExtras } from '../../bot/slack/create-slack-transport.js';
import type { SlackTransport } from '../../bot/slack/slack-transport.js';
import type { MessageRef, OutboundMessage } from '../../bot/transport.js';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { isCutoverError } from '../../core/errors.js';
import { networkInterfaces } from 'node:os';
import { FakeSlackApi, rawTextOf, textOf, type SlackCall } from '../helpers/fake-slack-api.js';
import { APP_TOKEN, BOT_TOKEN } from '../helpers/slack-bot.js';
import { OPS_CHANNEL, SIGNING_SECRET } from '../helpers/slack-requests.js';

const REQUEST = { id: 'r7k2', actionHash: '0123456789abcdef' };

/** The transport alone against the fake Web API, through the real WebClient: what goes out, and when. */
describe('Slack outbound: 429 Retry-After, one progress message edited in place, marks', () => {
  let config: Config;
  let api: FakeSlackApi;
  let logs: string[];
  const transports: SlackTransport[] = [];

  beforeAll(async () => {
    config = await loadConfig();
  });

  beforeEach(async () => {
    api = await FakeSlackApi.start();
    logs = [];
  });

  afterEach(async () => {
    await Promise.all(transports.splice(0).map((transport) => transport.stop()));
    await api.close();
  });

  function transport(extras: SlackTransportExtras = {}, mode: 'http' | 'socket' = 'http'): SlackTransport {
    const created = createSlackTransport(
      { enabled: true, mode, port: 0, channels: [], api_url: api.url, slash_commands: {} },
      { redisUrl: 'redis://unused', logLevel: 'silent', slackBotToken: BOT_TOKEN, slackAppToken: APP_TOKEN, slackSigningSecret: SIGNING_SECRET },
      config,
      (message, error) => logs.push(error instanceof Error ? `${message}: ${error.message}` : message),
      { listenHost: '127.0.0.1', ...extras },
    );
    transports.push(created);
    return created;
  }

  function announce(slack: SlackTransport): Promise<MessageRef | undefined> {
    return slack.send({ channel: OPS_CHANNEL, text: `⏳ ${REQUEST.id}: alice asks to pool wikikube-worker1001`, kind: 'request', request: { ...REQUEST, state: 'pending' } });
  }

  function about(kind: OutboundMessage['kind'], text: string, replyTo: MessageRef | undefined): OutboundMessage {
    return { channel: OPS_CHANNEL, text, kind, ...(replyTo === undefined ? {} : { replyTo }), request: { id: REQUEST.id, actionHash: '', state: kind } };
  }

  function answered(method: string): SlackCall[] {
    return api.answered(method);
  }

  it.each([
    ['retries off', { retryConfig: { retries: 0 } }],
    ['the transport’s default retry policy', {}],
  ])('waits out a 429 on chat.postMessage (Retry-After: 1) with %s, then the message arrives', async (_label, clientOptions) => {
    const slack = transport({ clientOptions });
    api.rateLimitNext('chat.postMessage', 1, 1);
    const started = Date.now();
    const ref = await slack.send({ channel: OPS_CHANNEL, text: 'status: all quiet', kind: 'reply' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    const [limited, delivered, ...rest] = api.calls;
    expect(rest).toEqual([]);
    expect(limited?.status).toBe(429);
    expect(delivered?.status).toBe(200);
    expect((delivered?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(1_000);
    expect(ref).toEqual({ transport: 'slack', channel: OPS_CHANNEL, id: delivered?.response['ts'] });
    expect(logs).toEqual(['slack: chat.postMessage rate limited; waiting 1s as Slack asked']);
  });

  it('keeps one progress message per request, edits it at most once per interval with the newest text, and survives a 429 on chat.update', async () => {
    const slack = transport({ progressIntervalMs: 300 });
    const request = await announce(slack);
    const progress = await slack.send(about('progress', 'step 1/4: maps1005 depooled', request));
    const posted = answered('chat.postMessage');
    expect(posted.map((call) => [textOf(call), call.params['thread_ts']])).toEqual([
      [`⏳ ${REQUEST.id}: alice asks to pool wikikube-worker1001`, undefined],
      ['step 1/4: maps1005 depooled', request?.id],
    ]);
    expect(progress?.id).toBe(posted[1]?.response['ts']);

    api.rateLimitNext('chat.update', 1, 1);
    for (const step of ['step 2/4', 'step 3/4', 'step 4/4']) await slack.send(about('progress', step, request));
    const edited = await api.waitFor('chat.update', (call) => textOf(call) === 'step 4/4');
    const limited = api.calls.find((call) => call.status === 429);
    expect(limited?.params).toMatchObject({ ts: progress?.id, text: 'step 4/4' });
    expect(edited.at - (limited?.at ?? 0)).toBeGreaterThanOrEqual(1_000);
    // Steps 2 and 3 were replaced by 4 before the interval was up: never sent at all.
    expect(api.calls.filter((call) => call.method === 'chat.update').map(textOf)).toEqual(['step 4/4', 'step 4/4']);

    const result = await slack.send(about('result', `✅ ${REQUEST.id} done`, request));
    const final = await api.waitFor('chat.update', (call) => call.params['ts'] === progress?.id && textOf(call) === `✅ ${REQUEST.id} done`);
    expect(final.at - edited.at).toBeGreaterThanOrEqual(300);
    const resultPost = answered('chat.postMessage').at(-1);
    expect(resultPost?.params).toMatchObject({ text: `✅ ${REQUEST.id} done`, thread_ts: request?.id });
    expect(result?.id).toBe(resultPost?.response['ts']);
    // The announcement loses its buttons once the request is over.
    const settled = answered('chat.update').find((call) => call.params['ts'] === request?.id);
    expect(JSON.stringify(settled?.params['blocks'])).not.toContain('cutover_approve');

    // Progress delivered late (a retried outbox job) no longer touches anything.
    const before = api.calls.length;
    await slack.send(about('progress', 'step 3/4 (late)', request));
    await slack.stop();
    expect(api.calls.length).toBe(before);
  });

  it('writes a pending progress edit at once when it stops, without waiting out the interval', async () => {
    const slack = transport({ progressIntervalMs: 60_000 });
    const request = await announce(slack);
    await slack.send(about('progress', 'step 1/2', request));
    await slack.send(about('progress', 'step 2/2', request));
    expect(answered('chat.update')).toEqual([]);
    await slack.stop();
    expect(answered('chat.update').map(textOf)).toEqual(['step 2/2']);
  });

  it('binds the HTTP receiver to loopback unless the config says otherwise (listen_host)', async () => {
    const loopback = createSlackTransport(
      { enabled: true, mode: 'http', port: 0, channels: [], api_url: api.url, slash_commands: {} },
      { redisUrl: 'redis://unused', logLevel: 'silent', slackBotToken: BOT_TOKEN, slackSigningSecret: SIGNING_SECRET },
      config,
      () => undefined,
    );
    transports.push(loopback);
    await loopback.start(async () => undefined);
    const port = loopback.httpPort ?? 0;
    expect(port).toBeGreaterThan(0);
    const interfaces = Object.values(networkInterfaces()).flat().filter((entry) => entry !== undefined && !entry.internal && entry.family === 'IPv4');
    const outside = interfaces[0]?.address;
    expect((await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', body: '{}' }).catch(() => undefined))?.status).toBeDefined();
    // Not on the machine's other addresses.
    if (outside !== undefined) expect(await fetch(`http://${outside}:${port}/slack/events`, { method: 'POST', body: '{}' }).then(() => 'answered', () => 'refused')).toBe('refused');
  });

  it('posts a safety alert in the channel as well as the request’s thread, before what waits; commands and hosts in code', async () => {
    const slack = transport({ callIntervalMs: 300 });
    const request = await announce(slack);
    const answer = slack.send({ channel: OPS_CHANNEL, text: 'status: all quiet on maps1005', kind: 'reply' });
    const alert = slack.send({ ...about('error', `⏪ eqiad step-2: health failed, rolled back by itself (maps1005.eqiad.wmnet, verified). Plan paused. Resume with !kartotherian plan next`, request), urgency: 'safety' });
    await Promise.all([answer, alert]);
    const posts = answered('chat.postMessage').slice(1);
    expect(posts.map(textOf)[0]).toMatch(/^⏪ eqiad step-2/);
    // One call: in the thread, and broadcast to the channel (the form encodes the flag as a string).
    expect(posts[0]?.params).toMatchObject({ thread_ts: request?.id, reply_broadcast: 'true' });
    expect(rawTextOf(posts[0] as SlackCall)).toContain('(`maps1005.eqiad.wmnet`, verified)');
    expect(rawTextOf(posts[0] as SlackCall)).toContain('`!kartotherian plan next`');
    expect(rawTextOf(posts[1] as SlackCall)).toBe('status: all quiet on `maps1005`');
  });

  it('marks a message by its Slack reaction name, counts already_reacted as done, and skips emoji it cannot name', async () => {
    const slack = transport();
    const request = await announce(slack);
    if (request === undefined) throw new Error('no ref for the announcement');
    await slack.react(request, '✅');
    await slack.react(request, '✅');
    await slack.react(request, '👀');
    await slack.react(request, '⌛');
    await slack.react(request, '🦄');
    expect(api.calls.filter((call) => call.method === 'reactions.add').map((call) => [call.params['name'], call.response['error'] ?? 'ok'])).toEqual([
      ['white_check_mark', 'ok'],
      ['white_check_mark', 'already_reacted'],
      ['eyes', 'ok'],
      ['hourglass', 'ok'],
    ]);
    expect(logs).toEqual([]);
  });

  it('fails a post Slack refuses with transport.refused, naming the method and never the token', async () => {
    const slack = transport();
    api.failNext('chat.postMessage', 'not_in_channel');
    const failure = await slack.send({ channel: OPS_CHANNEL, text: 'hello', kind: 'reply' }).catch((error: unknown) => error);
    expect(isCutoverError(failure, 'transport.refused')).toBe(true);
    expect((failure as Error).message).toBe('Slack refused chat.postMessage: not_in_channel');
    expect(JSON.stringify(failure)).not.toContain(BOT_TOKEN);
  });

  it('refuses to start when Slack rejects the bot token, as a config error', async () => {
    const slack = transport();
    api.failNext('auth.test', 'invalid_auth');
    const failure = await slack.start(async () => undefined).catch((error: unknown) => error);
    expect(isCutoverError(failure, 'config.invalid')).toBe(true);
    expect((failure as Error).message).toMatch(/SLACK_BOT_TOKEN .*invalid_auth/);
  });

  it('refuses to start in socket mode when Slack rejects the app token, at once', async () => {
    const slack = transport({}, 'socket');
    api.failNext('apps.connections.open', 'invalid_auth');
    const failure = await slack.start(async () => undefined).catch((error: unknown) => error);
    expect(isCutoverError(failure, 'config.invalid')).toBe(true);
    expect((failure as Error).message).toMatch(/socket mode could not connect: .*invalid_auth/);
  });

  it('gives up on a socket-mode connection that never comes, instead of hanging the bot’s start', async () => {
    const slack = transport({ connectTimeoutMs: 300 }, 'socket');
    // No socket URL configured: apps.connections.open keeps answering an error the client retries.
    const started = Date.now();
    const failure = await slack.start(async () => undefined).catch((error: unknown) => error);
    expect(isCutoverError(failure, 'transport.unavailable')).toBe(true);
    expect((failure as Error).message).toMatch(/no connection within 0.3s/);
    expect(Date.now() - started).toBeLessThan(3_000);
    const attempts = api.calls.filter((call) => call.method === 'apps.connections.open').length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(api.calls.filter((call) => call.method === 'apps.connections.open')).toHaveLength(attempts);
  });
});
