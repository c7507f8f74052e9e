/**
 * `everywhere` (jobs/notifier.ts): one line into the outbox of every configured channel, each
 * under its own dedupe key, the channel where it happened first and with its thread, the asker's
 * channel left out when told. On real Redis, through the BullMQ outbox queues the gateway reads.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everywhere, Notifier, type ChannelMessage, type Destination } from '../../jobs/notifier.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

let redis: Redis;
const prefix = uniquePrefix('notifier-everywhere');
const queues = new Map<string, Queue<ChannelMessage>>();

const IRC_OPS = { transport: 'irc', channel: '#wikimedia-operations' };
const IRC_SRE = { transport: 'irc', channel: '#wikimedia-sre' };
const SLACK = { transport: 'slack', channel: 'C0OPS00001' };
const CONFIGURED: Destination[] = [IRC_OPS, IRC_SRE, SLACK];

beforeAll(async () => {
  await requireRedis();
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  for (const transport of ['irc', 'slack', 'console']) queues.set(transport, new Queue<ChannelMessage>(`notify-${transport}`, { connection: redis, prefix }));
});

afterAll(async () => {
  for (const queue of queues.values()) await queue.close();
  await cleanupPrefix(redis, prefix);
  await redis.quit();
});

/** What each channel's outbox holds, as `transport channel: text (requestId)`. */
async function outboxes(): Promise<string[]> {
  const lines: string[] = [];
  for (const [transport, queue] of queues) {
    for (const job of await queue.getJobs(['waiting', 'delayed', 'prioritized'])) lines.push(`${transport} ${job.data.channel}: ${job.data.text}${job.data.requestId === undefined ? '' : ` (${job.data.requestId})`}`);
  }
  return lines.sort();
}

describe('the notifier, everywhere', () => {
  const notifier = new Notifier((transport) => queues.get(transport), { everywhere: CONFIGURED });

  it("says it once in every configured channel, the plan's own channel included, and once only when replayed", async () => {
    const consoleChat = { transport: 'console', channel: '#cutover' };
    for (let replay = 0; replay < 2; replay += 1) {
      await notifier.send(everywhere({ also: consoleChat }), { kind: 'error', text: '⏪ rolled back', urgency: 'safety', requestId: 'r1', mark: '❌' }, 'k1');
    }
    expect(await outboxes()).toEqual([
      'console #cutover: ⏪ rolled back (r1)',
      'irc #wikimedia-operations: ⏪ rolled back',
      'irc #wikimedia-sre: ⏪ rolled back',
      'slack C0OPS00001: ⏪ rolled back',
    ]);
    for (const queue of queues.values()) await queue.obliterate({ force: true });
  });

  it("leaves out the asker's channel when it heard the news in its own words", async () => {
    await notifier.send(everywhere({ besides: IRC_OPS }), { kind: 'error', text: '🛑 stopped', urgency: 'safety' }, 'k2');
    expect(await outboxes()).toEqual(['irc #wikimedia-sre: 🛑 stopped', 'slack C0OPS00001: 🛑 stopped']);
    for (const queue of queues.values()) await queue.obliterate({ force: true });
  });

  it('never sends a !log line everywhere: SAL would log it once per channel', async () => {
    await expect(notifier.send(everywhere(), { kind: 'result', text: '!log depooled' }, 'k3')).rejects.toThrow(/never sent everywhere/);
    expect(await outboxes()).toEqual([]);
  });
});
