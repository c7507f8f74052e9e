import type { Redis } from 'ioredis';
import type { CommandDeps } from '../commands/ports.js';
import { DEFAULT_CONFIG_PATH } from '../config/load.js';
import { Inventory } from '../core/inventory.js';
import type { PoolingBackend } from '../core/ports/pooling.js';
import type { Clock } from '../core/ports/stores.js';
import { BotMetrics } from '../jobs/bot-metrics.js';
import type { PoolGuard } from '../jobs/guard/pool-guard.js';
import { FenceScope } from '../jobs/fence-scope.js';
import { JobSystem } from '../jobs/job-system.js';
import type { PlanRunner } from '../jobs/plan/plan-runner.js';
import { RedisAuditLog } from '../jobs/redis-audit-log.js';
import { afterReconnect, createRedisConnection, resolveRedisTarget } from '../jobs/redis-connection.js';
import { requeueApproved } from '../jobs/requeue-approved.js';
import { RequestFiler } from '../jobs/request-filer.js';
import { RedisRequestStore } from '../jobs/request-store.js';
import { ServiceLocks } from '../jobs/service-lock.js';
import type { BotOptions } from './bot-options.js';
import { createFleets, type Fleet } from './create-fleet.js';
import { createChangeRecords, type ChangeRecordsRole } from './create-change-records.js';
import { createCookbookLocks } from './create-cookbook-locks.js';
import { observedCookbookLocks } from './create-integrations.js';
import { IntegrationHealth } from '../jobs/integration-health.js';
import { createGuards, createSafety, type Safety } from './create-guards.js';
import { createPlanRunners } from './create-plan-runners.js';
import { createPooling } from './create-pooling.js';
import { createSimulatedWorld } from './create-simulated-world.js';
import { configuredTransportNames } from './create-transports.js';
import { createWatches, type Watches } from './create-watches.js';
import { everyDestination } from './default-destination.js';
import { metered, meteredFleet, type AdapterCallObserver } from './metered.js';
import { ensureRedisTarget, type ReadyRedis } from './redis-launcher.js';
import { durableWrites } from './durable-writes.js';

/** Everything every role shares: Redis, the stores, the queues, the backends, the plans and the guards. */
export interface Core {
  options: BotOptions;
  prefix: string;
  clock: Clock;
  redis: ReadyRedis;
  client: Redis;
  inventories: ReadonlyMap<string, Inventory>;
  requests: RedisRequestStore;
  locks: ServiceLocks;
  jobs: JobSystem;
  metrics: BotMetrics;
  audit: RedisAuditLog;
  pooling: PoolingBackend;
  fleets: ReadonlyMap<string, Fleet>;
  safety: Safety;
  plans: ReadonlyMap<string, PlanRunner>;
  guards: ReadonlyMap<string, PoolGuard>;
  guardIntervals: ReadonlyMap<string, number>;
  watches: Watches;
  deps: CommandDeps;
  /** Phabricator comments and Grafana annotations, when configured; their outboxes stop with the bot. */
  records: ChangeRecordsRole;
  /** The fence of the work under way: jobs run inside theirs, writes and lines check it (jobs/fence-scope.ts). */
  fences: FenceScope;
}

/**
 * Builds the parts every role shares, each backend once: the simulated world (or the production
 * adapters), pooling through one metered backend, the one pool writer, the plans and the guards.
 */
