import type { Redis } from 'ioredis';
import type { PlanEffects } from '../adapters/plan-effects.js';
import type { PoolObserver } from '../adapters/pool-observer.js';
import type { PoolingBackend } from '../adapters/pooling.js';
import { FleetState } from '../adapters/simulated/fleet-state.js';
import { SimulatedEffects } from '../adapters/simulated/simulated-effects.js';
import { SimulationFaults } from '../adapters/simulated/simulation-control.js';
import { simulationSettingsSchema } from '../adapters/simulated/simulation-settings.js';
import type { SimulationControl } from '../commands/ports.js';
import type { Config } from '../config/schema.js';
import type { Inventory } from '../core/inventory.js';

export interface Fleet {
  effects: PlanEffects | undefined;
  observer: PoolObserver | undefined;
  simulation: SimulationControl | undefined;
}

/**
 * What each service's world is made of besides conftool: the simulated fleet (effects, pybal and
 * metrics from one traffic model, fault injection), or, with a real conftool, whatever
 * production adapters the config names.
 */
export function createFleets(config: Config, inventories: ReadonlyMap<string, Inventory>, pooling: PoolingBackend, client: Redis, prefix: string): Map<string, Fleet> {
  const fleets = new Map<string, Fleet>();
  for (const [service, inventory] of inventories) {
    if (config.backends.pooling.kind !== 'simulated') {
      fleets.set(service, { effects: undefined, observer: undefined, simulation: undefined });
      continue;
    }
    const settings = config.backends.simulation ?? simulationSettingsSchema.parse({ cdn_from: inventory.lvsServiceNames[0] ?? service });
    const fleet = new FleetState(client, prefix, settings.faults);
    const effects = new SimulatedEffects({ inventory, pooling, fleet, settings });
    fleets.set(service, { effects, observer: effects, simulation: new SimulationFaults(fleet, inventory, pooling) });
  }
  return fleets;
}
