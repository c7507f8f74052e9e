import type { Redis } from 'ioredis';
import type { ChangeRecorder } from '../core/ports/change-records.js';
import type { PoolingBackend } from '../core/ports/pooling.js';
import type { AuditLog, Clock, RequestFiling, RequestStore } from '../core/ports/stores.js';
import { loadPlan } from '../config/load-plan.js';
import type { Config } from '../config/schema.js';
import { CutoverError } from '../core/errors.js';
import type { Inventory } from '../core/inventory.js';
import type { JobSystem } from '../jobs/job-system.js';
import type { Fleet } from './create-fleet.js';
import { PlanRunner } from '../jobs/plan/plan-runner.js';
import { PlanStore } from '../jobs/plan/plan-store.js';
import type { PoolWriter } from '../jobs/pool-writer.js';
import type { WorkerProofs } from '../jobs/guard/worker-proofs.js';
import type { FenceScope } from '../jobs/fence-scope.js';
import { fencedEffects } from './fenced-effects.js';
import type { IntegrationHealth } from '../jobs/integration-health.js';
import { observedAlertmanager } from './create-integrations.js';

export interface PlanRunnersOptions {
  config: Config;
  configPath: string;
  inventories: ReadonlyMap<string, Inventory>;
  client: Redis;
  prefix: string;
  pooling: PoolingBackend;
  requests: RequestStore;
  filer: RequestFiling;
  audit: AuditLog;
  clock: Clock;
  jobs: JobSystem;
  fleets: ReadonlyMap<string, Fleet>;
  writer: PoolWriter;
  proofs: WorkerProofs;
  /** Phabricator comments and Grafana annotations of each step, when configured. */
  records?: ChangeRecorder | undefined;
  /** The fence of the work under way: a step taken over by another worker changes nothing more. */
  fences: FenceScope;
  /** Where status learns whether each service's Alertmanager answers. */
  integrations?: IntegrationHealth;
}

/** One runner per service that has a plan, each with the effects its backend provides. */
export async function createPlanRunners(options: PlanRunnersOptions): Promise<Map<string, PlanRunner>> {
  const { config } = options;
  const runners = new Map<string, PlanRunner>();
  for (const [service, reference] of Object.entries(config.plans)) {
    const inventory = options.inventories.get(service);
    if (inventory === undefined) throw new CutoverError('config.invalid', `plans.${service}: no such service`);
    const plan = await loadPlan(options.configPath, reference.file, reference.time_scale);
    const effects = options.fleets.get(service)?.effects;
    if (effects === undefined) {
      throw new CutoverError('config.invalid', `plans.${service}: the plan needs pybal, puppet, helm, metrics and production backends; configure them under backends (every service's) or services.${service}.backends`);
    }
    // The service's own Alertmanager, when configured: its firing alerts hold the plan (jobs/plan/plan-context.ts).
    const alertmanager = config.services[service]?.backends.alertmanager;
    const runner = new PlanRunner({
      ...(alertmanager === undefined ? {} : { alerts: observedAlertmanager(alertmanager, options.clock, options.integrations) }),
      ...(options.records === undefined ? {} : { records: options.records }),
      config,
      plan,
      inventory,
      store: new PlanStore(options.client, options.prefix, options.fences),
      effects: fencedEffects(effects, options.fences),
      pooling: options.pooling,
      writer: options.writer,
      proofs: options.proofs,
      requests: options.requests,
      filer: options.filer,
      audit: options.audit,
      notifier: options.jobs.notifier,
      clock: options.clock,
      scheduleTick: (name, delayMs, key) => options.jobs.scheduleTick(name, delayMs, key),
    });
    runners.set(service, runner);
  }
  return runners;
}
