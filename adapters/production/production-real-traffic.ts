import type { Inventory } from '../../core/inventory.js';
import type { HealthReader } from '../metrics/health-reader.js';
import { tallyOf } from '../probe-tally.js';
import type { HttpProbeResult, Prober } from '../probes/prober.js';
import { failureLabel, probeVipPath } from '../probes/vip-path.js';
import type { RealTrafficProber, RealTrafficReport } from '../../core/ports/real-traffic.js';
import { parseRealTrafficRequest } from '../real-traffic-request.js';
import type { ProductionSettings } from './settings.js';
import { vipProbeRequest } from './vip-request.js';

export interface ProductionRealTrafficDeps {
  inventory: Inventory;
  settings: ProductionSettings;
  prober: Prober;
  health: Pick<HealthReader, 'groupHealth'>;
}

/**
 * Real requests for the tile, with the public Host and SNI and the expected names: `attempts`
 * through the VIP and `attempts` to each worker on its own address and the pool's port, at
 * most the VIP path probe's concurrency at a time, beside the k8s rate and 5xx from Prometheus.
 */
export class ProductionRealTraffic implements RealTrafficProber {
  constructor(private readonly deps: ProductionRealTrafficDeps) {}

  async probeWorkers(args: { dc: string; lvsService: string; workers: readonly string[]; attempts: number }): Promise<RealTrafficReport> {
    const { dc, lvsService, workers, attempts } = parseRealTrafficRequest(this.deps.inventory, args);
    const port = this.deps.inventory.lvsService(lvsService).port;
    const realServers = workers.flatMap((host) => Array.from({ length: attempts }, () => ({ host: host.fqdn, port, name: host.shortName })));
    // Settled, not raced: a Prometheus failure must not leave probes running behind the caller's back.
    const [probed, metrics] = await Promise.allSettled([
      probeVipPath(this.deps.prober, { ...vipProbeRequest(this.deps.settings, this.deps.inventory, dc, lvsService), vipAttempts: attempts, realServers }),
      this.deps.health.groupHealth({ dc, group: 'k8s', window: this.deps.settings.window, lvs_service: lvsService }),
    ]);
    if (probed.status === 'rejected') throw probed.reason;
    if (metrics.status === 'rejected') throw metrics.reason;
    const label = (result: HttpProbeResult): string => (result.ok ? 'ok' : failureLabel(result));
    const servers = probed.value.servers;
    return {
      dc,
      lvsService,
      vip: tallyOf(probed.value.vip.attempts.map(label)),
      workers: new Map(workers.map((host, index) => [host.fqdn, tallyOf(servers.slice(index * attempts, (index + 1) * attempts).map((server) => label(server.result)))])),
      k8s: { requestRate: metrics.value.requestRate, errorRatio: metrics.value.errorRatio },
    };
  }
}
