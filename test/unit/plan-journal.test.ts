/**
 * The plan's write-ahead journal (jobs/plan/plan-journal.ts): intent before a change and its
 * outcome after, the compensation stack a rollback unwinds through the one writer, what a
 * restart settles, and drift. Built through its constructor over conftool in a Map.
 */
import { describe, expect, it } from 'vitest';
import { locate, type Located } from '../../core/plan/run-state.js';
import type { SilenceEntry } from '../../jobs/plan/plan-journal.js';
import { DEPOOLED, INACTIVE, POOLED, planWorld, type PlanWorld } from '../helpers/plan-world.js';

const W1001 = 'wikikube-worker1001.eqiad.wmnet';
const W1002 = 'wikikube-worker1002.eqiad.wmnet';
const W1003 = 'wikikube-worker1003.eqiad.wmnet';
const MAPS1005 = 'maps1005.eqiad.wmnet';

function at(world: PlanWorld, step: number, wave = 0): Located {
  const here = locate(world.plan, { dc: 0, step, wave });
  if (here === undefined) throw new Error('no such step');
  return here;
}

/** The first worker pooled by its step, then wave 1 pooling two more, all still in place. */
async function afterWaveOne() {
  const world = await planWorld();
  for (const fqdn of [W1001, W1002, W1003]) world.set(fqdn, POOLED);
  const first = world.entry(W1001, INACTIVE, POOLED);
  const second = world.entry(W1002, INACTIVE, POOLED, { stepId: 'waves' });
  const third = world.entry(W1003, INACTIVE, POOLED, { stepId: 'waves' });
  world.seed({ position: { dc: 0, step: 3, wave: 0 }, phase: 'soaking', journal: [first, second, third] });
  return { world, waves: at(world, 3) };
}

describe('compensate: the saga stack unwound', () => {
  it("reverts the step's writes newest first through the writer, settles them reverted, and logs one SAL line", async () => {
    const { world, waves } = await afterWaveOne();

    const reverted = await world.journal.compensate(waves, 'health breach: p99 3.00s > max 1.50s');

    expect(reverted).toEqual(['wikikube-worker1003 → pooled=inactive', 'wikikube-worker1002 → pooled=inactive']);
    expect(world.pooling.writes.map((write) => write.path)).toEqual([world.path(W1003), world.path(W1002)]);
    expect(world.state(W1003)).toEqual(INACTIVE);
    expect(world.state(W1001)).toEqual(POOLED);
    expect((await world.run()).journal.map((entry) => entry.status)).toEqual(['done', 'reverted', 'reverted']);
    expect(world.said()).toEqual(['!log rolled back wikikube-worker[1002-1003].eqiad.wmnet to pooled=inactive in eqiad (waves) - health breach: p99 3.00s > max 1.50s - cutover@cutover - T1000']);
  });

  it('skips what is no longer ours: a key someone changed since is left as they set it', async () => {
    const { world, waves } = await afterWaveOne();
    world.set(W1003, DEPOOLED);

    const reverted = await world.journal.compensate(waves, 'rollback');

    expect(reverted).toEqual(['wikikube-worker1002 → pooled=inactive']);
    expect(world.pooling.writes.map((write) => write.path)).toEqual([world.path(W1002)]);
    expect(world.state(W1003)).toEqual(DEPOOLED);
    expect((await world.run()).journal.map((entry) => entry.status)).toEqual(['done', 'reverted', 'done']);
  });

  it('names who asked for the change being undone, with the request', async () => {
    const world = await planWorld();
    world.set(W1002, POOLED);
    const { request } = await world.approved({ dc: 0, step: 1, wave: 0 });
    world.seed({ position: { dc: 0, step: 1, wave: 0 }, phase: 'soaking', requestId: request.id, journal: [world.entry(W1002, INACTIVE, POOLED)] });

    await world.journal.compensate(at(world, 1), 'rollback requested');

    expect(world.said()).toEqual([`!log rolled back wikikube-worker1002.eqiad.wmnet to pooled=inactive in eqiad (first-worker) - rollback requested - alice@cutover (${request.id}) - T1000`]);
  });
});

describe('the write-ahead record', () => {
  it('writes intent before the change and done with what it returned after', async () => {
    const world = await planWorld();
    world.seed();
    const seen: string[] = [];

    const detail = await world.journal.track({ kind: 'helm', target: 'eqiad', dc: 'eqiad', stepId: 'helm-deploy', wave: 0, requestId: 'req9' }, async () => {
      seen.push(...(await world.run()).journal.map((entry) => `${entry.target} ${entry.status}`));
      return 'pods 4/4 ready';
    });

    expect(detail).toBe('pods 4/4 ready');
    expect(seen).toEqual(['eqiad intent']);
    expect((await world.run()).journal).toMatchObject([{ seq: 1, target: 'eqiad', status: 'done', detail: 'pods 4/4 ready', requestId: 'req9' }]);
    expect(await world.journal.doneAt(at(world, 0), 'eqiad')).toMatchObject({ seq: 1 });
  });

  it('records a change that threw as failed, with the error, and throws it on', async () => {
    const world = await planWorld();
    world.seed();

    await expect(world.journal.track({ kind: 'puppet', target: 'A:maps-eqiad', dc: 'eqiad', stepId: 'helm-deploy', wave: 0 }, () => Promise.reject(new Error('cumin timed out')))).rejects.toThrow('cumin timed out');

    expect((await world.run()).journal).toMatchObject([{ status: 'failed', detail: 'cumin timed out' }]);
    expect(await world.journal.doneAt(at(world, 0), 'A:maps-eqiad')).toBeUndefined();
  });
});

