import type { CheckOutcome } from '../core/ports/plan-effects.js';
import type { RealTrafficReport } from '../core/ports/real-traffic.js';
import { summariseRealTraffic } from './real-traffic-summary.js';

const LISTED = 5;

/**
 * The `real-traffic` check's verdict on a report. Any failed request fails it. Otherwise only
 * traffic actually reaching k8s proves the workers serve users, so no metrics, no traffic, or
 * traffic under the plan's floor is inconclusive: the plan pauses and asks people.
 */
export function realTrafficOutcome(report: RealTrafficReport, options: { minRequestRate?: number } = {}): CheckOutcome {
  const summary = summariseRealTraffic(report);
  const tallies = [report.vip, ...report.workers.values()];
  if (report.workers.size === 0 || tallies.some((tally) => tally.ok < tally.total)) return { ok: false, summary };
  const names = shortNames([...report.workers.keys()]);
  const requestRate = report.k8s.requestRate;
  const floor = options.minRequestRate ?? 0;
  if (requestRate.kind === 'no-data') return { ok: false, inconclusive: true, summary: `${names}: ${summary}; no metrics to confirm real traffic` };
  if (requestRate.value <= 0) return { ok: false, inconclusive: true, summary: `${names}: ${summary}; k8s receives no traffic yet` };
  if (requestRate.value < floor) return { ok: false, inconclusive: true, summary: `${names}: ${summary}; k8s traffic is under the floor of ${floor} req/s` };
  return { ok: true, summary: `${names} served real requests via the VIP: ${summary}` };
}

function shortNames(fqdns: readonly string[]): string {
  const names = fqdns.slice(0, LISTED).map((fqdn) => fqdn.split('.')[0] ?? fqdn);
  return fqdns.length > LISTED ? `${names.join(', ')} +${fqdns.length - LISTED} more` : names.join(', ');
}
