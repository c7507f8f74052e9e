import type { Dispatcher } from '../commands/dispatch.js';
import { HEALTH_TIMEOUT_MS } from '../core/observe-health.js';
import type { Fence } from '../core/ports/fence.js';
import type { DeliveryGuard } from '../jobs/delivery-guard.js';
import { HealthSampler } from '../jobs/health-sampler.js';
import type { HealthSampleStream } from '../jobs/health-samples.js';
import type { WorkerGroup } from '../jobs/job-system.js';
import type { RequestMessages } from '../jobs/request-messages.js';
import type { CommandLimiter } from './command-limiter.js';
import type { Core } from './compose-core.js';
import { Gateway } from './gateway.js';
import type { ChatTransport } from './transport.js';

/** How long a handover waits for a guard look or a soak tick in flight before dropping it. */
const LOOK_GRACE_MS = 5_000;

export interface LeaderTermDeps {
  core: Core;
  dispatcher: Dispatcher;
  messages: RequestMessages;
  deliveries: DeliveryGuard;
  limiter: CommandLimiter;
  samples: HealthSampleStream;
  /** This term's transports: the shared chats built for it, and the resident console. */
  transports: readonly ChatTransport[];
  fence: Fence;
  /** Whether the lease is still held by this process's own clock (no Redis call): gates what comes in. */
  leading: () => boolean;
}

export interface LeaderTerm {
  readonly transports: readonly ChatTransport[];
  /** `handover`: no new lines taken, in-flight ones settle, then the rest; `lost`: everything at once. */
  stop(how: 'handover' | 'lost'): Promise<void>;
}

/**
 * What the leader alone runs, for as long as it holds the lease: the chats (connected only now),
 * their outbox deliveries (fenced), the guard's looks and the plans' soak ticks (fenced), the
 * health sampler and the watchdog; the plans are reconciled as it takes over.
 */
export async function startLeaderTerm(deps: LeaderTermDeps): Promise<LeaderTerm> {
  const { core, transports, fence } = deps;
  const { options, jobs, deps: commandDeps, inventories, watches, clock, plans, guards, guardIntervals } = core;
  const { log, config } = options;
  const deliveries: WorkerGroup[] = [];
  const groups: WorkerGroup[] = [];
  let sampler: HealthSampler | undefined;
  const stop = async (how: 'handover' | 'lost'): Promise<void> => {
    const mode = how === 'handover' ? 'settle' : 'now';
    // Lines first: on a handover what is being said is finished; once lost, nothing more is taken.
    await Promise.all(deliveries.map((group) => group.close(mode)));
    // A guard look or a soak tick is replayed by whoever leads next; one stuck on a hanging backend must not hold the handover up.
    await Promise.all([...groups.map((group) => group.close(mode, LOOK_GRACE_MS)), sampler?.stop(), watches.watchdog.stop()]);
    const stopping = Promise.all(transports.map((transport) => transport.stop().catch((error: unknown) => log.warn({ err: error, transport: transport.name }, 'a chat transport did not stop cleanly'))));
    // A lapsed leader does not wait for Slack's outbox to drain before standing by again.
    if (how === 'handover') await stopping;
  };
  try {
    // One chat being down at boot must not keep the others (or the console) from starting.
    const started = await Promise.allSettled(
      transports.map(async (transport) => {
        const gateway = new Gateway({ transport, dispatcher: deps.dispatcher, messages: deps.messages, deliveries: deps.deliveries, limiter: deps.limiter, admitting: deps.leading, log: (message, error) => log.error({ err: error }, message) });
        deliveries.push(jobs.startDelivery(transport.name, fence, (message) => gateway.deliver(message)));
        await gateway.start();
      }),
    );
    started.forEach((outcome, index) => {
      if (outcome.status === 'rejected') log.error({ err: outcome.reason, transport: transports[index]?.name }, 'a chat transport failed to start; the others run');
    });

    // The status page's chart needs history, so samples are taken whether or not a page is open, by the leader alone (two would double every sample).
    sampler =
      config.ops_http === undefined
        ? undefined
        : new HealthSampler({
            services: [...inventories.values()].flatMap((inventory) => {
              const observer = commandDeps.observers?.get(inventory.serviceName);
              return observer === undefined ? [] : [{ inventory, observer }];
            }),
            append: (sample) => deps.samples.append(sample),
            clock,
            intervalMs: config.ops_http.sample_seconds * 1000,
            timeoutMs: HEALTH_TIMEOUT_MS,
            onError: (error) => log.warn({ err: error }, 'health sample failed'),
          });
    sampler?.start();
    // The leader watches the guards and soaks: a stalled worker cannot report itself.
    watches.watchdog.start();
    // Every pooled worker is watched whoever pooled it; BullMQ hands each look to one process, the leader's.
    groups.push(await jobs.startGuard(fence, guardIntervals, async (service) => (await guards.get(service)?.tick()) ?? 'ran'));
    // A new leader looks at the pooled workers at once rather than at the schedule's next turn: nobody
    // may have looked since the last leader stopped (or since the bot last ran).
    await Promise.all([...guardIntervals.keys()].map((service) => jobs.kickGuard(service)));
    groups.push(
      jobs.startPlanTicks(fence, async (plan, key) => {
        const runner = [...plans.values()].find((candidate) => candidate.planName === plan);
        await runner?.tick(key);
      }),
    );
    for (const runner of plans.values()) {
      for (const note of await runner.reconcile()) log.warn({ plan: runner.planName }, note);
    }
  } catch (error) {
    // Half a leader is worse than none: stop what started, and let the lease go to someone who can.
    await stop('lost');
    throw error;
  }

  return { transports, stop };
}
