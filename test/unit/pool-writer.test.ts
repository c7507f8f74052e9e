/**
 * The one executor every pool change goes through (jobs/pool-writer.ts): one read, the state the
 * approver saw, the policy judged again right before the write, a compare-and-swap that keeps
 * fields cutover does not own and is never re-applied after a conflict, a read-back, and the
 * proof bookkeeping of workers. Fakes are hand-written and injected through the constructor.
 */
import { describe, expect, it } from 'vitest';
import { DryRunPooling } from '../../adapters/conftool/dry-run-pooling.js';
import type { PoolEntry } from '../../core/ports/pooling.js';
import { seedEntries } from '../../adapters/simulated/seed-entries.js';
import { conftoolPath, type SetPooledAction } from '../../core/actions.js';
import { CutoverError } from '../../core/errors.js';
import type { Inventory, PoolRef } from '../../core/inventory.js';
import type { WorkerProof } from '../../core/policy/worker-proof.js';
import type { PoolState } from '../../core/pool-state.js';
import { WorkerProofs } from '../../jobs/guard/worker-proofs.js';
import { PoolWriter, type PoolWrite } from '../../jobs/pool-writer.js';
import { loadShippedConfig, shippedInventories } from '../helpers/config.js';
import { MemoryProofRecords, ScriptedProber, TEST_PROOF_SETTINGS } from '../helpers/fake-safety.js';
import { DEFAULT_NOW, FakePooling, FixedClock } from '../helpers/fakes.js';

const SERVICE = 'kartotherian';
const K8S: PoolRef = { lvsService: 'kartotherian-k8s-ssl', dc: 'eqiad', cluster: 'maps', conftoolService: 'kartotherian-k8s-ssl' };
const SSL: PoolRef = { lvsService: 'kartotherian-ssl', dc: 'eqiad', cluster: 'maps', conftoolService: 'kartotherian-ssl' };
const MAPS1005 = 'maps1005.eqiad.wmnet';
const W1001 = 'wikikube-worker1001.eqiad.wmnet';
const W1002 = 'wikikube-worker1002.eqiad.wmnet';

const depool = (pool: PoolRef, fqdn: string): SetPooledAction => ({ kind: 'set-pooled', verb: 'depool', service: SERVICE, pool, fqdn, changes: { pooled: 'no' } });
const poolIn = (pool: PoolRef, fqdn: string, weight = 10): SetPooledAction => ({ kind: 'set-pooled', verb: 'pool', service: SERVICE, pool, fqdn, changes: { pooled: 'yes', weight } });
const YES: PoolState = { pooled: 'yes', weight: 10 };

/**
 * The shipped inventory over `pooling` seeded as the demo starts (maps pooled everywhere,
 * workers inactive in the k8s pool), with proofs in memory and a scripted prober.
 */
async function world(makePooling: (seed: ReturnType<typeof seedEntries>) => FakePooling = (seed) => new FakePooling(seed)) {
  const config = await loadShippedConfig();
  const inventories: ReadonlyMap<string, Inventory> = shippedInventories(config);
  const pooling = makePooling(seedEntries(config.backends.pooling, inventories));
  const clock = new FixedClock();
  const prober = new ScriptedProber();
  const records = new MemoryProofRecords();
  const proofs = new WorkerProofs({ store: records, probers: new Map([[SERVICE, prober]]), settings: () => TEST_PROOF_SETTINGS, clock });
  const kicked: string[] = [];
  const writer = new PoolWriter({ pooling, inventories, proofs, onWorkerPooled: async (service) => void kicked.push(service) });
  return { inventories, pooling, clock, prober, records, proofs, writer, kicked };
}