export async function composeCore(options: BotOptions, transportNames: readonly string[]): Promise<Core> {
  const { config, env, log } = options;
  const prefix = options.prefix ?? config.redis.prefix;
  const clock = options.clock ?? { now: () => Date.now() };
  const ready = await ensureRedisTarget(resolveRedisTarget(config.redis, env), { autostart: config.redis.autostart, stateDir: config.state_dir, log: (line) => log.info(line) });
  const onRedisError = (error: Error): void => log.warn({ err: error }, 'redis connection error');
  const client = createRedisConnection(ready.target, 'client', onRedisError);
  await client.ping();
  const durable = durableWrites(config.redis, ready, client, onRedisError, log);
  const redis = durable.redis;

  const inventories = new Map(Object.entries(config.services).map(([name, service]) => [name, new Inventory(name, service)]));
  const requests = new RedisRequestStore(durable.client, prefix, durable.wait);
  const locks = new ServiceLocks(durable.client, prefix, durable.wait);
  const running = [...new Set([...configuredTransportNames(options), ...transportNames])];
  // One scope for the process: every job runs inside its fence, every write and line checks it.
  const fences = new FenceScope();
  const jobs = new JobSystem({
    fences,
    prefix,
    transports: running,
    client,
    connectWorker: () => createRedisConnection(ready.target, 'worker', onRedisError),
    onError: (error) => log.error({ err: error }, 'queue worker error'),
    dryRun: config.dry_run,
    everywhere: everyDestination(config, running),
  });
  // A failover can lose the job queued right after an approval (BullMQ's add is not WAITed), which
  // would strand the request as approved: queue every approved request again, a no-op for those
  // still queued (their job ids are fixed), as a restart does (jobs/requeue-approved.ts).
  afterReconnect(client, () => requeueApproved(requests, jobs.actionQueue, [...inventories.keys()]), onRedisError);
  const metrics = new BotMetrics(jobs, async () => (await Promise.all([...inventories.keys()].map((service) => requests.open(service)))).flat());
  metrics.registry.registerMetric(durable.shortWaits);
  const audit = new RedisAuditLog(durable.client, prefix, clock, (entry) => metrics.observeAudit(entry.event), durable.wait);
  const observeAdapter: AdapterCallObserver = (...call) => metrics.observeAdapterCall(...call);
  const world = createSimulatedWorld(config, inventories, client, prefix);
  const unmeteredPooling = await createPooling({ config, env, client, prefix, inventories, world, log });
  const pooling = metered(unmeteredPooling, `conftool-${unmeteredPooling.kind}`, observeAdapter);
  const fleetKind = world === undefined ? 'production' : 'simulated';
  const fleets = new Map([...createFleets(config, env, inventories, pooling, world)].map(([service, fleet]) => [service, meteredFleet(fleet, fleetKind, observeAdapter)]));

  // Declared before the writer, filled right after: the writer needs the plans' analysis settings, the plans need the writer.
  let plans = new Map<string, PlanRunner>();
  const integrations = new IntegrationHealth(clock);
  const hostLocks = observedCookbookLocks(createCookbookLocks(config, env), config, integrations);
  const safety = createSafety({ config, inventories, client, prefix, pooling, fleets, clock, hostLocks, fences, kick: (service) => jobs.kickGuard(service), planAnalysis: (service) => plans.get(service)?.analysisSettings() });
  const filer = new RequestFiler({ config, clock, requests, queue: jobs.actionQueue, audit });
  const records = createChangeRecords({ config, env, client, prefix, notifier: jobs.notifier, log: (message, error) => log.warn({ err: error }, message), integrations });
  plans = await createPlanRunners({ config, configPath: options.configPath ?? DEFAULT_CONFIG_PATH, inventories, client, prefix, pooling, requests, filer, audit, clock, jobs, fleets, writer: safety.writer, proofs: safety.proofs, records: records.recorder, integrations, fences });
  const guards = createGuards({ config, inventories, client, prefix, pooling, fleets, plans, safety, notifier: jobs.notifier, audit, clock, records: records.recorder });
  const guardIntervals = new Map([...guards.keys()].map((service) => [service, safety.settings(service).intervalMs]));
  const watches = createWatches({ config, client, prefix, guardIntervals, plans, safety, notifier: jobs.notifier, clock, onError: (error) => log.warn({ err: error }, 'watchdog failed') });
  metrics.trackWatches(() => watches.list.list());

  const deps: CommandDeps = {
    requests,
    queue: jobs.actionQueue,
    filer,
    pooling,
    policy: safety.writer,
    locks,
    audit,
    clock,
    plans,
    simulations: definedOnly(fleets, (fleet) => fleet.simulation),
    observers: definedOnly(fleets, (fleet) => fleet.observer),
    auditReader: audit,
    watch: watches.view,
    ...(hostLocks === undefined ? {} : { cookbookLocks: hostLocks }),
    // Nothing configured (the console demo), nothing shown.
    ...(integrations.size === 0 ? {} : { integrations }),
  };
  return { options, prefix, clock, redis, client, inventories, requests, locks, jobs, metrics, audit, pooling, fleets, safety, plans, guards, guardIntervals, watches, deps, records, fences };
}

function definedOnly<T, U>(map: ReadonlyMap<string, T>, pick: (value: T) => U | undefined): Map<string, U> {
  const result = new Map<string, U>();
  for (const [key, value] of map) {
    const picked = pick(value);
    if (picked !== undefined) result.set(key, picked);
  }
  return result;
}
