/**
 * A step's soak (jobs/plan/soak-analysis.ts): the tick and its key, the breach that rolls the
 * last change back by itself, drift and no-data pauses, and resume in the middle of a soak.
 * The rooms below it are the real ones over fakes; step execution, above it, is a recording fake.
 * Over 300 lines: one file for the one class, its tick, breach, backend-failure and resume cases together.
 */
import { describe, expect, it } from 'vitest';
import { CutoverError } from '../../core/errors.js';
import type { Located, PlanRun } from '../../core/plan/run-state.js';
import type { ExecutionResult } from '../../jobs/run-set-pooled.js';
import { SoakAnalysis } from '../../jobs/plan/soak-analysis.js';
import type { StepExecution } from '../../jobs/plan/step-execution.js';
import { callerFor } from '../helpers/fakes.js';
import { failingK8s } from '../helpers/fake-plan-effects.js';
import { INACTIVE, POOLED, planWorld, type PlanWorld } from '../helpers/plan-world.js';

const W1001 = 'wikikube-worker1001.eqiad.wmnet';
const W1002 = 'wikikube-worker1002.eqiad.wmnet';
const W1003 = 'wikikube-worker1003.eqiad.wmnet';
const MINUTE = 60_000;
const alice = callerFor('alice');

/** What step execution was asked to do: the soak is its last part, and it finishes the step. */
class RecordingExecution implements Pick<StepExecution, 'afterChanges' | 'complete'> {
  readonly completed: { position: PlanRun['position']; stepId: string; summary: string }[] = [];
  readonly rechecked: string[] = [];
  result: ExecutionResult | Error = { state: 'succeeded', outcome: 'real-traffic ok', auditDetail: '' };

  async afterChanges(here: Located): Promise<ExecutionResult> {
    this.rechecked.push(here.step.id);
    if (this.result instanceof Error) throw this.result;
    return this.result;
  }

  async complete(run: PlanRun, here: Located, summary: string): Promise<void> {
    this.completed.push({ position: run.position, stepId: here.step.id, summary });
  }
}

function soakOf(world: PlanWorld, execution = new RecordingExecution()): SoakAnalysis {
  const { context, narration, journal, pauses, schedule } = world;
  return new SoakAnalysis({ context, narration, journal, pauses, schedule, execution });
}

/** Wave 1 of `waves` pooled two more workers beside the first one and soaks, 15 minutes to go. */
async function soakingWaveOne() {
  const world = await planWorld();
  for (const fqdn of [W1001, W1002, W1003]) world.set(fqdn, POOLED);
  const { request } = await world.approved({ dc: 0, step: 3, wave: 0 });
  const now = world.clock.now();
  world.seed({
    position: { dc: 0, step: 3, wave: 0 },
    phase: 'soaking',
    requestId: request.id,
    soak: { startedAt: now, until: now + 15 * MINUTE, checks: 0, failures: 0, tickKey: 'first' },
    journal: [world.entry(W1001, INACTIVE, POOLED), world.entry(W1002, INACTIVE, POOLED, { stepId: 'waves' }), world.entry(W1003, INACTIVE, POOLED, { stepId: 'waves' })],
  });
  const execution = new RecordingExecution();
  return { world, request, execution, soak: soakOf(world, execution) };
}

