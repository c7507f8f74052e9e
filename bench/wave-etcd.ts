import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { formatConftoolValue } from '../adapters/conftool/conftool-value.js';
import { EtcdV2Client } from '../adapters/conftool/etcd-client.js';
import { EtcdPooling } from '../adapters/conftool/etcd-pooling.js';
import { FleetState } from '../adapters/simulated/fleet-state.js';
import { SimulatedEffects } from '../adapters/simulated/simulated-effects.js';
import { Inventory } from '../core/inventory.js';
import { planSchema } from '../core/plan/plan-schema.js';
import { locate } from '../core/plan/run-state.js';
import type { PoolState } from '../core/pool-state.js';
import { ProofStore } from '../jobs/guard/proof-store.js';
import { WorkerProofs } from '../jobs/guard/worker-proofs.js';
import { PoolWriter } from '../jobs/pool-writer.js';
import { stepOperations } from '../jobs/plan/step-operations.js';
import { performInRuns, WAVE_WRITES_AT_ONCE } from '../jobs/plan/wave-writes.js';
import { EtcdKeys, startEtcd } from '../test/helpers/etcd-server.js';
import { cleanupPrefix, uniquePrefix } from '../test/helpers/redis.js';
import { putAll, useEtcd } from './etcd-fleet.js';
import { fleetConfig, SERVICE } from './harness.js';
import { summarize } from './stats.js';
import type { Row } from './table.js';

const HOSTS = 500;
const RUNS = 7;
const LVS = 'kartotherian-k8s-ssl';
const POOLED: PoolState = { pooled: 'yes', weight: 10 };

/**
 * A 500-worker wave the way the plan runner performs one: stepOperations reads the pool and
 * picks the hosts, the wave is judged once and its evidence handed to each write (step-execution.ts), then the pool writer runs for each, a few at once as the plan
 * runner does (performInRuns: each write a quorum read of the pool, the policy with the writes in flight counted, the worker's proof record, CAS, a quorum read back of its key).
 * Against it, the same 500 keys written raw: PUT then quorum GET, in series.
 */
export async function benchWaveEtcd(redis: Redis): Promise<Row[]> {
  const etcd = await startEtcd();
  const keys = new EtcdKeys(etcd.url);
  const prefix = uniquePrefix('bench-wave');
  try {
    const config = await fleetConfig({ maps: 6, workers: HOSTS });
    const seeded = await useEtcd(config, etcd.url, keys);
    const workerKeys = new Map([...seeded].filter(([path, state]) => path.includes(`/${LVS}/wikikube-worker1`) && state.pooled === 'inactive'));
    if (workerKeys.size !== HOSTS) throw new Error(`bench: expected ${HOSTS} inactive eqiad workers, seeded ${workerKeys.size}`);
    const service = config.services[SERVICE];
    if (service === undefined) throw new Error('bench: no service');
    // At the shipped 0.5, pybal could eject only half of 500 unproven workers, and selectWave rightly refuses.
    const lvs = service.lvs_services[LVS];
    if (lvs === undefined) throw new Error('bench: no k8s LVS service');
    lvs.depool_threshold = 0;
    const inventory = new Inventory(SERVICE, service);
    const pooling = new EtcdPooling(new EtcdV2Client({ endpoints: [etcd.url], timeoutMs: 5000 }));
    const plan = planSchema.parse({
      name: 'bench-wave',
      service: SERVICE,
      datacenters: ['eqiad'],
      steps: [{ id: 'wave', title: `pool ${HOSTS} workers`, kind: 'pool-workers', lvs_service: LVS, group: 'wikikube', count: HOSTS }],
    });
    const here = locate(plan, { dc: 0, step: 0, wave: 0 });
    if (here === undefined) throw new Error('bench: plan has no step');
    // Only the descriptions of puppet/helm steps touch effects; a pool wave never does, but the context wants one.
    const settings = service.backends.simulation;
    const effects = new SimulatedEffects({ inventory, pooling, fleet: new FleetState(redis, prefix, SERVICE, settings.faults), settings });
    const proofs = new WorkerProofs({ store: new ProofStore(redis, prefix), probers: new Map(), settings: () => ({ probeAttempts: 2, proveMs: 300_000, minRequestRate: 1 }), clock: { now: () => Date.now() } });
    const writer = new PoolWriter({ pooling, inventories: new Map([[SERVICE, inventory]]), proofs });

    const waveMs: number[] = [];
    const rawMs: number[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      const start = performance.now();
      const ops = await stepOperations(here, { inventory, pooling, effects, proofs: (lvsService) => proofs.recorded(SERVICE, inventory.pool(lvsService, 'eqiad')), defaultWeight: service.default_weight });
      if (ops.kind !== 'ready' || ops.operations.length !== HOSTS) throw new Error(`bench: the wave would not pool ${HOSTS}: ${ops.kind === 'blocked' ? ops.reason : ops.operations.length}`);
      // As step-execution.ts does: the whole wave judged once at execution, its proofs handed to each write.
      const pool = inventory.pool(LVS, 'eqiad');
      const changes = ops.operations.flatMap((op) => (op.kind === 'set-pooled' ? [{ fqdn: op.action.fqdn, to: op.to }] : []));
      const { verdict, proofs: evidence } = await writer.evaluate(SERVICE, pool, changes, 'plan');
      if (!verdict.allow) throw new Error(`bench: the wave was refused at execution: ${verdict.reason}`);
      // As step-execution.ts does: like writes a few at once, each judged with the others in flight.
      await performInRuns(ops.operations, inventory.hosts, async (op) => {
        if (op.kind !== 'set-pooled') return;
        const result = await writer.write({ action: op.action, expect: { state: op.from } }, 'plan', evidence);
        if (result.outcome !== 'changed') throw new Error(`bench: ${op.path} did not change`);
      });
      waveMs.push(performance.now() - start);
      await putAll(keys, workerKeys);

      const rawStart = performance.now();
      const pooledValue = formatConftoolValue(POOLED);
      for (const path of workerKeys.keys()) {
        await keys.put(path, pooledValue);
        if ((await keys.get(path))?.value !== pooledValue) throw new Error(`bench: raw read back of ${path} differs`);
      }
      rawMs.push(performance.now() - rawStart);
      await putAll(keys, workerKeys);
    }
    const wave = summarize(waveMs.map((ms) => ms / 1000));
    const raw = summarize(rawMs.map((ms) => ms / 1000));
    return [
      { row: `3 wave ${HOSTS} hosts (etcd)`, ...wave, unit: 's wall', notes: `stepOperations (list + selectWave), the wave judged once (as step-execution.ts), then PoolWriter.write ×${HOSTS}, ${WAVE_WRITES_AT_ONCE} at once (performInRuns, as step-execution.ts) with that evidence: per write a quorum GET proving the pool listing (reused while etcd's index shows only our own writes since; else the directory again), policy with the writes in flight counted, proof record, CAS, read back (a quorum GET of the key written); joining workers only, so all ${HOSTS} in one run (wave-writes.ts); no plan journal/SAL (Redis); depool_threshold 0 so the policy allows 500 unproven` },
      { row: `3 raw etcd ${HOSTS} PUT+GET`, ...raw, unit: 's wall', notes: `same ${HOSTS} keys, PUT + quorum GET each, in series` },
      { row: '3 ratio wave / raw', median: wave.median / raw.median, p99: wave.p99 / raw.p99, runs: RUNS, unit: '×', notes: `p99 of ${RUNS} runs is the slowest run` },
    ];
  } finally {
    await cleanupPrefix(redis, prefix);
    await etcd.stop();
  }
}
