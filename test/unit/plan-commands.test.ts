/**
 * The plan's verbs as the channel reads them (commands/specs/plan-commands.ts): the plan runner
 * returns data and the commands word it, the same words as ever; and a dry run says what the
 * real request would, marked and filing nothing.
 */
import { describe, expect, it } from 'vitest';
import { renderOutcome } from '../../bot/render-outcome.js';
import { createDispatcher } from '../../commands/dispatch.js';
import { PlanRunner } from '../../jobs/plan/plan-runner.js';
import { RequestFiler } from '../../jobs/request-filer.js';
import { shippedInventories } from '../helpers/config.js';
import { asDryRun } from '../helpers/dry-run.js';
import { callerFor, makeDeps } from '../helpers/fakes.js';
import { DEPOOLED, INACTIVE, POOLED, planWorld, type PlanWorld } from '../helpers/plan-world.js';

const K = '!kartotherian';
const W1001 = 'wikikube-worker1001.eqiad.wmnet';
const MAPS1005 = 'maps1005.eqiad.wmnet';

/** The dispatcher over a plan runner built on the plan world. */
function chat(world: PlanWorld) {
  const { config, plan, inventory, store, effects, pooling, safety, requests, queue, audit, notifier, clock, scheduleTick } = world;
  const filer = new RequestFiler({ config, clock, requests, queue, audit });
  const runner = new PlanRunner({ config, plan, inventory, store, effects, pooling, writer: safety.writer, proofs: safety.proofs, requests, filer, audit, notifier, clock, scheduleTick });
  const deps = { ...makeDeps(config).deps, requests, queue, filer, audit, clock, plans: new Map([['kartotherian', runner]]) };
  const dispatcher = createDispatcher({ config, inventories: shippedInventories(config), deps, onUnexpectedError: (error) => { throw error; } });
  return async (person: string, text: string, transport = 'irc'): Promise<string> => {
    const outcome = await dispatcher.line({ text, caller: callerFor(person, { transport }) });
    if (outcome === undefined) throw new Error(`no answer to ${text}`);
    return renderOutcome(outcome).text;
  };
}

describe('pause, resume and abort', () => {
  it('say where the plan stands and who moved it, as they always have', async () => {
    const world = await planWorld();
    world.seed({ position: { dc: 0, step: 1, wave: 0 } });
    const say = chat(world);

    expect(await say('alice', `${K} pause change freeze`)).toBe('⏸ test-plan paused at eqiad step 2/4 first-worker by alice. !kartotherian resume to continue.');
    expect(await say('alice', `${K} resume`)).toBe('▶ test-plan resumed by alice: ready at eqiad step 2/4 first-worker.');
    expect(await say('alice', `${K} abort not today`)).toBe('⏹ test-plan aborted at eqiad step 2/4 first-worker by alice; nothing was reverted (!kartotherian rollback undoes the last step). not today');
    expect(await say('alice', `${K} resume`)).toBe('✖ The plan is aborted, not paused.');
  });

  it('a resume after an inconclusive check says what the check found', async () => {
    const world = await planWorld();
    world.set(W1001, POOLED);
    world.seed({ position: { dc: 0, step: 1, wave: 0 }, phase: 'paused', pause: { reason: 'inconclusive', at: 0, resume: 'ready', recheck: true } });

    expect(await chat(world)('alice', `${K} resume`)).toMatch(/^▶ test-plan resumed by alice: eqiad first-worker checked again: /);
  });

  it('plan prints the overview', async () => {
    const world = await planWorld();
    expect((await chat(world)('dave', `${K} plan`)).split('\n')[1]).toBe('eqiad: ▶ 1 helm-deploy · ○ 2 first-worker · ○ 3 observe · ○ 4 waves');
  });
});