/** The CutoverError a promise rejects with; fails the test on success or any other error. */
async function refusal(promise: Promise<unknown>): Promise<CutoverError> {
  const outcome = await promise.then(
    (value: unknown) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if ('error' in outcome && outcome.error instanceof CutoverError) return outcome.error;
  throw new Error(`expected a CutoverError, got ${JSON.stringify(outcome)}`);
}

/** A worker proven by the guard's record: served real requests for proveMs, checked again now. */
async function provenWorker(w: Awaited<ReturnType<typeof world>>, fqdn: string): Promise<void> {
  w.pooling.put(conftoolPath(K8S, fqdn), YES);
  await w.proofs.check(SERVICE, K8S, [fqdn], 2);
  w.clock.advance(TEST_PROOF_SETTINGS.proveMs);
  await w.proofs.check(SERVICE, K8S, [fqdn], 2);
  w.prober.calls.length = 0;
}

describe('the state the approver saw', () => {
  it('a weight changed since it was shown refuses with what changed, and writes nothing', async () => {
    const w = await world();
    const path = conftoolPath(SSL, MAPS1005);
    w.pooling.put(path, { pooled: 'yes', weight: 7 });
    const error = await refusal(w.writer.write({ action: depool(SSL, MAPS1005), expect: { state: YES } }, 'change'));
    expect(error.code).toBe('request.stale');
    expect(error.message).toBe('maps1005.eqiad.wmnet changed: weight 10 → 7 since it was shown for approval; nothing was written. Ask again to act on the pool as it is now.');
    expect(w.pooling.writes).toEqual([]);
    expect(w.pooling.peek(path)).toEqual({ pooled: 'yes', weight: 7 });
  });

  it('the same values rewritten under another revision are refused too, naming both revisions', async () => {
    const w = await world();
    const path = conftoolPath(SSL, MAPS1005);
    const shown = (await w.pooling.get(path))?.revision ?? 'missing';
    w.pooling.put(path, YES);
    const now = (await w.pooling.get(path))?.revision ?? 'missing';
    expect(now).not.toBe(shown);
    const error = await refusal(w.writer.write({ action: depool(SSL, MAPS1005), expect: { state: YES, revision: shown } }, 'change'));
    expect(error.code).toBe('request.stale');
    expect(error.message).toBe(`maps1005.eqiad.wmnet was rewritten (revision ${shown} → ${now}) though its values are the same since it was shown for approval; nothing was written. Ask again to act on the pool as it is now.`);
    expect(w.pooling.writes).toEqual([]);
  });

  it("onMismatch 'skip' (a rollback) leaves a key someone else changed alone and says what changed", async () => {
    const w = await world();
    const path = conftoolPath(SSL, MAPS1005);
    w.pooling.put(path, { pooled: 'yes', weight: 7 });
    const result = await w.writer.write({ action: depool(SSL, MAPS1005), expect: { state: YES }, onMismatch: 'skip' }, 'rollback');
    expect(result).toEqual({ outcome: 'skipped', path, before: { pooled: 'yes', weight: 7 }, after: { pooled: 'yes', weight: 7 }, note: 'changed: weight 10 → 7', pool: await w.pooling.listPool(SSL) });
    expect(w.pooling.writes).toEqual([]);
  });

  it('what was asked for is already there (a replay, or someone did it): noop, nothing written', async () => {
    const w = await world();
    const path = conftoolPath(SSL, MAPS1005);
    w.pooling.put(path, { pooled: 'no', weight: 10 });
    const stale = await w.writer.write({ action: depool(SSL, MAPS1005), expect: { state: YES } }, 'change');
    expect(stale).toEqual({ outcome: 'noop', path, before: { pooled: 'no', weight: 10 }, after: { pooled: 'no', weight: 10 }, note: 'already pooled=no weight=10', pool: await w.pooling.listPool(SSL) });
    const plain = await w.writer.write({ action: depool(SSL, MAPS1005) }, 'change');
    expect(plain).toEqual({ outcome: 'noop', path, before: { pooled: 'no', weight: 10 }, after: { pooled: 'no', weight: 10 }, pool: await w.pooling.listPool(SSL) });
    // Depooling an inactive worker would only add it to pybal's total.
    const inactive = await w.writer.write({ action: depool(K8S, W1001) }, 'change');
    expect(inactive).toMatchObject({ outcome: 'noop', before: { pooled: 'inactive', weight: 0 } });
    expect(w.pooling.writes).toEqual([]);
  });

  it('a key that no longer exists is an error, not a create', async () => {
    const w = await world();
    const error = await refusal(w.writer.write({ action: depool(SSL, 'maps1099.eqiad.wmnet') }, 'change'));
    expect(error.code).toBe('pooling.backend');
    expect(error.message).toBe('/conftool/v1/pools/eqiad/maps/kartotherian-ssl/maps1099.eqiad.wmnet does not exist in conftool any more; nothing was written.');
    expect(w.pooling.writes).toEqual([]);
  });
});

describe('compare-and-swap', () => {
  it('one read of the pool, one compare-and-swap on the revision read, one read-back', async () => {
    const w = await world();
    const path = conftoolPath(SSL, MAPS1005);
    const revision = (await w.pooling.get(path))?.revision;
    w.pooling.calls.length = 0;
    const result = await w.writer.write({ action: depool(SSL, MAPS1005), expect: { state: YES, ...(revision === undefined ? {} : { revision }) } }, 'change');
    expect(result).toEqual({
      outcome: 'changed',
      path,
      before: YES,
      after: { pooled: 'no', weight: 10 },
      arithmetic: 'after: 5 serving of 6 counted (inactive excluded) ≥ floor 3 = ceil(6 × 0.5) · pybal could eject 2 failing host(s); unproven workers: 0',
      // The pool as read back, the write in it: what the result's counts are made of.
      pool: await w.pooling.listPool(SSL),
    });
    expect(result.pool.find((entry) => entry.path === path)?.state).toEqual({ pooled: 'no', weight: 10 });
    expect(w.pooling.calls.slice(0, 3)).toEqual([
      { method: 'listPool', pool: SSL },
      { method: 'compareAndSet', path, next: { pooled: 'no', weight: 10 }, expectedRevision: revision },
      // The read-back names the key written: a backend with a cached listing must read that key afresh.
      { method: 'listPool', pool: SSL, readBack: path },
    ]);
    expect(w.pooling.peek(path)).toEqual({ pooled: 'no', weight: 10 });
  });

  it("fields cutover does not own are passed as `keep` and survive the write (confctl's reason)", async () => {
    const w = await world();
    const path = conftoolPath(SSL, MAPS1005);
    w.pooling.put(path, YES, { reason: 'T1' });
    await w.writer.write({ action: depool(SSL, MAPS1005) }, 'change');
    expect(w.pooling.writes.map((write) => write.keep)).toEqual([{ reason: 'T1' }]);
    expect(w.pooling.peekExtra(path)).toEqual({ reason: 'T1' });
  });

  it("a conflict is reported with the other writer's value, which is kept; there is exactly one attempt", async () => {
    const theirs: PoolState = { pooled: 'yes', weight: 7 };
    /** Someone (confctl, a cookbook) writes the key between cutover's read and its compare-and-swap. */
    class RacingPooling extends FakePooling {
      override async compareAndSet(path: string, next: PoolState, expectedRevision: string | null, keep?: Readonly<Record<string, unknown>>): Promise<PoolEntry> {
        this.put(path, theirs);
        return super.compareAndSet(path, next, expectedRevision, keep);
      }
    }
    const w = await world((seed) => new RacingPooling(seed));
    const path = conftoolPath(SSL, MAPS1005);
    const error = await refusal(w.writer.write({ action: depool(SSL, MAPS1005) }, 'change'));
    expect(error.code).toBe('pooling.conflict');
    expect(error.message).toBe(
      "Someone else changed maps1005.eqiad.wmnet between cutover's read and its write (pooled=yes weight=10 → pooled=yes weight=7); their change was kept and nothing was written. Check !status and ask again.",
    );
    expect(w.pooling.writes).toHaveLength(1);
    expect(w.pooling.peek(path)).toEqual(theirs);
  });

  it('a read-back that does not show the write fails loudly', async () => {
    /** Something puts the old value straight back (a confd or cookbook racing after the write). */
    class RevertingPooling extends FakePooling {
      override async compareAndSet(path: string, next: PoolState, expectedRevision: string | null, keep?: Readonly<Record<string, unknown>>): Promise<PoolEntry> {
        const entry = await super.compareAndSet(path, next, expectedRevision, keep);
        this.put(path, YES);
        return entry;
      }
    }
    const w = await world((seed) => new RevertingPooling(seed));
    const error = await refusal(w.writer.write({ action: depool(SSL, MAPS1005) }, 'change'));
    expect(error.code).toBe('pooling.verify-failed');
    expect(error.message).toBe('Wrote pooled=no weight=10 to /conftool/v1/pools/eqiad/maps/kartotherian-ssl/maps1005.eqiad.wmnet but read back pooled=yes weight=10; check !status and conftool by hand.');
  });
});

describe('the policy, judged again at execution', () => {
  it('capacity: refused with the rule and the numbers, nothing written', async () => {
    const w = await world();
    for (const fqdn of ['maps1006', 'maps1007', 'maps1008'].map((name) => `${name}.eqiad.wmnet`)) w.pooling.put(conftoolPath(SSL, fqdn), { pooled: 'no', weight: 10 });
    const error = await refusal(w.writer.write({ action: depool(SSL, MAPS1005) }, 'change'));
    expect(error.code).toBe('safety.capacity');
    expect(error.message).toBe(
      "Refused at execution: only 2 host(s) proven to serve would stay in kartotherian-ssl (eqiad), below pybal's floor of 3 · after: 2 serving of 6 counted (inactive excluded) < floor 3 = ceil(6 × 0.5) · pybal could eject 0 failing host(s); unproven workers: 0; nothing was written.",
    );
    expect(w.pooling.writes).toEqual([]);
  });

  it('bare metal past a healthy but unproven worker: real requests are sent now, and the refusal carries them', async () => {
    const w = await world();
    w.pooling.put(conftoolPath(K8S, W1001), YES);
    const error = await refusal(w.writer.write({ action: depool(K8S, MAPS1005) }, 'change'));
    expect(error.code).toBe('safety.unproven');
    expect(error.message).toBe(
      'Refused at execution: maps1005 stays until every pooled worker has served real requests through the VIP: ' +
        'wikikube-worker1001 (wikikube-worker1001 serves real requests: probes 2/2 · VIP 2/2 ok · k8s 5xx 0.05% at 100 req/s; serving for 0s of the 1m that prove it) · ' +
        'after: 5 serving of 7 counted (inactive excluded; 1 pooled worker(s) not proven are not capacity) ≥ floor 4 = ceil(7 × 0.5) · pybal could eject 2 failing host(s); unproven workers: 1; nothing was written.',
    );
    expect(w.prober.calls).toEqual([[W1001]]);
    expect(w.pooling.writes).toEqual([]);
  });

  it('a proven worker that fails the fresh check loses its proof, and bare metal stays', async () => {
    const w = await world();
    await provenWorker(w, W1001);
    w.prober.failing.set(W1001, '503');
    const error = await refusal(w.writer.write({ action: depool(K8S, MAPS1005) }, 'change'));
    expect(error.code).toBe('safety.unproven');
    expect(error.message).toMatch(/^Refused at execution: maps1005 stays until every pooled worker has served real requests through the VIP: wikikube-worker1001 \(wikikube-worker1001 fails real requests: probes 0\/2 \(503 ×2\) · VIP 2\/2 ok · k8s 5xx 100\.0% at 100 req\/s\) · /);
    expect(w.pooling.writes).toEqual([]);
    const record = (await w.records.all(SERVICE, K8S)).get(W1001);
    expect(record?.provenAt).toBeUndefined();
    expect(record?.lastCheck?.verdict).toBe('failing');
  });

  it('a proven worker still serving now lets bare metal go', async () => {
    const w = await world();
    await provenWorker(w, W1001);
    const result = await w.writer.write({ action: depool(K8S, MAPS1005) }, 'change');
    expect(result).toMatchObject({ outcome: 'changed', after: { pooled: 'no', weight: 10 }, arithmetic: 'after: 6 serving of 7 counted (inactive excluded) ≥ floor 4 = ceil(7 × 0.5) · pybal could eject 2 failing host(s); unproven workers: 0' });
    expect(w.prober.calls).toEqual([[W1001]]);
  });

  it("evidence handed in by the caller (a wave's one round of checks) is used as is: no probe", async () => {
    const w = await world();
    w.pooling.put(conftoolPath(K8S, W1001), YES);
    const proven = new Map<string, WorkerProof>([[W1001, { kind: 'proven', summary: 'wave check: probes 2/2' }]]);
    await expect(w.writer.write({ action: depool(K8S, MAPS1005) }, 'plan', proven)).resolves.toMatchObject({ outcome: 'changed' });
    const failing = new Map<string, WorkerProof>([[W1001, { kind: 'failing', summary: 'wave check: probes 0/2 (503 ×2)' }]]);
    const error = await refusal(w.writer.write({ action: depool(K8S, 'maps1006.eqiad.wmnet') }, 'plan', failing));
    expect(error.message).toMatch(/^Refused at execution: maps1006 stays until every pooled worker has served real requests through the VIP: wikikube-worker1001 \(wave check: probes 0\/2 \(503 ×2\)\) · /);
    expect(w.prober.calls).toEqual([]);
  });

  it('the emergency stop does not wait for a probe, and is not held by unproven workers', async () => {
    const w = await world();
    w.pooling.put(conftoolPath(K8S, W1001), YES);
    await expect(w.writer.write({ action: depool(K8S, MAPS1005) }, 'emergency-stop')).resolves.toMatchObject({ outcome: 'changed' });
    expect(w.prober.calls).toEqual([]);
  });
});

describe('evaluate (what a request asks before approval)', () => {
  it('pooling a worker reads the records only; a bare-metal depool probes the pooled workers now', async () => {
    const w = await world();
    w.pooling.put(conftoolPath(K8S, W1001), YES);
    const pooling = await w.writer.evaluate(SERVICE, K8S, [{ fqdn: W1002, to: YES }], 'change');
    expect(pooling.verdict).toMatchObject({ allow: true, unproven: [W1001, W1002] });
    expect(w.prober.calls).toEqual([]);
    const leaving = await w.writer.evaluate(SERVICE, K8S, [{ fqdn: MAPS1005, to: { pooled: 'no', weight: 10 } }], 'change');
    expect(leaving.verdict).toMatchObject({ allow: false, rule: 'bare-metal-needs-proven-workers' });
    expect(w.prober.calls).toEqual([[W1001]]);
    expect(leaving.proofs.get(W1001)?.kind).toBe('serving');
  });

  it('a host conftool has and the inventory does not still counts in the arithmetic, as bare metal', async () => {
    const w = await world();
    w.pooling.put(conftoolPath(SSL, 'maps1099.eqiad.wmnet'), YES);
    const { members, verdict } = await w.writer.evaluate(SERVICE, SSL, [{ fqdn: MAPS1005, to: { pooled: 'no', weight: 10 } }], 'change');
    expect(members.find((member) => member.fqdn === 'maps1099.eqiad.wmnet')).toEqual({ fqdn: 'maps1099.eqiad.wmnet', kind: 'bare-metal', state: YES });
    expect(verdict.arithmetic).toBe('after: 6 serving of 7 counted (inactive excluded) ≥ floor 4 = ceil(7 × 0.5) · pybal could eject 2 failing host(s); unproven workers: 0');
  });
});

describe("workers' proof bookkeeping", () => {
  const by = { by: 'alice', requestId: 'k7qm', task: 'T378944', transport: 'irc', channel: '#wikimedia-operations' };

  it('pooling a worker starts a fresh record with who asked, and kicks the guard; depooling drops the record', async () => {
    const w = await world();
    const write: PoolWrite = { action: poolIn(K8S, W1001), by };
    await expect(w.writer.write(write, 'change')).resolves.toMatchObject({ outcome: 'changed', before: { pooled: 'inactive', weight: 0 }, after: YES });
    expect(await w.records.all(SERVICE, K8S)).toEqual(new Map([[W1001, { fqdn: W1001, pooledSince: DEFAULT_NOW, pooledBy: by }]]));
    expect(w.kicked).toEqual([SERVICE]);

    await w.writer.write({ action: depool(K8S, W1001) }, 'change');
    expect(await w.records.all(SERVICE, K8S)).toEqual(new Map());
    expect(w.kicked).toEqual([SERVICE]);
  });

  it('a worker pooled again after leaving starts over: whatever it proved before is void', async () => {
    const w = await world();
    await provenWorker(w, W1001);
    await w.writer.write({ action: depool(K8S, W1001) }, 'guard');
    w.clock.advance(1_000);
    await w.writer.write({ action: poolIn(K8S, W1001), by }, 'change');
    expect((await w.records.all(SERVICE, K8S)).get(W1001)).toEqual({ fqdn: W1001, pooledSince: DEFAULT_NOW + TEST_PROOF_SETTINGS.proveMs + 1_000, pooledBy: by });
  });

  it('a weight change of a pooled worker keeps its proof, and does not kick the guard', async () => {
    const w = await world();
    await provenWorker(w, W1001);
    const before = (await w.records.all(SERVICE, K8S)).get(W1001);
    await expect(w.writer.write({ action: poolIn(K8S, W1001, 20) }, 'change')).resolves.toMatchObject({ outcome: 'changed', after: { pooled: 'yes', weight: 20 } });
    expect((await w.records.all(SERVICE, K8S)).get(W1001)).toEqual(before);
    expect(w.kicked).toEqual([]);
  });

  it('bare metal has no proof record', async () => {
    const w = await world();
    w.pooling.put(conftoolPath(SSL, MAPS1005), { pooled: 'no', weight: 10 });
    await w.writer.write({ action: poolIn(SSL, MAPS1005) }, 'change');
    expect(await w.records.all(SERVICE, SSL)).toEqual(new Map());
    expect(w.kicked).toEqual([]);
  });

  it('a dry run plans the write and keeps no proof record: nothing was pooled', async () => {
    const config = await loadShippedConfig();
    const inventories = shippedInventories(config);
    const inner = new FakePooling(seedEntries(config.backends.pooling, inventories));
    const dryRun = new DryRunPooling(inner);
    const records = new MemoryProofRecords();
    const prober = new ScriptedProber();
    const proofs = new WorkerProofs({ store: records, probers: new Map([[SERVICE, prober]]), settings: () => TEST_PROOF_SETTINGS, clock: new FixedClock() });
    const kicked: string[] = [];
    const writer = new PoolWriter({ pooling: dryRun, inventories, proofs, onWorkerPooled: async (service) => void kicked.push(service) });

    await expect(writer.write({ action: poolIn(K8S, W1001), by }, 'change')).resolves.toMatchObject({ outcome: 'changed', after: YES });
    expect(dryRun.plannedWrites.map((write) => ({ path: write.path, from: write.from, to: write.to }))).toEqual([{ path: conftoolPath(K8S, W1001), from: { pooled: 'inactive', weight: 0 }, to: YES }]);
    expect(inner.writes).toEqual([]);
    expect(await records.all(SERVICE, K8S)).toEqual(new Map());
    expect(kicked).toEqual([]);
  });
});
