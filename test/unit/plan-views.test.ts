/**
 * What people see of the plan (jobs/plan/plan-views.ts): where it stands, what it waits for,
 * what changed outside it, and what its next step, a rollback or a stop would write. Built
 * through its constructor from the real rooms below it over fakes.
 */
import { describe, expect, it } from 'vitest';
import type { ChangeRequest } from '../../core/requests.js';
import { EmergencyStop } from '../../jobs/plan/emergency-stop.js';
import { PlanViews } from '../../jobs/plan/plan-views.js';
import { DEPOOLED, INACTIVE, POOLED, planWorld, type PlanWorld } from '../helpers/plan-world.js';

const W1001 = 'wikikube-worker1001.eqiad.wmnet';
const W1002 = 'wikikube-worker1002.eqiad.wmnet';
const W1003 = 'wikikube-worker1003.eqiad.wmnet';
const MAPS1005 = 'maps1005.eqiad.wmnet';

function viewsOf(world: PlanWorld): PlanViews {
  const { context, narration, journal, requests, safety } = world;
  return new PlanViews({ context, journal, emergency: new EmergencyStop({ context, narration, writer: safety.writer }), requests });
}

describe('where the plan stands', () => {
  it('marks each step per DC and says what the plan waits for', async () => {
    const world = await planWorld();

    expect(await viewsOf(world).overview()).toBe(
      [
        'test-plan (T1000) · ready at eqiad step 1/4 helm-deploy',
        'eqiad: ▶ 1 helm-deploy · ○ 2 first-worker · ○ 3 observe · ○ 4 waves',
        'codfw: ○ 1 helm-deploy · ○ 2 first-worker · ○ 3 observe · ○ 4 waves',
        'blocking: waiting for someone to say !kartotherian next (deploy on Wikikube)',
      ].join('\n'),
    );
  });

  it('shows done, partial and paused steps, and the limits health is judged by', async () => {
    const world = await planWorld();
    const completed = ['helm-deploy', 'first-worker', 'observe', 'waves'].map((stepId) => ({ dc: 'eqiad', stepId, wave: 0, outcome: 'ok', at: 0 }));
    world.seed({ position: { dc: 0, step: 3, wave: 1 }, phase: 'paused', pause: { reason: 'paused by bob: lunch', at: 0, resume: 'ready' }, completed: completed.slice(0, 3) });
    const views = viewsOf(world);

    const progress = await views.progress();
    expect(progress.datacenters[0]?.steps.map((step) => step.mark)).toEqual(['done', 'done', 'done', 'paused']);
    expect(progress).toMatchObject({ phase: 'paused', position: 'eqiad step 4/4 waves wave 2/2', blocking: 'paused by bob: lunch', limits: { errorRatioMax: 0.01, p99SecondsMax: 1.5 } });

    world.seed({ position: { dc: 1, step: 0, wave: 0 }, completed });
    expect((await views.progress()).datacenters[0]?.steps.map((step) => step.mark)).toEqual(['done', 'done', 'done', 'partial']);
  });

  it('says why the next step is blocked', async () => {
    const world = await planWorld();
    for (const fqdn of [W1001, W1002, W1003]) world.set(fqdn, POOLED);
    world.seed({ position: { dc: 0, step: 3, wave: 1 }, journal: [world.entry(W1001, INACTIVE, POOLED), world.entry(W1002, INACTIVE, POOLED, { stepId: 'waves' }), world.entry(W1003, INACTIVE, POOLED, { stepId: 'waves' })] });

    expect((await viewsOf(world).progress()).blocking).toMatch(/^waves is blocked: maps1005, maps1006 stay until every pooled worker has served real requests/);
  });

  it('says what changed in the pool outside the plan', async () => {
    const world = await planWorld();
    world.set(W1001, POOLED);
    world.set('wikikube-worker1004.eqiad.wmnet', POOLED);
    world.set(MAPS1005, DEPOOLED);
    world.seed({ position: { dc: 0, step: 2, wave: 0 }, journal: [world.entry(W1001, INACTIVE, POOLED)] });

    expect((await viewsOf(world).progress()).blocking).toBe('waiting for someone to say !kartotherian next (health report) · outside the plan in eqiad: wikikube-worker1004 pooled; maps1005 (no) out');
  });

  it('names the request the plan waits for, and a denied one as dead', async () => {
    const world = await planWorld();
    const { request } = await world.approved({ dc: 0, step: 0, wave: 0 });
    await world.requests.update(request.id, (current): ChangeRequest => ({ ...current, state: 'pending', approvals: [] }));
    const views = viewsOf(world);

    expect((await views.progress()).blocking).toBe(`waiting for approval of ${request.id} (0/1)`);
    await world.requests.update(request.id, (current): ChangeRequest => ({ ...current, state: 'denied' }));
    expect((await views.progress()).blocking).toBe(`${request.id} was denied; !kartotherian next asks again`);
  });

  it('counts down a soak with its checks and its last numbers', async () => {
    const world = await planWorld();
    world.seed({ position: { dc: 0, step: 1, wave: 0 }, phase: 'soaking', soak: { startedAt: world.clock.now(), until: world.clock.now() + 600_000, checks: 5, failures: 0, lastSummary: '5xx 0.10%' } });

    expect((await viewsOf(world).progress()).blocking).toBe('soak ends in 10m, 5 checks so far, last: 5xx 0.10%');
  });
});

