import type { Clock } from '../../core/ports/stores.js';
import type { HealthLimits, WatchView, WorkerProofStatus } from '../../core/ports/watch.js';
import type { PoolRef } from '../../core/inventory.js';
import type { AnalysisSettings } from '../../core/plan/analysis.js';
import { proofOf, type WorkerRecord } from '../../core/policy/worker-proof.js';
import type { WatchStatus } from '../../core/watch.js';

export interface GuardWatchViewDeps {
  list: () => Promise<readonly WatchStatus[]>;
  /** The guard's proof records (WorkerProofs). */
  proofs: { records(service: string, pool: PoolRef): Promise<Map<string, WorkerRecord>> };
  /** The guard's settings for a service: how long proves a worker, and the health analysis. */
  settings: (service: string) => { proveMs: number; analysis: AnalysisSettings };
  clock: Clock;
}

/** The watches and the guard's records, as `status` and the status page read them. */
export class GuardWatchView implements WatchView {
  constructor(private readonly deps: GuardWatchViewDeps) {}

  async watches(service: string): Promise<WatchStatus[]> {
    return (await this.deps.list()).filter((watch) => watch.service === service);
  }

  async workers(service: string, pool: PoolRef): Promise<WorkerProofStatus[]> {
    const { proveMs } = this.deps.settings(service);
    const now = this.deps.clock.now();
    const records = await this.deps.proofs.records(service, pool);
    return [...records.values()].map((record) => {
      const proof = proofOf(record, now, proveMs);
      // As of its last check, not now: a guard that stopped looking has not seen it serve since.
      const servedMs = proof.kind === 'serving' && record.servingSince !== undefined ? (record.lastCheck?.at ?? now) - record.servingSince : undefined;
      return { fqdn: record.fqdn, proof, servedMs, proveMs, lastCheckAt: record.lastCheck?.at };
    });
  }

  limits(service: string): HealthLimits {
    const { analysis } = this.deps.settings(service);
    return { errorRatioMax: analysis.error_ratio.max, p99SecondsMax: analysis.p99_seconds.max };
  }
}
