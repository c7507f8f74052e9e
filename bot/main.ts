import type { CommandDeps } from '../commands/ports.js';
import { HealthSampleStream } from '../jobs/health-samples.js';
import type { BotOptions } from './bot-options.js';
import { composeCore } from './compose-core.js';
import { createConsoleTransport, hasSharedChats, localTransportNames } from './create-transports.js';
import { leaderWords } from './leader-words.js';
import { ResidentTransport } from './resident-transport.js';
import { startGatewayRole } from './start-gateway-role.js';
import { startOps } from './start-ops.js';
import { startWorkerRole } from './start-worker-role.js';

export type { BotOptions, Role } from './bot-options.js';

export interface Bot {
  /** Resolves when every input transport has ended (the console's stdin closed). */
  readonly inputEnded: Promise<void>;
  readonly deps: CommandDeps;
  settle(timeoutMs: number): Promise<boolean>;
  /** Where the status page, /metrics, /healthz and /readyz listen, when configured. */
  readonly opsPort: number | undefined;
  /** Whether this process holds the leader lease now (a worker never does). */
  leading(): boolean;
  stop(): Promise<void>;
}

/**
 * The composition root, one screen per role: the shared core (Redis, stores, queues, backends,
 * plans, guards) is built once; a worker runs what changes production, a gateway contests the
 * leader lease and, while it holds it, talks to people; `all` does both; the ops port serves
 * whichever runs. The only place that knows every concrete implementation (each built in its own
 * create-* or start-* file).
 */
export async function startBot(options: BotOptions): Promise<Bot> {
  const core = await composeCore(options, localTransportNames(options));
  const samples = new HealthSampleStream(core.client, core.prefix);
  const consoleTransport = createConsoleTransport(options);
  const consoleChannel = options.config.transports.console?.channel ?? '';
  let standbyWords = async (): Promise<string> => 'standing by';
  const residents = consoleTransport === undefined ? [] : [new ResidentTransport(consoleTransport, consoleChannel, () => standbyWords())];
  const gateway = options.role === 'worker' ? undefined : await startGatewayRole(core, residents, samples);
  if (gateway !== undefined) {
    core.deps.leadership = gateway.leadership;
    standbyWords = async () => leaderWords(gateway.leadership.instance, (await gateway.leadership.describe().catch(() => undefined))?.leader);
  }
  // The console is this process's own terminal: it greets and reads whether or not this instance leads, once it knows which.
  await Promise.all(residents.map((resident) => resident.open()));
  if (options.role !== 'gateway') await startWorkerRole(core);
  const ops = await startOps(core, () => gateway?.transports() ?? [], samples, gateway?.leadership);

  let stopping: Promise<void> | undefined;
  return {
    // Input ends with the console's stdin, unless shared chats run too: they end only with stop().
    inputEnded: residents.length === 0 || hasSharedChats(options) ? new Promise<void>(() => undefined) : Promise.all(residents.map((transport) => transport.finished)).then(() => undefined),
    deps: core.deps,
    settle: (timeoutMs) => core.jobs.settle(timeoutMs),
    opsPort: ops?.port,
    leading: () => gateway?.leadership.isLeading ?? false,
    stop() {
      stopping ??= (async () => {
        await ops?.close();
        // A graceful handover first: lines in flight settle, the lease is released and published.
        await gateway?.stop();
        await Promise.all(residents.map((resident) => resident.close()));
        await core.jobs.close();
        await core.records.stop();
        await core.client.quit().catch(() => core.client.disconnect());
        await core.redis.stop();
      })();
      return stopping;
    },
  };
}
