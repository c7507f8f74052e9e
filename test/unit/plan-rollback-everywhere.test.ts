/**
 * A rollback someone asked for, and an automatic one, are news for every configured channel
 * (jobs/plan/plan-runner.ts, plan-narration.ts): told to the notifier as `everywhere`, the
 * asker's channel left out where the request's own result line already tells it.
 */
import { describe, expect, it } from 'vitest';
import { PlanRunner } from '../../jobs/plan/plan-runner.js';
import { RequestFiler } from '../../jobs/request-filer.js';
import { INACTIVE, ORIGIN, POOLED, planWorld, type PlanWorld } from '../helpers/plan-world.js';

const W1001 = 'wikikube-worker1001.eqiad.wmnet';
const FIRST_WORKER = { dc: 0, step: 1, wave: 0 };

function runnerOf(world: PlanWorld): PlanRunner {
  const { config, plan, inventory, store, effects, pooling, safety, requests, queue, audit, notifier, clock, scheduleTick } = world;
  const filer = new RequestFiler({ config, clock, requests, queue, audit });
  return new PlanRunner({ config, plan, inventory, store, effects, pooling, writer: safety.writer, proofs: safety.proofs, requests, filer, audit, notifier, clock, scheduleTick });
}

describe('rollbacks everywhere', () => {
  it("a hand rollback's end goes to every configured channel but the asker's", async () => {
    const world = await planWorld();
    world.set(W1001, POOLED);
    const { request } = await world.approved(FIRST_WORKER);
    world.seed({ position: { dc: 0, step: 2, wave: 0 }, phase: 'ready', journal: [world.entry(W1001, INACTIVE, POOLED)] });
    const action = { ...request.action, operation: 'rollback' } as const;
    if (action.kind !== 'plan-step') throw new Error('a plan request');

    await runnerOf(world).execute(action, { ...request, reason: 'latency' });

    const broadcast = world.notifier.sent.find((sent) => 'everywhere' in sent.destination);
    expect(broadcast).toEqual({
      destination: { everywhere: true, besides: ORIGIN },
      message: { kind: 'error', urgency: 'safety', text: `⏪ kartotherian rollback of first-worker by alice (${request.id}): latency · reverted and verified: wikikube-worker1001 → pooled=inactive · the plan is back at eqiad step 2/4 first-worker` },
      dedupeKey: `${request.id}-everywhere`,
    });
  });

  it("an automatic rollback's alert goes everywhere, the plan's channel first", async () => {
    const world = await planWorld();
    world.seed();
    await world.narration.alert('⏪ eqiad first-worker: rolled back by itself', 'r1', '❌');
    expect(world.notifier.sent.at(-1)).toMatchObject({ destination: { everywhere: true, also: ORIGIN }, message: { urgency: 'safety', requestId: 'r1', mark: '❌' } });
  });
});
