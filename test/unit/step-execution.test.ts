/**
 * An approved step carried out (jobs/plan/step-execution.ts): exactly the approved writes,
 * journalled ahead and logged; its checks; then its soak, its end, or a pause that says why.
 * Built through its constructor from the real rooms below it over fakes; the rollout (a room
 * above it) is a recording fake.
 */
import { describe, expect, it } from 'vitest';
import { CutoverError } from '../../core/errors.js';
import type { PlanRun } from '../../core/plan/run-state.js';
import type { PlanRequests } from '../../jobs/plan/plan-requests.js';
import { StepExecution } from '../../jobs/plan/step-execution.js';
import { INACTIVE, K8S, POOLED, planWorld, type PlanWorld } from '../helpers/plan-world.js';

const W1001 = 'wikikube-worker1001.eqiad.wmnet';
const W1002 = 'wikikube-worker1002.eqiad.wmnet';
const FIRST_WORKER = { dc: 0, step: 1, wave: 0 };

class RecordingRollout implements Pick<PlanRequests, 'continueRollout'> {
  readonly continued: PlanRun[] = [];

  async continueRollout(run: PlanRun): Promise<void> {
    this.continued.push(run);
  }
}

function executionOf(world: PlanWorld, rollout = new RecordingRollout()): StepExecution {
  const { context, narration, journal, pauses, schedule, safety } = world;
  return new StepExecution({ context, narration, journal, pauses, schedule, rollout, writer: safety.writer, proofs: safety.proofs, silences: world.silences });
}

async function rejection(promise: Promise<unknown>): Promise<CutoverError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  if (error instanceof CutoverError) return error;
  throw new Error(`expected a CutoverError, got ${String(error)}`);
}

