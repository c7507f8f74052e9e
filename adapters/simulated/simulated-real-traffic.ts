import type { Inventory } from '../../core/inventory.js';
import type { PlanEffects } from '../../core/ports/plan-effects.js';
import { tallyOf } from '../probe-tally.js';
import type { RealTrafficProber, RealTrafficReport } from '../../core/ports/real-traffic.js';
import { parseRealTrafficRequest } from '../real-traffic-request.js';
import { realRequestFailure, vipOutcomes } from './fleet-model.js';
import type { FleetState } from './fleet-state.js';
import type { FleetView } from './fleet-view.js';
import type { SimulationSettings } from './simulation-settings.js';

export interface SimulatedRealTrafficOptions {
  inventory: Inventory;
  fleet: Pick<FleetState, 'faults'>;
  view: Pick<FleetView, 'hosts' | 'lvsLive'>;
  settings: Pick<SimulationSettings, 'adapter_timeout_ms'>;
  /** The k8s numbers come from the same traffic model as every other simulated metric. */
  metrics: Pick<PlanEffects, 'health'>;
  sleep: (ms: number) => Promise<void>;
}

/**
 * Real requests in the simulated fleet, answered the way production's would be: a broken host
 * answers 503 on its own IP, a host whose certificate lacks the public name fails the name check
 * (`names`, as the prober calls it), and the VIP fails in proportion to the traffic share such
 * hosts take. Workers are probed whether pooled or not, as production probes their own IPs.
 */
export class SimulatedRealTraffic implements RealTrafficProber {
  constructor(private readonly options: SimulatedRealTrafficOptions) {}

  async probeWorkers(args: { dc: string; lvsService: string; workers: readonly string[]; attempts: number }): Promise<RealTrafficReport> {
    const { dc, lvsService, workers, attempts } = parseRealTrafficRequest(this.options.inventory, args);
    const health = await this.options.metrics.health({ dc, lvsService });
    const faults = await this.options.fleet.faults();
    const k8s = { requestRate: health.k8s.requestRate, errorRatio: health.k8s.errorRatio };
    const times = (outcome: string): string[] => Array.from({ length: attempts }, () => outcome);
    if (faults.hanging.includes('probes')) {
      // The production prober turns a target that never answers into timeouts, not an error.
      await this.options.sleep(this.options.settings.adapter_timeout_ms);
      const timedOut = tallyOf(times('timeout'));
      return { dc, lvsService, vip: timedOut, workers: new Map(workers.map((host) => [host.fqdn, timedOut])), k8s };
    }
    // Before the LVS step pybal has no such service: the VIP refuses the connection.
    const vipAnswers = (await this.options.view.lvsLive(dc, lvsService)) ? vipOutcomes(await this.options.view.hosts(dc, lvsService), faults, attempts) : times('refused');
    return {
      dc,
      lvsService,
      vip: tallyOf(vipAnswers),
      workers: new Map(workers.map((host) => [host.fqdn, tallyOf(times(realRequestFailure(host.fqdn, faults) ?? 'ok'))])),
      k8s,
    };
  }
}
