import * as z from 'zod';
import type { PoolState } from '../../core/pool-state.js';

/**
 * Faults a service's simulated fleet can be told to have, from config or from `!<service> simulate`.
 * Each one reproduces a way this migration has failed or could fail in production.
 */
export const fleetFaultsSchema = z.strictObject({
  /** Hosts that pass pybal's TCP/ProxyFetch checks but fail real requests (the 2025-02-17 incident). */
  broken_hosts: z.array(z.string()).default([]),
  /**
   * Hosts whose TLS certificate lacks the public name (the 2025-02-19 incident): TCP is accepted and
   * pybal's checks pass, since pybal never verifies names, but every real request fails the name check.
   */
  wrong_cert_hosts: z.array(z.string()).default([]),
  /** p99 of the k8s group rises to `p99_seconds` once k8s carries more than `share_above` of the traffic. */
  slow_under_load: z.strictObject({ share_above: z.number().min(0).max(1), p99_seconds: z.number().positive() }).optional(),
  /** Adapters that never answer (each call hangs until its timeout). */
  hanging: z.array(z.enum(['pooling', 'pybal', 'helm', 'puppet', 'probes', 'metrics'])).default([]),
  /** Prometheus has no series at all. */
  no_metrics: z.boolean().default(false),
  /** Someone outside the bot repools a host (a k8s cookbook), seconds after the fault is set. */
  rogue_repool: z.strictObject({ host: z.string(), lvs_service: z.string(), after_seconds: z.number().min(0) }).optional(),
});
export type FleetFaults = z.infer<typeof fleetFaultsSchema>;

export interface SimulatedHost {
  fqdn: string;
  group: 'bare-metal' | 'k8s';
  state: PoolState | undefined;
}

export interface TrafficModel {
  /** Requests per second arriving at this LVS service in this DC. */
  requestsPerSecond: number;
  /** Healthy p99 of each group, in seconds. */
  baseP99Seconds: Readonly<Record<SimulatedHost['group'], number>>;
  /** Errors a healthy group returns anyway. */
  baseErrorRatio: number;
}

export interface GroupHealth {
  /** Share of this pool's traffic the group receives, 0..1. */
  share: number;
  requestRate: number;
  errorRatio: number;
  p99Seconds: number;
}

/**
 * How traffic splits in an LVS pool the way pybal programs ipvs: every pooled=yes host that
 * passes health checks gets a share proportional to its weight. A broken host still passes the
 * checks (pybal never requests through the VIP), so it keeps its share and fails it.
 */
export function trafficShares(hosts: readonly SimulatedHost[]): Map<string, number> {
  const serving = hosts.filter((host) => host.state?.pooled === 'yes' && host.state.weight > 0);
  const total = serving.reduce((sum, host) => sum + (host.state?.weight ?? 0), 0);
  return new Map(serving.map((host) => [host.fqdn, total === 0 ? 0 : (host.state?.weight ?? 0) / total]));
}

export function groupHealth(
  hosts: readonly SimulatedHost[],
  group: SimulatedHost['group'],
  faults: FleetFaults,
  traffic: TrafficModel,
): GroupHealth {
  const shares = trafficShares(hosts);
  const members = hosts.filter((host) => host.group === group);
  const share = members.reduce((sum, host) => sum + (shares.get(host.fqdn) ?? 0), 0);
  // The CDN sees a failed name check as a 5xx from its backend, exactly like a 503.
  const brokenShare = members
    .filter((host) => !servesRealRequests(host.fqdn, faults))
    .reduce((sum, host) => sum + (shares.get(host.fqdn) ?? 0), 0);
  const errorRatio = share === 0 ? 0 : Math.min(1, traffic.baseErrorRatio + brokenShare / share);
  const slow = group === 'k8s' && faults.slow_under_load !== undefined && share > faults.slow_under_load.share_above;
  return {
    share,
    requestRate: share * traffic.requestsPerSecond,
    errorRatio,
    p99Seconds: slow && faults.slow_under_load !== undefined ? faults.slow_under_load.p99_seconds : traffic.baseP99Seconds[group],
  };
}

/** Whether a real request to this host succeeds: what a probe through the VIP path would see. */
export function servesRealRequests(fqdn: string, faults: FleetFaults): boolean {
  return realRequestFailure(fqdn, faults) === undefined;
}

/**
 * What a real request to this host gets, in the prober's words (`failureLabel`): a broken host
 * answers 503, a certificate without the public name fails the name check (`names`).
 */
export function realRequestFailure(fqdn: string, faults: FleetFaults): '503' | 'names' | undefined {
  if (faults.broken_hosts.includes(fqdn)) return '503';
  if (faults.wrong_cert_hosts.includes(fqdn)) return 'names';
  return undefined;
}

/**
 * What `attempts` requests through the VIP get: ipvs spreads them by weight, so each kind of
 * failure takes its traffic share of them. Rounded cumulatively, so the counts always add up
 * to `attempts` and the same pool always gives the same answer.
 */
export function vipOutcomes(hosts: readonly SimulatedHost[], faults: FleetFaults, attempts: number): string[] {
  const shares = trafficShares(hosts);
  const shareOf = (label: string): number =>
    [...shares].filter(([fqdn]) => realRequestFailure(fqdn, faults) === label).reduce((sum, [, share]) => sum + share, 0);
  const served = [...shares.values()].reduce((sum, share) => sum + share, 0);
  // No host with weight: ipvs has no destination and answers with a port-unreachable.
  if (served === 0) return Array.from({ length: attempts }, () => 'refused');
  const outcomes: string[] = [];
  let cumulative = 0;
  for (const label of ['503', 'names']) {
    cumulative += shareOf(label);
    const count = Math.round(attempts * cumulative) - outcomes.length;
    outcomes.push(...Array.from({ length: count }, () => label));
  }
  return [...outcomes, ...Array.from({ length: attempts - outcomes.length }, () => 'ok')];
}
