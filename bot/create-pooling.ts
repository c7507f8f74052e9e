import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createPoolingBackend } from '../adapters/conftool/create-pooling-backend.js';
import { DryRunPooling } from '../adapters/conftool/dry-run-pooling.js';
import type { PoolingBackend } from '../core/ports/pooling.js';
import { FaultInjectingPooling } from '../adapters/simulated/fault-injecting-pooling.js';
import { seedEntries } from '../adapters/simulated/seed-entries.js';
import { SimulatedPooling } from '../adapters/simulated/simulated-pooling.js';
import type { SimulatedWorld } from '../adapters/simulated/simulated-world.js';
import type { EnvSettings } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { Inventory } from '../core/inventory.js';

export interface PoolingOptions {
  config: Config;
  env: EnvSettings;
  client: Redis;
  prefix: string;
  inventories: ReadonlyMap<string, Inventory>;
  /** The services' simulated worlds when conftool is simulated: each pool answers with its owner's faults. */
  world: SimulatedWorld | undefined;
  log: Logger;
}

/** The simulated fleet seeds itself from the config; real conftool is only ever read and CAS-written. */
export async function createPooling(options: PoolingOptions): Promise<PoolingBackend> {
  const { config, env, world, log } = options;
  const settings = config.backends.pooling;
  if (settings.kind !== 'simulated') return createPoolingBackend(settings, { ...(env.etcdPassword === undefined ? {} : { password: env.etcdPassword }), dryRun: config.dry_run });
  // A programming error, not a config one: createSimulatedWorld builds a world whenever conftool is simulated.
  if (world === undefined) throw new Error('simulated conftool without a simulated world');
  const simulated = new SimulatedPooling(options.client, options.prefix);
  const seeded = await simulated.seed(seedEntries(config.backends.pooling, options.inventories));
  if (seeded > 0) log.info({ seeded }, 'simulated fleet seeded from config');
  const faulty = new FaultInjectingPooling(simulated, (pool) => world.faultsOf(pool));
  return config.dry_run ? new DryRunPooling(faulty) : faulty;
}
