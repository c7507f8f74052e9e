import type { Inventory } from '../../core/inventory.js';
import type { PoolingBackend } from '../../core/ports/pooling.js';
import type { SimulatedHost } from './fleet-model.js';
import type { FleetState } from './fleet-state.js';
import type { SimulationSettings } from './simulation-settings.js';

export interface FleetViewOptions {
  inventory: Inventory;
  pooling: Pick<PoolingBackend, 'listPool'>;
  fleet: FleetState;
  settings: SimulationSettings;
}

/**
 * Where the simulated world stands, read from conftool and the fleet state: every simulated
 * adapter answers from these same reads, so checks, probes and metrics never disagree.
 */
export class FleetView {
  constructor(private readonly options: FleetViewOptions) {}

  /** Every host that may be a member of the pool, with its conftool state (undefined: no object). */
  async hosts(dc: string, lvsService: string): Promise<SimulatedHost[]> {
    const entries = await this.options.pooling.listPool(this.options.inventory.pool(lvsService, dc));
    const states = new Map(entries.map((entry) => [entry.fqdn, entry.state]));
    return this.options.inventory.members(lvsService, dc).map((host) => ({
      fqdn: host.fqdn,
      group: host.kind === 'k8s-worker' ? 'k8s' : 'bare-metal',
      state: states.get(host.fqdn),
    }));
  }

  async portOpen(dc: string, group: string, port: number): Promise<boolean> {
    if (this.options.settings.open_ports[group]?.includes(port) === true) return true;
    const applied = await this.options.fleet.features(dc);
    return applied.some((name) => {
      const opens = this.options.settings.features[name]?.opens;
      return opens?.group === group && opens.port === port;
    });
  }

  /** Whether pybal serves the LVS service on the VIP yet. */
  async lvsLive(dc: string, lvsService: string): Promise<boolean> {
    const declared = Object.values(this.options.settings.features).some((feature) => feature.lvs_service === lvsService);
    if (!declared) return true; // Services the simulation does not roll out exist from the start.
    const applied = await this.options.fleet.features(dc);
    return applied.some((name) => this.options.settings.features[name]?.lvs_service === lvsService);
  }

  /** The LVS service the CDN fetches from in this DC. */
  async cdnTarget(dc: string): Promise<string> {
    const applied = await this.options.fleet.features(dc);
    const moved = applied.map((name) => this.options.settings.features[name]?.cdn_to).find((target) => target !== undefined);
    return moved ?? this.options.settings.cdn_from;
  }
}