describe('a soak tick', () => {
  it('counts a pass and schedules the next tick one interval away, under a new key', async () => {
    const { world, soak } = await soakingWaveOne();
    world.clock.advance(MINUTE);

    await soak.tick('first');

    const run = await world.run();
    expect(run.soak).toMatchObject({ checks: 1, failures: 0, lastCheckAt: world.clock.now(), lastSummary: expect.stringContaining('5xx 0.10%') as string });
    expect(world.ticks).toHaveLength(1);
    expect(world.ticks[0]).toMatchObject({ plan: 'test-plan', delayMs: MINUTE });
    expect(world.ticks[0]?.key).not.toBe('first');
    expect(run.soak?.tickKey).toBe(world.ticks[0]?.key);
  });

  it('does nothing for a stale key: no reading, no write, no schedule', async () => {
    const { world, soak } = await soakingWaveOne();
    const updates = world.store.updates;

    await soak.tick('left-over-from-before-a-pause');

    expect(world.effects.calls).toEqual([]);
    expect(world.store.updates).toBe(updates);
    expect(world.ticks).toEqual([]);
  });

  it('hands a soak that ran its time with a pass to step execution to complete the step', async () => {
    const { world, soak, execution } = await soakingWaveOne();
    world.clock.advance(15 * MINUTE);

    await soak.tick();

    expect(execution.completed).toEqual([{ position: { dc: 0, step: 3, wave: 0 }, stepId: 'waves', summary: expect.stringMatching(/^soak of 15m passed \(1 checks\) · 5xx 0\.10%/) as string }]);
    expect(world.ticks).toEqual([]);
  });

  it('pauses on drift before reading any health: a key the plan wrote was changed outside it', async () => {
    const { world, soak } = await soakingWaveOne();
    world.set(W1002, INACTIVE);

    await soak.tick('first');

    expect((await world.run()).pause).toMatchObject({ reason: 'drift: wikikube-worker1002.eqiad.wmnet is pooled=inactive, the plan set yes (changed outside the plan)', resume: 'soaking' });
    expect(world.effects.called('health')).toEqual([]);
    expect(world.pooling.writes).toEqual([]);
  });

  it('pauses and asks people when there are no metrics, and writes nothing', async () => {
    const { world, soak } = await soakingWaveOne();
    world.effects.snapshot = { ...failingK8s(), k8s: { errorRatio: { kind: 'no-data', reason: 'no series' }, p99Seconds: { kind: 'no-data', reason: 'no series' }, requestRate: { kind: 'no-data', reason: 'no series' } } };

    await soak.tick('first');

    const run = await world.run();
    expect(run.phase).toBe('paused');
    expect(run.pause?.reason).toMatch(/^inconclusive health: .*5xx: no data \(no series\).* !kartotherian resume to keep soaking, or !kartotherian rollback$/);
    expect(world.said().at(-1)).toMatch(/^⏸ test-plan paused: inconclusive health/);
    expect(world.pooling.writes).toEqual([]);
  });
});

describe('a soak tick whose backends do not answer', () => {
  it('pauses as inconclusive when Prometheus is unreachable, instead of throwing the tick away', async () => {
    const { world, soak } = await soakingWaveOne();
    world.effects.healthError = new CutoverError('adapter.unreachable', 'Prometheus at http://127.0.0.1:9090 is unreachable (connection refused)');

    await soak.tick('first');

    const run = await world.run();
    expect(run.phase).toBe('paused');
    expect(run.pause).toMatchObject({ resume: 'soaking' });
    expect(run.pause?.reason).toBe(
      'inconclusive: the soak could not be analysed: Prometheus at http://127.0.0.1:9090 is unreachable (connection refused). !kartotherian resume to keep soaking once it answers, or !kartotherian rollback',
    );
    expect(world.said().at(-1)).toMatch(/^⏸ test-plan paused: inconclusive: the soak could not be analysed: Prometheus/);
    expect(world.pooling.writes).toEqual([]);
    expect(world.ticks).toEqual([]);
  });

  it('pauses the same way when conftool cannot be read for the drift check', async () => {
    const { world, soak } = await soakingWaveOne();
    const unreachable = async (): Promise<never> => {
      throw new CutoverError('adapter.unreachable', 'etcd at http://127.0.0.1:2379 is unreachable (connection refused)');
    };
    world.pooling.get = unreachable;
    world.pooling.listPool = unreachable;

    await soak.tick('first');

    expect((await world.run()).pause?.reason).toMatch(/^inconclusive: the soak could not be analysed: etcd at http:\/\/127\.0\.0\.1:2379 is unreachable/);
  });

  it('throws an error that is not a backend not answering (the tick is retried)', async () => {
    const { world, soak } = await soakingWaveOne();
    world.effects.healthError = new Error('a bug');

    await expect(soak.tick('first')).rejects.toThrow('a bug');
    expect((await world.run()).phase).toBe('soaking');
  });
});

