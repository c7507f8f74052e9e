import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DryRunPooling } from '../../adapters/conftool/dry-run-pooling.js';
import { EtcdV2Client } from '../../adapters/conftool/etcd-client.js';
import { EtcdPooling } from '../../adapters/conftool/etcd-pooling.js';
import type { PoolEntry, PoolingBackend } from '../../core/ports/pooling.js';
import type { SetPooledAction } from '../../core/actions.js';
import { CutoverError } from '../../core/errors.js';
import type { PoolState } from '../../core/pool-state.js';
import { makeSafety, shippedWriter } from '../helpers/fake-safety.js';
import { loadShippedConfig } from '../helpers/config.js';
import { Inventory, type PoolRef } from '../../core/inventory.js';
import type { Operation } from '../../jobs/plan/step-operations.js';
import { concurrentRuns, performInRuns, WAVE_WRITES_AT_ONCE } from '../../jobs/plan/wave-writes.js';
import { EtcdKeys, freePort, startEtcd, type EtcdServer } from '../helpers/etcd-server.js';

// Past 300 lines on purpose: every case here is EtcdPooling against the same real etcd, which
// each file would otherwise start again (a second or more on a loaded machine), and splitting
// the backend's behaviour across files would make it harder to see what the backend promises.

const POOL: PoolRef = { lvsService: 'kartotherian-ssl', dc: 'eqiad', cluster: 'maps', conftoolService: 'kartotherian-ssl' };
const DIR = '/conftool/v1/pools/eqiad/maps/kartotherian-ssl';
const M5 = `${DIR}/maps1005.eqiad.wmnet`;
const M6 = `${DIR}/maps1006.eqiad.wmnet`;
const M7 = `${DIR}/maps1007.eqiad.wmnet`;
const M8 = `${DIR}/maps1008.eqiad.wmnet`;
/** Same hosts, another pool: must never show up in POOL's listing. */
const OTHER = '/conftool/v1/pools/eqiad/maps/kartotherian/maps1005.eqiad.wmnet';

/** conftool's own serialisation (Python json.dumps): these exact bytes are what pybal and confctl read. */
const YES_10 = '{"weight": 10, "pooled": "yes"}';

function isCode(code: string) {
  return (error: unknown): boolean => error instanceof CutoverError && error.code === code;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CutoverError) return error.code;
    throw error;
  }
  throw new Error('expected a CutoverError, got success');
}

