/**
 * What people ask of the plan (jobs/plan/plan-requests.ts): next with the claim, rollback and
 * emergency stop filed through the one filer, bound to the writes they showed, their dry runs
 * (the same announcement, marked, filing nothing), and the rollout asking for its next wave.
 * Built through its constructor from the real rooms below it.
 */
import { describe, expect, it } from 'vitest';
import type { ActionQueue } from '../../core/ports/stores.js';
import { CutoverError } from '../../core/errors.js';
import type { RequestNotice } from '../../core/request-notice.js';
import { requestWords } from '../../core/request-words.js';
import type { ChangeRequest } from '../../core/requests.js';
import { EmergencyStop } from '../../jobs/plan/emergency-stop.js';
import { PlanRequests } from '../../jobs/plan/plan-requests.js';
import { PlanViews } from '../../jobs/plan/plan-views.js';
import { RequestFiler } from '../../jobs/request-filer.js';
import { callerFor } from '../helpers/fakes.js';
import { DEPOOLED, INACTIVE, ORIGIN, POOLED, planWorld, type PlanWorld } from '../helpers/plan-world.js';

const W1001 = 'wikikube-worker1001.eqiad.wmnet';
const W1002 = 'wikikube-worker1002.eqiad.wmnet';
const W1003 = 'wikikube-worker1003.eqiad.wmnet';
const alice = callerFor('alice');

function requestsOf(world: PlanWorld, queue: ActionQueue = world.queue): PlanRequests {
  const { context, narration, journal, requests, safety, config, clock, audit } = world;
  const emergency = new EmergencyStop({ context, narration, writer: safety.writer, silences: world.silences });
  const views = new PlanViews({ context, requests });
  const filer = new RequestFiler({ config, clock, requests, queue, audit });
  return new PlanRequests({ context, narration, views, journal, emergency, requests, filer });
}

/** What the channel reads of a request (core/request-words.ts). */
function said(notice: RequestNotice): string {
  return requestWords(notice);
}

async function refusal(promise: Promise<unknown>): Promise<CutoverError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  if (error instanceof CutoverError) return error;
  throw new Error(`expected a CutoverError, got ${String(error)}`);
}

/** The plan's phase at the moment each request was queued. */
class PhaseAtEnqueue implements ActionQueue {
  readonly phases: string[] = [];
  constructor(private readonly world: PlanWorld) {}

  async enqueue(): Promise<void> {
    this.phases.push((await this.world.run()).phase);
  }

  async scheduleExpiry(): Promise<void> {}
}

