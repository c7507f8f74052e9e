import type { Redis } from 'ioredis';
import { FleetState } from '../adapters/simulated/fleet-state.js';
import { SimulatedWorld, type ServiceWorld } from '../adapters/simulated/simulated-world.js';
import type { Config } from '../config/schema.js';
import type { Inventory } from '../core/inventory.js';

/**
 * The simulated world, built once when conftool is simulated: one FleetState per service, under
 * that service's keys in Redis, shared by the pooling fault injection and the plan's effects.
 */
export function createSimulatedWorld(config: Config, inventories: ReadonlyMap<string, Inventory>, client: Redis, prefix: string): SimulatedWorld | undefined {
  if (config.backends.pooling.kind !== 'simulated') return undefined;
  const worlds = new Map<string, ServiceWorld>();
  for (const [service, inventory] of inventories) {
    const settings = config.services[service]?.backends.simulation;
    if (settings === undefined) continue;
    worlds.set(service, { inventory, settings, fleet: new FleetState(client, prefix, service, settings.faults) });
  }
  return new SimulatedWorld(worlds);
}
