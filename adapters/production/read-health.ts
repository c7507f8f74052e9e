import type { HealthReader } from '../metrics/health-reader.js';
import type { HealthSnapshot } from '../../core/ports/plan-effects.js';

/** k8s beside bare metal, and k8s's share of the traffic, for one LVS service in one DC. */
export async function readHealth(reader: HealthReader, args: { dc: string; lvsService: string; window: string }): Promise<HealthSnapshot> {
  const { dc, lvsService, window } = args;
  const [k8s, baseline, service] = await Promise.all([
    reader.groupHealth({ dc, group: 'k8s', window, lvs_service: lvsService }),
    reader.groupHealth({ dc, group: 'bare-metal', window, lvs_service: lvsService }),
    reader.serviceHealth({ dc, window, lvs_service: lvsService }),
  ]);
  return {
    k8s: { errorRatio: k8s.errorRatio, p99Seconds: k8s.p99Seconds, requestRate: k8s.requestRate },
    baseline: { errorRatio: baseline.errorRatio, p99Seconds: baseline.p99Seconds, requestRate: baseline.requestRate },
    k8sShare: service.k8sTrafficShare,
  };
}
