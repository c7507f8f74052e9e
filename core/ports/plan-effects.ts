import type { Check } from '../plan/plan-schema.js';
import type { GroupReadings, Reading } from '../plan/analysis.js';
import type { Baseline } from '../plan/baseline.js';

export interface CheckOutcome {
  ok: boolean;
  /** One line for the channel, with the numbers. */
  summary: string;
  /** Neither proved nor disproved (no data, too little traffic): pause and ask people. */
  inconclusive?: boolean;
}

/**
 * Health as production can measure it (../shared/reference/production-metrics.md): k8s from the
 * envoy sidecar, bare metal only from the bot's own probe sample (its requests reach no
 * Prometheus), the share from IPVS connections on the DC's LVS hosts, and the CDN's view of the
 * whole service.
 */
export interface HealthSnapshot {
  k8s: GroupReadings;
  baseline: Baseline;
  /** Share of the LVS service's connections in this DC that go to k8s workers (IPVS). */
  k8sShare: Reading;
  /** What the CDN got from the discovery name: every DC and both groups together. */
  cdn: GroupReadings;
}

export interface CheckContext {
  dc: string;
  /** Hosts per group currently pooled=yes in the step's LVS service, for probes of real servers. */
  pooled: ReadonlyMap<string, readonly string[]>;
  /** The step's analysis floor (req/s on k8s): less proves nothing. Absent: any traffic counts. */
  minRequestRate?: number;
  /** Plan seconds as milliseconds of this run (a rehearsal's time_scale), for checks that wait. */
  planMs?: (seconds: number) => number;
}

/**
 * What `helmfile -e ENV diff` showed, read-only: the channel's line and the whole diff. A helm
 * step's request carries it, and its approval is bound to it (jobs/plan/helm-diff-binding.ts).
 */
export interface HelmDiffOutcome extends CheckOutcome {
  /** False: the release already is what the chart renders, and an apply changes nothing. */
  changed: boolean;
  /** The whole diff, credentials redacted as the deployer does; a dry run's is the command it would run. */
  text: string;
}

/**
 * What the migration plan needs from the world besides conftool: puppet runs, the LVS
 * service rollout, helm, and checks that prove each step with real requests and metrics.
 * Production composes the real adapters; the simulated fleet implements the same.
 */
export interface PlanEffects {
  readonly kind: string;
  /** The exact commands a step would run, for `--dry-run` and for the approver. */
  describePuppet(args: { selector: string; batchSize: number; applies: string }): string[];
  runPuppet(args: { dc: string; selector: string; batchSize: number; applies: string; reason: string }): Promise<CheckOutcome>;
  describeLvsService(args: { dc: string; lvsService: string; applies: string }): string[];
  /** Puppet on the secondary LVS, pybal restart there, then the primary: one at a time. */
  applyLvsService(args: { dc: string; lvsService: string; applies: string; reason: string }): Promise<CheckOutcome>;
  describeHelm(args: { env: string }): string[];
  helmDiff(args: { env: string }): Promise<HelmDiffOutcome>;
  helmApply(args: { env: string; reason: string }): Promise<CheckOutcome>;
  runCheck(check: Check, context: CheckContext): Promise<CheckOutcome>;
  health(args: { dc: string; lvsService: string }): Promise<HealthSnapshot>;
}
