import type { PlanEffects } from '../core/ports/plan-effects.js';
import type { PoolObserver } from '../core/ports/pool-observer.js';
import type { PoolingBackend } from '../core/ports/pooling.js';
import type { RealTrafficProber } from '../core/ports/real-traffic.js';
import { SimulatedEffects } from '../adapters/simulated/simulated-effects.js';
import type { SimulatedWorld } from '../adapters/simulated/simulated-world.js';
import { SimulationFaults } from '../adapters/simulated/simulation-control.js';
import type { SimulationControl } from '../core/ports/simulation-control.js';
import type { Config } from '../config/schema.js';
import type { ServiceBackends } from '../config/service-backends.js';
import type { Inventory } from '../core/inventory.js';
import type { EnvSettings } from '../config/load.js';
import { createCommandRunner } from '../adapters/command-runner.js';
import { createHelmfileDeployer } from '../adapters/helm/helmfile-deployer.js';
import { prometheusClientsByDc } from '../adapters/metrics/clients-by-dc.js';
import { createHealthReader, dnsAddresses } from '../adapters/metrics/health-reader.js';
import { createNodeProber } from '../adapters/probes/node-prober.js';
import { ResolveMap } from '../adapters/probes/resolve-map.js';
import { ProductionEffects } from '../adapters/production/production-effects.js';
import { readHealth } from '../adapters/production/read-health.js';
import { createCuminPuppetRunner } from '../adapters/puppet/cumin-puppet-runner.js';
import { PybalView } from '../adapters/pybal/pybal-view.js';

export interface Fleet {
  effects: PlanEffects | undefined;
  /** Real requests to workers, for the guard and for proof; absent when probes are not configured. */
  prober: RealTrafficProber | undefined;
  observer: PoolObserver | undefined;
  simulation: SimulationControl | undefined;
}

/**
 * What each service's world is made of besides conftool: its simulated world (effects, pybal and
 * metrics from one traffic model, fault injection), or, with a real conftool, whatever
 * production adapters the service's backend settings name.
 */
export function createFleets(config: Config, env: EnvSettings, inventories: ReadonlyMap<string, Inventory>, pooling: PoolingBackend, world: SimulatedWorld | undefined): Map<string, Fleet> {
  const fleets = new Map<string, Fleet>();
  for (const [service, inventory] of inventories) {
    const backends = config.services[service]?.backends;
    if (backends === undefined) continue;
    const simulated = world?.service(service);
    if (simulated === undefined) {
      fleets.set(service, productionFleet(config, backends, inventory, env));
      continue;
    }
    const effects = new SimulatedEffects({ inventory, pooling, fleet: simulated.fleet, settings: simulated.settings });
    fleets.set(service, { effects, observer: effects, prober: effects, simulation: new SimulationFaults(simulated.fleet, inventory, pooling) });
  }
  return fleets;
}

/**
 * The real adapters, composed only when every one the plan needs is configured: a plan that
 * could pool workers but not probe them must not exist. pybal and metrics alone still give
 * status its side-by-side view.
 */
function productionFleet(config: Config, backends: ServiceBackends, inventory: Inventory, env: EnvSettings): Fleet {
  const { pybal, helm, puppet, metrics, production } = backends;
  // network.resolve: where host names connect, for the probes and pybal reads alike.
  const resolve = new ResolveMap(config.network.resolve);
  const pybalView = pybal === undefined ? undefined : new PybalView(pybal, { resolve });
  const healthReader = metrics === undefined ? undefined : createHealthReader(metrics, {
    clientFor: prometheusClientsByDc(metrics),
    // IPVS names real servers by address: the same map the probes use, then DNS (port 0 matches `*` entries only).
    resolveAddresses: async (fqdn) => resolve.addresses(fqdn, 0) ?? dnsAddresses(fqdn),
  });
  const sshEnv: Record<string, string> = env.sshAuthSock === undefined ? {} : { SSH_AUTH_SOCK: env.sshAuthSock };
  if (pybalView !== undefined && healthReader !== undefined && helm !== undefined && puppet !== undefined && production !== undefined) {
    const effects = new ProductionEffects({
      inventory,
      settings: production,
      puppet: createCuminPuppetRunner({ runner: createCommandRunner(puppet.host), settings: puppet, env: sshEnv, dryRun: config.dry_run }),
      helm: createHelmfileDeployer({ runner: createCommandRunner(helm.host), settings: helm, env: sshEnv, dryRun: config.dry_run }),
      prober: createNodeProber({ resolve }),
      pybal: pybalView,
      health: healthReader,
      cookbooks: createCommandRunner(puppet.host),
    });
    return { effects, observer: effects, prober: effects, simulation: undefined };
  }
  const observer: PoolObserver = {
    pybal: async (pool) => pybalView?.readPool(pool),
    confirmApplied: async (pool, fqdn, expected) => pybalView?.confirmApplied(pool, fqdn, expected),
    health: async ({ dc, lvsService }) => (healthReader === undefined ? undefined : readHealth({ reader: healthReader, inventory, window: production?.window ?? '5m' }, { dc, lvsService })),
  };
  return { effects: undefined, observer, prober: undefined, simulation: undefined };
}

