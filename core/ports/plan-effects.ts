import type { Check } from '../plan/plan-schema.js';
import type { Reading } from '../plan/analysis.js';

export interface CheckOutcome {
  ok: boolean;
  /** One line for the channel, with the numbers. */
  summary: string;
  /** Neither proved nor disproved (no data, too little traffic): pause and ask people. */
  inconclusive?: boolean;
}

export interface HealthSnapshot {
  k8s: { errorRatio: Reading; p99Seconds: Reading; requestRate: Reading };
  baseline: { errorRatio: Reading; p99Seconds: Reading; requestRate: Reading };
  /** Share of the service's traffic served by k8s in this DC. */
  k8sShare: Reading;
}

export interface CheckContext {
  dc: string;
  /** Hosts per group currently pooled=yes in the step's LVS service, for probes of real servers. */
  pooled: ReadonlyMap<string, readonly string[]>;
  /** The step's analysis floor (req/s on k8s): less proves nothing. Absent: any traffic counts. */
  minRequestRate?: number;
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
  helmDiff(args: { env: string }): Promise<CheckOutcome>;
  helmApply(args: { env: string; reason: string }): Promise<CheckOutcome>;
  runCheck(check: Check, context: CheckContext): Promise<CheckOutcome>;
  health(args: { dc: string; lvsService: string }): Promise<HealthSnapshot>;
}
