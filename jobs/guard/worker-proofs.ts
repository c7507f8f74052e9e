import type { RealTrafficProber } from '../../core/ports/real-traffic.js';
import type { Clock } from '../../core/ports/stores.js';
import type { PoolRef } from '../../core/inventory.js';
import { describeK8s, describeVip, judgeWorkerCheck } from '../../core/policy/check-verdict.js';
import { markProven, newWorkerRecord, proofOf, recordCheck, type WorkerProof, type WorkerRecord } from '../../core/policy/worker-proof.js';
import type { ProofRecords } from './proof-store.js';

export interface ProofSettings {
  /** Requests per worker in one round. */
  probeAttempts: number;
  /** How long a worker must serve real requests without a failure to count as capacity. */
  proveMs: number;
  minRequestRate: number;
}

export interface WorkerProofsDeps {
  store: ProofRecords;
  /** Per service; a service without one can never prove a worker (and so never lose bare metal). */
  probers: ReadonlyMap<string, RealTrafficProber>;
  settings: (service: string) => ProofSettings;
  clock: Clock;
}

export interface CheckedWorker {
  fqdn: string;
  record: WorkerRecord;
  verdict: NonNullable<WorkerRecord['lastCheck']>['verdict'];
  summary: string;
  /** The pool-wide figures of the round (VIP and k8s), the same for every worker in it: a folded line says them once. */
  around?: string;
}

/**
 * Whether workers are capacity: the record of real traffic the guard keeps, and a fresh round of
 * real requests when a decision must rest on "now" (bare metal about to leave).
 */
export class WorkerProofs {
  constructor(private readonly deps: WorkerProofsDeps) {}

  /** Proofs from the records alone: cheap, for pooling decisions and views. */
  async recorded(service: string, pool: PoolRef): Promise<Map<string, WorkerProof>> {
    const { proveMs } = this.deps.settings(service);
    const now = this.deps.clock.now();
    const records = await this.deps.store.all(service, pool);
    return new Map([...records].map(([fqdn, record]) => [fqdn, proofOf(record, now, proveMs)]));
  }

  /** Sends real requests to `workers` now, folds the results into their records, and returns the proofs. */
  async fresh(service: string, pool: PoolRef, workers: readonly string[]): Promise<Map<string, WorkerProof>> {
    const checked = await this.check(service, pool, workers, this.deps.settings(service).probeAttempts);
    const { proveMs } = this.deps.settings(service);
    const now = this.deps.clock.now();
    const proofs = await this.recorded(service, pool);
    for (const worker of checked) proofs.set(worker.fqdn, proofOf(worker.record, now, proveMs));
    return proofs;
  }

  /** One round of real requests to `workers`, recorded. Workers without a record get one (pooled outside the bot). */
  async check(service: string, pool: PoolRef, workers: readonly string[], attempts: number): Promise<CheckedWorker[]> {
    if (workers.length === 0) return [];
    const prober = this.deps.probers.get(service);
    const settings = this.deps.settings(service);
    const results =
      prober === undefined
        ? workers.map((fqdn) => ({ fqdn, verdict: 'inconclusive' as const, summary: `${fqdn.split('.')[0] ?? fqdn}: no probe backend is configured, so real traffic cannot be shown`, headline: 'no probe backend configured' }))
        : await prober.probeWorkers({ dc: pool.dc, lvsService: pool.lvsService, workers, attempts }).then((report) =>
            workers.map((fqdn) => ({ fqdn, around: `${describeVip(report.vip)} · ${describeK8s(report.k8s)}`, ...judgeWorkerCheck({ fqdn, tally: report.workers.get(fqdn), vip: report.vip, k8s: report.k8s, minRequestRate: settings.minRequestRate }) })),
          );
    const now = this.deps.clock.now();
    const checked: CheckedWorker[] = [];
    for (const result of results) {
      const record = await this.deps.store.update(service, pool, result.fqdn, (current) => recordCheck(current ?? newWorkerRecord(result.fqdn, now), result.verdict, result.summary, now, settings.proveMs, result.headline));
      if (record !== undefined) checked.push({ ...result, record });
    }
    return checked;
  }

  /** cutover pooled this worker: whatever was known of it before is void. */
  async pooled(service: string, pool: PoolRef, fqdn: string, by: WorkerRecord['pooledBy']): Promise<void> {
    // Whatever the worker proved before it left counts for nothing now: one write, nothing read (it is on a pool's path).
    await this.deps.store.replace(service, pool, fqdn, newWorkerRecord(fqdn, this.deps.clock.now(), by));
  }

  /** The worker left the pool: it must prove itself again when it comes back. */
  async left(service: string, pool: PoolRef, fqdn: string): Promise<void> {
    await this.deps.store.replace(service, pool, fqdn, undefined);
  }

  /** A plan step's checks and clean soak proved these workers. */
  async proven(service: string, pool: PoolRef, fqdns: readonly string[], summary: string): Promise<void> {
    const now = this.deps.clock.now();
    for (const fqdn of fqdns) await this.deps.store.update(service, pool, fqdn, (current) => markProven(current ?? newWorkerRecord(fqdn, now), summary, now));
  }

  async records(service: string, pool: PoolRef): Promise<Map<string, WorkerRecord>> {
    return this.deps.store.all(service, pool);
  }

  async save(service: string, pool: PoolRef, fqdn: string, change: (current: WorkerRecord | undefined) => WorkerRecord | undefined): Promise<WorkerRecord | undefined> {
    return this.deps.store.update(service, pool, fqdn, change);
  }
}
