import type { PoolRef } from '../inventory.js';
import type { WorkerProof } from '../policy/worker-proof.js';
import type { WatchStatus } from '../watch.js';
import type { PlanProgress } from './plan-control.js';

/** The limits k8s health is judged by: the plan's analysis, or its defaults without a plan. */
export type HealthLimits = PlanProgress['limits'];

/** What real traffic has shown of one worker in one pool, as the guard recorded it. */
export interface WorkerProofStatus {
  fqdn: string;
  proof: WorkerProof;
  /** For `serving`: how long it has served real requests without a failure so far. */
  servedMs: number | undefined;
  /** How long it must serve them to count as capacity. */
  proveMs: number;
  lastCheckAt: number | undefined;
}

/**
 * The watches (the guard, a soak) and the guard's proof records, as data for `status` and the
 * status page: 2025-02-17's `status` showed 5xx 100.0% beside pooled broken workers without a word.
 */
export interface WatchView {
  /** Every watch of the service, with how long since it last checked. */
  watches(service: string): Promise<WatchStatus[]>;
  /** The workers the guard has a record of in this pool; a pooled worker missing here is unchecked. */
  workers(service: string, pool: PoolRef): Promise<WorkerProofStatus[]>;
  limits(service: string): HealthLimits;
}
