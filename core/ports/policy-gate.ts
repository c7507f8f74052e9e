import type { PoolRef } from '../inventory.js';
import type { PolicyChange, PolicyPurpose, PolicyVerdict } from '../policy/pool-policy.js';
import type { WorkerProof } from '../policy/worker-proof.js';

/**
 * The pool policy as a request sees it: the same judgement the writer makes again right before
 * the write (jobs/pool-writer.ts), with the workers' proofs that went into it.
 */
export interface PoolPolicyGate {
  evaluate(service: string, pool: PoolRef, changes: readonly PolicyChange[], purpose: PolicyPurpose): Promise<{ verdict: PolicyVerdict; proofs: ReadonlyMap<string, WorkerProof> }>;
}
