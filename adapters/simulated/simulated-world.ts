import type { Inventory } from '../../core/inventory.js';
import type { ConftoolPool, PoolFaults } from './fault-injecting-pooling.js';
import type { FleetState } from './fleet-state.js';
import type { SimulationSettings } from './simulation-settings.js';

/** One service's simulated world: its fleet state (features, releases, faults) and its settings. */
export interface ServiceWorld {
  inventory: Inventory;
  fleet: FleetState;
  settings: SimulationSettings;
}

/**
 * Every service's simulated world, built once: the plan's effects use a service's world, and the
 * simulated conftool finds the world of the service that owns a pool, so one FleetState per
 * service serves both and a fault set for one service never reaches another.
 */
export class SimulatedWorld {
  private readonly byPool = new Map<string, ServiceWorld>();

  constructor(private readonly worlds: ReadonlyMap<string, ServiceWorld>) {
    for (const world of worlds.values()) {
      for (const lvsService of world.inventory.lvsServiceNames) {
        const { cluster, service } = world.inventory.lvsService(lvsService).conftool;
        // The config refuses a conftool pool claimed by two services, so each key has one owner.
        this.byPool.set(poolKey({ cluster, conftoolService: service }), world);
      }
    }
  }

  service(name: string): ServiceWorld | undefined {
    return this.worlds.get(name);
  }

  /** The faults that apply to a conftool pool: its owner's; none for a pool no service declares. */
  faultsOf(pool: ConftoolPool): PoolFaults | undefined {
    const world = this.byPool.get(poolKey(pool));
    return world === undefined ? undefined : { fleet: world.fleet, timeoutMs: world.settings.adapter_timeout_ms, writeMs: world.settings.conftool_write_ms };
  }
}

function poolKey(pool: ConftoolPool): string {
  return `${pool.cluster}/${pool.conftoolService}`;
}