describe('a step carried out', () => {
  it('pools the approved worker through the writer, journals it, logs it, checks it and starts the soak', async () => {
    const world = await planWorld();
    const { action, request } = await world.approved(FIRST_WORKER);

    const result = await executionOf(world).advance(action, request);

    expect(result).toEqual({ state: 'succeeded', outcome: 'pool wikikube-worker1001 · real-traffic ok · soaking 15m under analysis', auditDetail: 'pool wikikube-worker1001 · real-traffic ok', narrated: true });
    expect(world.pooling.writes.map((write) => [write.path, write.next])).toEqual([[world.path(W1001), POOLED]]);
    const run = await world.run();
    expect(run.journal).toMatchObject([{ kind: 'set-pooled', target: world.path(W1001), status: 'done', detail: 'pool wikikube-worker1001', requestId: request.id, from: INACTIVE, to: POOLED }]);
    expect(run.phase).toBe('soaking');
    expect(run.soak).toMatchObject({ startedAt: world.clock.now(), until: world.clock.now() + 900_000, checks: 0, failures: 0 });
    expect(world.ticks).toEqual([{ plan: 'test-plan', delayMs: 60_000, key: run.soak?.tickKey }]);
    expect(world.said()).toEqual([
      `▶ eqiad first-worker: pool the first worker (${request.id}) · then soaks 15m under analysis`,
      '!log conftool wikikube-worker1001.eqiad.wmnet kartotherian-k8s-ssl (eqiad): pooled=inactive → yes weight=10 - rehearsal - alice@cutover - T1000',
    ]);
    expect(world.notifier.sent[1]?.dedupeKey).toMatch(new RegExp(`^sal-${request.id}-`));
    // ▶ is said once and kept (a result, not progress an outbox may coalesce or send after the ✅); both are about the request.
    expect(world.notifier.sent.map((sent) => [sent.message.kind, sent.message.requestId])).toEqual([
      ['result', request.id],
      ['result', request.id],
    ]);
    const [check] = world.effects.called('runCheck') as { context: { pooled: Map<string, string[]>; minRequestRate: number } }[];
    expect(check?.context.pooled.get('wikikube')).toEqual([W1001]);
    expect(check?.context.minRequestRate).toBe(1);
  });

  it("deploys with helm, and the SAL line names the plan's service, whichever it is", async () => {
    const world = await planWorld({ service: 'tilerator' });
    const { action, request } = await world.approved({ dc: 0, step: 0, wave: 0 });

    const result = await executionOf(world).advance(action, request);

    expect(result.outcome).toBe('pods 4/4 ready · release-ready ok');
    expect(world.said()).toEqual([
      `▶ eqiad helm-deploy: deploy on Wikikube (${request.id})`,
      'helmfile diff eqiad: 1 release changed (as approved)',
      '!log [eqiad] helmfile apply tilerator - rehearsal - alice@cutover - T1000',
      '✅ eqiad helm-deploy done: pods 4/4 ready · release-ready ok · next: eqiad step 2/4 first-worker (req1)',
    ]);
    expect(world.effects.called('helmApply')).toEqual([{ env: 'eqiad', reason: 'rehearsal - alice@cutover - T1000' }]);
    expect((await world.run()).journal).toMatchObject([{ kind: 'helm', target: 'eqiad', status: 'done', detail: 'pods 4/4 ready' }]);
  });

  it('an adapter error pauses the plan with the error, records the change failed, and throws it on', async () => {
    const world = await planWorld();
    world.effects.failing.set('helmApply', 'helmfile apply timed out after 600 s');
    const { action, request } = await world.approved({ dc: 0, step: 0, wave: 0 });

    await expect(executionOf(world).advance(action, request)).rejects.toThrow('helmfile apply timed out after 600 s');

    const run = await world.run();
    expect(run.phase).toBe('paused');
    expect(run.pause).toMatchObject({ reason: 'helm-deploy stopped: helmfile apply timed out after 600 s; !kartotherian resume to try the step again, or !kartotherian rollback', resume: 'ready' });
    expect(run.journal).toMatchObject([{ kind: 'helm', status: 'failed', detail: 'helmfile apply timed out after 600 s' }]);
    expect(world.said().at(-1)).toMatch(/^⏸ test-plan paused: helm-deploy stopped/);
  });

  it('a failed check rolls the step back, verified, and pauses', async () => {
    const world = await planWorld();
    world.effects.checks.set('real-traffic', { ok: false, summary: 'real requests fail on wikikube-worker1001 (probes 0/5: 503 ×5)' });
    const { action, request } = await world.approved(FIRST_WORKER);

    const error = await rejection(executionOf(world).advance(action, request));

    expect(error.code).toBe('pooling.verify-failed');
    expect(error.message).toBe('first-worker failed verification: real requests fail on wikikube-worker1001 (probes 0/5: 503 ×5) · rolled back 1 change(s), verified. The plan is paused.');
    expect(world.state(W1001)).toEqual(INACTIVE);
    const run = await world.run();
    expect(run.pause?.reason).toBe('verification failed: real requests fail on wikikube-worker1001 (probes 0/5: 503 ×5) · rolled back: wikikube-worker1001 → pooled=inactive');
    expect(run.journal.map((entry) => entry.status)).toEqual(['reverted']);
  });

  it('an inconclusive check pauses for a re-check and leaves the worker pooled', async () => {
    const world = await planWorld();
    world.effects.checks.set('real-traffic', { ok: false, inconclusive: true, summary: 'k8s: no data (no series)' });
    const { action, request } = await world.approved(FIRST_WORKER);

    const result = await executionOf(world).advance(action, request);

    expect(result.outcome).toBe('pool wikikube-worker1001 · k8s: no data (no series) · paused: inconclusive');
    expect((await world.run()).pause).toMatchObject({ recheck: true, reason: 'inconclusive: k8s: no data (no series); !kartotherian resume checks again' });
    expect(world.state(W1001)).toEqual(POOLED);
    expect(world.ticks).toEqual([]);
  });

  it('refuses a step that would now write something other than what was approved, and writes nothing', async () => {
    const world = await planWorld();
    const { action, request } = await world.approved(FIRST_WORKER);
    // Someone pooled the worker the approver saw: the step would now pick another one.
    world.set(W1001, POOLED);

    await expect(executionOf(world).advance(action, request)).rejects.toThrow('The step would now do something other than what was approved (the pool changed); request it again.');

    expect(world.pooling.writes).toEqual([]);
    expect((await world.run()).phase).toBe('ready');
  });

  it('refuses a request for a step the plan has moved past', async () => {
    const world = await planWorld();
    const { action, request } = await world.approved(FIRST_WORKER);
    world.seed({ position: { dc: 0, step: 2, wave: 0 }, phase: 'ready' });

    await expect(executionOf(world).advance(action, request)).rejects.toThrow('The plan moved on (ready at eqiad step 3/4 observe); request the step again.');
  });

  it('replayed after a crash, does not write what the journal has as done, and logs it once', async () => {
    const world = await planWorld();
    const { action, request } = await world.approved(FIRST_WORKER);
    world.set(W1001, POOLED);
    world.seed({ position: FIRST_WORKER, phase: 'acting', requestId: request.id, journal: [world.entry(W1001, INACTIVE, POOLED, { requestId: request.id, detail: 'pool wikikube-worker1001' })] });

    const result = await executionOf(world).advance(action, request);

    expect(world.pooling.writes).toEqual([]);
    expect(result.outcome).toBe('pool wikikube-worker1001 (already done) · real-traffic ok · soaking 15m under analysis');
    expect(world.said().filter((line) => line.startsWith('!log'))).toEqual(['!log conftool wikikube-worker1001.eqiad.wmnet kartotherian-k8s-ssl (eqiad): pooled=inactive → yes weight=10 - rehearsal - alice@cutover - T1000']);
  });

  it('an observe step reports the share of traffic on k8s and the verdict, and completes', async () => {
    const world = await planWorld();
    const { action, request } = await world.approved({ dc: 0, step: 2, wave: 0 });

    const result = await executionOf(world).advance(action, request);

    expect(result.outcome).toBe('health report: 15% of traffic on k8s · 5xx 0.10% · p99 300ms · 120 req/s on k8s · bare metal (probe sample, 30 requests to 6 hosts): 0.00% failed, p99 300ms');
    expect(world.said().at(-1)).toBe('✅ eqiad observe done: 15% of traffic on k8s · 5xx 0.10% · p99 300ms · 120 req/s on k8s · bare metal (probe sample, 30 requests to 6 hosts): 0.00% failed, p99 300ms · pass · next: eqiad step 4/4 waves wave 1/2 (req1)');
  });
});