describe('after a restart', () => {
  it('settles intent entries by what conftool holds: done, failed, or left as drift', async () => {
    const world = await planWorld();
    world.set(W1001, POOLED);
    world.set(W1003, DEPOOLED);
    world.seed({
      journal: [
        world.entry(W1001, INACTIVE, POOLED, { status: 'intent', detail: '' }),
        world.entry(W1002, INACTIVE, POOLED, { status: 'intent', detail: '' }),
        world.entry(W1003, INACTIVE, POOLED, { status: 'intent', detail: '' }),
      ],
    });

    const notes = await world.journal.settleIntents();

    expect((await world.run()).journal.map((entry) => entry.status)).toEqual(['done', 'failed', 'intent']);
    expect(notes).toEqual([
      `journal 1 ${world.path(W1001)}: done after restart`,
      `journal 2 ${world.path(W1002)}: failed after restart`,
      `${world.path(W1003)} is neither what it was nor what the plan wrote: drift`,
      `journal 3 ${world.path(W1003)}: intent after restart`,
    ]);
  });

  it('has nothing to settle before the plan ever ran', async () => {
    const world = await planWorld();
    expect(await world.journal.settleIntents()).toEqual([]);
    expect(world.store.updates).toBe(0);
  });
});

describe('drift and the guard', () => {
  it("reports the plan's latest writes conftool no longer holds, and nothing while it does", async () => {
    const world = await planWorld();
    world.set(MAPS1005, POOLED);
    const run = world.seed({ journal: [world.entry(MAPS1005, POOLED, DEPOOLED, { stepId: 'waves', wave: 1 })] });

    expect(await world.journal.drift(run)).toEqual(['maps1005.eqiad.wmnet is pooled=yes, the plan set no']);
    world.set(MAPS1005, DEPOOLED);
    expect(await world.journal.drift(run)).toEqual([]);
  });

  it("marks the plan's write of a worker the guard depooled as reverted, and ignores a worker the plan never pooled", async () => {
    const world = await planWorld();
    const run = world.seed({ journal: [world.entry(W1001, INACTIVE, POOLED, { detail: 'pool wikikube-worker1001' })] });

    expect(await world.journal.guardDepooled(run, 'eqiad', W1002, 'fails real requests')).toBe(false);
    expect(await world.journal.guardDepooled(run, 'codfw', W1001, 'fails real requests')).toBe(false);
    expect(await world.journal.guardDepooled(run, 'eqiad', W1001, 'fails real requests')).toBe(true);

    expect((await world.run()).journal).toMatchObject([{ status: 'reverted', detail: 'pool wikikube-worker1001 · depooled by the guard: fails real requests' }]);
    expect(await world.journal.drift(await world.run())).toEqual([]);
  });

  it("shows a replayed request the pool as it found it: its own writes so far undone, others' kept", async () => {
    const world = await planWorld();
    world.set(MAPS1005, DEPOOLED);
    world.set(W1001, POOLED);
    const run = world.seed({
      journal: [world.entry(W1001, INACTIVE, POOLED), world.entry(MAPS1005, POOLED, DEPOOLED, { stepId: 'waves', wave: 1, requestId: 'req7', status: 'intent' })],
    });
    const pool = world.inventory.pool('kartotherian-k8s-ssl', 'eqiad');

    const seen = new Map((await world.journal.poolAsBeforeRequest(run, at(world, 3, 1), 'req7').listPool(pool)).map((entry) => [entry.fqdn, entry.state]));

    expect(seen.get(MAPS1005)).toEqual(POOLED);
    expect(seen.get(W1001)).toEqual(POOLED);
  });
});

describe('what a rollback would undo', () => {
  it("lists the plan's writes still in place, newest first, with the line that undoes each", async () => {
    const { world } = await afterWaveOne();
    const run = await world.run();
    run.journal[1] = { ...run.journal[1]!, status: 'reverted' };

    const entries = world.journal.revertible(run);

    expect(entries.map((entry) => entry.seq)).toEqual([3, 1]);
    expect(world.journal.revertLine(entries[0]!)).toBe(`conftool ${world.path(W1003)} {"pooled":"yes","weight":10} → {"pooled":"inactive","weight":0}`);
  });
});

describe('silence entries', () => {
  it('are kept in the journal but never taken for conftool writes: not reverted, not drift, not settled, not revertible', async () => {
    const { world, waves } = await afterWaveOne();
    const run = await world.run();
    const silence: SilenceEntry = { ...world.entry(MAPS1005, POOLED, DEPOOLED, { stepId: 'waves', kind: 'silence', target: MAPS1005, status: 'done', detail: 'silenced until the plan repools it' }), kind: 'silence', silenceId: '1406cf11-c333-4755-8afe-caf13ecd3c04' };
    const { from: _from, to: _to, ...withoutStates } = silence;
    world.seed({ ...run, journal: [...run.journal, withoutStates, { ...withoutStates, seq: withoutStates.seq + 1, status: 'intent' }] });

    expect(await world.journal.drift(await world.run())).toEqual([]);
    expect(world.journal.revertible(await world.run()).map((entry) => entry.kind)).toEqual(['set-pooled', 'set-pooled', 'set-pooled']);
    expect(await world.journal.settleIntents()).toEqual([]);
    await world.journal.compensate(waves, 'rollback');
    expect((await world.run()).journal.filter((entry) => entry.kind === 'silence').map((entry) => [entry.status, entry.silenceId])).toEqual([
      ['done', '1406cf11-c333-4755-8afe-caf13ecd3c04'],
      ['intent', '1406cf11-c333-4755-8afe-caf13ecd3c04'],
    ]);
  });
});
