import type { Inventory } from '../../core/inventory.js';
import type { HealthReader } from '../metrics/health-reader.js';
import type { HealthSnapshot } from '../../core/ports/plan-effects.js';
import type { Prober } from '../probes/prober.js';
import { noBaseline, type Baseline } from '../../core/plan/baseline.js';
import type { Recent } from './recent.js';
import { probeBareMetal } from './bare-metal-baseline.js';
import type { ProductionSettings } from './settings.js';

/**
 * One LVS service in one DC as production can see it: k8s from envoy, bare metal from the bot's
 * own probe sample, k8s's share from IPVS connections to the DC's workers, and the CDN's view.
 */
export async function readHealth(
  deps: { reader: HealthReader; inventory: Inventory; window: string; probes?: { settings: ProductionSettings; prober: Prober }; recent?: Recent<Baseline> },
  args: { dc: string; lvsService: string },
): Promise<HealthSnapshot> {
  const { reader, inventory, window, probes } = deps;
  const { dc, lvsService } = args;
  const workers = inventory.members(lvsService, dc).filter((host) => host.kind === 'k8s-worker').map((host) => host.fqdn);
  const [k8s, baseline, service] = await Promise.all([
    reader.groupHealth({ dc, group: 'k8s', window, lvs_service: lvsService }),
    probes === undefined
      ? noBaseline('bare metal is not probed without backends.production.probes')
      : sample(deps.recent, `${dc}/${lvsService}`, () => probeBareMetal({ inventory, ...probes }, { dc, lvsService })),
    reader.serviceHealth({ dc, window, lvs_service: lvsService, port: inventory.lvsService(lvsService).port, workers }),
  ]);
  return {
    k8s: { errorRatio: k8s.errorRatio, p99Seconds: k8s.p99Seconds, requestRate: k8s.requestRate },
    baseline,
    k8sShare: service.k8sTrafficShare,
    cdn: service.cdn,
  };
}

function sample(recent: Recent<Baseline> | undefined, key: string, load: () => Promise<Baseline>): Promise<Baseline> {
  return recent === undefined ? load() : recent.get(key, load);
}
