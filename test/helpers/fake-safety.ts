import type { RealTrafficProber, RealTrafficReport, ProbeTally } from '../../core/ports/real-traffic.js';
import type { PoolingBackend } from '../../core/ports/pooling.js';
import type { Clock } from '../../core/ports/stores.js';
import type { Inventory, PoolRef } from '../../core/inventory.js';
import type { WorkerRecord } from '../../core/policy/worker-proof.js';
import type { ProofRecords } from '../../jobs/guard/proof-store.js';
import { WorkerProofs, type ProofSettings } from '../../jobs/guard/worker-proofs.js';
import { PoolWriter } from '../../jobs/pool-writer.js';

/** Proof records in a Map, like ProofStore in Redis. */
export class MemoryProofRecords implements ProofRecords {
  private readonly records = new Map<string, Map<string, WorkerRecord>>();

  async all(service: string, pool: PoolRef): Promise<Map<string, WorkerRecord>> {
    return new Map(this.pool(service, pool));
  }

  async update(service: string, pool: PoolRef, fqdn: string, change: (current: WorkerRecord | undefined) => WorkerRecord | undefined): Promise<WorkerRecord | undefined> {
    const records = this.pool(service, pool);
    const next = change(records.get(fqdn));
    if (next === undefined) records.delete(fqdn);
    else records.set(fqdn, next);
    return next;
  }

  async replace(service: string, pool: PoolRef, fqdn: string, record: WorkerRecord | undefined): Promise<void> {
    await this.update(service, pool, fqdn, () => record);
  }

  private pool(service: string, pool: PoolRef): Map<string, WorkerRecord> {
    const key = `${service}:${pool.dc}:${pool.lvsService}`;
    const found = this.records.get(key) ?? new Map<string, WorkerRecord>();
    this.records.set(key, found);
    return found;
  }
}

/**
 * Real requests as a test scripts them: every worker answers 200 unless it is listed in
 * `failing` (with what it answers), and k8s carries `requestRate` req/s.
 */
export class ScriptedProber implements RealTrafficProber {
  readonly failing = new Map<string, string>();
  requestRate = 100;
  readonly calls: string[][] = [];

  async probeWorkers(args: { dc: string; lvsService: string; workers: readonly string[]; attempts: number }): Promise<RealTrafficReport> {
    this.calls.push([...args.workers]);
    const tally = (fqdn: string): ProbeTally => {
      const answer = this.failing.get(fqdn);
      return answer === undefined ? { ok: args.attempts, total: args.attempts, failures: [] } : { ok: 0, total: args.attempts, failures: [`${answer} ×${args.attempts}`] };
    };
    return {
      dc: args.dc,
      lvsService: args.lvsService,
      vip: { ok: args.attempts, total: args.attempts, failures: [] },
      workers: new Map(args.workers.map((fqdn) => [fqdn, tally(fqdn)])),
      k8s: { requestRate: { kind: 'value', value: this.requestRate }, errorRatio: { kind: 'value', value: this.failing.size > 0 ? 1 : 0.0005 } },
    };
  }
}

export const TEST_PROOF_SETTINGS: ProofSettings = { probeAttempts: 2, proveMs: 60_000, minRequestRate: 1 };

/** The one writer over `pooling`, with proofs in memory and a scripted prober: what bot/main.ts builds, minus Redis. */
export function makeSafety(pooling: PoolingBackend, inventories: ReadonlyMap<string, Inventory>, clock: Clock, settings: ProofSettings = TEST_PROOF_SETTINGS) {
  const prober = new ScriptedProber();
  const records = new MemoryProofRecords();
  const proofs = new WorkerProofs({ store: records, probers: new Map([...inventories.keys()].map((service) => [service, prober])), settings: () => settings, clock });
  const writer = new PoolWriter({ pooling, inventories, proofs });
  return { prober, records, proofs, writer };
}

/** The writer over a real backend (etcd, confctl) with the shipped inventory: how the bot writes. */
export async function shippedWriter(pooling: PoolingBackend) {
  const { loadShippedConfig, shippedInventories } = await import('./config.js');
  const inventories = shippedInventories(await loadShippedConfig());
  return makeSafety(pooling, inventories, { now: () => Date.now() }).writer;
}
