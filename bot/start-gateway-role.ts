import { hostname } from 'node:os';
import { createDispatcher } from '../commands/dispatch.js';
import type { LeaderRecord } from '../core/ports/leadership.js';
import { DeliveryGuard } from '../jobs/delivery-guard.js';
import type { HealthSampleStream } from '../jobs/health-samples.js';
import { LeaderLease } from '../jobs/leader-lease.js';
import { Leadership } from '../jobs/leadership.js';
import { createRedisConnection } from '../jobs/redis-connection.js';
import { RequestMessages } from '../jobs/request-messages.js';
import type { Core } from './compose-core.js';
import { CommandLimiter, limitsFromConfig } from './command-limiter.js';
import { createChatTransports } from './create-transports.js';
import { startLeaderTerm, type LeaderTerm } from './leader-term.js';
import { leaderWords } from './leader-words.js';
import type { ResidentTransport } from './resident-transport.js';
import type { ChatTransport } from './transport.js';

/** A standby tries the lease this often, besides the leader's published release. */
const STANDBY_POLL_MS = 1000;

export interface GatewayRole {
  readonly leadership: Leadership;
  /** The transports the current term runs: none while standing by. */
  transports(): readonly ChatTransport[];
  /** Hands the lease over (when leading) after in-flight lines settle. */
  stop(): Promise<void>;
}

/**
 * The part of a process that talks to people, contested: every `all` and `gateway` process
 * contests the leader lease and the holder alone connects the chats and runs what speaks (see
 * leader-term.ts); the others stand by, their console saying so, and take over when it lapses.
 */
export async function startGatewayRole(core: Core, residents: readonly ResidentTransport[], samples: HealthSampleStream): Promise<GatewayRole> {
  const { options, client, prefix, metrics, deps, inventories, redis } = core;
  const { log, config, env } = options;
  const dispatcher = createDispatcher({
    config,
    inventories,
    deps,
    onCommand: (command, outcome) => metrics.commands.inc({ command, outcome }),
    onUnexpectedError: (error, message) => log.error({ err: error, text: message.text }, 'command failed unexpectedly'),
  });
  const messages = new RequestMessages(client, prefix);
  const deliveries = new DeliveryGuard(client, prefix);
  // One limiter for every chat: alice on IRC and on Slack is one caller.
  const limits = limitsFromConfig(config.access.command_limits);
  const limiter = new CommandLimiter(Date.now, limits.perCaller, limits.perChannel, limits.perPerson);

  const instance = env.instance ?? `${hostname()}-${process.pid}`;
  const lease = new LeaderLease({ client, prefix, instance, host: hostname(), pid: process.pid, leaseMs: config.leader.lease_seconds * 1000 });
  let term: LeaderTerm | undefined;
  let terms = 0;
  let standingBy = false;
  const say = (text: string): Promise<void> => Promise.all(residents.map((resident) => resident.notice(text).catch(() => undefined))).then(() => undefined);
  const leadership: Leadership = new Leadership({
    lease,
    instance,
    subscriber: createRedisConnection(redis.target, 'client', (error) => log.warn({ err: error }, 'redis connection error (leader lease)')),
    renewMs: config.leader.renew_seconds * 1000,
    pollMs: STANDBY_POLL_MS,
    async elected(fence, token) {
      terms += 1;
      if (standingBy) {
        process.stderr.write(`cutover: ${instance} leads now (lease ${token}); connecting the chats.\n`);
        await say(`${instance} leads now (lease ${token}): answering here.`);
      }
      standingBy = false;
      term = await startLeaderTerm({ core, dispatcher, messages, deliveries, limiter, samples, fence, leading: () => leadership.isLeading, transports: [...residents, ...createChatTransports(options, terms)] });
    },
    async deposed(how) {
      const ending = term;
      term = undefined;
      await ending?.stop(how);
    },
    standingBy(holder: LeaderRecord | undefined) {
      standingBy = true;
      const words = leaderWords(instance, holder);
      process.stderr.write(`cutover: ${words}\n`);
      void say(words);
    },
    log: (level, message, error) => log[level]({ err: error, instance }, message),
  });
  await leadership.start();
  return {
    leadership,
    transports: () => term?.transports ?? [],
    stop: () => leadership.stop(),
  };
}
