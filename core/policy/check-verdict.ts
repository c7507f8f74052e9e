import { percent, rate, show, type Reading } from '../plan/analysis.js';
import type { CheckVerdict } from './worker-proof.js';

export interface WorkerTally {
  ok: number;
  total: number;
  failures: readonly string[];
}

export interface WorkerCheckInput {
  fqdn: string;
  /** Requests sent to this worker on its own address with the public Host and SNI. */
  tally: WorkerTally | undefined;
  vip: WorkerTally;
  k8s: { requestRate: Reading; errorRatio: Reading };
  /** Below this many req/s on k8s, passing probes prove nothing about real traffic. */
  minRequestRate: number;
}

/**
 * One worker's verdict from one round of real requests, with the numbers that justify it. A
 * failed request is failing; passing probes without real traffic behind them are inconclusive,
 * never a pass.
 */
/** The VIP's share of one round of real requests: the same for every worker of the pool. */
export function describeVip(vip: WorkerTally): string {
  return `VIP ${vip.ok}/${vip.total} ok${vip.failures.length > 0 ? ` (${vip.failures.join(', ')})` : ''}`;
}

/** k8s beside the round: its 5xx ratio and request rate. */
export function describeK8s(k8s: WorkerCheckInput['k8s']): string {
  return `k8s 5xx ${show(k8s.errorRatio, percent)} at ${show(k8s.requestRate, rate)}`;
}

export function judgeWorkerCheck(input: WorkerCheckInput): { verdict: CheckVerdict; summary: string; headline: string } {
  const name = input.fqdn.split('.')[0] ?? input.fqdn;
  const { tally } = input;
  const k8s = describeK8s(input.k8s);
  const vip = describeVip(input.vip);
  if (tally === undefined || tally.total === 0) return { verdict: 'inconclusive', summary: `${name}: not probed · ${vip} · ${k8s}`, headline: 'not probed' };
  const probes = `probes ${tally.ok}/${tally.total}${tally.failures.length > 0 ? ` (${tally.failures.join(', ')})` : ''}`;
  if (tally.ok < tally.total) return { verdict: 'failing', summary: `${name} fails real requests: ${probes} · ${vip} · ${k8s}`, headline: probes };
  const traffic = input.k8s.requestRate;
  if (traffic.kind === 'no-data' || traffic.value < input.minRequestRate) {
    const floor = `k8s traffic ${show(traffic, rate)} under the floor of ${input.minRequestRate} req/s`;
    return { verdict: 'inconclusive', summary: `${name}: ${probes}, but k8s traffic ${show(traffic, rate)} is under the floor of ${input.minRequestRate} req/s · ${k8s}`, headline: floor };
  }
  return { verdict: 'serving', summary: `${name} serves real requests: ${probes} · ${vip} · ${k8s}`, headline: probes };
}
