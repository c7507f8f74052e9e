import { percent, rate, show } from '../core/plan/analysis.js';
import type { ProbeTally, RealTrafficReport } from '../core/ports/real-traffic.js';

/** Failing workers named in one line; the rest are counted, so a line stays readable at 65 workers. */
const LISTED = 5;

/** One target's probes, e.g. "wikikube-worker1001 probes 0/3 (503 ×3)", or "… probes 3/3" when all succeeded. */
export function formatTally(name: string, tally: ProbeTally): string {
  return `${name} probes ${tally.ok}/${tally.total}${tally.failures.length === 0 ? '' : ` (${tally.failures.join(', ')})`}`;
}

/**
 * A report in one line, numbers only: each failing worker's probes, the VIP's, and the k8s 5xx
 * ratio and rate beside them, e.g.
 * `real requests fail on wikikube-worker1001 (probes 0/3: 503 ×3) · VIP 2/3 ok (503 ×1) · k8s 5xx 100.0% at 114 req/s`.
 * When no worker fails, their probes are summed: `probes 6/6 ok · VIP 3/3 ok · k8s 5xx 0.05% at 114 req/s`.
 */
export function summariseRealTraffic(report: RealTrafficReport): string {
  return [workersPart(report.workers), `VIP ${counted(report.vip)}`, k8sPart(report.k8s)].join(' · ');
}

function workersPart(workers: RealTrafficReport['workers']): string {
  if (workers.size === 0) return 'no worker probed';
  const failing = [...workers].filter(([, tally]) => tally.ok < tally.total);
  if (failing.length === 0) {
    const tallies = [...workers.values()];
    const sum = (pick: (tally: ProbeTally) => number): number => tallies.reduce((total, tally) => total + pick(tally), 0);
    return `probes ${sum((tally) => tally.ok)}/${sum((tally) => tally.total)} ok`;
  }
  const listed = failing.slice(0, LISTED).map(([fqdn, tally]) => `${shortName(fqdn)} (probes ${tally.ok}/${tally.total}: ${tally.failures.join(', ')})`);
  if (failing.length > LISTED) listed.push(`+${failing.length - LISTED} more`);
  return `real requests fail on ${listed.join(', ')}`;
}

function counted(tally: ProbeTally): string {
  return `${tally.ok}/${tally.total} ok${tally.failures.length === 0 ? '' : ` (${tally.failures.join(', ')})`}`;
}

function k8sPart(k8s: RealTrafficReport['k8s']): string {
  if (k8s.requestRate.kind === 'no-data') return `k8s: no data (${k8s.requestRate.reason})`;
  return `k8s 5xx ${show(k8s.errorRatio, percent)} at ${rate(k8s.requestRate.value)}`;
}

function shortName(fqdn: string): string {
  return fqdn.split('.')[0] ?? fqdn;
}
