/**
 * What people see of the plan (jobs/plan/plan-views.ts): where it stands, what it waits for,
 * what changed outside it, and what follows a step's approval (its dry runs are the requests'
 * own, in plan-requests.test.ts). Built through its constructor over fakes.
 */
import { describe, expect, it } from 'vitest';
import { planOverview } from '../../commands/plan-overview.js';
import { locate } from '../../core/plan/run-state.js';
import type { ChangeRequest } from '../../core/requests.js';
import { PlanViews } from '../../jobs/plan/plan-views.js';
import { stepOperations } from '../../jobs/plan/step-operations.js';
import { DEPOOLED, INACTIVE, POOLED, planWorld, type PlanWorld } from '../helpers/plan-world.js';

const W1001 = 'wikikube-worker1001.eqiad.wmnet';
const W1002 = 'wikikube-worker1002.eqiad.wmnet';
const W1003 = 'wikikube-worker1003.eqiad.wmnet';
const MAPS1005 = 'maps1005.eqiad.wmnet';

function viewsOf(world: PlanWorld): PlanViews {
  const { context, requests } = world;
  return new PlanViews({ context, requests });
}

describe('where the plan stands', () => {
  it('marks each step per DC and says what the plan waits for', async () => {
    const world = await planWorld();

    // Worded by commands/ from the data the status page draws too.
    expect(planOverview(await viewsOf(world).progress())).toBe(
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

describe('after approval', () => {
  it("lists a step's checks and its soak at the plan time scale, and a wave's arithmetic", async () => {
    const world = await planWorld({ edit: (plan) => void Object.assign(plan, { time_scale: 0.01 }) });
    const views = viewsOf(world);
    const after = async (position: { dc: number; step: number; wave: number }): Promise<string[]> => {
      const here = locate(world.plan, position);
      if (here === undefined) throw new Error('no such step');
      const ops = await stepOperations(here, world.context.stepContext(here));
      if (ops.kind === 'blocked') throw new Error(ops.reason);
      return views.afterApproval(here, ops);
    };

    expect(await after({ dc: 0, step: 1, wave: 0 })).toEqual([
      'after: 6 serving of 7 counted (inactive excluded; 1 pooled worker(s) not proven are not capacity) ≥ floor 4 = ceil(7 × 0.5) · pybal could eject 3 failing host(s); unproven workers: 1',
      'then check wikikube served real requests via the kartotherian-k8s-ssl VIP',
      'then soak 9s with analysis every 1s',
    ]);
    expect(await after({ dc: 0, step: 2, wave: 0 })).toEqual([]);
  });
});
