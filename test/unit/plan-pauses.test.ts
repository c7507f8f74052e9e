/**
 * The plan stopping where it stands (jobs/plan/plan-pauses.ts): paused by a person, by itself,
 * or aborted. Built through its constructor over runs in memory.
 */
import { describe, expect, it } from 'vitest';
import { callerFor } from '../helpers/fakes.js';
import { planWorld } from '../helpers/plan-world.js';

const alice = callerFor('alice');

describe('pause and abort', () => {
  it('a person pausing a soak keeps the soak to resume to, and the audit says who', async () => {
    const world = await planWorld();
    world.seed({ position: { dc: 0, step: 1, wave: 0 }, phase: 'soaking', soak: { startedAt: 0, until: 1, checks: 2, failures: 0 } });

    // Data for commands/ to word (plan-commands.test.ts pins the words).
    expect(await world.pauses.pause(alice, 'change freeze')).toEqual({ plan: 'test-plan', position: 'eqiad step 2/4 first-worker', phase: 'paused', by: 'alice' });

    expect((await world.run()).pause).toEqual({ reason: 'paused by alice: change freeze', at: world.clock.now(), resume: 'soaking' });
    expect(world.audit.entries).toEqual([{ event: 'plan.paused', service: 'kartotherian', who: 'alice', where: 'irc:#wikimedia-operations', detail: 'change freeze' }]);
  });

  it('the plan pausing itself says why in its channel, and may ask for a re-check on resume', async () => {
    const world = await planWorld();
    world.seed({ phase: 'acting' });

    await world.pauses.pauseWith('inconclusive: no metrics', true);

    expect((await world.run()).pause).toEqual({ reason: 'inconclusive: no metrics', at: world.clock.now(), resume: 'ready', recheck: true });
    expect(world.notifier.sent.map((sent) => sent.message)).toEqual([{ kind: 'error', text: '⏸ test-plan paused: inconclusive: no metrics' }]);
  });

  it('abort forgets the soak, the pause and the request, and reverts nothing', async () => {
    const world = await planWorld();
    world.seed({ position: { dc: 0, step: 1, wave: 0 }, phase: 'paused', requestId: 'req1', pause: { reason: 'x', at: 0, resume: 'soaking' }, soak: { startedAt: 0, until: 1, checks: 0, failures: 0 } });

    expect(await world.pauses.abort(alice, 'not today')).toEqual({ plan: 'test-plan', position: 'eqiad step 2/4 first-worker', phase: 'aborted', by: 'alice' });

    const run = await world.run();
    expect(run.phase).toBe('aborted');
    expect([run.pause, run.soak, run.requestId]).toEqual([undefined, undefined, undefined]);
    expect(world.audit.events()).toEqual(['plan.aborted']);
  });
});
