import type { Readable, Writable } from 'node:stream';
import type { Logger } from 'pino';
import { createDispatcher } from '../commands/dispatch.js';
import type { Clock } from '../core/ports/stores.js';
import type { CommandDeps } from '../commands/ports.js';
import { DEFAULT_CONFIG_PATH, type EnvSettings } from '../config/load.js';
import { CutoverError } from '../core/errors.js';
import { createFleets } from './create-fleet.js';
import { createPooling } from './create-pooling.js';
import { createSimulatedWorld } from './create-simulated-world.js';
import { createIrcTransport } from './irc/create-irc-transport.js';
import { createSlackTransport } from './slack/create-slack-transport.js';
import { createPlanRunners } from './create-plan-runners.js';
import { createGuards, createSafety } from './create-guards.js';
import { createWatches } from './create-watches.js';
import type { PlanRunner } from '../jobs/plan/plan-runner.js';
import type { Config } from '../config/schema.js';
import { Inventory } from '../core/inventory.js';
import { createActionProcessor } from '../jobs/action-processor.js';
import { createExpiryProcessor } from '../jobs/expiry-processor.js';
import { JobSystem } from '../jobs/job-system.js';
import { createRedisConnection } from '../jobs/redis-connection.js';
import { RedisAuditLog } from '../jobs/redis-audit-log.js';
import { RedisRequestStore } from '../jobs/request-store.js';
import { RequestFiler } from '../jobs/request-filer.js';
import { requeueApproved } from '../jobs/requeue-approved.js';
import { ServiceLocks } from '../jobs/service-lock.js';
import { DeliveryGuard } from '../jobs/delivery-guard.js';
import { RequestMessages } from '../jobs/request-messages.js';
import { ConsoleTransport } from './console-transport.js';
import { BotMetrics } from '../jobs/bot-metrics.js';
import { Gateway } from './gateway.js';
import { IrcTransport } from './irc/irc-transport.js';
import { metered, meteredFleet, type AdapterCallObserver } from './metered.js';
import { startOpsServer } from './ops-server.js';
import { buildStatusSnapshot } from './status-page/status-snapshot.js';
import { createStatusRoutes, loadStatusPageAssets } from './status-page/status-routes.js';
import { HealthSampler } from '../jobs/health-sampler.js';
import { HealthSampleStream } from '../jobs/health-samples.js';
import { HEALTH_TIMEOUT_MS } from '../core/observe-health.js';
import { ensureRedis } from './redis-launcher.js';
import type { ChatTransport } from './transport.js';

export type Role = 'all' | 'gateway' | 'worker';

export interface BotOptions {
  config: Config;
  env: EnvSettings;
  log: Logger;
  /** gateway: chat in, replies out; worker: runs approved actions; all: both in one process. */
  role: Role;
  console?: { input: Readable; output: Writable; echo: boolean };
  clock?: Clock;
  /** Overrides config.redis.prefix, e.g. a unique one per test. */
  prefix?: string;
  lockRetryMs?: number;
  /** Where the config was read from: plan files are resolved next to it. */
  configPath?: string;
  /** false skips the IRC and Slack transports the config names (tests inject their own). */
  configuredChat?: boolean;
  /** Transports built by the caller (tests, embedders), run next to the configured ones. */
  transports?: ChatTransport[];
}

export interface Bot {
  /** Resolves when every input transport has ended (the console's stdin closed). */
  readonly inputEnded: Promise<void>;
  readonly deps: CommandDeps;
  settle(timeoutMs: number): Promise<boolean>;
  /** Where the status page, /metrics, /healthz and /readyz listen, when configured. */
  readonly opsPort: number | undefined;
  stop(): Promise<void>;
}

/** Renewed by a live holder every third of it; what a crashed holder (not its own replay) blocks others for. */
const LOCK_TTL_MS = 2 * 60_000;

/**
 * The composition root: the only place that knows every concrete implementation. It runs past
 * 300 lines because it is that one place; each part is built in its own create-* file.
 */