describe('next', () => {
  it('files the step bound to its exact writes, claims it for the caller, and shows the health an approver needs', async () => {
    const world = await planWorld();

    const reply = await requestsOf(world).requestNext(alice, { rollout: false, reason: 'rehearsal' });

    const [request] = world.requests.created;
    expect(said(reply)).toBe(
      // Who asks what, and how to answer, before the details (issue 14: what to do is read first on IRC); the helm diff shown before approval.
      `⏳ ${request?.id}: alice asks to run test-plan eqiad helm-deploy: deploy on Wikikube · needs 1 approval from bob, carol: !approve ${request?.id} or !deny ${request?.id} · helmfile -e eqiad apply · helm diff: 1 release changed (whole diff: !kartotherian diff ${request?.id}) · health now: 15% on k8s · 5xx 0.10% · p99 300ms · 120 req/s on k8s · … (!kartotherian status)`,
    );
    expect(reply).toMatchObject({ id: request?.id, request: { actionHash: request?.actionHash, state: 'pending' } });
    expect(request).toMatchObject({ state: 'pending', approvalsRequired: 1, task: 'T1000', reason: 'rehearsal', expiresAt: world.clock.now() + 900_000, action: { operation: 'advance', stepId: 'helm-deploy', preview: ['helmfile -e eqiad apply'] } });
    expect(await world.run()).toMatchObject({ phase: 'awaiting-approval', requestId: request?.id, origin: ORIGIN });
    expect(world.queue.expiries.map((queued) => queued.id)).toEqual([request?.id]);
    expect(world.audit.entries).toMatchObject([{ event: 'request.created', who: 'alice', requestId: request?.id, detail: 'test-plan eqiad helm-deploy: deploy on Wikikube · helmfile -e eqiad apply' }]);
  });

  it('refuses a second next while the first waits, and files again once the first was denied', async () => {
    const world = await planWorld();
    const requests = requestsOf(world);
    await requests.requestNext(alice, { rollout: false, reason: '' });

    const second = await refusal(requests.requestNext(callerFor('bob'), { rollout: false, reason: '' }));
    expect(second.message).toBe('The plan is awaiting-approval: waiting for approval of req1 (0/1)');

    await world.requests.update('req1', (request): ChangeRequest => ({ ...request, state: 'denied' }));
    const third = await requests.requestNext(alice, { rollout: false, reason: '' });
    expect(third.id).toBe('req2');
    expect(world.requests.created[1]?.reason).toBe('migration plan');
  });

  it('files again once the step it waits for failed before it ran (refused at execution: the change window closed)', async () => {
    const world = await planWorld();
    const requests = requestsOf(world);
    await requests.requestNext(alice, { rollout: false, reason: '' });
    await world.requests.update('req1', (request): ChangeRequest => ({ ...request, state: 'failed', errorCode: 'safety.frozen' }));
    expect((await requests.requestNext(alice, { rollout: false, reason: '' })).id).toBe('req2');
  });

  it('queues a step without a gate at once, with the plan already awaiting it', async () => {
    const world = await planWorld();
    world.seed({ position: { dc: 0, step: 2, wave: 0 } });
    const queue = new PhaseAtEnqueue(world);

    const reply = await requestsOf(world, queue).requestNext(alice, { rollout: false, reason: '' });

    expect(said(reply)).toMatch(/^▶ req1: alice asks to run test-plan eqiad observe: health report · queued \(no approval needed\) · no change, a report only · health now: .*$/);
    expect(reply.request.state).toBe('approved');
    expect(queue.phases).toEqual(['awaiting-approval']);
  });

  it('gives the step back when the request cannot be filed', async () => {
    const world = await planWorld({ edit: (plan) => void Object.assign(plan.steps[0]!, { gate: 'two' }) });

    const error = await refusal(requestsOf(world).requestNext(callerFor('bob'), { rollout: false, reason: '' }));

    expect(error.code).toBe('auth.forbidden');
    expect(error.message).toBe('This needs 2 approvers besides you; the config has 1.');
    expect((await world.run()).phase).toBe('ready');
  });

  it('refuses a blocked step with the arithmetic', async () => {
    const world = await planWorld();
    for (const fqdn of [W1001, W1002, W1003]) world.set(fqdn, POOLED);
    world.seed({ position: { dc: 0, step: 3, wave: 1 } });

    const error = await refusal(requestsOf(world).requestNext(alice, { rollout: false, reason: '' }));

    expect(error.code).toBe('safety.capacity');
    expect(error.message).toMatch(/^eqiad step 4\/4 waves wave 2\/2 is blocked: .*wikikube-worker1001.* · /);
    expect(world.requests.created).toEqual([]);
    expect((await world.run()).phase).toBe('ready');
  });

  it('says so when the metrics do not answer, and still files the request', async () => {
    const world = await planWorld();
    world.effects.healthError = new Error('prometheus: connection refused');

    const reply = await requestsOf(world).requestNext(alice, { rollout: false, reason: '' });

    expect(said(reply)).toMatch(/ · needs 1 approval .* · health now: unavailable \(prometheus: connection refused\)$/);
  });
});

