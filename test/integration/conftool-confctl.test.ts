import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfctlPooling } from '../../adapters/conftool/confctl-pooling.js';
import { DryRunPooling } from '../../adapters/conftool/dry-run-pooling.js';
import { createCommandRunner } from '../../adapters/command-runner.js';
import type { SetPooledAction } from '../../core/actions.js';
import { CutoverError } from '../../core/errors.js';
import type { PoolRef } from '../../core/inventory.js';
import { shippedWriter } from '../helpers/fake-safety.js';
import { createFakeConfctl, type FakeConfctl } from '../helpers/fake-confctl/fake-confctl.js';

const POOL: PoolRef = { lvsService: 'kartotherian-ssl', dc: 'eqiad', cluster: 'maps', conftoolService: 'kartotherian-ssl' };
const DIR = '/conftool/v1/pools/eqiad/maps/kartotherian-ssl';
const M5 = `${DIR}/maps1005.eqiad.wmnet`;
const SELECT_M5 = 'name=maps1005\\.eqiad\\.wmnet,dc=eqiad,cluster=maps,service=kartotherian-ssl';
const SELECT_POOL = 'dc=eqiad,cluster=maps,service=kartotherian-ssl';

const SEED = {
  'eqiad/maps/kartotherian-ssl/maps1005.eqiad.wmnet': { weight: 10, pooled: 'yes' },
  'eqiad/maps/kartotherian-ssl/maps1006.eqiad.wmnet': { weight: 10, pooled: 'yes' },
  'eqiad/maps/kartotherian-ssl/maps1007.eqiad.wmnet': { weight: 10, pooled: 'yes' },
  'eqiad/maps/kartotherian-ssl/maps1008.eqiad.wmnet': { weight: 5, pooled: 'no' },
  // Another pool with the same host: never part of kartotherian-ssl's answers.
  'eqiad/maps/kartotherian/maps1005.eqiad.wmnet': { weight: 10, pooled: 'yes' },
} as const;

async function failure(promise: Promise<unknown>): Promise<CutoverError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CutoverError) return error;
    throw error;
  }
  throw new Error('expected a CutoverError, got success');
}