describe('a dry run is the request it would file', () => {
  it('next --dry-run: the announcement of the step request, then what follows its approval', async () => {
    const world = await planWorld();
    world.seed({ position: { dc: 0, step: 1, wave: 0 } });
    const say = chat(world);

    const dry = (await say('alice', `${K} next --dry-run canary`)).split('\n');
    expect(world.requests.created).toEqual([]);
    expect(world.queue.calls).toEqual([]);

    const filed = await say('alice', `${K} next canary`);
    expect(dry[0]).toBe(
      `DRY RUN, nothing filed: alice asks to run test-plan eqiad first-worker: pool the first worker · needs 1 approval from bob, carol · conftool ${world.path(W1001)} {"pooled":"inactive","weight":0} → {"pooled":"yes","weight":10} · ` +
        'health now: 15% on k8s · 5xx 0.10% · p99 300ms · 120 req/s on k8s · bare metal (probe sample, 30 requests to 6 hosts): 0.00% failed, p99 300ms',
    );
    // Past one IRC line, the filed request keeps its health's leading figures and points at status for the rest; the dry run shows it whole.
    expect(asDryRun(filed, 'req1')).toBe(dry[0]?.replace(/ · p99 300ms · 120 req\/s .*$/, ' · … (!kartotherian status)'));
    expect(dry.slice(1)).toEqual([expect.stringMatching(/^ {2}after: .* floor/), '  then check wikikube served real requests via the kartotherian-k8s-ssl VIP', '  then soak 15m with analysis every 1m']);
  });

  it('shows every action in its dry run, where the request folds them', async () => {
    const world = await planWorld();
    const workers = [1001, 1002, 1003, 1004].map((n) => `wikikube-worker${n}.eqiad.wmnet`);
    for (const fqdn of workers) world.set(fqdn, POOLED);
    world.set(MAPS1005, DEPOOLED);
    world.seed({ journal: [...workers.map((fqdn) => world.entry(fqdn, INACTIVE, POOLED, { stepId: 'waves' })), world.entry(MAPS1005, POOLED, DEPOOLED, { stepId: 'waves' })] });
    const say = chat(world);

    const filed = await say('alice', `${K} rollback`);
    const dry = await say('alice', `${K} rollback --dry-run`);

    // Issue 14: the filed request folds the four workers' same change into one node set, in the order of the writes.
    // In the words of the !log that will record them (core/sal-pool-lines.ts).
    expect(filed).toContain(`needs 1 approval from bob, carol: !approve req1 or !deny req1 · conftool ${world.path(MAPS1005)} {"pooled":"no","weight":10} → {"pooled":"yes","weight":10} ; conftool wikikube-worker[1001-1004].eqiad.wmnet kartotherian-k8s-ssl (eqiad): pooled=yes → inactive weight=0 (4 keys)`);
    expect(dry.split(' ; ')).toHaveLength(5);
    expect(dry).toContain(`conftool ${world.path(MAPS1005)} {"pooled":"no","weight":10} → {"pooled":"yes","weight":10} ; conftool ${world.path(workers[3] ?? '')}`);
  });

  it('refuses a blocked step exactly as next does', async () => {
    const world = await planWorld();
    for (const fqdn of [W1001, 'wikikube-worker1002.eqiad.wmnet', 'wikikube-worker1003.eqiad.wmnet']) world.set(fqdn, POOLED);
    world.seed({ position: { dc: 0, step: 3, wave: 1 } });
    const say = chat(world);

    const dry = await say('alice', `${K} next --dry-run`);
    expect(dry).toMatch(/^✖ eqiad step 4\/4 waves wave 2\/2 is blocked: /);
    expect(await say('alice', `${K} next`)).toBe(dry);
  });

  it('rollback --dry-run and emergency-stop --dry-run: the same requests, their writes listed', async () => {
    const world = await planWorld();
    world.set(W1001, POOLED);
    world.set(MAPS1005, DEPOOLED);
    world.seed({ journal: [world.entry(W1001, INACTIVE, POOLED)] });
    const say = chat(world);

    const rollback = await say('alice', `${K} rollback --dry-run latency`);
    const stop = await say('alice', `${K} emergency-stop --dry-run broken tiles`);
    expect(world.requests.created).toEqual([]);

    expect(rollback).toBe(asDryRun(await say('alice', `${K} rollback latency`), 'req1'));
    expect(rollback).toBe(`DRY RUN, nothing filed: alice asks to run test-plan eqiad first-worker: roll back first-worker · needs 1 approval from bob, carol · conftool ${world.path(W1001)} {"pooled":"yes","weight":10} → {"pooled":"inactive","weight":0}`);
    expect(stop).toBe(
      `DRY RUN, nothing filed: EMERGENCY STOP by alice: repool bare metal first, then depool workers (2 writes): conftool ${world.path(MAPS1005)} {"pooled":"no","weight":10} → {"pooled":"yes","weight":10} ; ` +
        `conftool ${world.path(W1001)} {"pooled":"yes","weight":10} → {"pooled":"no","weight":10}. broken tiles`,
    );
    expect(await say('alice', `${K} emergency-stop broken tiles`)).toBe('🛑 req2 EMERGENCY STOP queued by alice: repool bare metal first, then depool workers (2 writes). broken tiles');
  });
});