describe('EtcdPooling against a real etcd 3.4 (v2 keys API)', () => {
  let etcd: EtcdServer;
  let keys: EtcdKeys;
  let pooling: EtcdPooling;

  beforeAll(async () => {
    etcd = await startEtcd();
    keys = new EtcdKeys(etcd.url);
  });

  afterAll(async () => {
    await etcd?.stop();
  });

  beforeEach(async () => {
    await keys.removeTree('/conftool');
    // Seeded the way conftool-sync creates objects: a create that fails if the key exists.
    for (const path of [M5, M6, M7, M8, OTHER]) await keys.put(path, YES_10, { prevExist: 'false' });
    pooling = new EtcdPooling(new EtcdV2Client({ endpoints: [etcd.url], timeoutMs: 2000 }));
  });

  it('reads one key with its modifiedIndex as the revision, and undefined for a missing key', async () => {
    const raw = await keys.get(M5);
    const entry = await pooling.get(M5);
    expect(entry).toEqual({ path: M5, fqdn: 'maps1005.eqiad.wmnet', state: { weight: 10, pooled: 'yes' }, revision: String(raw?.modifiedIndex) });
    expect(await pooling.get(`${DIR}/maps1099.eqiad.wmnet`)).toBeUndefined();
  });

  it('lists exactly the pool directory, sorted, and [] for a pool that does not exist', async () => {
    await keys.put(M6, '{"weight": 5, "pooled": "no"}');
    const entries = await pooling.listPool(POOL);
    expect(entries.map((entry) => [entry.fqdn, entry.state])).toEqual([
      ['maps1005.eqiad.wmnet', { weight: 10, pooled: 'yes' }],
      ['maps1006.eqiad.wmnet', { weight: 5, pooled: 'no' }],
      ['maps1007.eqiad.wmnet', { weight: 10, pooled: 'yes' }],
      ['maps1008.eqiad.wmnet', { weight: 10, pooled: 'yes' }],
    ]);
    expect(await pooling.listPool({ ...POOL, dc: 'codfw' })).toEqual([]);
  });

  it('compare-and-swaps on the index: a new modifiedIndex and conftool-shaped JSON in etcd', async () => {
    const before = await pooling.get(M5);
    const written = await pooling.compareAndSet(M5, { pooled: 'no', weight: 10 }, before?.revision ?? null);
    const raw = await keys.get(M5);
    expect(raw?.value).toBe('{"weight": 10, "pooled": "no"}');
    expect(written.revision).toBe(String(raw?.modifiedIndex));
    expect(Number(written.revision)).toBeGreaterThan(Number(before?.revision));
    expect(written.state).toEqual({ pooled: 'no', weight: 10 });
  });

  it('never clobbers a concurrent writer: the stale write fails with pooling.conflict naming the key', async () => {
    const read = await pooling.get(M5);
    // Someone else (confctl, a cookbook) writes between our read and our write.
    await keys.put(M5, '{"weight": 3, "pooled": "yes"}');
    const error = await pooling.compareAndSet(M5, { pooled: 'no', weight: 10 }, read?.revision ?? null).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CutoverError);
    expect((error as CutoverError).code).toBe('pooling.conflict');
    expect((error as CutoverError).message).toContain(M5);
    expect((error as CutoverError).message).toContain('Compare failed');
    expect((await keys.get(M5))?.value).toBe('{"weight": 3, "pooled": "yes"}');
  });

  it('creates only when absent (prevExist=false): an existing key is a conflict and keeps its value', async () => {
    await expect(pooling.compareAndSet(M5, { pooled: 'inactive', weight: 0 }, null)).rejects.toSatisfy(isCode('pooling.conflict'));
    expect((await keys.get(M5))?.value).toBe(YES_10);
    const created = await pooling.compareAndSet(`${DIR}/maps1009.eqiad.wmnet`, { pooled: 'inactive', weight: 0 }, null);
    expect((await keys.get(`${DIR}/maps1009.eqiad.wmnet`))?.value).toBe('{"weight": 0, "pooled": "inactive"}');
    expect(created.revision).toBe(String((await keys.get(`${DIR}/maps1009.eqiad.wmnet`))?.modifiedIndex));
  });

  it('treats a key deleted since it was read as a conflict, and does not recreate it', async () => {
    const read = await pooling.get(M7);
    await fetch(`${etcd.url}/v2/keys${M7}`, { method: 'DELETE' });
    await expect(pooling.compareAndSet(M7, { pooled: 'no', weight: 10 }, read?.revision ?? null)).rejects.toSatisfy(isCode('pooling.conflict'));
    expect(await keys.get(M7)).toBeUndefined();
  });

  it('refuses values that are not conftool pool state with adapter.bad-output', async () => {
    await keys.put(M8, '{"weight": 10, "pooled": "maybe"}');
    expect(await codeOf(pooling.get(M8))).toBe('adapter.bad-output');
    expect(await codeOf(pooling.listPool(POOL))).toBe('adapter.bad-output');
    await keys.put(M8, 'not json');
    expect(await codeOf(pooling.get(M8))).toBe('adapter.bad-output');
    // A directory where a member should be is not a member either.
    await keys.put(`${DIR}/maps1010.eqiad.wmnet/oops`, YES_10);
    expect(await codeOf(pooling.get(`${DIR}/maps1010.eqiad.wmnet`))).toBe('adapter.bad-output');
  });

  it('reads and lists a value carrying a field cutover does not own, keeping that field in extra', async () => {
    // conftool keeps such fields (confctl-transcripts.md, Transcript 2); they must never make a pool unreadable.
    await keys.put(M6, '{"weight": 10, "pooled": "inactive", "reason": "T1"}');
    const raw = await keys.get(M6);
    expect(await pooling.get(M6)).toEqual({ path: M6, fqdn: 'maps1006.eqiad.wmnet', state: { weight: 10, pooled: 'inactive' }, revision: String(raw?.modifiedIndex), extra: { reason: 'T1' } });
    const listed = await pooling.listPool(POOL);
    expect(listed.map((entry) => [entry.fqdn, entry.state.pooled, entry.extra])).toEqual([
      ['maps1005.eqiad.wmnet', 'yes', undefined],
      ['maps1006.eqiad.wmnet', 'inactive', { reason: 'T1' }],
      ['maps1007.eqiad.wmnet', 'yes', undefined],
      ['maps1008.eqiad.wmnet', 'yes', undefined],
    ]);
    expect(Object.hasOwn(listed[0] ?? {}, 'extra')).toBe(false);
  });

  it('writes the kept fields back in stored order, byte for byte what confctl writes', async () => {
    await keys.put(M6, '{"weight": 10, "pooled": "inactive", "reason": "T1", "since": {"ts": 1700000000, "by": "j\\u00f6rg"}}');
    const read = await pooling.get(M6);
    const written = await pooling.compareAndSet(M6, { pooled: 'yes', weight: 10 }, read?.revision ?? null, read?.extra);
    expect((await keys.get(M6))?.value).toBe('{"weight": 10, "pooled": "yes", "reason": "T1", "since": {"ts": 1700000000, "by": "j\\u00f6rg"}}');
    expect(written.extra).toEqual({ reason: 'T1', since: { ts: 1700000000, by: 'jörg' } });
    expect(written.state).toEqual({ pooled: 'yes', weight: 10 });
    // The transcript's exact case: set/pooled=yes on {"weight": 10, "pooled": "inactive", "reason": "T1"}.
    await keys.put(M7, '{"weight": 10, "pooled": "inactive", "reason": "T1"}');
    const m7 = await pooling.get(M7);
    await pooling.compareAndSet(M7, { pooled: 'yes', weight: 10 }, m7?.revision ?? null, m7?.extra);
    expect((await keys.get(M7))?.value).toBe('{"weight": 10, "pooled": "yes", "reason": "T1"}');
  });

  it('still refuses a bad owned field next to a field it does not own', async () => {
    await keys.put(M8, '{"weight": 10, "pooled": "maybe", "reason": "T1"}');
    expect(await codeOf(pooling.get(M8))).toBe('adapter.bad-output');
    expect(await codeOf(pooling.listPool(POOL))).toBe('adapter.bad-output');
    await keys.put(M8, '{"weight": -1, "pooled": "yes", "reason": "T1"}');
    expect(await codeOf(pooling.get(M8))).toBe('adapter.bad-output');
  });

  it('refuses to write kept fields that are not plain JSON, before any request', async () => {
    const read = await pooling.get(M5);
    expect(await codeOf(pooling.compareAndSet(M5, { pooled: 'no', weight: 10 }, read?.revision ?? null, { when: new Date(0) }))).toBe('input.invalid');
    expect((await keys.get(M5))?.value).toBe(YES_10);
  });

  it('reuses a pool listing only while etcd index shows no write but its own, and sees a foreign write at once (issue 14)', async () => {
    const lists: string[] = [];
    // The probe is for big pools: asked for here on this small one (probeAboveKeys 0).
    const counting = new EtcdPooling(new EtcdV2Client({ endpoints: [etcd.url], timeoutMs: 2000, fetch: (input, init) => ((input instanceof Request ? input.url : input.toString()).includes('recursive=true') && lists.push('list'), fetch(input, init)) }), 0);
    const first = await counting.listPool(POOL);
    const m5 = first.find((entry) => entry.path === M5);
    await counting.compareAndSet(M5, { pooled: 'no', weight: 10 }, m5?.revision ?? null);
    // Our own write, the very next index: folded into the listing, no second listing.
    const second = await counting.listPool(POOL);
    expect(lists).toHaveLength(1);
    expect(second.find((entry) => entry.path === M5)?.state).toEqual({ pooled: 'no', weight: 10 });
    expect(second).toEqual(await pooling.listPool(POOL));
    // Someone else's write to another key of the pool (confctl by hand): listed again, and seen.
    await keys.put(M6, '{"weight": 1, "pooled": "inactive"}');
    const third = await counting.listPool(POOL);
    expect(lists).toHaveLength(2);
    expect(third.find((entry) => entry.path === M6)?.state).toEqual({ pooled: 'inactive', weight: 1 });
    // A write anywhere else in etcd moves its index too: never trusted, listed again.
    await keys.put(OTHER, '{"weight": 10, "pooled": "no"}');
    await counting.listPool(POOL);
    expect(lists).toHaveLength(3);
    // A read-back names its key: that key is read from etcd (the one request), and the listing around it proven by its index.
    const urls: string[] = [];
    const watching = new EtcdPooling(new EtcdV2Client({ endpoints: [etcd.url], timeoutMs: 2000, fetch: (input, init) => (urls.push(input instanceof Request ? input.url : input.toString()), fetch(input, init)) }), 0);
    const listed = await watching.listPool(POOL);
    await watching.compareAndSet(M7, { pooled: 'no', weight: 10 }, listed.find((entry) => entry.path === M7)?.revision ?? null);
    urls.length = 0;
    const readBack = await watching.listPool(POOL, M7);
    expect(urls).toEqual([`${etcd.url}/v2/keys${M7}?quorum=true`]);
    expect(readBack.find((entry) => entry.path === M7)).toEqual(await pooling.get(M7));
    // A caller editing what it got cannot change what the next caller gets.
    const edited = await counting.listPool(POOL);
    if (edited[0] !== undefined) edited[0].state.pooled = 'inactive';
    expect((await counting.listPool(POOL))[0]?.state).toEqual({ pooled: 'no', weight: 10 });
  });

  it('lists a small pool whole every time: one quorum read of the directory, a read-back included', async () => {
    const urls: string[] = [];
    const small = new EtcdPooling(new EtcdV2Client({ endpoints: [etcd.url], timeoutMs: 2000, fetch: (input, init) => (urls.push(input instanceof Request ? input.url : input.toString()), fetch(input, init)) }));
    const listed = await small.listPool(POOL);
    await keys.put(OTHER, '{"weight": 10, "pooled": "no"}');
    urls.length = 0;
    const again = await small.listPool(POOL, listed[0]?.path);
    expect(urls).toHaveLength(1);
    expect(urls[0]).toMatch(/recursive=true/);
    expect(again).toEqual(await pooling.listPool(POOL));
  });

  it('refuses crafted paths before any request', async () => {
    let requests = 0;
    const counting = new EtcdPooling(new EtcdV2Client({ endpoints: [etcd.url], timeoutMs: 2000, fetch: (input, init) => ((requests += 1), fetch(input, init)) }));
    for (const path of [`${DIR}/../../../../../other`, `${M5}?recursive=true`, `${DIR}/MAPS1005.eqiad.wmnet`, '/conftool/v1/pools/eqiad/maps/kartotherian-ssl', `${M5};rm -rf /`]) {
      expect(await codeOf(counting.get(path))).toBe('input.invalid');
      expect(await codeOf(counting.compareAndSet(path, { pooled: 'no', weight: 10 }, '1'))).toBe('input.invalid');
    }
    expect(await codeOf(counting.compareAndSet(M5, { pooled: 'no', weight: -1 }, '1'))).toBe('input.invalid');
    expect(await codeOf(counting.listPool({ ...POOL, cluster: 'maps/../x' }))).toBe('input.invalid');
    expect(requests).toBe(0);
  });

  it('DryRunPooling records the exact PUT it would send and leaves etcd untouched', async () => {
    const dry = new DryRunPooling(pooling);
    const read = await dry.get(M5);
    const before = await keys.get(M5);
    const planned = await dry.compareAndSet(M5, { pooled: 'no', weight: 10 }, read?.revision ?? null);
    expect(dry.plannedWrites).toEqual([
      {
        path: M5,
        from: { weight: 10, pooled: 'yes' },
        to: { pooled: 'no', weight: 10 },
        expectedRevision: String(before?.modifiedIndex),
        command: `PUT ${etcd.url}/v2/keys${M5} value=%7B%22weight%22%3A+10%2C+%22pooled%22%3A+%22no%22%7D&prevIndex=${before?.modifiedIndex}&prevExist=true`,
      },
    ]);
    expect(planned.state).toEqual({ pooled: 'no', weight: 10 });
    expect(await keys.get(M5)).toEqual(before);
    // Later reads through the dry run see the plan; etcd does not.
    expect((await dry.get(M5))?.state.pooled).toBe('no');
    expect((await dry.listPool(POOL)).find((entry) => entry.path === M5)?.state.pooled).toBe('no');
  });

  it('DryRunPooling shows the kept fields in the PUT it would send, and keeps them on the planned entry', async () => {
    await keys.put(M6, '{"weight": 10, "pooled": "yes", "reason": "T1"}');
    const dry = new DryRunPooling(pooling);
    const read = await dry.get(M6);
    const planned = await dry.compareAndSet(M6, { pooled: 'no', weight: 10 }, read?.revision ?? null, read?.extra);
    expect(new URLSearchParams(dry.plannedWrites[0]?.command?.split(' ')[2]).get('value')).toBe('{"weight": 10, "pooled": "no", "reason": "T1"}');
    expect(planned.extra).toEqual({ reason: 'T1' });
    expect((await dry.get(M6))?.extra).toEqual({ reason: 'T1' });
    expect((await keys.get(M6))?.value).toBe('{"weight": 10, "pooled": "yes", "reason": "T1"}');
  });

  describe('the pool writer (one read, policy, CAS, read back) on etcd', () => {
    const depool = (fqdn: string): SetPooledAction => ({ kind: 'set-pooled', verb: 'depool', service: 'kartotherian', pool: POOL, fqdn, changes: { pooled: 'no' } });

    it('depools and verifies by reading back', async () => {
      const result = await (await shippedWriter(pooling)).write({ action: depool('maps1005.eqiad.wmnet') }, 'change');
      expect(result).toMatchObject({ outcome: 'changed', path: M5, before: { weight: 10, pooled: 'yes' }, after: { weight: 10, pooled: 'no' } });
      expect((await keys.get(M5))?.value).toBe('{"weight": 10, "pooled": "no"}');
    });

    it('never re-applies over a concurrent writer: pooling.conflict naming both values, and their change kept', async () => {
      let interfered = false;
      const racing = interfere(pooling, async () => {
        if (interfered) return;
        interfered = true;
        await keys.put(M5, '{"weight": 7, "pooled": "yes"}');
      });
      const failure = await (await shippedWriter(racing)).write({ action: depool('maps1005.eqiad.wmnet') }, 'change').catch((error: unknown) => error);
      expect(interfered).toBe(true);
      expect(isCode('pooling.conflict')(failure)).toBe(true);
      expect((failure as Error).message).toMatch(/Someone else changed maps1005\.eqiad\.wmnet between cutover's read and its write \(pooled=yes weight=10 → pooled=yes weight=7\); their change was kept and nothing was written/);
      expect((await keys.get(M5))?.value).toBe('{"weight": 7, "pooled": "yes"}');
    });

    it('refuses what the approver did not see: a weight changed since the request writes nothing', async () => {
      const shown = await pooling.get(M5);
      await keys.put(M5, '{"weight": 7, "pooled": "yes"}');
      const write = { action: depool('maps1005.eqiad.wmnet'), expect: { state: { weight: 10, pooled: 'yes' as const }, revision: shown?.revision ?? '' } };
      const failure = await (await shippedWriter(pooling)).write(write, 'change').catch((error: unknown) => error);
      expect(isCode('request.stale')(failure)).toBe(true);
      expect((failure as Error).message).toBe('maps1005.eqiad.wmnet changed: weight 10 → 7 since it was shown for approval; nothing was written. Ask again to act on the pool as it is now.');
      expect((await keys.get(M5))?.value).toBe('{"weight": 7, "pooled": "yes"}');
    });

    it('refuses a key rewritten with the same values since the request (etcd modifiedIndex moved)', async () => {
      const shown = await pooling.get(M5);
      await keys.put(M5, '{"weight": 10, "pooled": "yes"}');
      const write = { action: depool('maps1005.eqiad.wmnet'), expect: { state: { weight: 10, pooled: 'yes' as const }, revision: shown?.revision ?? '' } };
      const failure = await (await shippedWriter(pooling)).write(write, 'change').catch((error: unknown) => error);
      expect(isCode('request.stale')(failure)).toBe(true);
      expect((failure as Error).message).toMatch(/was rewritten \(revision \d+ → \d+\) though its values are the same/);
    });

    it('keeps a field cutover does not own (confctl\'s "reason") through its own write', async () => {
      await keys.put(M5, '{"weight": 10, "pooled": "yes", "reason": "T1"}');
      await (await shippedWriter(pooling)).write({ action: depool('maps1005.eqiad.wmnet') }, 'change');
      expect((await keys.get(M5))?.value).toBe('{"weight": 10, "pooled": "no", "reason": "T1"}');
    });

    it('judges writes to one pool that are under way at once with each other: of three depools each allowed alone, the third is refused', async () => {
      // 4 pooled, pybal's floor ceil(4 × 0.5) = 2: any one or two may go, not three.
      const writer = await shippedWriter(pooling);
      const outcomes = await Promise.allSettled(['maps1005', 'maps1006', 'maps1007'].map((host) => writer.write({ action: depool(`${host}.eqiad.wmnet`) }, 'plan')));
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(2);
      const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
      expect(refused.map((error) => (error instanceof CutoverError ? error.code : String(error)))).toEqual(['safety.capacity']);
      const values = await Promise.all([M5, M6, M7, M8].map(async (path) => (await keys.get(path))?.value));
      expect(values.filter((value) => value === YES_10)).toHaveLength(2);
    });

    it('a wave notices a foreign write between its writes: the pool is read again and the next write judged on it (issue 14)', async () => {
      // 10 pooled (floor 5): the wave depools 5, which is allowed as a whole when it starts.
      const extra = ['maps1009', 'maps1010', 'maps1011', 'maps1012', 'maps1013', 'maps1014'].map((host) => `${DIR}/${host}.eqiad.wmnet`);
      for (const path of extra) await keys.put(path, YES_10, { prevExist: 'false' });
      const wave = ['maps1005', 'maps1006', 'maps1007', 'maps1008', 'maps1009'].map((host) => `${host}.eqiad.wmnet`);
      let lists = 0;
      const counting = new EtcdPooling(new EtcdV2Client({ endpoints: [etcd.url], timeoutMs: 2000, fetch: (input, init) => ((input instanceof Request ? input.url : input.toString()).includes('recursive=true') && (lists += 1), fetch(input, init)) }));
      let handDepooled = false;
      // Someone depools maps1014 by hand while the wave's first write is on its way.
      const racing = interfere(counting, async () => {
        if (handDepooled) return;
        handDepooled = true;
        await keys.put(`${DIR}/maps1014.eqiad.wmnet`, '{"weight": 10, "pooled": "no"}');
      });
      const writer = await shippedWriter(racing);
      const to: PoolState = { pooled: 'no', weight: 10 };
      const start = await writer.evaluate('kartotherian', POOL, wave.map((fqdn) => ({ fqdn, to })), 'plan');
      expect(start.verdict.allow).toBe(true);
      const ops: Operation[] = wave.map((fqdn) => ({ kind: 'set-pooled', action: depool(fqdn), path: `${DIR}/${fqdn}`, from: { pooled: 'yes', weight: 10 }, to }));
      const hosts = wave.map((fqdn) => ({ fqdn, shortName: fqdn.split('.')[0] ?? fqdn, dc: 'eqiad', group: 'maps', kind: 'bare-metal' as const }));
      const listsBefore = lists;
      const failure = await performInRuns(ops, hosts, (op) => (op.kind === 'set-pooled' ? writer.write({ action: op.action, expect: { state: op.from } }, 'plan', start.proofs) : Promise.resolve(undefined))).catch((error: unknown) => error);
      expect(handDepooled).toBe(true);
      // The first four were judged before the hand depool or with it (5 left ≥ 5); the fifth, on the pool read again, would leave 4.
      expect(failure).toBeInstanceOf(CutoverError);
      expect((failure as CutoverError).code).toBe('safety.capacity');
      expect((failure as CutoverError).message).toMatch(/only 4 host\(s\) proven to serve would stay in kartotherian-ssl \(eqiad\), below pybal's floor of 5/);
      expect(lists).toBeGreaterThan(listsBefore);
      expect((await keys.get(`${DIR}/maps1009.eqiad.wmnet`))?.value).toBe(YES_10);
      const pooledNow = await Promise.all([M5, M6, M7, M8, ...extra].map(async (path) => (await keys.get(path))?.value === YES_10));
      expect(pooledNow.filter(Boolean)).toHaveLength(5);
    });

    it('a wave pooling workers several at once notices a foreign write too: the next write is judged on the pool read again', async () => {
      // A wave one larger than what goes at once. kartotherian-k8s-ssl: that + 1 maps pooled, the workers inactive
      // (a generated inventory, as the bench's); pybal ejects at most half (threshold 0.5).
      const AT_ONCE = WAVE_WRITES_AT_ONCE;
      const K8S: PoolRef = { lvsService: 'kartotherian-k8s-ssl', dc: 'eqiad', cluster: 'maps', conftoolService: 'kartotherian-k8s-ssl' };
      const K8S_DIR = '/conftool/v1/pools/eqiad/maps/kartotherian-k8s-ssl';
      const config = structuredClone(await loadShippedConfig());
      const service = config.services['kartotherian'];
      const wikikube = service?.host_groups['wikikube'];
      if (service === undefined || wikikube === undefined) throw new Error('the shipped config lost kartotherian');
      const workers = Array.from({ length: AT_ONCE + 1 }, (_, i) => `wikikube-worker${1001 + i}.eqiad.wmnet`);
      wikikube.hosts = { ...wikikube.hosts, eqiad: workers };
      const maps = Array.from({ length: AT_ONCE + 2 }, (_, i) => `maps${1005 + i}.eqiad.wmnet`);
      for (const fqdn of maps) await keys.put(`${K8S_DIR}/${fqdn}`, YES_10, { prevExist: 'false' });
      for (const fqdn of workers) await keys.put(`${K8S_DIR}/${fqdn}`, '{"weight": 0, "pooled": "inactive"}', { prevExist: 'false' });
      let handDepooled = false;
      // Someone depools a maps host by hand while the wave's first writes are on their way: pybal can now eject one fewer.
      const racing = interfere(new EtcdPooling(new EtcdV2Client({ endpoints: [etcd.url], timeoutMs: 2000 })), async () => {
        if (handDepooled) return;
        handDepooled = true;
        await keys.put(`${K8S_DIR}/maps1005.eqiad.wmnet`, '{"weight": 10, "pooled": "no"}');
      });
      const { writer } = makeSafety(racing, new Map([['kartotherian', new Inventory('kartotherian', service)]]), { now: () => Date.now() });
      const wave = workers;
      const to: PoolState = { pooled: 'yes', weight: 10 };
      // n + 1 unproven of 2n + 3 counted (n at once): pybal could eject floor((2n + 3) / 2) = n + 1, so the wave is allowed as it starts.
      const start = await writer.evaluate('kartotherian', K8S, wave.map((fqdn) => ({ fqdn, to })), 'plan');
      expect(start.verdict.allow).toBe(true);
      const pool = (fqdn: string): SetPooledAction => ({ kind: 'set-pooled', verb: 'pool', service: 'kartotherian', pool: K8S, fqdn, changes: { pooled: 'yes', weight: 10 } });
      const ops: Operation[] = wave.map((fqdn) => ({ kind: 'set-pooled', action: pool(fqdn), path: `${K8S_DIR}/${fqdn}`, from: { pooled: 'inactive', weight: 0 }, to }));
      const hosts = wave.map((fqdn) => ({ fqdn, shortName: fqdn.split('.')[0] ?? fqdn, dc: 'eqiad', group: 'wikikube', kind: 'k8s-worker' as const }));
      expect(concurrentRuns(ops, hosts)).toHaveLength(1);
      const failure = await performInRuns(ops, hosts, (op) => (op.kind === 'set-pooled' ? writer.write({ action: op.action, expect: { state: op.from } }, 'plan', start.proofs) : Promise.resolve(undefined))).catch((error: unknown) => error);
      expect(handDepooled).toBe(true);
      // The first n went together (judged with each other; n unproven ≤ what pybal could eject, with or without the hand depool);
      // the last started once one of them was done, read the pool again, and n + 1 unproven > what pybal can eject now, n.
      expect(failure).toBeInstanceOf(CutoverError);
      expect((failure as CutoverError).message).toContain(`if the ${AT_ONCE + 1} unproven workers failed, pybal could eject only ${AT_ONCE}`);
      const pooledWorkers = await Promise.all(wave.map(async (fqdn) => (await keys.get(`${K8S_DIR}/${fqdn}`))?.value === '{"weight": 10, "pooled": "yes"}'));
      expect(pooledWorkers).toEqual([...Array.from({ length: AT_ONCE }, () => true), false]);
    });

    it('runs to completion under DryRunPooling without writing', async () => {
      const before = await keys.get(M5);
      const dry = new DryRunPooling(pooling);
      const result = await (await shippedWriter(dry)).write({ action: depool('maps1005.eqiad.wmnet') }, 'change');
      expect(result.outcome).toBe('changed');
      expect(dry.plannedWrites.map((write) => [write.path, write.to])).toEqual([[M5, { weight: 10, pooled: 'no' }]]);
      expect(await keys.get(M5)).toEqual(before);
    });
  });
});

describe('EtcdPooling when etcd is down, slow or split across endpoints', () => {
  let hanging: Server;
  let hangingUrl: string;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    // Accepts TCP and never answers: the worst kind of down.
    hanging = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const address = hanging.address();
    hangingUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => hanging.close(() => resolve()));
  });

  it('reports a stopped etcd as adapter.unreachable, quickly and clearly', async () => {
    const etcd = await startEtcd();
    const pooling = new EtcdPooling(new EtcdV2Client({ endpoints: [etcd.url], timeoutMs: 1000 }));
    await pooling.listPool(POOL);
    await etcd.stop();
    const started = Date.now();
    const error = await pooling.get(M5).catch((caught: unknown) => caught);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(CutoverError);
    expect((error as CutoverError).code).toBe('adapter.unreachable');
    expect((error as CutoverError).message).toContain(`${etcd.url} (ECONNREFUSED)`);
  });

  it('gives up on an endpoint that never answers within the timeout', async () => {
    const pooling = new EtcdPooling(new EtcdV2Client({ endpoints: [hangingUrl], timeoutMs: 300 }));
    const started = Date.now();
    expect(await codeOf(pooling.get(M5))).toBe('adapter.timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('fails over to the next endpoint on refusal or timeout, then keeps using the one that answered', async () => {
    const etcd = await startEtcd();
    try {
      const keys = new EtcdKeys(etcd.url);
      await keys.put(M5, YES_10, { prevExist: 'false' });
      const refused = `http://127.0.0.1:${await freePort()}`;
      const urls: string[] = [];
      // Long enough that the live etcd never times out on a loaded machine; the hanging endpoint costs it once.
      const client = new EtcdV2Client({ endpoints: [refused, hangingUrl, etcd.url], timeoutMs: 1000, fetch: (input, init) => (urls.push(input instanceof Request ? input.url : input.toString()), fetch(input, init)) });
      const pooling = new EtcdPooling(client);
      const entry = await pooling.get(M5);
      expect(entry?.state).toEqual({ weight: 10, pooled: 'yes' });
      await pooling.compareAndSet(M5, { pooled: 'no', weight: 10 }, entry?.revision ?? null);
      expect(urls.map((url) => new URL(url).origin)).toEqual([refused, hangingUrl, etcd.url, etcd.url]);
      expect((await keys.get(M5))?.value).toBe('{"weight": 10, "pooled": "no"}');
    } finally {
      await etcd.stop();
    }
  });

  it('fails over the same way on its own HTTP client (node:http, kept-alive connections), writes included', async () => {
    const etcd = await startEtcd();
    try {
      const keys = new EtcdKeys(etcd.url);
      await keys.put(M5, YES_10, { prevExist: 'false' });
      const refused = `http://127.0.0.1:${await freePort()}`;
      const pooling = new EtcdPooling(new EtcdV2Client({ endpoints: [refused, hangingUrl, etcd.url], timeoutMs: 1000 }));
      const entry = await pooling.get(M5);
      expect(entry?.state).toEqual({ weight: 10, pooled: 'yes' });
      await pooling.compareAndSet(M5, { pooled: 'no', weight: 10 }, entry?.revision ?? null);
      expect((await keys.get(M5))?.value).toBe('{"weight": 10, "pooled": "no"}');
      // A stale revision on the kept-alive connection: the compare fails, nothing is written.
      expect(await codeOf(pooling.compareAndSet(M5, { pooled: 'yes', weight: 10 }, entry?.revision ?? null))).toBe('pooling.conflict');
      expect((await keys.get(M5))?.value).toBe('{"weight": 10, "pooled": "no"}');
    } finally {
      await etcd.stop();
    }
  });

  it('authenticates with basic auth when etcd v2 auth is on; without the password it is pooling.backend 401', async () => {
    const user = { username: 'cutover', password: 'not-in-config' };
    const etcd = await startEtcd({ auth: user });
    try {
      await new EtcdKeys(etcd.url, etcd.root).put(M5, YES_10, { prevExist: 'false' });
      const anonymous = new EtcdPooling(new EtcdV2Client({ endpoints: [etcd.url], timeoutMs: 2000 }));
      const error = await anonymous.get(M5).catch((caught: unknown) => caught);
      expect((error as CutoverError).code).toBe('pooling.backend');
      expect((error as CutoverError).message).toMatch(/HTTP 401 110 The request requires user authentication/);
      expect((error as CutoverError).message).not.toContain(user.password);
      const authed = new EtcdPooling(new EtcdV2Client({ endpoints: [etcd.url], timeoutMs: 2000, auth: user }));
      const entry = await authed.get(M5);
      await authed.compareAndSet(M5, { pooled: 'no', weight: 10 }, entry?.revision ?? null);
      expect((await authed.get(M5))?.state).toEqual({ pooled: 'no', weight: 10 });
    } finally {
      await etcd.stop();
    }
  });
});

/** A backend whose every compare-and-set is preceded by `before()`: a writer racing the worker. */
function interfere(inner: PoolingBackend, before: () => Promise<void>): PoolingBackend {
  return {
    kind: inner.kind,
    get: (path: string) => inner.get(path),
    listPool: (pool: PoolRef) => inner.listPool(pool),
    async compareAndSet(path: string, next: PoolState, expectedRevision: string | null, keep?: Readonly<Record<string, unknown>>): Promise<PoolEntry> {
      await before();
      return inner.compareAndSet(path, next, expectedRevision, keep);
    },
  };
}
