import type { CommandDeps } from '../commands/ports.js';
import { HealthSampleStream } from '../jobs/health-samples.js';
import type { BotOptions } from './bot-options.js';
import { composeCore } from './compose-core.js';
import { createTransports } from './create-transports.js';
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
  stop(): Promise<void>;
}

/**
 * The composition root, one screen per role: the shared core (Redis, stores, queues, backends,
 * plans, guards) is built once; a worker runs what changes production, a gateway talks to people,
 * `all` does both; the ops port serves whichever runs. The only place that knows every concrete
 * implementation (each built in its own create-* or start-* file).
 */
export async function startBot(options: BotOptions): Promise<Bot> {
  const transports = createTransports(options);
  const core = await composeCore(options, transports.map((transport) => transport.name));
  const samples = new HealthSampleStream(core.client, core.prefix);
  if (options.role !== 'gateway') await startWorkerRole(core);
  const gateway = options.role === 'worker' ? undefined : await startGatewayRole(core, transports, samples);
  const ops = await startOps(core, transports, samples);

  let stopping: Promise<void> | undefined;
  return {
    inputEnded: Promise.all(transports.map((transport) => transport.finished)).then(() => undefined),
    deps: core.deps,
    settle: (timeoutMs) => core.jobs.settle(timeoutMs),
    opsPort: ops?.port,
    stop() {
      stopping ??= (async () => {
        await ops?.close();
        await gateway?.stop();
        await Promise.all(transports.map((transport) => transport.stop()));
        await core.jobs.close();
        await core.records.stop();
        await core.client.quit().catch(() => core.client.disconnect());
        await core.redis.stop();
      })();
      return stopping;
    },
  };
}