describe("a helm step's diff, shown with its request", () => {
  it('is taken read-only when the step is requested, kept whole with the request, and bound into its hash', async () => {
    const world = await planWorld();

    const reply = await requestsOf(world).requestNext(alice, { rollout: false, reason: 'rehearsal' });

    const [request] = world.requests.created;
    expect(world.effects.called('helmDiff')).toEqual([{ env: 'eqiad' }]);
    expect(world.effects.called('helmApply')).toEqual([]);
    expect(request?.helmDiff).toEqual({ env: 'eqiad', hash: expect.stringMatching(/^[0-9a-f]{16}$/) as unknown, summary: '1 release changed', changed: true, text: world.effects.diff.text, omittedLines: 0 });
    expect(said(reply)).toContain(` · helmfile -e eqiad apply · helm diff: 1 release changed (whole diff: !kartotherian diff ${request?.id}) · health now: `);

    // The same step with another diff is another approval: a hash shown before the chart changed (a Slack button's) no longer fits.
    await world.requests.update('req1', (current): ChangeRequest => ({ ...current, state: 'denied' }));
    world.effects.diff = { summary: '1 release changed (replicas 4 → 6)', text: `${world.effects.diff.text}+   replicas: 6\n` };
    await requestsOf(world).requestNext(alice, { rollout: false, reason: 'rehearsal' });
    const second = world.requests.created[1];
    expect(second?.action).toEqual(request?.action);
    expect(second?.actionHash).not.toBe(request?.actionHash);
  });

  it('says "no changes" when the release already is what the chart renders, and still files it', async () => {
    const world = await planWorld();
    world.effects.diff = { summary: 'no changes', text: '' };

    const reply = await requestsOf(world).requestNext(alice, { rollout: false, reason: '' });

    expect(said(reply)).toContain(' · helmfile -e eqiad apply · helm diff: no changes, apply would change nothing · health now: ');
    expect(reply.request).toMatchObject({ state: 'pending', helmDiff: { changed: false, text: '' } });
  });

  it('refuses to file when helmfile diff fails, says why, and gives the step back', async () => {
    const world = await planWorld();
    world.effects.failing.set('helmDiff', 'helmfile -e eqiad diff exited 1: Error: failed to render chart: values.yaml: yaml: line 3: mapping values are not allowed');

    const error = await refusal(requestsOf(world).requestNext(alice, { rollout: false, reason: '' }));

    expect(error.code).toBe('adapter.command-failed');
    expect(error.message).toBe('helmfile -e eqiad diff failed, so there is no diff to approve; nothing was filed: helmfile -e eqiad diff exited 1: Error: failed to render chart: values.yaml: yaml: line 3: mapping values are not allowed');
    expect(world.requests.created).toEqual([]);
    expect((await world.run()).phase).toBe('ready');
  });

  it('keeps a long diff to a bound, and binds the whole of it', async () => {
    const world = await planWorld();
    const line = `+   annotation: ${'x'.repeat(90)}`;
    world.effects.diff = { summary: '1 object changes', text: Array.from({ length: 400 }, () => line).join('\n') };

    const reply = await requestsOf(world).requestNext(alice, { rollout: false, reason: '' });

    const kept = reply.request.helmDiff;
    expect(kept?.text.length).toBeLessThanOrEqual(20_000);
    expect(kept?.text.split('\n')).toHaveLength(400 - (kept?.omittedLines ?? 0));
    expect(kept?.omittedLines).toBeGreaterThan(0);
  });

  it('a dry run shows the diff it would bind, and files nothing', async () => {
    const world = await planWorld();

    const reply = await requestsOf(world).requestNext(alice, { rollout: false, reason: '', dryRun: true });

    expect(said(reply)).toMatch(/^DRY RUN, nothing filed: alice asks to run test-plan eqiad helm-deploy: deploy on Wikikube · needs 1 approval from bob, carol · helmfile -e eqiad apply · helm diff: 1 release changed · health now: /);
    expect(world.requests.created).toEqual([]);
  });
});

