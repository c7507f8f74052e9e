import type { Redis } from 'ioredis';
import { FleetState } from '../adapters/simulated/fleet-state.js';
import { SimulatedEffects } from '../adapters/simulated/simulated-effects.js';
import { simulationSettingsSchema } from '../adapters/simulated/simulation-settings.js';
import type { PoolingBackend } from '../adapters/pooling.js';
import { SimulationFaults } from '../adapters/simulated/simulation-control.js';
import type { AuditLog, Clock, RequestStore, SimulationControl } from '../commands/ports.js';
import { loadPlan } from '../config/load-plan.js';
import type { Config } from '../config/schema.js';
import { CutoverError } from '../core/errors.js';
import type { Inventory } from '../core/inventory.js';
import type { JobSystem } from '../jobs/job-system.js';
import { PlanRunner } from '../jobs/plan/plan-runner.js';
import { PlanStore } from '../jobs/plan/plan-store.js';

export interface PlanRunnersOptions {
  config: Config;
  configPath: string;
  inventories: ReadonlyMap<string, Inventory>;
  client: Redis;
  prefix: string;
  pooling: PoolingBackend;
  requests: RequestStore;
  audit: AuditLog;
  clock: Clock;
  jobs: JobSystem;
}

/** One runner per service that has a plan, each with the effects its backend provides. */
export async function createPlanRunners(options: PlanRunnersOptions): Promise<{ runners: Map<string, PlanRunner>; simulations: Map<string, SimulationControl> }> {
  const { config } = options;
  const runners = new Map<string, PlanRunner>();
  const simulations = new Map<string, SimulationControl>();
  for (const [service, reference] of Object.entries(config.plans)) {
    const inventory = options.inventories.get(service);
    if (inventory === undefined) throw new CutoverError('config.invalid', `plans.${service}: no such service`);
    const plan = await loadPlan(options.configPath, reference.file, reference.time_scale);
    if (config.backends.pooling.kind !== 'simulated') {
      throw new CutoverError('config.invalid', `plans.${service}: plan effects for production backends are wired in a later issue; use the simulated backend`);
    }
    const settings = config.backends.simulation ?? simulationSettingsSchema.parse({ cdn_from: inventory.lvsServiceNames[0] ?? service });
    const fleet = new FleetState(options.client, options.prefix, settings.faults);
    const effects = new SimulatedEffects({ inventory, pooling: options.pooling, fleet, settings });
    const runner = new PlanRunner({
      config,
      plan,
      inventory,
      store: new PlanStore(options.client, options.prefix),
      effects,
      pooling: options.pooling,
      requests: options.requests,
      queue: options.jobs.actionQueue,
      audit: options.audit,
      notifier: options.jobs.notifier,
      clock: options.clock,
      scheduleTick: (name, delayMs, key) => options.jobs.scheduleTick(name, delayMs, key),
    });
    runners.set(service, runner);
    simulations.set(service, new SimulationFaults(fleet, inventory, options.pooling));
  }
  return { runners, simulations };
}
