/**
 * When a soak is analysed next and which tick may do it (jobs/plan/soak-schedule.ts), and what
 * every room reads the same way (jobs/plan/plan-context.ts). Built through their constructors.
 */
import { describe, expect, it } from 'vitest';
import { locate } from '../../core/plan/run-state.js';
import { failingK8s } from '../helpers/fake-plan-effects.js';
import { K8S, POOLED, planWorld } from '../helpers/plan-world.js';

describe('the soak schedule', () => {
  it('starts a soak for the step at the plan time scale, its first tick one interval away', async () => {
    const world = await planWorld({ edit: (plan) => void Object.assign(plan, { time_scale: 0.01 }) });
    world.seed({ position: { dc: 0, step: 1, wave: 0 }, phase: 'acting' });
    const here = locate(world.plan, { dc: 0, step: 1, wave: 0 });
    if (here === undefined) throw new Error('no step');

    const { run, soakMs } = await world.schedule.start(here);

    expect(soakMs).toBe(9000);
    expect(run).toMatchObject({ phase: 'soaking', soak: { startedAt: world.clock.now(), until: world.clock.now() + 9000, checks: 0, failures: 0 } });
    expect(world.ticks).toEqual([{ plan: 'test-plan', delayMs: 600, key: (await world.run()).soak?.tickKey }]);
  });

  it('names each tick by where the soak stands, so a check or a resume makes the last one stale', async () => {
    const world = await planWorld();
    const soak = { startedAt: 5, until: 10, checks: 0, failures: 0 };
    const run = world.seed({ position: { dc: 0, step: 1, wave: 0 }, phase: 'soaking', soak });

    await world.schedule.next(run);
    await world.schedule.next(run);
    await world.schedule.next({ ...run, soak: { ...soak, checks: 1 } });
    await world.schedule.next({ ...run, soak: { ...soak, resumes: 1 } });

    const keys = world.ticks.map((tick) => tick.key);
    expect(keys[0]).toBe(keys[1]);
    expect(new Set(keys).size).toBe(3);
    const latest = await world.run();
    expect(latest.soak?.tickKey).toBe(keys[3]);
    expect(world.schedule.isStale(latest, keys[0])).toBe(true);
    expect(world.schedule.isStale(latest, keys[3])).toBe(false);
    expect(world.schedule.isStale(latest, undefined)).toBe(false);
  });
});

describe('the plan context', () => {
  it("merges a step's analysis over the plan's and scales its interval", async () => {
    const world = await planWorld({ edit: (plan) => void Object.assign(plan.steps[1]!, { analysis: { interval_seconds: 30, failure_limit: 3 } }) });
    const step = world.plan.steps[1];

    expect(world.context.analysisFor(step)).toMatchObject({ interval_seconds: 30, failure_limit: 3, min_request_rate: 1 });
    expect(world.context.intervalMs(step)).toBe(30_000);
    expect(world.context.intervalMs(undefined)).toBe(60_000);
    expect(world.context.lvsServiceOf(world.plan.steps[0])).toBe(K8S);
  });

  it('reads the pooled workers of a pool and the health a gate and a report show (core/health-now.ts words it)', async () => {
    const world = await planWorld();
    world.set('wikikube-worker1002.eqiad.wmnet', POOLED);
    const here = locate(world.plan, { dc: 0, step: 1, wave: 0 });
    if (here === undefined) throw new Error('no step');

    expect(await world.context.pooledWorkers('eqiad', K8S)).toEqual(['wikikube-worker1002.eqiad.wmnet']);
    expect(await world.context.healthNow(here)).toMatchObject({ share: { kind: 'value', value: 0.15 }, verdict: { kind: 'pass' } });
    world.effects.snapshot = { ...failingK8s(), k8sShare: { kind: 'no-data', reason: 'no series' } };
    expect(await world.context.healthNow(here)).toMatchObject({ share: { kind: 'no-data' }, verdict: { kind: 'fail' } });
  });
});
