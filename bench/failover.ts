import type { Redis } from 'ioredis';
import { startFailoverWorld, type BotChild, type FailoverWorld } from '../test/helpers/failover-world.js';
import { summarize } from './stats.js';
import type { Row } from './table.js';

const RUNS = 5;

/** Starts a bot and waits until it stands by behind the current leader. */
async function standby(world: FailoverWorld, instance: string): Promise<BotChild> {
  const bot = world.startBot(instance);
  const deadline = Date.now() + 30_000;
  while (!new RegExp(`${instance} stands by`).test(bot.logs())) {
    if (Date.now() > deadline) throw new Error(`bench: ${instance} did not stand by:\n${bot.logs()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return bot;
}

/** Stops the leader (`kill`: SIGKILL, `term`: SIGTERM) and times until the standby says a queued line in the IRC channel. */
async function failOver(world: FailoverWorld, leader: BotChild, next: BotChild, how: 'kill' | 'term', run: number): Promise<number> {
  await world.outboxesIdle();
  const text = `bench failover probe ${how} ${run}`;
  const from = world.alice.heard.length;
  const stoppedAt = performance.now();
  if (how === 'kill') leader.signal('SIGKILL');
  else leader.signal('SIGTERM');
  // Queued once the lease has moved: a leader handing over still says what it took before, and that is not the standby speaking.
  await world.waitForLeader(next.instance, 30_000);
  await world.enqueue('irc', text);
  await world.alice.waitFor(new RegExp(text), { from, timeoutMs: 30_000 });
  const seconds = (performance.now() - stoppedAt) / 1000;
  await leader.stop();
  return seconds;
}

/**
 * Two whole bots (child processes, `--role all`) on one Redis, IRC on a real InspIRCd and Slack in
 * socket mode: the leader is killed (or sent SIGTERM), a line waits in the IRC outbox, and the
 * clock runs until a person in the channel hears the standby say it. After each run a fresh
 * standby joins behind the new leader. The lease is the shipped default (8 s, renewed every 2 s).
 */
export async function benchFailover(_redis: Redis): Promise<Row[]> {
  const world = await startFailoverWorld('bench-failover');
  const killed: number[] = [];
  const handed: number[] = [];
  try {
    let leader = world.startBot('bench-0');
    await world.waitForLeader('bench-0');
    let instance = 0;
    for (const [how, samples] of [['kill', killed], ['term', handed]] as const) {
      for (let run = 0; run < RUNS; run += 1) {
        instance += 1;
        const next = await standby(world, `bench-${instance}`);
        // The clock starts from a leader that has joined IRC and connected Slack, as in production.
        await new Promise((resolve) => setTimeout(resolve, run === 0 && how === 'kill' ? 3000 : 1000));
        samples.push(await failOver(world, leader, next, how, run));
        leader = next;
      }
    }
  } finally {
    await world.stop();
  }
  return [
    {
      row: '11 failover: leader killed → standby’s first line in the channel',
      ...summarize(killed),
      unit: 's',
      notes: 'kill -9 of the leader (IRC on InspIRCd, Slack socket mode) → a queued line heard in the channel from the standby; lease 8 s renewed every 2 s, standbys poll every 1 s: the lease running out is most of it; goal ≤ 15 s',
    },
    {
      row: '11 handover: SIGTERM → standby’s first line in the channel',
      ...summarize(handed),
      unit: 's',
      notes: 'SIGTERM of the leader: in-flight lines settle, chats disconnect, the lease is released and published; the standby takes it at once and connects; goal ≤ 3 s',
    },
  ];
}