describe("a helm step bound to the diff its approver saw", () => {
  it('refuses, applies nothing and gives the step back when the chart changed between approval and execution', async () => {
    const world = await planWorld();
    const { action, request } = await world.approved({ dc: 0, step: 0, wave: 0 });
    world.effects.diff = { summary: '1 object changes: Deployment/kartotherian-main (+1 −1); image kartotherian 2024-11-05 → 2024-12-01', text: '-   image: kartotherian:2024-11-05\n+   image: kartotherian:2024-12-01\n' };

    const error = await rejection(executionOf(world).advance(action, request));

    expect(error.code).toBe('request.stale');
    expect(error.message).toBe('the helm diff changed since it was approved: now 1 object changes: Deployment/kartotherian-main (+1 −1); image kartotherian 2024-11-05 → 2024-12-01 (approved: 1 release changed); nothing was applied: file the step again');
    expect(world.effects.called('helmApply')).toEqual([]);
    expect(await world.run()).toMatchObject({ phase: 'ready', position: { dc: 0, step: 0, wave: 0 }, journal: [] });
    expect(world.said()).toEqual([]);
  });

  it('binds the whole diff, also the part too long to keep with the request', async () => {
    const world = await planWorld();
    const lines = Array.from({ length: 400 }, (_, index) => `+   annotation-${index}: ${'x'.repeat(90)}`);
    world.effects.diff = { summary: '1 object changes', text: lines.join('\n') };
    const { action, request } = await world.approved({ dc: 0, step: 0, wave: 0 });
    expect(request.helmDiff?.omittedLines).toBeGreaterThan(0);
    world.effects.diff = { summary: '1 object changes', text: [...lines.slice(0, -1), '+   annotation-399: changed'].join('\n') };

    await expect(executionOf(world).advance(action, request)).rejects.toThrow(/^the helm diff changed since it was approved/);
    expect(world.effects.called('helmApply')).toEqual([]);
  });

  it('refuses when the diff cannot be taken again, and applies nothing', async () => {
    const world = await planWorld();
    const { action, request } = await world.approved({ dc: 0, step: 0, wave: 0 });
    world.effects.failing.set('helmDiff', 'ssh: connect to host deployment.eqiad.wmnet port 22: Connection timed out');

    await expect(executionOf(world).advance(action, request)).rejects.toThrow('helmfile -e eqiad diff failed, so the approved diff cannot be confirmed; nothing was applied: ssh: connect to host deployment.eqiad.wmnet port 22: Connection timed out');
    expect(world.effects.called('helmApply')).toEqual([]);
    expect((await world.run()).phase).toBe('ready');
  });

  it('refuses a helm step approved without a diff (filed before diffs were bound)', async () => {
    const world = await planWorld();
    const { action, request } = await world.approved({ dc: 0, step: 0, wave: 0 });
    const { helmDiff: _shown, ...blind } = request;

    await expect(executionOf(world).advance(action, blind)).rejects.toThrow('this helm step was approved without its diff; nothing was applied: file the step again');
    expect(world.effects.called('helmApply')).toEqual([]);
  });

  it('replayed after a crash, does not diff again: its own apply may be in the diff by then', async () => {
    const world = await planWorld();
    const { action, request } = await world.approved({ dc: 0, step: 0, wave: 0 }, { phase: 'acting' });
    world.effects.diff = { summary: 'no changes', text: '' };

    const result = await executionOf(world).advance(action, request);

    expect(result.outcome).toBe('pods 4/4 ready · release-ready ok');
    // The one diff is the one taken when the step was filed.
    expect(world.effects.called('helmDiff')).toEqual([{ env: 'eqiad' }]);
    expect(world.effects.called('helmApply')).toHaveLength(1);
  });
});

