import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { ServiceLocks } from '../../jobs/service-lock.js';
import { useConsoleBots } from '../helpers/console-bots.js';

const WORKER_PATH = '/conftool/v1/pools/eqiad/maps/kartotherian-k8s-ssl/wikikube-worker1001.eqiad.wmnet';

describe('console channel → request → approval → BullMQ job → simulated conftool, on real Redis', () => {
  let config: Config;
  const bots = useConsoleBots(() => config);
  const { start } = bots;

  beforeAll(async () => {
    config = await loadConfig();
  });

  async function poolValue(prefix: string, path: string): Promise<unknown> {
    const raw = await bots.redis.hget(`${prefix}:sim:conftool`, path);
    return raw === null ? null : JSON.parse(raw);
  }

  it('pools wikikube1001 after a second person approves, verifies it, and status shows it', async () => {
    const chat = await start('flow');
    chat.say('!kartotherian pool wikikube1001 first canary --task T378944');
    const [, id] = await chat.waitFor(/⏳ (\w+): alice asks to pool wikikube-worker1001\.eqiad\.wmnet into kartotherian-k8s-ssl \(eqiad\) at weight 10/);
    expect(chat.transcript().join('\n')).toMatch(/needs 1 approval from bob or carol/);
    expect(await poolValue(chat.prefix, WORKER_PATH)).toEqual({ pooled: 'inactive', weight: 0 });

    chat.say('/as bob');
    chat.say(`!approve ${id}`);
    await chat.waitFor(new RegExp(`👍 bob approved ${id} \\(1/1\\)`));
    await chat.waitFor(new RegExp(`✅ ${id} done: pool wikikube-worker1001.eqiad.wmnet .*pooled=inactive weight=0 → pooled=yes weight=10, read back and verified.* 7 pooled, 0 depooled, 3 inactive .*requested by alice, approved by bob`));
    expect(await poolValue(chat.prefix, WORKER_PATH)).toEqual({ pooled: 'yes', weight: 10 });
    // The SAL line comes right behind the ✅, in the plan's format (issue 14).
    const done = chat.transcript().findIndex((line) => line.includes(`✅ ${id} done`));
    await chat.waitFor(/^<cutover> !log conftool wikikube-worker1001\.eqiad\.wmnet kartotherian-k8s-ssl \(eqiad\): pooled=inactive → yes weight=10 - first canary - alice@cutover - T378944$/);
    expect(chat.transcript()[done + 1]).toMatch(/^<cutover> !log conftool wikikube-worker1001/);

    const before = chat.transcript().length;
    chat.say('!kartotherian status --dc eqiad --service kartotherian-k8s-ssl');
    await chat.waitFor(/eqiad kartotherian-k8s-ssl:6543 — pooled 7, depooled 0, inactive 3 .*yes w10: maps\[1005-1010\] wikikube-worker1001 \| inactive: wikikube-worker\[1002-1004\]/, { from: before });
    await chat.waitFor(/lock: free/, { from: before });

    chat.say('!kartotherian jobs');
    await chat.waitFor(new RegExp(`✅ ${id} succeeded .* alice, approved by bob`));

    const beforeHistory = chat.transcript().length;
    chat.say(`!kartotherian history --request ${id}`);
    await chat.waitFor(new RegExp(`cutover action\\.succeeded ${id} · “pool wikikube-worker1001`), { from: beforeHistory });
    await chat.waitFor(new RegExp(`bob approval\\.granted ${id} · `), { from: beforeHistory });
    await chat.waitFor(new RegExp(`alice request\\.created ${id} · “pool wikikube-worker1001.* \\(console:#wikimedia-operations\\)`), { from: beforeHistory });
    const beforeJson = chat.transcript().length;
    chat.say(`!kartotherian history --event approval --json`);
    const [, json = ''] = await chat.waitFor(/^<cutover> (\{"id":.*)$/, { from: beforeJson });
    expect(JSON.parse(json)).toMatchObject({ event: 'approval.granted', who: 'bob', requestId: id, service: 'kartotherian' });

    const audit = await bots.redis.xrange(`${chat.prefix}:audit`, '-', '+');
    const events = audit.map(([, fields]) => fields[fields.indexOf('event') + 1]);
    expect(events).toEqual(expect.arrayContaining(['request.created', 'approval.granted', 'action.succeeded']));
  });

  it('refuses self-approval and leaves the request waiting for someone else', async () => {
    const chat = await start('self');
    chat.say('!kartotherian pool wikikube1002');
    const [, id] = await chat.waitFor(/⏳ (\w+): alice asks/);
    chat.say(`!approve ${id}`);
    await chat.waitFor(/✖ You asked for .*someone else has to approve it/);
    chat.say('/as mallory');
    chat.say(`!approve ${id}`);
    await chat.waitFor(/✖ mallory may not approve changes to kartotherian/);
    chat.say('/as alice');
    chat.say('!kartotherian status --dc eqiad --service kartotherian-k8s-ssl');
    await chat.waitFor(new RegExp(`waiting: ${id} pool wikikube-worker1002.* needs 1 approval`));
    expect(await poolValue(chat.prefix, WORKER_PATH.replace('1001', '1002'))).toEqual({ pooled: 'inactive', weight: 0 });
  });

  it('revokes an approved request still queued behind the lock; nothing is written when the lock frees', async () => {
    const chat = await start('revoke');
    const locks = new ServiceLocks(bots.redis, chat.prefix);
    const token = await locks.acquire('kartotherian', { holder: 'carol', requestId: 'held', since: Date.now() }, 60_000);
    expect(token).toBeDefined();
    chat.say('!kartotherian pool wikikube1003 canary');
    const [, id] = await chat.waitFor(/⏳ (\w+): alice asks to pool wikikube-worker1003/);
    chat.say('/as bob');
    chat.say(`!approve ${id}`);
    await chat.waitFor(new RegExp(`⏸ ${id} waits: kartotherian is locked by held \\(carol\\)`));
    chat.say(`!deny ${id} wrong host`);
    await chat.waitFor(new RegExp(`👎 revoked ${id} by bob \\(wrong host\\): pool wikikube-worker1003.*Nothing was changed`));
    await locks.release('kartotherian', token ?? '');
    // The job wakes within lockRetryMs (200 ms here), finds the request revoked and leaves the pool alone.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await poolValue(chat.prefix, WORKER_PATH.replace('1001', '1003'))).toEqual({ pooled: 'inactive', weight: 0 });
    expect(chat.transcript().join('\n')).not.toMatch(new RegExp(`✅ ${id}|❌ ${id}`));
    const audit = await bots.redis.xrange(`${chat.prefix}:audit`, '-', '+');
    const events = audit.map(([, fields]) => fields[fields.indexOf('event') + 1]);
    expect(events).toContain('request.revoked');
    expect(events.filter((event) => event?.startsWith('action.'))).toEqual([]);
  });

  it('expires an unapproved request in Redis and tells the channel', async () => {
    const shortLived = structuredClone(config);
    const service = shortLived.services['kartotherian'];
    if (service === undefined) throw new Error('shipped config lost kartotherian');
    service.approval.ttl_seconds = 5;
    const chat = await start('expiry', { config: shortLived });
    chat.say('!kartotherian depool maps1005 --service kartotherian-ssl disk check');
    const [, id] = await chat.waitFor(/⏳ (\w+): alice asks to depool maps1005/);
    await chat.waitFor(new RegExp(`⌛ ${id} expired after 5s without enough approvals; nothing was changed`), { timeoutMs: 15_000 });
    chat.say('/as bob');
    chat.say(`!approve ${id}`);
    await chat.waitFor(new RegExp(`✖ Request ${id} is already expired`));
    expect(await poolValue(chat.prefix, '/conftool/v1/pools/eqiad/maps/kartotherian-ssl/maps1005.eqiad.wmnet')).toEqual({ pooled: 'yes', weight: 10 });
  });

  it('keeps requests and pool state across a restart', async () => {
    const first = await start('restart');
    first.say('!kartotherian pool wikikube2001');
    const [, id] = await first.waitFor(/⏳ (\w+): alice asks to pool wikikube-worker2001/);
    await first.bot.stop();

    const second = await start('restart', { prefix: first.prefix });
    second.say('!kartotherian status --dc codfw --service kartotherian-k8s-ssl');
    await second.waitFor(new RegExp(`waiting: ${id} pool wikikube-worker2001`));
    second.say('/as carol');
    second.say(`!approve ${id}`);
    await second.waitFor(new RegExp(`✅ ${id} done`));
    await second.bot.stop();

    const third = await start('restart', { prefix: first.prefix });
    third.say('!kartotherian status --dc codfw --service kartotherian-k8s-ssl');
    await third.waitFor(/codfw kartotherian-k8s-ssl:6543 — pooled 7, .*yes w10: maps\[2005-2010\] wikikube-worker2001/);
  });

  it('runs with the gateway and the worker in separate processes sharing Redis', async () => {
    const gateway = await start('split', { role: 'gateway' });
    await start('split', { prefix: gateway.prefix, role: 'worker', withConsole: false });
    gateway.say('!kartotherian pool wikikube1003 --weight 5');
    const [, id] = await gateway.waitFor(/⏳ (\w+): alice asks to pool wikikube-worker1003.* at weight 5/);
    gateway.say('/as carol');
    gateway.say(`!approve ${id}`);
    await gateway.waitFor(new RegExp(`✅ ${id} done: .*pooled=yes weight=5`));
  });

  it('says so when the host is already pooled, at request time and at execution time', async () => {
    const chat = await start('noop');
    chat.say('!kartotherian pool maps1005 --service kartotherian-k8s-ssl');
    await chat.waitFor(/maps1005 is already pooled=yes weight=10 in kartotherian-k8s-ssl \(eqiad\); nothing to do/);

    // Two requests for the same change: the second finds the work done when it runs.
    chat.say('!kartotherian pool wikikube1004 one');
    const [, firstId] = await chat.waitFor(/⏳ (\w+): alice asks to pool wikikube-worker1004/);
    const mark = chat.transcript().length;
    chat.say('!kartotherian pool wikikube1004 two');
    const [, secondId] = await chat.waitFor(/⏳ (\w+): alice asks to pool wikikube-worker1004/, { from: mark });
    chat.say('/as bob');
    chat.say(`!approve ${firstId}`);
    await chat.waitFor(new RegExp(`✅ ${firstId} done`));
    chat.say(`!approve ${secondId}`);
    await chat.waitFor(new RegExp(`➖ ${secondId} no-op: .*was already pooled=yes weight=10; nothing changed`));
  });

  it('lets in-flight work settle when the input ends', async () => {
    const chat = await start('settle');
    chat.say('!kartotherian pool wikikube1001');
    const [, id] = await chat.waitFor(/⏳ (\w+):/);
    chat.say('/as bob');
    chat.say(`!approve ${id}`);
    chat.endInput();
    await chat.bot.inputEnded;
    expect(await chat.bot.settle(10_000)).toBe(true);
    expect(chat.transcript().join('\n')).toMatch(new RegExp(`✅ ${id} done`));
  });
});
