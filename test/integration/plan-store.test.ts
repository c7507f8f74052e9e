/**
 * The plan's record under a wave's concurrent journal writes (real Redis): one process's updates of
 * a plan wait for each other instead of retrying each other out (a 50-worker wave on the lab ran
 * out of compare-and-swap tries), and a second process still meets the compare-and-swap.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planSchema } from '../../core/plan/plan-schema.js';
import { newPlanRun, type PlanRun } from '../../core/plan/run-state.js';
import { PlanStore } from '../../jobs/plan/plan-store.js';
import { TEST_PLAN } from '../helpers/plan-world.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const plan = planSchema.parse(TEST_PLAN);

function withEntry(run: PlanRun, host: number): PlanRun {
  const seq = run.journal.length + 1;
  return { ...run, journal: [...run.journal, { seq, dc: 'eqiad', stepId: 'wave', wave: 0, kind: 'set-pooled', target: `/conftool/v1/pools/eqiad/maps/kartotherian-k8s-ssl/wikikube-worker${1000 + host}.eqiad.wmnet`, detail: 'pooled', status: 'done', at: host }] };
}

describe('PlanStore under concurrent updates (real Redis)', () => {
  let redis: Redis;
  let other: Redis;
  const prefix = uniquePrefix('plan-store');

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
    other = new Redis(TEST_REDIS_URL);
  });

  afterAll(async () => {
    await cleanupPrefix(redis, prefix);
    await redis.quit();
    await other.quit();
  });

  it('50 journal entries recorded at once by one process and 10 by another: all kept, each seq once', async () => {
    const here = new PlanStore(redis, prefix);
    const there = new PlanStore(other, prefix);
    const initial = (): PlanRun => newPlanRun(plan, 0);
    await Promise.all([
      ...Array.from({ length: 50 }, (_, host) => here.update(plan.name, initial, (run) => withEntry(run, host + 1))),
      ...Array.from({ length: 10 }, (_, host) => there.update(plan.name, initial, (run) => withEntry(run, host + 101))),
    ]);
    const run = await here.get(plan.name);
    expect(run?.journal).toHaveLength(60);
    expect(new Set(run?.journal.map((entry) => entry.seq)).size).toBe(60);
    expect(new Set(run?.journal.map((entry) => entry.target)).size).toBe(60);
  });

  it('a change that throws leaves the record as it was and the next update goes on', async () => {
    const store = new PlanStore(redis, prefix);
    const initial = (): PlanRun => newPlanRun(plan, 0);
    const name = `${plan.name}-throws`;
    const failing = store.update(name, initial, () => {
      throw new Error('refused');
    });
    const next = store.update(name, initial, (run) => withEntry(run, 1));
    await expect(failing).rejects.toThrow('refused');
    expect((await next).journal).toHaveLength(1);
  });
});