describe('diff ID', () => {
  /** A helm step filed with a 20-line diff (two objects, a blank line between them). */
  async function filedHelmStep(world: PlanWorld): Promise<ReturnType<typeof chat>> {
    const deployment = Array.from({ length: 12 }, (_, index) => `+   line-${index + 1}`);
    const service = Array.from({ length: 6 }, (_, index) => `+   line-${index + 13}`);
    world.effects.diff = { summary: '2 objects change', text: ['kartotherian, kartotherian-main, Deployment (apps) has been added:', ...deployment, '', 'kartotherian, kartotherian-main-tls-service, Service (v1) has been added:', ...service, ''].join('\n') };
    const say = chat(world);
    expect(await say('alice', `${K} next`)).toMatch(/ · helm diff: 2 objects change \(whole diff: !kartotherian diff req1\) · /);
    return say;
  }

  it('on IRC, a page of eight lines and the command for the next, to the last', async () => {
    const world = await planWorld();
    const say = await filedHelmStep(world);

    const first = (await say('dave', `${K} diff req1`)).split('\n');
    expect(first[0]).toBe('helm diff of req1 (helmfile -e eqiad, pending): 2 objects change · lines 1–8 of 20; the next: !kartotherian diff req1 --from 9');
    expect(first.slice(1)).toEqual(['kartotherian, kartotherian-main, Deployment (apps) has been added:', ...Array.from({ length: 7 }, (_, index) => `+   line-${index + 1}`)]);
    const last = (await say('dave', `${K} diff req1 --from 17`)).split('\n');
    expect(last[0]).toBe('helm diff of req1 (helmfile -e eqiad, pending): 2 objects change · lines 17–20 of 20, the last');
    expect(last.slice(1)).toEqual(['+   line-15', '+   line-16', '+   line-17', '+   line-18']);
    expect(await say('dave', `${K} diff req1 --from 30`)).toBe('helm diff of req1 (helmfile -e eqiad, pending): 2 objects change · it has 20 lines; !kartotherian diff req1 --from 1 shows the first');
  });

  it('on Slack, the whole diff in a code block; on the console, the whole diff', async () => {
    const world = await planWorld();
    const say = await filedHelmStep(world);

    const slack = await say('dave', `${K} diff req1`, 'slack');
    expect(slack).toBe(['helm diff of req1 (helmfile -e eqiad, pending): 2 objects change', '```', ...world.effects.diff.text.split('\n'), '```'].join('\n'));
    expect(await say('dave', `${K} diff req1`, 'console')).toBe(['helm diff of req1 (helmfile -e eqiad, pending): 2 objects change', ...world.effects.diff.text.split('\n')].join('\n'));
  });

  it('refuses a request that is not a helm step, and an unknown one', async () => {
    const world = await planWorld();
    world.seed({ position: { dc: 0, step: 1, wave: 0 } });
    const say = chat(world);
    await say('alice', `${K} next`);

    expect(await say('dave', `${K} diff req1`)).toBe('✖ Request req1 is not a helm step: it has no diff.');
    expect(await say('dave', `${K} diff zzzz`)).toMatch(/^✖ There is no request zzzz\./);
  });
});