describe('a breach during a soak rolls back the last change', () => {
  it('warns on a failed check under the limit and keeps soaking', async () => {
    const { world, soak } = await soakingWaveOne();
    world.effects.snapshot = failingK8s();

    await soak.tick('first');

    expect((await world.run()).soak).toMatchObject({ failures: 1, checks: 1 });
    expect(world.said()).toEqual([expect.stringMatching(/^⚠ eqiad waves: failed check 1\/2: 5xx 100\.0% > max 1\.0%/)]);
    expect(world.ticks).toHaveLength(1);
    expect(world.pooling.writes).toEqual([]);
  });

  it("at the limit reverts the step's writes newest first through the writer and pauses with the numbers", async () => {
    const { world, soak, request } = await soakingWaveOne();
    world.effects.snapshot = failingK8s();
    await soak.tick('first');
    const second = world.ticks[0]?.key;

    await soak.tick(second);

    expect(world.pooling.writes.map((write) => [write.path, write.next.pooled])).toEqual([
      [world.path(W1003), 'inactive'],
      [world.path(W1002), 'inactive'],
    ]);
    expect(world.state(W1001)).toEqual(POOLED);
    const run = await world.run();
    expect(run.phase).toBe('paused');
    expect(run.pause).toMatchObject({ resume: 'ready', reason: expect.stringMatching(/^health breach during soak: 5xx 100\.0% > max 1\.0% · 5xx 100\.0% · p99 200ms/) as string });
    expect(world.audit.entries.at(-1)).toMatchObject({ event: 'plan.auto-rollback', who: 'cutover', where: 'plan', detail: expect.stringMatching(/^waves: 5xx 100\.0% > max 1\.0%/) as string });
    const breach = world.notifier.sent.at(-1);
    expect(breach?.message).toMatchObject({ kind: 'error', requestId: request.id, mark: '❌' });
    expect(breach?.message.text).toMatch(/^⏪ eqiad waves: health breach, rolled back by itself \(wikikube-worker1003 → pooled=inactive, wikikube-worker1002 → pooled=inactive, verified\): 5xx 100\.0% > max 1\.0% .*\. Plan paused\.$/);
    expect(world.said()).toContainEqual(expect.stringMatching(/^!log rolled back wikikube-worker\[1002-1003\]\.eqiad\.wmnet to pooled=inactive in eqiad \(waves\) - health breach: 5xx 100\.0%.* - alice@cutover \(\w+\) - T1000$/));
  });

  it('the guard depooling a worker the plan pooled ends the soak as a breach: the rest of the step rolls back', async () => {
    const { world, soak } = await soakingWaveOne();
    // The guard wrote W1002 out already; the plan only learns of it.
    world.set(W1002, INACTIVE);

    await soak.workerFailed('eqiad', W1002, 'probes 0/3 (503 ×3)');

    expect(world.pooling.writes.map((write) => write.path)).toEqual([world.path(W1003)]);
    expect((await world.run()).journal.map((entry) => entry.status)).toEqual(['done', 'reverted', 'reverted']);
    expect(world.said().at(-1)).toBe('⏪ eqiad waves: real requests fail, rolled back by itself (wikikube-worker1003 → pooled=inactive, verified): the guard depooled wikikube-worker1002: probes 0/3 (503 ×3). Plan paused.');
    expect((await world.run()).pause?.reason).toBe('real requests fail during soak: the guard depooled wikikube-worker1002: probes 0/3 (503 ×3)');
  });

  it('the guard depooling a worker the plan pooled while the soak is paused ends the soak the same way: resume cannot pass the step without it', async () => {
    const { world, soak } = await soakingWaveOne();
    world.effects.healthError = new CutoverError('adapter.unreachable', 'Prometheus is unreachable');
    await soak.tick('first');
    expect((await world.run()).pause?.resume).toBe('soaking');
    world.set(W1002, INACTIVE);

    await soak.workerFailed('eqiad', W1002, 'probes 0/3 (503 ×3)');

    expect(world.pooling.writes.map((write) => write.path)).toEqual([world.path(W1003)]);
    const run = await world.run();
    expect(run.pause).toMatchObject({ reason: 'real requests fail during soak: the guard depooled wikikube-worker1002: probes 0/3 (503 ×3)', resume: 'ready' });
    expect(world.said().at(-1)).toMatch(/^⏪ eqiad waves: real requests fail, rolled back by itself \(wikikube-worker1003 → pooled=inactive, verified\)/);
  });

  it('leaves the plan alone when the guard depools a worker the plan never pooled', async () => {
    const { world, soak } = await soakingWaveOne();
    const before = await world.run();

    await soak.workerFailed('eqiad', 'wikikube-worker1004.eqiad.wmnet', 'probes 0/3');

    expect(await world.run()).toEqual(before);
    expect(world.said()).toEqual([]);
  });
});

