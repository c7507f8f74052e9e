/**
 * Change windows and freezes through the dispatcher, with a fake clock: what a person types is
 * refused outside the window, an admin's `--override-freeze` files it (audited, announced, still
 * approved as usual), a non-admin's is refused, and `emergency-stop` always goes through.
 */
import { describe, expect, it } from 'vitest';
import { renderOutcome } from '../../bot/render-outcome.js';
import { createDispatcher } from '../../commands/dispatch.js';
import type { Config } from '../../config/schema.js';
import { PlanRunner } from '../../jobs/plan/plan-runner.js';
import { RequestFiler } from '../../jobs/request-filer.js';
import { shippedInventories } from '../helpers/config.js';
import { callerFor, DEFAULT_NOW, makeDeps } from '../helpers/fakes.js';
import { INACTIVE, POOLED, planWorld, type PlanWorld } from '../helpers/plan-world.js';

const K = '!kartotherian';
const W1001 = 'wikikube-worker1001.eqiad.wmnet';
const HOUR = 3_600_000;

/** DEFAULT_NOW is Wednesday 2025-01-15 12:00 UTC: an hour before the window opens. */
function withWindows(config: Config): void {
  config.change_windows = { windows: [{ days: ['mon', 'tue', 'wed', 'thu'], from: '13:00', to: '19:00' }], freezes: [] };
  config.people['erin'] = { irc: 'erin', roles: { kartotherian: ['admin'] } };
}

function chat(world: PlanWorld) {
  const { config, plan, inventory, store, effects, pooling, safety, requests, queue, audit, notifier, clock, scheduleTick } = world;
  const filer = new RequestFiler({ config, clock, requests, queue, audit });
  const runner = new PlanRunner({ config, plan, inventory, store, effects, pooling, writer: safety.writer, proofs: safety.proofs, requests, filer, audit, notifier, clock, scheduleTick });
  const deps = { ...makeDeps(config).deps, pooling, policy: safety.writer, requests, queue, filer, audit, clock, plans: new Map([['kartotherian', runner]]) };
  const dispatcher = createDispatcher({ config, inventories: shippedInventories(config), deps, onUnexpectedError: (error) => { throw error; } });
  return async (person: string, text: string): Promise<string> => {
    const outcome = await dispatcher.line({ text, caller: callerFor(person) });
    if (outcome === undefined) throw new Error(`no answer to ${text}`);
    return renderOutcome(outcome).text;
  };
}

async function frozenWorld() {
  const world = await planWorld();
  withWindows(world.config);
  world.clock.set(DEFAULT_NOW);
  return { world, say: chat(world) };
}

describe('change windows through the dispatcher', () => {
  it('refuses pool and next outside the window with when it opens, and files nothing', async () => {
    const { world, say } = await frozenWorld();
    world.seed();
    const refusal = 'outside the change window (Mon–Thu 13:00–19:00 UTC); next opens Wed 13:00 UTC, in 1h. An admin may add --override-freeze "why".';
    expect(await say('alice', `${K} pool wikikube1001 new workers`)).toBe(`✖ Refused: ${refusal}`);
    expect(await say('alice', `${K} next step 1`)).toBe(`✖ Refused: ${refusal}`);
    expect(world.requests.created).toHaveLength(0);
    // The plan was not left claimed by the refused `next`.
    expect((await world.run()).phase).toBe('ready');

    world.clock.advance(HOUR);
    expect(await say('alice', `${K} pool wikikube1001 new workers`)).toMatch(/^⏳ req1: alice asks to pool wikikube-worker1001/);
  });

  it("files an admin's override, audited with its reason, announced, and still waiting for approval", async () => {
    const { world, say } = await frozenWorld();
    const reply = await say('erin', `${K} pool wikikube1001 --override-freeze "tiles down, T1234" new workers`);
    expect(reply).toMatch(/^⏳ req1: erin asks to pool wikikube-worker1001.* · needs 1 approval from .*⚠ overrides the change window and freezes: tiles down, T1234$/);
    expect(world.requests.created[0]).toMatchObject({ state: 'pending', freezeOverride: 'tiles down, T1234' });
    const audited = world.audit.entries.find((entry) => entry.event === 'request.freeze-override');
    expect(audited).toMatchObject({ who: 'erin', requestId: 'req1' });
    expect(audited?.detail).toMatch(/overrides the change window: tiles down, T1234$/);
  });

  it("refuses a non-admin's override, inside the window too", async () => {
    const { world, say } = await frozenWorld();
    expect(await say('bob', `${K} pool wikikube1001 --override-freeze "in a hurry" new workers`)).toBe('✖ Only an admin of kartotherian may use --override-freeze; ask one to file it.');
    world.clock.advance(2 * HOUR);
    expect(await say('bob', `${K} pool wikikube1001 --override-freeze "in a hurry" new workers`)).toBe('✖ Only an admin of kartotherian may use --override-freeze; ask one to file it.');
    expect(world.requests.created).toHaveLength(0);
  });

  it('never holds back an emergency stop, in a freeze and outside every window', async () => {
    const { world, say } = await frozenWorld();
    world.config.change_windows = { windows: [{ days: ['sat'], from: '10:00', to: '11:00' }], freezes: [{ from: DEFAULT_NOW - HOUR, to: DEFAULT_NOW + HOUR, reason: 'switchover' }] };
    world.set(W1001, POOLED);
    world.seed({ journal: [world.entry(W1001, INACTIVE, POOLED)] });
    expect(await say('alice', `${K} rollback tiles`)).toMatch(/^✖ Refused: inside the freeze "switchover" \(until Wed 13:00 UTC\); next opens Sat 10:00 UTC, in 2d 22h/);
    expect(await say('alice', `${K} emergency-stop broken tiles`)).toMatch(/^🛑 req1 EMERGENCY STOP queued by alice/);
  });

  it("says it in status's lock line", async () => {
    const { say } = await frozenWorld();
    expect((await say('dave', `${K} status`)).split('\n').at(-1)).toMatch(/^lock free · outside window, next opens Wed 13:00 UTC, in 1h · /);
  });
});