describe('rollback and emergency stop', () => {
  it("files a rollback of the last step's writes still in place, newest first, for one approver", async () => {
    const world = await planWorld();
    for (const fqdn of [W1001, W1002, W1003]) world.set(fqdn, POOLED);
    world.seed({ position: { dc: 0, step: 3, wave: 1 }, journal: [world.entry(W1001, INACTIVE, POOLED), world.entry(W1002, INACTIVE, POOLED, { stepId: 'waves' }), world.entry(W1003, INACTIVE, POOLED, { stepId: 'waves' })] });

    const reply = await requestsOf(world).requestRollback(alice, 'latency');

    const undo = (fqdn: string): string => `conftool ${world.path(fqdn)} {"pooled":"yes","weight":10} → {"pooled":"inactive","weight":0}`;
    expect(world.requests.created[0]).toMatchObject({ approvalsRequired: 1, action: { operation: 'rollback', stepId: 'waves', position: { dc: 0, step: 3, wave: 0 }, preview: [undo(W1003), undo(W1002)] } });
    expect(said(reply)).toBe(`⏳ req1: alice asks to run test-plan eqiad waves: roll back waves · needs 1 approval from bob, carol: !approve req1 or !deny req1 · ${undo(W1003)} ; ${undo(W1002)}`);
  });

  it('refuses a rollback when nothing of the plan is still in place', async () => {
    const world = await planWorld();
    await expect(requestsOf(world).requestRollback(alice, '')).rejects.toThrow('Nothing to roll back: no conftool change of this plan is still in place.');
  });

  it('queues an emergency stop without approval, bare metal first', async () => {
    const world = await planWorld();
    for (const fqdn of [W1001, W1002]) world.set(fqdn, POOLED);
    world.set('maps1005.eqiad.wmnet', DEPOOLED);

    const reply = await requestsOf(world).emergencyStop(alice, 'users report broken tiles');

    expect(said(reply)).toBe('🛑 req1 EMERGENCY STOP queued by alice: repool bare metal first, then depool workers (3 writes). users report broken tiles');
    expect(reply).toMatchObject({ id: 'req1', request: { actionHash: world.requests.created[0]?.actionHash, state: 'approved' } });
    expect(world.queue.enqueued.map((request) => request.id)).toEqual(['req1']);
    expect(world.requests.created[0]?.action).toMatchObject({ operation: 'emergency-stop', preview: [expect.stringContaining('maps1005'), expect.stringContaining('wikikube-worker1001'), expect.stringContaining('wikikube-worker1002')] });
  });
});

describe('a rollout', () => {
  it('asks for the next wave for the person who started it, in the plan channel', async () => {
    const world = await planWorld();
    world.set(W1001, POOLED);
    const run = world.seed({ position: { dc: 0, step: 3, wave: 0 }, rollout: { by: 'alice', person: 'alice', reason: 'waves' } });

    await requestsOf(world).continueRollout(run);

    expect(world.requests.created[0]).toMatchObject({ requester: { person: 'alice', display: 'alice', ...ORIGIN }, reason: 'waves', action: { stepId: 'waves', position: { wave: 0 } } });
    expect(world.notifier.sent.at(-1)?.message).toMatchObject({ kind: 'result', text: expect.stringMatching(/^⏳ req1: alice asks to run test-plan eqiad waves: workers in, bare metal out/) as string });
  });

  it('stops, and says why, when the next wave cannot be asked for', async () => {
    const world = await planWorld();
    const run = world.seed({ position: { dc: 0, step: 3, wave: 0 }, phase: 'paused', pause: { reason: 'paused by bob: lunch', at: 0, resume: 'ready' }, rollout: { by: 'alice', reason: 'waves' } });

    await requestsOf(world).continueRollout(run);

    expect(world.requests.created).toEqual([]);
    expect(world.notifier.sent.at(-1)?.message).toEqual({ kind: 'error', text: 'rollout stops: The plan is paused: paused by bob: lunch' });
  });
});
