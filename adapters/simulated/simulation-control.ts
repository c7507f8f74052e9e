import { conftoolPath } from '../../core/actions.js';
import { CutoverError } from '../../core/errors.js';
import type { Inventory } from '../../core/inventory.js';
import type { PoolingBackend } from '../../core/ports/pooling.js';
import { fleetFaultsSchema, type FleetFaults } from './fleet-model.js';
import type { FleetState } from './fleet-state.js';

const ADAPTERS = fleetFaultsSchema.shape.hanging.unwrap().element.options;

/**
 * `!<service> simulate …`: the faults a rehearsal needs, set at run time. It satisfies the
 * commands' SimulationControl port structurally, since adapters never import from commands/.
 */
export class SimulationFaults {
  constructor(
    private readonly fleet: FleetState,
    private readonly inventory: Inventory,
    private readonly pooling: PoolingBackend,
  ) {}

  async show(): Promise<string> {
    return `simulated faults: ${describe(await this.fleet.faults())}`;
  }

  async clear(): Promise<string> {
    await this.fleet.setFaults(fleetFaultsSchema.parse({}));
    return 'simulated faults cleared: the fleet is healthy.';
  }

  async breakHosts(fqdns: readonly string[]): Promise<string> {
    return this.change((faults) => ({ ...faults, broken_hosts: [...new Set([...faults.broken_hosts, ...fqdns])] }));
  }

  /** Certificates without the public name: TCP and pybal's checks pass, every real request fails the name check. */
  async wrongCert(fqdns: readonly string[]): Promise<string> {
    return this.change((faults) => ({ ...faults, wrong_cert_hosts: [...new Set([...faults.wrong_cert_hosts, ...fqdns])] }));
  }

  async slowUnderLoad(shareAbove: number, p99Seconds: number): Promise<string> {
    return this.change((faults) => ({ ...faults, slow_under_load: { share_above: shareAbove, p99_seconds: p99Seconds } }));
  }

  async noMetrics(on: boolean): Promise<string> {
    return this.change((faults) => ({ ...faults, no_metrics: on }));
  }

  async hang(adapter: string): Promise<string> {
    const known = ADAPTERS.find((name) => name === adapter);
    if (known === undefined) throw new CutoverError('input.invalid', `Unknown adapter "${adapter}"; one of ${ADAPTERS.join(', ')}.`);
    return this.change((faults) => ({ ...faults, hanging: [...new Set([...faults.hanging, known])] }));
  }

  async outsideRepool(fqdn: string, lvsService: string): Promise<string> {
    const host = this.inventory.resolveHost(fqdn);
    const path = conftoolPath(this.inventory.choosePool(host, lvsService), host.fqdn);
    const current = await this.pooling.get(path);
    if (current === undefined) throw new CutoverError('input.invalid', `${path} does not exist.`);
    await this.pooling.compareAndSet(path, { pooled: 'yes', weight: current.state.weight > 0 ? current.state.weight : 10 }, current.revision, current.extra);
    return `simulated: someone outside cutover set ${path} to pooled=yes (a cookbook, say).`;
  }

  private async change(edit: (faults: FleetFaults) => FleetFaults): Promise<string> {
    const next = edit(await this.fleet.faults());
    await this.fleet.setFaults(next);
    return `simulated faults now: ${describe(next)}`;
  }
}

function describe(faults: FleetFaults): string {
  const parts = [
    faults.broken_hosts.length > 0 ? `broken (pass checks, fail real requests): ${faults.broken_hosts.map((fqdn) => fqdn.split('.')[0]).join(', ')}` : '',
    faults.wrong_cert_hosts.length > 0 ? `certificate lacks the public name (pass checks, fail real requests): ${faults.wrong_cert_hosts.map((fqdn) => fqdn.split('.')[0]).join(', ')}` : '',
    faults.slow_under_load === undefined ? '' : `k8s p99 ${faults.slow_under_load.p99_seconds}s above ${Math.round(faults.slow_under_load.share_above * 100)}% share`,
    faults.no_metrics ? 'no metrics' : '',
    faults.hanging.length > 0 ? `hanging: ${faults.hanging.join(', ')}` : '',
  ].filter((part) => part !== '');
  return parts.length === 0 ? 'none' : parts.join(' · ');
}