describe('ConfctlPooling running a confctl stand-in through the command runner (execa, argv, no shell)', () => {
  let fake: FakeConfctl;
  let pooling: ConfctlPooling;

  beforeEach(async () => {
    fake = await createFakeConfctl();
    await fake.setState(structuredClone(SEED));
    pooling = new ConfctlPooling({ runner: createCommandRunner({ kind: 'local' }), timeoutMs: 5000, env: fake.env });
  });

  afterEach(async () => {
    await fake.dispose();
  });

  it('gets one object with an anchored, dot-escaped selector; its revision is conftool\'s JSON of the value', async () => {
    expect(await pooling.get(M5)).toEqual({ path: M5, fqdn: 'maps1005.eqiad.wmnet', state: { weight: 10, pooled: 'yes' }, revision: '{"weight": 10, "pooled": "yes"}' });
    expect(await pooling.get(`${DIR}/maps1099.eqiad.wmnet`)).toBeUndefined();
    expect(await fake.calls()).toEqual([
      ['--quiet', 'select', SELECT_M5, 'get'],
      ['--quiet', 'select', 'name=maps1099\\.eqiad\\.wmnet,dc=eqiad,cluster=maps,service=kartotherian-ssl', 'get'],
    ]);
  });

  it('escapes dots, so maps1005.eqiad.wmnet never also selects maps1005-eqiad.wmnet', async () => {
    await fake.write('eqiad/maps/kartotherian-ssl/maps1005-eqiad.wmnet', { weight: 10, pooled: 'yes' });
    const entry = await pooling.get(M5);
    expect(entry?.fqdn).toBe('maps1005.eqiad.wmnet');
    await pooling.compareAndSet(M5, { pooled: 'no', weight: 10 }, entry?.revision ?? null);
    const state = await fake.state();
    expect(state['eqiad/maps/kartotherian-ssl/maps1005.eqiad.wmnet']).toEqual({ weight: 10, pooled: 'no' });
    expect(state['eqiad/maps/kartotherian-ssl/maps1005-eqiad.wmnet']).toEqual({ weight: 10, pooled: 'yes' });
  });

  it('lists a pool by dc, cluster and service', async () => {
    const entries = await pooling.listPool(POOL);
    expect(entries.map((entry) => [entry.path, entry.state])).toEqual([
      [`${DIR}/maps1005.eqiad.wmnet`, { weight: 10, pooled: 'yes' }],
      [`${DIR}/maps1006.eqiad.wmnet`, { weight: 10, pooled: 'yes' }],
      [`${DIR}/maps1007.eqiad.wmnet`, { weight: 10, pooled: 'yes' }],
      [`${DIR}/maps1008.eqiad.wmnet`, { weight: 5, pooled: 'no' }],
    ]);
    expect(await pooling.listPool({ ...POOL, dc: 'codfw' })).toEqual([]);
    expect((await fake.calls())[0]).toEqual(['--quiet', 'select', SELECT_POOL, 'get']);
  });

  it('re-reads, compares, sets pooled and weight in one set/ action, then reads back', async () => {
    const read = await pooling.get(M5);
    await fake.clearCalls();
    const written = await pooling.compareAndSet(M5, { pooled: 'no', weight: 10 }, read?.revision ?? null);
    expect(await fake.calls()).toEqual([
      ['--quiet', 'select', SELECT_M5, 'get'],
      ['--quiet', 'select', SELECT_M5, 'set/pooled=no:weight=10'],
      ['--quiet', 'select', SELECT_M5, 'get'],
    ]);
    expect(written).toEqual({ path: M5, fqdn: 'maps1005.eqiad.wmnet', state: { pooled: 'no', weight: 10 }, revision: '{"weight": 10, "pooled": "no"}' });
    expect((await fake.state())['eqiad/maps/kartotherian-ssl/maps1005.eqiad.wmnet']).toEqual({ weight: 10, pooled: 'no' });
  });

  it('refuses to set when someone changed the object since it was read, and never runs set', async () => {
    const read = await pooling.get(M5);
    await fake.write('eqiad/maps/kartotherian-ssl/maps1005.eqiad.wmnet', { weight: 3, pooled: 'yes' });
    await fake.clearCalls();
    const error = await failure(pooling.compareAndSet(M5, { pooled: 'no', weight: 10 }, read?.revision ?? null));
    expect(error.code).toBe('pooling.conflict');
    expect(error.message).toContain(M5);
    expect(await fake.calls()).toEqual([['--quiet', 'select', SELECT_M5, 'get']]);
    expect((await fake.state())['eqiad/maps/kartotherian-ssl/maps1005.eqiad.wmnet']).toEqual({ weight: 3, pooled: 'yes' });
  });

  it('cannot create objects: an existing key is a conflict, a missing one is refused', async () => {
    expect((await failure(pooling.compareAndSet(M5, { pooled: 'inactive', weight: 0 }, null))).code).toBe('pooling.conflict');
    const missing = await failure(pooling.compareAndSet(`${DIR}/maps1099.eqiad.wmnet`, { pooled: 'inactive', weight: 0 }, null));
    expect(missing.code).toBe('pooling.backend');
    expect(missing.message).toMatch(/conftool-data/);
    expect((await fake.calls()).every((argv) => argv[3] === 'get')).toBe(true);
  });

  it('refuses shell metacharacters and other non-names before running anything', async () => {
    const hostile = [
      `${DIR}/maps1005.eqiad.wmnet;touch${'${IFS}'}pwned`,
      `${DIR}/$(whoami).eqiad.wmnet`,
      `${DIR}/maps1005.eqiad.wmnet' get; echo '`,
      `${DIR}/\`id\`.eqiad.wmnet`,
      `${DIR}/maps1005.eqiad.wmnet\nset/pooled=no`,
      `${DIR}/maps.*`,
      '/conftool/v1/pools/eqiad/maps/kartotherian-ssl/a b.wmnet',
      '/conftool/v1/pools/eq|iad/maps/kartotherian-ssl/maps1005.eqiad.wmnet',
    ];
    for (const path of hostile) {
      expect((await failure(pooling.get(path))).code).toBe('input.invalid');
      expect((await failure(pooling.compareAndSet(path, { pooled: 'no', weight: 10 }, '{"weight": 10, "pooled": "yes"}'))).code).toBe('input.invalid');
    }
    expect((await failure(pooling.listPool({ ...POOL, conftoolService: 'kartotherian-ssl,name=.*' }))).code).toBe('input.invalid');
    expect((await failure(pooling.listPool({ ...POOL, cluster: '.*' }))).code).toBe('input.invalid');
    expect(await fake.calls()).toEqual([]);
  });

  it('refuses a selection that matches more than one object before set could prompt "Ok to continue?"', async () => {
    const read = await pooling.get(M5);
    // Simulate a confctl whose name matching is looser than expected: the selection now covers the whole pool.
    await fake.control({ ignoreName: true });
    await fake.clearCalls();
    const error = await failure(pooling.compareAndSet(M5, { pooled: 'no', weight: 10 }, read?.revision ?? null));
    expect(error.code).toBe('pooling.backend');
    expect(error.message).toMatch(/matches 4 objects/);
    expect(await fake.calls()).toEqual([['--quiet', 'select', SELECT_M5, 'get']]);
    expect(await fake.state()).toEqual(SEED);
    expect((await failure(pooling.get(M5))).code).toBe('pooling.backend');
  });

  it('surfaces a failing confctl with the command, its exit code and stderr', async () => {
    await fake.control({ fail: { on: 'get', exitCode: 1, stderr: 'CRITICAL:conftool:Invalid configuration: etcd unreachable' } });
    const error = await failure(pooling.get(M5));
    expect(error.code).toBe('adapter.command-failed');
    expect(error.message).toContain(`confctl --quiet select '${SELECT_M5}' get exited 1: CRITICAL:conftool:Invalid configuration: etcd unreachable`);

    await fake.control({ fail: { on: 'set', exitCode: 3, stderr: 'ERROR:conftool:Failure writing to the kvstore: 403 password=hunter2' } });
    const read = await pooling.get(M5);
    const setError = await failure(pooling.compareAndSet(M5, { pooled: 'no', weight: 10 }, read?.revision ?? null));
    expect(setError.code).toBe('adapter.command-failed');
    expect(setError.message).toMatch(/set\/pooled=no:weight=10 exited 3: ERROR:conftool:Failure writing to the kvstore: 403 password=\*\*\*/);
    expect(setError.message).not.toContain('hunter2');
  });

  it('reports a real change as succeeded although confctl prints the object path and "weight changed 10 => 10"', async () => {
    // The shape of Transcript 1: pooled inactive => yes on a k8s worker, weight left as it is.
    const K8S = '/conftool/v1/pools/eqiad/maps/kartotherian-k8s-ssl/wikikube-worker1001.eqiad.wmnet';
    await fake.write('eqiad/maps/kartotherian-k8s-ssl/wikikube-worker1001.eqiad.wmnet', { weight: 10, pooled: 'inactive' });
    const read = await pooling.get(K8S);
    const written = await pooling.compareAndSet(K8S, { pooled: 'yes', weight: 10 }, read?.revision ?? null);
    expect(written).toEqual({ path: K8S, fqdn: 'wikikube-worker1001.eqiad.wmnet', state: { pooled: 'yes', weight: 10 }, revision: '{"weight": 10, "pooled": "yes"}' });
    expect((await fake.state())['eqiad/maps/kartotherian-k8s-ssl/wikikube-worker1001.eqiad.wmnet']).toEqual({ weight: 10, pooled: 'yes' });
    // Setting it again prints only "weight changed 10 => 10", and is no failure either.
    expect((await pooling.compareAndSet(K8S, { pooled: 'yes', weight: 10 }, written.revision)).state).toEqual({ pooled: 'yes', weight: 10 });
  });

  it('reads and lists a value with a field outside the schema, and the set keeps that field where it was', async () => {
    await fake.write('eqiad/maps/kartotherian-ssl/maps1006.eqiad.wmnet', { weight: 10, pooled: 'yes', reason: 'T1' });
    const M6 = `${DIR}/maps1006.eqiad.wmnet`;
    const read = await pooling.get(M6);
    // confctl's get hides the field, so the entry carries no extra: confctl keeps it on set by itself.
    expect(read).toEqual({ path: M6, fqdn: 'maps1006.eqiad.wmnet', state: { weight: 10, pooled: 'yes' }, revision: '{"weight": 10, "pooled": "yes"}' });
    expect((await pooling.listPool(POOL)).map((entry) => entry.fqdn)).toContain('maps1006.eqiad.wmnet');
    await pooling.compareAndSet(M6, { pooled: 'no', weight: 10 }, read?.revision ?? null);
    expect(JSON.stringify((await fake.state())['eqiad/maps/kartotherian-ssl/maps1006.eqiad.wmnet'])).toBe('{"weight":10,"pooled":"no","reason":"T1"}');
  });

  it('is pooling.verify-failed when the read-back differs from what was set, and says both', async () => {
    const read = await pooling.get(M5);
    // confctl prints "pooled changed yes => no", then another writer puts the object back.
    await fake.control({ overwriteAfterSet: { pooled: 'yes', weight: 3 } });
    const error = await failure(pooling.compareAndSet(M5, { pooled: 'no', weight: 10 }, read?.revision ?? null));
    expect(error.code).toBe('pooling.verify-failed');
    expect(error.message).toContain(`Set pooled=no weight=10 on ${M5} with confctl, but it reads back pooled=yes weight=3`);
    expect(error.message).toContain('confctl reported pooled yes => no, weight 10 => 10');
  });

  it('is pooling.verify-failed when a set exits 0 and wrote nothing (old confctl only logs write errors)', async () => {
    const read = await pooling.get(M5);
    await fake.control({ silentSetFailure: 'ERROR:conftool:Error when trying to set/pooled=no on name=maps1005' });
    const error = await failure(pooling.compareAndSet(M5, { pooled: 'no', weight: 10 }, read?.revision ?? null));
    expect(error.code).toBe('pooling.verify-failed');
    expect(error.message).toMatch(/reads back pooled=yes weight=10 \(confctl reported no change; stderr: ERROR:conftool:Error when trying/);
    expect(error.message).not.toContain('IRC handler');
  });

  it('refuses set output it does not know, such as the bare host name the old stand-in printed', async () => {
    const read = await pooling.get(M5);
    await fake.control({ garbage: 'maps1005.eqiad.wmnet: pooled changed yes => no', garbageOn: 'set' });
    expect((await failure(pooling.compareAndSet(M5, { pooled: 'no', weight: 10 }, read?.revision ?? null))).code).toBe('adapter.bad-output');
  });

  it('turns garbage output into adapter.bad-output', async () => {
    await fake.control({ garbage: 'Traceback (most recent call last): KeyError' });
    expect((await failure(pooling.get(M5))).code).toBe('adapter.bad-output');
    expect((await failure(pooling.listPool(POOL))).code).toBe('adapter.bad-output');
    await fake.control({ garbage: '{"maps1005.eqiad.wmnet": {"weight": 10, "pooled": "sure"}, "tags": "dc=eqiad,cluster=maps,service=kartotherian-ssl"}' });
    expect((await failure(pooling.get(M5))).code).toBe('adapter.bad-output');
    // Well-formed, but not what was selected.
    await fake.control({ garbage: '{"maps1006.eqiad.wmnet": {"weight": 10, "pooled": "yes"}, "tags": "dc=eqiad,cluster=maps,service=kartotherian-ssl"}' });
    expect((await failure(pooling.get(M5))).code).toBe('adapter.bad-output');
  });

  it('kills a confctl that hangs at the timeout, and one that is cancelled', async () => {
    await fake.control({ hang: true });
    const quick = new ConfctlPooling({ runner: createCommandRunner({ kind: 'local' }), timeoutMs: 400, env: fake.env });
    const started = Date.now();
    expect((await failure(quick.get(M5))).code).toBe('adapter.timeout');
    expect(Date.now() - started).toBeLessThan(3000);

    const controller = new AbortController();
    const cancellable = new ConfctlPooling({ runner: createCommandRunner({ kind: 'local' }), timeoutMs: 10_000, env: fake.env, signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    expect((await failure(cancellable.get(M5))).code).toBe('adapter.cancelled');
  });

  it('DryRunPooling shows the exact confctl command and runs only reads', async () => {
    const dry = new DryRunPooling(pooling);
    const read = await dry.get(M5);
    await dry.compareAndSet(M5, { pooled: 'no', weight: 10 }, read?.revision ?? null);
    expect(dry.plannedWrites).toEqual([
      {
        path: M5,
        from: { weight: 10, pooled: 'yes' },
        to: { pooled: 'no', weight: 10 },
        expectedRevision: '{"weight": 10, "pooled": "yes"}',
        command: `confctl --quiet select '${SELECT_M5}' set/pooled=no:weight=10`,
      },
    ]);
    expect((await fake.calls()).every((argv) => argv[3] === 'get')).toBe(true);
    expect(await fake.state()).toEqual(SEED);
  });

  it('runs the pool writer end to end: depool, verified by reading back through confctl', async () => {
    const action: SetPooledAction = { kind: 'set-pooled', verb: 'depool', service: 'kartotherian', pool: POOL, fqdn: 'maps1006.eqiad.wmnet', changes: { pooled: 'no' } };
    const result = await (await shippedWriter(pooling)).write({ action }, 'change');
    expect(result).toMatchObject({ outcome: 'changed', path: `${DIR}/maps1006.eqiad.wmnet`, before: { weight: 10, pooled: 'yes' }, after: { weight: 10, pooled: 'no' } });
    expect((await fake.state())['eqiad/maps/kartotherian-ssl/maps1006.eqiad.wmnet']).toEqual({ weight: 10, pooled: 'no' });
    // The writer's one read of the pool, compareAndSet's re-read, set and read-back, then the writer's own read-back.
    expect((await fake.calls()).map((argv) => argv[3])).toEqual(['get', 'get', 'set/pooled=no:weight=10', 'get', 'get']);
  });
});