describe('the end of a step', () => {
  it("counts the step's pooled workers as proven when real traffic proved them, and moves the plan on", async () => {
    const world = await planWorld();
    world.set(W1001, POOLED);
    const run = world.seed({ position: FIRST_WORKER, phase: 'soaking', requestId: 'req1' });
    const here = { dc: 'eqiad', step: world.plan.steps[1]!, wave: 0, waveCount: 1 };

    await executionOf(world).complete(run, here, 'soak of 15m passed (15 checks)');

    const proofs = await world.safety.proofs.recorded('kartotherian', world.inventory.pool(K8S, 'eqiad'));
    expect(proofs.get(W1001)?.kind).toBe('proven');
    const after = await world.run();
    expect(after).toMatchObject({ phase: 'ready', position: { dc: 0, step: 2, wave: 0 }, completed: [{ dc: 'eqiad', stepId: 'first-worker', wave: 0, outcome: 'soak of 15m passed (15 checks)' }] });
    expect(after.requestId).toBeUndefined();
    expect(world.notifier.sent.at(-1)?.message).toEqual({ kind: 'result', text: '✅ eqiad first-worker done: soak of 15m passed (15 checks) · next: eqiad step 3/4 observe (req1)', requestId: 'req1' });
  });

  it("a rollout asks for the next wave of the same step, and stops at the step's end", async () => {
    const world = await planWorld();
    const rollout = new RecordingRollout();
    const execution = executionOf(world, rollout);
    const waves = world.plan.steps[3]!;
    const rollingOut = { rollout: { by: 'alice', person: 'alice', reason: 'rehearsal' } };

    await execution.complete(world.seed({ position: { dc: 0, step: 3, wave: 0 }, phase: 'soaking', ...rollingOut }), { dc: 'eqiad', step: waves, wave: 0, waveCount: 2 }, 'soak passed');
    expect(rollout.continued.map((run) => run.position)).toEqual([{ dc: 0, step: 3, wave: 1 }]);

    await execution.complete(world.seed({ position: { dc: 0, step: 3, wave: 1 }, phase: 'soaking', ...rollingOut }), { dc: 'eqiad', step: waves, wave: 1, waveCount: 2 }, 'soak passed');
    expect(rollout.continued).toHaveLength(1);
    expect(world.said().at(-1)).toBe('✅ eqiad waves wave 2/2 done: soak passed · next: codfw step 1/4 helm-deploy');
  });
});

describe('a rollback request carried out', () => {
  it("reverts the step's writes, verified, and puts the plan back at that step", async () => {
    const world = await planWorld();
    world.set(W1001, POOLED);
    const { request } = await world.approved(FIRST_WORKER);
    world.seed({ position: { dc: 0, step: 2, wave: 0 }, phase: 'ready', journal: [world.entry(W1001, INACTIVE, POOLED)] });
    const action = { ...request.action, operation: 'rollback' } as const;
    if (action.kind !== 'plan-step') throw new Error('a plan request');

    const result = await executionOf(world).rollback(action, { ...request, reason: 'latency' });

    expect(result).toEqual({ state: 'succeeded', outcome: 'reverted and verified: wikikube-worker1001 → pooled=inactive · the plan is back at eqiad step 2/4 first-worker', auditDetail: 'reverted and verified: wikikube-worker1001 → pooled=inactive' });
    expect(world.state(W1001)).toEqual(INACTIVE);
    expect(await world.run()).toMatchObject({ phase: 'ready', position: FIRST_WORKER });
    expect(world.said()[0]).toBe(`⏪ eqiad first-worker: rolling back (${request.id})`);
    expect(world.said()[1]).toMatch(/^!log rolled back wikikube-worker1001\.eqiad\.wmnet to pooled=inactive in eqiad \(first-worker\) - rollback requested by alice \(\w+\): latency - cutover@cutover - T1000$/);

    const again = await executionOf(world).rollback(action, request);
    expect(again).toMatchObject({ state: 'noop', outcome: 'nothing was still in place to revert · the plan is back at eqiad step 2/4 first-worker' });
    expect(world.state(W1002)).toEqual(INACTIVE);
  });
});
