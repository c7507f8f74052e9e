import { beforeAll, describe, expect, it } from 'vitest';
import { createSlackTransport } from '../../bot/slack/create-slack-transport.js';
import type { SlackTransport } from '../../bot/slack/slack-transport.js';
import type { MessageRef, OutboundMessage } from '../../bot/transport.js';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { FakeSlackApi, textOf, type SlackCall } from '../helpers/fake-slack-api.js';
import { APP_TOKEN, BOT_TOKEN } from '../helpers/slack-bot.js';
import { OPS_CHANNEL, SIGNING_SECRET } from '../helpers/slack-requests.js';

const OTHER_CHANNEL = 'C0OTHER001';
const HASH = '0123456789abcdef';

/**
 * Slack answering 429 many times in a row, at the transport's real pace (one call a second per
 * channel): nothing a person needs is lost, the request's own order holds, urgent lines go first.
 */
describe('Slack under consecutive 429s: one ordered, retrying outbox per channel', () => {
  let config: Config;

  beforeAll(async () => {
    config = await loadConfig();
  });

  it.concurrent.each([8, 12, 30])(
    '%i consecutive 429s: every message lands once, 👍 approved before ✅ done, the request before the answers queued ahead of it, ≤ 1 call/s per channel',
    async (storm) => {
      const api = await FakeSlackApi.start();
      const logs: string[] = [];
      const slack: SlackTransport = createSlackTransport(
        { enabled: true, mode: 'http', port: 0, channels: [], api_url: api.url, slash_commands: {} },
        { redisUrl: 'redis://unused', logLevel: 'silent', slackBotToken: BOT_TOKEN, slackAppToken: APP_TOKEN, slackSigningSecret: SIGNING_SECRET },
        config,
        (message) => logs.push(message),
        // Progress edits as often as the channel's pace allows; the pace itself is the shipped default.
        { progressIntervalMs: 0 },
      );
      try {
        api.rateLimitNext('*', storm, 1);
        const id = `r${storm}x`;
        const request = (state: string): OutboundMessage['request'] => ({ id, actionHash: state === 'pending' ? HASH : '', state });
        const say = (channel: string, text: string, kind: OutboundMessage['kind'], extra: Partial<OutboundMessage> = {}): Promise<MessageRef | undefined> =>
          slack.send({ channel, text, kind, ...extra });

        // A burst of answers, then the request: it is queued last and must go first.
        const answers = [1, 2, 3, 4].map((n) => say(OPS_CHANNEL, `status answer ${n}`, 'reply'));
        const help = say(OPS_CHANNEL, 'help: the commands are …', 'reply', { urgency: 'help' });
        const elsewhere = [1, 2].map((n) => say(OTHER_CHANNEL, `other answer ${n}`, 'reply'));
        const announcement = await say(OPS_CHANNEL, `⏳ ${id}: alice asks to pool maps1005 · needs 1 approval from bob: !approve ${id} or !deny ${id}`, 'request', { request: request('pending') });
        if (announcement === undefined) throw new Error('no announcement ref');
        // What follows a click: the approval, progress, the result, the marks; and a safety alert.
        const flow = [
          say(OPS_CHANNEL, `👍 bob approved ${id} (1/1) · queued`, 'request', { request: request('approved'), replyTo: announcement }),
          slack.react(announcement, '👀'),
          say(OPS_CHANNEL, `▶ ${id} depooling maps1005`, 'progress', { request: request('progress'), replyTo: announcement }),
          say(OPS_CHANNEL, `✅ ${id} done: maps1005 pooled=yes, read back and verified`, 'result', { request: request('result'), replyTo: announcement }),
          slack.react(announcement, '✅'),
          say(OPS_CHANNEL, '🛑 EMERGENCY STOP queued by carol: depool all of codfw', 'result', { urgency: 'safety' }),
        ];
        await Promise.all([...answers, help, ...elsewhere, ...flow]);
        await slack.stop();

        const ok = api.answered();
        const posted = ok.filter((call) => call.method === 'chat.postMessage').map(textOf);
        // Nothing lost, nothing twice.
        for (const text of ['status answer 1', 'status answer 2', 'status answer 3', 'status answer 4', 'help: the commands are …', 'other answer 1', 'other answer 2', `👍 bob approved ${id} (1/1) · queued`, `▶ ${id} depooling maps1005`, `✅ ${id} done: maps1005 pooled=yes, read back and verified`, '🛑 EMERGENCY STOP queued by carol: depool all of codfw']) {
          expect(posted.filter((line) => line === text), text).toHaveLength(1);
        }
        expect(posted.filter((line) => line.startsWith(`⏳ ${id}`))).toHaveLength(1);
        expect(ok.filter((call) => call.method === 'reactions.add').map((call) => call.params['name'])).toEqual(['eyes', 'white_check_mark']);
        expect(api.calls.filter((call) => call.status === 429)).toHaveLength(storm);

        const order = (text: string): number => posted.findIndex((line) => line.startsWith(text));
        // Urgent first: the request overtook the answers queued before it, the alert everything that was still waiting.
        expect(order(`⏳ ${id}`)).toBeLessThan(order('status answer 1'));
        expect(order(`👍 bob approved ${id}`)).toBeLessThan(order(`✅ ${id} done`));
        expect(order(`▶ ${id}`)).toBeLessThan(order(`✅ ${id} done`));
        expect(order('🛑 EMERGENCY STOP')).toBeLessThan(order('help:'));
        // The request's message ends in its final state: no buttons, approved and done.
        const final = ok.filter((call) => call.method === 'chat.update' && call.params['ts'] === announcement.id).at(-1);
        expect(JSON.stringify(final?.params['blocks'])).not.toContain('cutover_approve');
        expect(JSON.stringify(final?.params['blocks'])).toMatch(/👍 bob approved.*✅ r\d+x done/);

        const pace = [OPS_CHANNEL, OTHER_CHANNEL].map((channel) => ({ channel, ...paceOf(api.calls.filter((call) => call.method !== 'auth.test' && call.params['channel'] === channel)) }));
        console.log(`[${storm}×429] ${pace.map((p) => `${p.channel}: ${p.calls} calls in ${(p.spanMs / 1000).toFixed(1)}s, ${p.perSecond.toFixed(2)} calls/s, at most ${p.maxInAnySecond} in any 1 s, smallest gap ${p.minGapMs} ms`).join('; ')}; lost 0`);
        for (const p of pace) {
          expect(p.maxInAnySecond).toBeLessThanOrEqual(1);
          expect(p.minGapMs).toBeGreaterThanOrEqual(950);
        }
      } finally {
        await slack.stop();
        await api.close();
      }
    },
    120_000,
  );
});

/** Calls in one channel, 429s included (Slack counts those too): average rate, the most in any 1 s window, the smallest gap. */
function paceOf(calls: readonly SlackCall[]): { calls: number; spanMs: number; perSecond: number; maxInAnySecond: number; minGapMs: number } {
  const times = calls.map((call) => call.at).sort((a, b) => a - b);
  const spanMs = (times.at(-1) ?? 0) - (times[0] ?? 0);
  let maxInAnySecond = 0;
  let minGapMs = Number.POSITIVE_INFINITY;
  for (let i = 0; i < times.length; i += 1) {
    const start = times[i] ?? 0;
    maxInAnySecond = Math.max(maxInAnySecond, times.filter((at) => at >= start && at < start + 1000).length);
    if (i > 0) minGapMs = Math.min(minGapMs, start - (times[i - 1] ?? 0));
  }
  return { calls: times.length, spanMs, perSecond: spanMs === 0 ? times.length : ((times.length - 1) * 1000) / spanMs, maxInAnySecond, minGapMs };
}