describe('dry runs', () => {
  it('shows the next step: its writes, its checks, and its soak at the plan time scale', async () => {
    const world = await planWorld({ edit: (plan) => void Object.assign(plan, { time_scale: 0.01 }) });
    world.seed({ position: { dc: 0, step: 1, wave: 0 } });

    const preview = (await viewsOf(world).preview('advance')).split('\n');

    expect(preview[0]).toBe('dry-run, nothing changed · eqiad step 2/4 first-worker: pool the first worker (gate: one)');
    expect(preview[1]).toBe(`  conftool ${world.path(W1001)} {"pooled":"inactive","weight":0} → {"pooled":"yes","weight":10}`);
    expect(preview.slice(-2)).toEqual(['  then check wikikube served real requests via the kartotherian-k8s-ssl VIP', '  then soak 9s with analysis every 1s']);
  });

  it('shows a blocked step blocked, a report step as a report, and the end of the plan', async () => {
    const world = await planWorld();
    const views = viewsOf(world);
    for (const fqdn of [W1001, W1002, W1003]) world.set(fqdn, POOLED);
    world.seed({ position: { dc: 0, step: 3, wave: 1 } });
    expect(await views.preview('advance')).toMatch(/^dry-run, nothing changed · eqiad step 4\/4 waves wave 2\/2: .*\n {2}blocked: maps1005, maps1006 stay until/);

    world.seed({ position: { dc: 0, step: 2, wave: 0 } });
    expect(await views.preview('advance')).toBe('dry-run, nothing changed · eqiad step 3/4 observe: health report (gate: none)\n  (no change: a report only)');

    world.seed({ position: { dc: 2, step: 0, wave: 0 }, phase: 'done' });
    expect(await views.preview('advance')).toBe('dry-run: the plan is complete.');
  });

  it('shows a rollback newest first, and an emergency stop bare metal first', async () => {
    const world = await planWorld();
    const views = viewsOf(world);
    expect(await views.preview('rollback')).toBe('dry-run: nothing to roll back (no conftool change of this plan is still in place).');
    expect(await views.preview('emergency-stop')).toBe('dry-run: an emergency stop would change nothing (bare metal is pooled, no worker is).');

    world.set(W1001, POOLED);
    world.set(MAPS1005, DEPOOLED);
    world.seed({ journal: [world.entry(W1001, INACTIVE, POOLED), world.entry(MAPS1005, POOLED, DEPOOLED, { stepId: 'waves', wave: 1 })] });

    expect(await views.preview('rollback')).toBe(
      [
        'dry-run, nothing changed · rollback would write, newest first:',
        `  conftool ${world.path(MAPS1005)} {"pooled":"no","weight":10} → {"pooled":"yes","weight":10}`,
        `  conftool ${world.path(W1001)} {"pooled":"yes","weight":10} → {"pooled":"inactive","weight":0}`,
      ].join('\n'),
    );
    expect(await views.preview('emergency-stop')).toBe(
      [
        'dry-run, nothing changed · emergency stop would write, bare metal first:',
        `  conftool ${world.path(MAPS1005)} {"pooled":"no","weight":10} → {"pooled":"yes","weight":10}`,
        `  conftool ${world.path(W1001)} {"pooled":"yes","weight":10} → {"pooled":"no","weight":10}`,
      ].join('\n'),
    );
  });
});