export async function startBot(options: BotOptions): Promise<Bot> {
  const { config, env, log, role } = options;
  const prefix = options.prefix ?? config.redis.prefix;
  const clock = options.clock ?? { now: () => Date.now() };
  const redis = await ensureRedis({ url: env.redisUrl, autostart: config.redis.autostart, stateDir: config.state_dir, log: (line) => log.info(line) });
  const onRedisError = (error: Error): void => log.warn({ err: error }, 'redis connection error');
  const client = createRedisConnection(redis.url, 'client', onRedisError);
  await client.ping();

  const inventories = new Map(Object.entries(config.services).map(([name, service]) => [name, new Inventory(name, service)]));

  const requests = new RedisRequestStore(client, prefix);
  const locks = new ServiceLocks(client, prefix);
  const transports: ChatTransport[] = role === 'worker' ? [] : [...(options.transports ?? [])];
  const consoleSettings = config.transports.console;
  if (role !== 'worker' && options.console !== undefined && consoleSettings?.enabled === true) {
    transports.push(
      new ConsoleTransport({ ...options.console, channel: consoleSettings.channel, speaker: consoleSettings.speaker, people: Object.keys(config.people), services: Object.keys(config.services) }),
    );
  }
  // IRC and Slack run side by side with the console, against the same queue and identities.
  const irc = config.transports.irc;
  if (role !== 'worker' && irc?.enabled === true && options.configuredChat !== false) {
    transports.push(createIrcTransport(irc, env, config, (level, message, details) => log[level]({ ...details, transport: 'irc' }, message)));
  }
  const slack = config.transports.slack;
  if (role !== 'worker' && slack?.enabled === true && options.configuredChat !== false) {
    transports.push(createSlackTransport(slack, env, config, (message, error) => log.warn({ err: error, transport: 'slack' }, message)));
  }
  const jobs = new JobSystem({
    prefix,
    transports: [...new Set([...configuredTransports(config), ...transports.map((transport) => transport.name)])],
    client,
    connectWorker: () => createRedisConnection(redis.url, 'worker', onRedisError),
    onError: (error) => log.error({ err: error }, 'queue worker error'),
    dryRun: config.dry_run,
  });
  const metrics = new BotMetrics(jobs, async () => (await Promise.all([...inventories.keys()].map((service) => requests.open(service)))).flat());
  const audit = new RedisAuditLog(client, prefix, clock, (entry) => metrics.observeAudit(entry.event));
  const observeAdapter: AdapterCallObserver = (...call) => metrics.observeAdapterCall(...call);
  const world = createSimulatedWorld(config, inventories, client, prefix);
  const unmeteredPooling = await createPooling({ config, env, client, prefix, inventories, world, log });
  const pooling = metered(unmeteredPooling, `conftool-${unmeteredPooling.kind}`, observeAdapter);
  const fleetKind = world === undefined ? 'production' : 'simulated';
  const fleets = new Map([...createFleets(config, env, inventories, pooling, world)].map(([service, fleet]) => [service, meteredFleet(fleet, fleetKind, observeAdapter)]));
  // Declared before the writer, filled right after: the writer needs the plans' analysis settings, the plans need the writer.
  let plans = new Map<string, PlanRunner>();
  const safety = createSafety({ config, inventories, client, prefix, pooling, fleets, clock, kick: (service) => jobs.kickGuard(service), planAnalysis: (service) => plans.get(service)?.analysisSettings() });
  const filer = new RequestFiler({ config, clock, requests, queue: jobs.actionQueue, audit });
  plans = await createPlanRunners({ config, configPath: options.configPath ?? DEFAULT_CONFIG_PATH, inventories, client, prefix, pooling, requests, filer, audit, clock, jobs, fleets, writer: safety.writer, proofs: safety.proofs });
  const guards = createGuards({ config, inventories, client, prefix, pooling, fleets, plans, safety, notifier: jobs.notifier, audit, clock });
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
  };

  if (role !== 'gateway') {
    const logError = (message: string, error?: unknown): void => log.error({ err: error }, message);
    jobs.startActionWorkers({
      action: createActionProcessor({
        requests,
        locks,
        audit,
        notifier: jobs.notifier,
        pooling,
        writer: safety.writer,
        inventories,
        clock,
        lockTtlMs: LOCK_TTL_MS,
        lockRetryMs: options.lockRetryMs ?? 2000,
        log: logError,
        observers: deps.observers ?? new Map(),
        onFinished: (kind, state, seconds, errorCode) => {
          metrics.requests.inc({ state });
          metrics.actionSeconds.observe({ kind }, seconds);
          if (errorCode !== undefined) metrics.adapterErrors.inc({ code: errorCode });
        },
        runPlanStep: async (action, request) => {
          const runner = plans.get(action.service);
          if (runner === undefined) throw new CutoverError('input.invalid', `${action.service} has no plan configured in this process.`);
          return runner.execute(action, request);
        },
      }),
      expiry: createExpiryProcessor({ requests, audit, notifier: jobs.notifier, clock }),
      planTick: async (plan, key) => {
        const runner = [...plans.values()].find((candidate) => candidate.planName === plan);
        await runner?.tick(key);
      },
    });
    // Every pooled worker is watched whoever pooled it; BullMQ hands each look to one process.
    await jobs.startGuard(guardIntervals, async (service) => (await guards.get(service)?.tick()) ?? 'ran');
    for (const runner of plans.values()) {
      for (const note of await runner.reconcile()) log.warn({ plan: runner.planName }, note);
    }
    const requeued = await requeueApproved(requests, jobs.actionQueue, Object.keys(config.services));
    if (requeued > 0) log.warn({ requeued }, 'approved requests from before a restart were queued again');
  }

  const dispatcher = createDispatcher({
    config,
    inventories,
    deps,
    onCommand: (command, outcome) => metrics.commands.inc({ command, outcome }),
    onUnexpectedError: (error, message) => log.error({ err: error, text: message.text }, 'command failed unexpectedly'),
  });
  const messages = new RequestMessages(client, prefix);
  const deliveries = new DeliveryGuard(client, prefix);
  // One chat being down at boot must not keep the others (or the console) from starting.
  const started = await Promise.allSettled(
    transports.map(async (transport) => {
      const gateway = new Gateway({ transport, dispatcher, messages, deliveries, log: (message, error) => log.error({ err: error }, message) });
      jobs.startDelivery(transport.name, (message) => gateway.deliver(message));
      await gateway.start();
    }),
  );
  started.forEach((outcome, index) => {
    if (outcome.status === 'rejected') log.error({ err: outcome.reason, transport: transports[index]?.name }, 'a chat transport failed to start; the others run');
  });

  // The status page's chart needs history, so samples are taken whether or not a page is open,
  // by the process that talks to people (a lone worker would double every sample).
  const samples = new HealthSampleStream(client, prefix);
  const sampler =
    config.ops_http === undefined || role === 'worker'
      ? undefined
      : new HealthSampler({
          services: [...inventories.values()].flatMap((inventory) => {
            const observer = deps.observers?.get(inventory.serviceName);
            return observer === undefined ? [] : [{ inventory, observer }];
          }),
          append: (sample) => samples.append(sample),
          clock,
          intervalMs: config.ops_http.sample_seconds * 1000,
          timeoutMs: HEALTH_TIMEOUT_MS,
          onError: (error) => log.warn({ err: error }, 'health sample failed'),
        });
  sampler?.start();
  // The gateway watches the workers' guards and soaks: a stalled worker cannot report itself.
  if (role !== 'worker') watches.watchdog.start();
  const ops =
    config.ops_http === undefined
      ? undefined
      : await startOpsServer({
          host: config.ops_http.host,
          port: config.ops_http.port,
          routes: createStatusRoutes({
            assets: await loadStatusPageAssets(),
            snapshot: () =>
              buildStatusSnapshot({
                inventories,
                pooling,
                plans,
                observers: deps.observers ?? new Map(),
                requests,
                locks,
                auditReader: audit,
                history: samples,
                watch: watches.view,
                clock,
              }),
          }),
          metrics: () => metrics.exposition(),
          readiness: async () => {
            const redisOk = await client.ping().then(() => true, () => false);
            const checks: Record<string, string> = { redis: redisOk ? 'ok' : 'unreachable' };
            for (const transport of transports) checks[transport.name] = transport instanceof IrcTransport ? transport.status().state : 'ok';
            return { ready: Object.values(checks).every((check) => check === 'ok' || check === 'registered'), checks };
          },
        });
  if (ops !== undefined) log.info({ port: ops.port }, 'ops endpoints on loopback: / (status page) /metrics /healthz /readyz');

  let stopping: Promise<void> | undefined;
  return {
    inputEnded: Promise.all(transports.map((transport) => transport.finished)).then(() => undefined),
    deps,
    settle: (timeoutMs) => jobs.settle(timeoutMs),
    opsPort: ops?.port,
    stop() {
      stopping ??= (async () => {
        await ops?.close();
        await sampler?.stop();
        await watches.watchdog.stop();
        await Promise.all(transports.map((transport) => transport.stop()));
        await jobs.close();
        await client.quit().catch(() => client.disconnect());
        await redis.stop();
      })();
      return stopping;
    },
  };
}

function definedOnly<T, U>(map: ReadonlyMap<string, T>, pick: (value: T) => U | undefined): Map<string, U> {
  const result = new Map<string, U>();
  for (const [key, value] of map) {
    const picked = pick(value);
    if (picked !== undefined) result.set(key, picked);
  }
  return result;
}

function configuredTransports(config: Config): string[] {
  return Object.entries(config.transports)
    .filter(([, settings]) => settings?.enabled === true)
    .map(([name]) => name);
}
