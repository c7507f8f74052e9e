/**
 * Decisions as data (commands/dispatch.ts `decide`): what a reaction or a button hands the
 * dispatcher, run through the same rules, audit and metrics as `!approve`, `!deny` and
 * `!withdraw`, with no text tokenized in between.
 */
import { describe, expect, it } from 'vitest';
import { createDispatcher, type StructuredDecision } from '../../commands/dispatch.js';
import type { Outcome } from '../../commands/outcome.js';
import { loadShippedConfig, shippedInventories } from '../helpers/config.js';
import { callerFor, makeDeps } from '../helpers/fakes.js';

const shipped = await loadShippedConfig();
const K = '!kartotherian';

function setup() {
  const config = structuredClone(shipped);
  const inventories = shippedInventories(config);
  const fakes = makeDeps(config, inventories);
  const commands: [string, string][] = [];
  const dispatcher = createDispatcher({
    config,
    inventories,
    deps: fakes.deps,
    onUnexpectedError: (error) => {
      throw error;
    },
    onCommand: (command, outcome) => commands.push([command, outcome]),
  });
  const type = async (person: string, text: string): Promise<Outcome | undefined> => dispatcher.line({ text, caller: callerFor(person) });
  const decide = async (person: string, decision: Omit<StructuredDecision, 'caller'>): Promise<Outcome> => dispatcher.decide({ ...decision, caller: callerFor(person) });
  return { ...fakes, dispatcher, commands, type, decide };
}

/** alice asks to pool a worker: req1, pending one approval. */
async function pending(world: ReturnType<typeof setup>): Promise<{ id: string; actionHash: string }> {
  const outcome = await world.type('alice', `${K} pool wikikube1001 new workers`);
  if (outcome?.kind !== 'request') throw new Error(`no request: ${JSON.stringify(outcome)}`);
  return outcome.request;
}

describe('a structured approval', () => {
  it('approves with the hash a button carried, queues the request, and audits it as !approve does', async () => {
    const world = setup();
    const { id, actionHash } = await pending(world);

    const outcome = await world.decide('bob', { decision: 'approve', requestId: id, expectHash: actionHash });

    expect(outcome).toEqual({ kind: 'request', text: `👍 bob approved ${id} (1/1) · queued: pool wikikube-worker1001.eqiad.wmnet into kartotherian-k8s-ssl (eqiad) at weight 10`, request: { id, actionHash, state: 'approved' } });
    expect(world.queue.enqueued.map((request) => request.id)).toEqual([id]);
    expect(world.audit.entries.slice(-2)).toMatchObject([
      { event: 'approval.granted', who: 'bob', requestId: id },
      { event: 'command', service: '-', who: 'bob', detail: `!approve ${id} --expect ${actionHash}` },
    ]);
    expect(world.commands.at(-1)).toEqual(['approve', 'ok']);
  });

  it('refuses the requester approving their own request, whatever the click', async () => {
    const world = setup();
    const { id, actionHash } = await pending(world);

    const outcome = await world.decide('alice', { decision: 'approve', requestId: id, expectHash: actionHash });

    expect(outcome).toEqual({ kind: 'refused', code: 'auth.self-approval', text: `You asked for ${id}; someone else has to approve it.` });
    expect(world.queue.enqueued).toEqual([]);
    expect(world.audit.events()).toContain('approval.refused');
    expect(world.commands.at(-1)).toEqual(['approve', 'refused']);
  });

  it('refuses a stale hash: the action changed since the button was shown', async () => {
    const world = setup();
    const { id } = await pending(world);

    const outcome = await world.decide('bob', { decision: 'approve', requestId: id, expectHash: '0123456789abcdef' });

    expect(outcome).toEqual({ kind: 'refused', code: 'request.not-pending', text: `Request ${id} changed since it was shown; it needs a new request.` });
    expect((await world.requests.get(id))?.state).toBe('pending');
    expect(world.audit.entries.at(-1)).toMatchObject({ event: 'approval.refused', detail: `Request ${id} changed since it was shown; it needs a new request.` });
  });

  it('answers exactly as the typed command does', async () => {
    const typed = setup();
    const clicked = setup();
    const { id } = await pending(typed);
    await pending(clicked);

    expect(await clicked.decide('carol', { decision: 'approve', requestId: id })).toEqual(await typed.type('carol', `!approve ${id}`));
    expect(clicked.audit.entries).toEqual(typed.audit.entries);
  });

  it('withdraws an approval (a removed 👍) and denies (a 👎, a Deny button)', async () => {
    const world = setup();
    const { id } = await pending(world);
    const twoApprovals = await world.requests.update(id, (request) => ({ ...request, approvalsRequired: 2 }));
    await world.decide('bob', { decision: 'approve', requestId: twoApprovals.id, expectHash: twoApprovals.actionHash });

    expect(await world.decide('bob', { decision: 'withdraw', requestId: id })).toEqual({ kind: 'ok', text: `↩ bob withdrew their approval of ${id}; it needs 2 more.` });
    const denied = await world.decide('carol', { decision: 'deny', requestId: id });
    expect(denied).toMatchObject({ kind: 'request', text: `👎 denied ${id} by carol: pool wikikube-worker1001.eqiad.wmnet into kartotherian-k8s-ssl (eqiad) at weight 10. Nothing was changed.`, request: { id, state: 'denied' } });
  });

  it('refuses what is not a request id or a hash before anything is looked up', async () => {
    const world = setup();

    const outcome = await world.decide('bob', { decision: 'approve', requestId: 'req1;rm -rf', expectHash: 'nothex' });

    expect(outcome).toMatchObject({ kind: 'refused', code: 'input.invalid' });
    expect(outcome.text).toMatch(/^Not a decision on a request: requestId: a request id like k7qm; expectHash: an action hash\.$/);
    expect(world.requests.updates).toEqual([]);
  });
});
