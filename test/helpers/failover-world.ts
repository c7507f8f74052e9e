import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import * as z from 'zod';
import { notifyQueueName } from '../../jobs/queue-names.js';
import type { ChannelMessage } from '../../jobs/notifier.js';
import { setPlanTimeScale, startBotProcess, writeTestConfig, type BotProcess, type TestConfigFile } from './bot-process.js';
import { FakeSlackApi } from './fake-slack-api.js';
import { FakeSocketMode } from './fake-socket-mode.js';
import { startInspircd, type Inspircd } from './inspircd.js';
import { connectHuman, type IrcHuman } from './irc-human.js';
import { testIrcSettings } from './irc-settings.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from './redis.js';
import { APP_TOKEN, BOT_TOKEN } from './slack-bot.js';
import { OPS_CHANNEL } from './slack-requests.js';

export const FAILOVER_CHANNEL = '#wikimedia-operations';

export type BotChild = ReturnType<typeof startBotProcess> & { instance: string };

const leaseSchema = z.object({ instance: z.string(), token: z.number() });

export interface FailoverWorld {
  redis: Redis;
  prefix: string;
  ircd: Inspircd;
  api: FakeSlackApi;
  socket: FakeSocketMode;
  alice: IrcHuman;
  bob: IrcHuman;
  file: TestConfigFile;
  /** Starts `cutover --role all` as a child process named `instance` (CUTOVER_INSTANCE). */
  startBot(instance: string): BotChild;
  /** The lease as Redis holds it now. */
  leader(): Promise<{ instance: string; token: number } | undefined>;
  /** Waits until `instance` holds the lease (or anyone, when undefined) and returns the holder. */
  waitForLeader(instance?: string, timeoutMs?: number): Promise<{ instance: string; token: number }>;
  /** Puts a line in a transport's outbox as a worker would: whoever leads says it. */
  enqueue(transport: 'irc' | 'slack', text: string): Promise<void>;
  /**
   * Waits until both outboxes are empty, every line's job completed: a leader stopped between saying
   * a line and recording it as said leaves the job to its successor, which says it again (BullMQ
   * runs a job at least once), so a test that stops a leader on purpose does it between lines.
   */
  outboxesIdle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Two (or more) whole bots as child processes against one Redis, IRC on a real InspIRCd (alice and
 * bob in the channel) and Slack in socket mode through the fake Web API and socket-mode server; the
 * console off, so what the bots say is only what IRC and Slack carry.
 */
export async function startFailoverWorld(label: string, options: { timeScale?: number; edit?: (yaml: Record<string, unknown>) => void } = {}): Promise<FailoverWorld> {
  await requireRedis();
  const redis = new Redis(TEST_REDIS_URL);
  const prefix = uniquePrefix(label);
  const ircd = await startInspircd();
  const api = await FakeSlackApi.start();
  const socket = await FakeSocketMode.start();
  api.socketUrl = socket.url;
  const file = await writeTestConfig(prefix, (yaml) => {
    yaml['transports'] = {
      irc: { ...testIrcSettings(ircd, FAILOVER_CHANNEL), enabled: true },
      slack: { enabled: true, mode: 'socket', channels: [OPS_CHANNEL], api_url: api.url },
    };
    if (options.timeScale !== undefined) setPlanTimeScale(yaml, options.timeScale);
    options.edit?.(yaml);
  });
  const alice = await connectHuman({ host: ircd.host, port: ircd.port, nick: 'alice', channels: [FAILOVER_CHANNEL] });
  const bob = await connectHuman({ host: ircd.host, port: ircd.port, nick: 'bob', channels: [FAILOVER_CHANNEL] });
  const children: BotProcess[] = [];
  const outboxes = new Map<string, Queue<ChannelMessage>>();
  let sequence = 0;

  const outbox = (transport: string): Queue<ChannelMessage> => {
    const queue = outboxes.get(transport) ?? new Queue<ChannelMessage>(notifyQueueName(transport), { connection: redis, prefix });
    outboxes.set(transport, queue);
    return queue;
  };
  const leader = async (): Promise<{ instance: string; token: number } | undefined> => {
    const raw = await redis.get(`${prefix}:leader`);
    return raw === null ? undefined : leaseSchema.parse(JSON.parse(raw));
  };
  return {
    redis,
    prefix,
    ircd,
    api,
    socket,
    alice,
    bob,
    file,
    startBot(instance) {
      const child = startBotProcess(file.path, TEST_REDIS_URL, { env: { CUTOVER_INSTANCE: instance, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_APP_TOKEN: APP_TOKEN } });
      children.push(child);
      return Object.assign(child, { instance });
    },
    leader,
    async waitForLeader(instance, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const holder = await leader();
        if (holder !== undefined && (instance === undefined || holder.instance === instance)) return holder;
        if (Date.now() > deadline) throw new Error(`no lease for ${instance ?? 'anyone'} within ${timeoutMs} ms (holder: ${JSON.stringify(holder)})\n${children.map((child) => child.logs()).join('\n---\n')}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async enqueue(transport, text) {
      sequence += 1;
      await outbox(transport).add('say', { channel: transport === 'irc' ? FAILOVER_CHANNEL : OPS_CHANNEL, text, kind: 'result' }, { jobId: `probe-${sequence}`, attempts: 50, backoff: { type: 'exponential', delay: 500 } });
    },
    async outboxesIdle(timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const counts = await Promise.all(['irc', 'slack'].map((transport) => outbox(transport).getJobCounts('active', 'waiting', 'delayed', 'prioritized')));
        if (counts.every((byState) => Object.values(byState).every((count) => count === 0))) return;
        if (Date.now() > deadline) throw new Error(`outboxes still busy after ${timeoutMs} ms: ${JSON.stringify(counts)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      await Promise.all(children.map((child) => child.crash()));
      await Promise.all([...outboxes.values()].map((queue) => queue.close()));
      await alice.quit();
      await bob.quit();
      await ircd.dispose();
      await socket.close();
      await api.close();
      await cleanupPrefix(redis, prefix);
      await redis.quit();
      await file.remove();
    },
  };
}