describe('pause and resume in the middle of a soak', () => {
  it('resumes soaking under a new tick key with the failures forgiven; the tick from before the pause is stale', async () => {
    const { world, soak } = await soakingWaveOne();
    world.effects.snapshot = failingK8s();
    await soak.tick('first');
    const beforePause = world.ticks[0]?.key;
    await world.pauses.pause(alice, 'looking at the dashboards');
    world.clock.advance(20 * MINUTE);

    const resumed = await soak.resume(alice);

    // Data for commands/ to word (plan-commands.test.ts pins the words).
    expect(resumed).toEqual({ kind: 'resumed', plan: 'test-plan', by: 'alice', phase: 'soaking', position: 'eqiad step 4/4 waves wave 1/2' });
    const run = await world.run();
    expect(run.soak).toMatchObject({ failures: 0, resumes: 1, checks: 1, lastCheckAt: world.clock.now(), until: world.clock.now() + MINUTE });
    const tick = world.ticks.at(-1)?.key;
    expect(tick).toBeDefined();
    expect(tick).not.toBe(beforePause);
    expect(run.soak?.tickKey).toBe(tick);

    world.effects.calls.length = 0;
    await soak.tick(beforePause);
    expect(world.effects.calls).toEqual([]);
    expect(world.audit.events()).toEqual(['plan.paused', 'plan.resumed']);
  });

  it('after an inconclusive check, resume runs the checks again instead of going on', async () => {
    const { world, soak, execution } = await soakingWaveOne();
    await world.pauses.pauseWith('inconclusive: no metrics', true);

    const rechecked = { kind: 'rechecked', plan: 'test-plan', by: 'alice', dc: 'eqiad', stepId: 'waves' };
    expect(await soak.resume(alice)).toEqual({ ...rechecked, result: 'real-traffic ok' });
    expect(execution.rechecked).toEqual(['waves']);
    expect((await world.run()).phase).toBe('acting');

    await world.pauses.pauseWith('inconclusive: no metrics', true);
    execution.result = new Error('waves failed verification: real requests fail on wikikube-worker1002');
    expect(await soak.resume(alice)).toEqual({ ...rechecked, result: 'waves failed verification: real requests fail on wikikube-worker1002' });
  });

  it('refuses to resume a plan that is not paused', async () => {
    const { soak } = await soakingWaveOne();
    await expect(soak.resume(alice)).rejects.toThrow('The plan is soaking, not paused.');
  });
});

describe('what others read of the soak', () => {
  it('tells the guard which DC it analyses and the watchdog when it last checked', async () => {
    const { world, soak } = await soakingWaveOne();
    expect(await soak.analyses('eqiad')).toBe(true);
    expect(await soak.analyses('codfw')).toBe(false);
    expect(await soak.soakWatch()).toEqual({ lastCheckAt: world.clock.now(), intervalMs: MINUTE });

    await world.pauses.pauseWith('drift');
    expect(await soak.analyses('eqiad')).toBe(false);
    expect(await soak.soakWatch()).toBeUndefined();
  });

  it('keeps a stored soak ticking after a restart, under the key the soak already has', async () => {
    const { world, soak } = await soakingWaveOne();
    await soak.keepTicking();
    await soak.keepTicking();
    expect(world.ticks).toHaveLength(2);
    expect(world.ticks[0]?.key).toBe(world.ticks[1]?.key);
  });
});
