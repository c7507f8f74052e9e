/**
 * The facade bot/ and the commands talk to (jobs/plan/plan-runner.ts): every call reaches its
 * room, and a step goes from `next` to done through it alone. The rooms have their own tests.
 */
import { describe, expect, it } from 'vitest';
import { planOverview } from '../../commands/plan-overview.js';
import type { ChangeRequest } from '../../core/requests.js';
import { PlanRunner } from '../../jobs/plan/plan-runner.js';
import { RequestFiler } from '../../jobs/request-filer.js';
import { callerFor } from '../helpers/fakes.js';
import { INACTIVE, ORIGIN, POOLED, planWorld, type PlanWorld } from '../helpers/plan-world.js';

const W1001 = 'wikikube-worker1001.eqiad.wmnet';
const alice = callerFor('alice');

function runnerOf(world: PlanWorld): PlanRunner {
  const { config, plan, inventory, store, effects, pooling, safety, requests, queue, audit, notifier, clock, scheduleTick } = world;
  const filer = new RequestFiler({ config, clock, requests, queue, audit });
  return new PlanRunner({ config, plan, inventory, store, effects, pooling, writer: safety.writer, proofs: safety.proofs, requests, filer, audit, notifier, clock, scheduleTick });
}

async function approve(world: PlanWorld, id: string): Promise<ChangeRequest> {
  return world.requests.update(id, (request): ChangeRequest => ({ ...request, state: 'approved' }));
}

describe('the plan runner', () => {
  it('takes a step from next through its soak to done, ticking as scheduled', async () => {
    const world = await planWorld({ edit: (plan) => void Object.assign(plan, { time_scale: 0.01 }) });
    world.seed({ position: { dc: 0, step: 1, wave: 0 } });
    const runner = runnerOf(world);

    const reply = await runner.requestNext(alice, { rollout: false, reason: 'rehearsal' });
    const request = await approve(world, reply.id ?? '');
    if (request.action.kind !== 'plan-step') throw new Error('a plan request');
    expect((await runner.execute(request.action, request)).outcome).toBe('pool wikikube-worker1001 · real-traffic ok · soaking 9s under analysis');
    expect(await runner.soakWatch()).toEqual({ lastCheckAt: world.clock.now(), intervalMs: 600 });
    expect(await runner.analyses('eqiad')).toBe(true);

    for (let tick = 0; (await world.run()).phase === 'soaking' && tick < 30; tick += 1) {
      const next = world.ticks.at(-1);
      world.clock.advance(next?.delayMs ?? 0);
      await runner.tick(next?.key);
    }

    expect(await world.run()).toMatchObject({ phase: 'ready', position: { dc: 0, step: 2, wave: 0 } });
    expect(world.said().at(-1)).toMatch(/^✅ eqiad first-worker done: soak of 9s passed \(15 checks\) · 5xx 0\.10% .* · next: eqiad step 3\/4 observe \(req1\)$/);
    expect(planOverview(await runner.progress())).toContain('eqiad: ○ 1 helm-deploy · ✅ 2 first-worker · ▶ 3 observe');
  });

  it('after a restart settles intent entries and schedules the soak again', async () => {
    const world = await planWorld();
    world.set(W1001, POOLED);
    world.seed({ position: { dc: 0, step: 1, wave: 0 }, phase: 'soaking', soak: { startedAt: 0, until: 1, checks: 0, failures: 0 }, journal: [world.entry(W1001, INACTIVE, POOLED, { status: 'intent', detail: '' })] });

    expect(await runnerOf(world).reconcile()).toEqual([`journal 1 ${world.path(W1001)}: done after restart`]);

    expect((await world.run()).journal.map((entry) => entry.status)).toEqual(['done']);
    expect(world.ticks).toHaveLength(1);
  });

  it('runs an emergency stop it queued, and tells others where it reports and how it judges health', async () => {
    const world = await planWorld({ edit: (plan) => void Object.assign(plan, { time_scale: 0.5 }) });
    world.set(W1001, POOLED);
    const runner = runnerOf(world);
    expect(await runner.origin()).toBeUndefined();

    await runner.emergencyStop(alice, 'broken tiles');
    const [queued] = world.queue.enqueued;
    if (queued?.action.kind !== 'plan-step') throw new Error('a plan request');
    expect((await runner.execute(queued.action, queued)).outcome).toBe('emergency stop done, verified: depool wikikube-worker1001. The plan is stopped.');

    expect(world.state(W1001)).toEqual({ pooled: 'no', weight: 10 });
    expect([runner.service, runner.planName, runner.task]).toEqual(['kartotherian', 'test-plan', 'T1000']);
    expect(runner.analysisSettings()).toMatchObject({ intervalMs: 30_000, analysis: { failure_limit: 2 } });
    world.seed({ origin: ORIGIN });
    expect(await runner.origin()).toEqual(ORIGIN);
  });
});
