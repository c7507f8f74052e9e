import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { ConsoleTransport } from '../../bot/console-transport.js';
import { consoleStreams, startConsoleBot, type ConsoleBot } from '../helpers/console-bot.js';
import { NamedTransport } from '../helpers/named-transport.js';
import { actionEvents, auditRows, conftoolValue } from '../helpers/fault-checks.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const K = '!kartotherian';
const pathOf = (worker: string): string => `/conftool/v1/pools/eqiad/maps/kartotherian-k8s-ssl/${worker}.eqiad.wmnet`;

/**
 * Two people in two chats, each line said in the same tick: the
 * commands really race through Redis. One wins; the other is told why; nothing is written twice.
 */
describe('two operators issuing conflicting commands at the same instant', () => {
  let redis: Redis;
  let config: Config;
  let prefix: string;
  const running: ConsoleBot[] = [];

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
    config = await loadConfig();
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((chat) => chat.bot.stop()));
    await cleanupPrefix(redis, prefix);
  });

  afterAll(async () => {
    await redis.quit();
  });

  /**
   * Two chats into the one bot that leads (issue 16: two gateways on one Redis are one voice): `here`
   * is its console, `there` a second console under another name, as a second chat would be.
   */
  async function twoChats(label: string): Promise<{ here: ConsoleBot; there: ConsoleBot }> {
    prefix = uniquePrefix(label);
    const second = consoleStreams();
    const settings = config.transports.console;
    if (settings === undefined) throw new Error('the shipped config lost its console');
    const console2 = new ConsoleTransport({ input: second.input, output: second.output, echo: true, channel: settings.channel, speaker: settings.speaker, people: Object.keys(config.people), services: Object.keys(config.services) });
    const here = await startConsoleBot({ config, prefix, redisUrl: TEST_REDIS_URL, transports: [new NamedTransport('console-b', console2)] });
    running.push(here);
    return { here, there: { bot: here.bot, ...second.view } };
  }

  /** Both results arrive through one shared outbox, so either chat may print them. */
  function everything(a: ConsoleBot, b: ConsoleBot): string {
    return [...a.transcript(), ...b.transcript()].join('\n');
  }

  async function eitherSees(a: ConsoleBot, b: ConsoleBot, pattern: RegExp): Promise<void> {
    await Promise.any([a.waitFor(pattern, { timeoutMs: 15_000 }), b.waitFor(pattern, { timeoutMs: 15_000 })]);
  }

  it('approve and deny of the same request at once: one decision holds (a deny after the approval revokes it), at most one write', async () => {
    const { here, there } = await twoChats('fault-approve-deny');
    for (const host of ['wikikube1001', 'wikikube1002', 'wikikube1003']) {
      const mark = here.transcript().length;
      const markThere = there.transcript().length;
      here.say('/as alice');
      here.say(`${K} pool ${host}`);
      const [, id = ''] = await here.waitFor(/⏳ (\w+): alice asks to pool/, { from: mark });
      here.say('/as bob');
      there.say('/as carol');
      await there.waitFor(/now speaking as carol/, { from: markThere });
      await here.waitFor(/now speaking as bob/, { from: mark });
      here.say(`!approve ${id}`);
      there.say(`!deny ${id} not now`);
      const [approval] = await here.waitFor(new RegExp(`👍 bob approved ${id}|✖ .*${id}.*`), { from: mark });
      const [denial] = await there.waitFor(new RegExp(`👎 (denied|revoked) ${id}|✖ .*${id}.*`), { from: markThere });
      const approved = approval.includes('👍');
      const denied = denial.includes('👎');
      // Approval first and the deny landing before the job took the lock is a revocation: the deny wins.
      const revoked = denial.includes('👎 revoked');
      expect(approved !== denied || revoked, `exactly one decision wins:\n${approval}\n${denial}`).toBe(true);
      const worker = host.replace('wikikube', 'wikikube-worker');
      if (approved && !revoked) {
        expect(denial).toMatch(new RegExp(`✖ Request ${id} is already (approved|running|succeeded)`));
        await eitherSees(here, there, new RegExp(`✅ ${id} done`));
        expect(await conftoolValue(redis, prefix, pathOf(worker))).toEqual({ pooled: 'yes', weight: 10 });
        expect(await actionEvents(redis, prefix, id)).toEqual(['action.succeeded']);
      } else {
        if (!revoked) expect(approval).toMatch(new RegExp(`✖ Request ${id} is already denied`));
        expect(await here.bot.settle(5_000)).toBe(true);
        expect(await conftoolValue(redis, prefix, pathOf(worker))).toEqual({ pooled: 'inactive', weight: 0 });
        expect(await actionEvents(redis, prefix, id)).toEqual([]);
      }
      expect((await here.bot.deps.requests.get(id))?.state).toBe(approved && !revoked ? 'succeeded' : 'denied');
    }
  });

  it('two approvers approving at once queue the change once', async () => {
    const { here, there } = await twoChats('fault-two-approvals');
    here.say(`${K} pool wikikube1004`);
    const [, id = ''] = await here.waitFor(/⏳ (\w+): alice asks to pool/);
    here.say('/as bob');
    there.say('/as carol');
    await here.waitFor(/now speaking as bob/);
    await there.waitFor(/now speaking as carol/);
    const mark = here.transcript().length;
    const markThere = there.transcript().length;
    here.say(`!approve ${id}`);
    there.say(`!approve ${id}`);
    const [first] = await here.waitFor(new RegExp(`👍 bob approved ${id}|✖ .*`), { from: mark });
    const [second] = await there.waitFor(new RegExp(`👍 carol approved ${id}|✖ .*`), { from: markThere });
    expect([first, second].filter((line) => line.includes('👍')), `${first}\n${second}`).toHaveLength(1);
    expect([first, second].find((line) => line.includes('✖'))).toMatch(new RegExp(`Request ${id} is already (approved|running|succeeded)`));
    await eitherSees(here, there, new RegExp(`✅ ${id} done`));
    expect(await here.bot.settle(5_000)).toBe(true);
    expect(await actionEvents(redis, prefix, id)).toEqual(['action.succeeded']);
    expect((await auditRows(redis, prefix)).filter((row) => row.requestId === id && row.event === 'approval.granted')).toHaveLength(1);
    expect(everything(here, there).match(new RegExp(`✅ ${id} done`, 'g'))).toHaveLength(1);
  });

  it('two people asking for the next plan step at once: one request is filed, the other is told the step already awaits approval', async () => {
    const { here, there } = await twoChats('fault-two-next');
    here.say('/as alice');
    there.say('/as bob');
    await there.waitFor(/now speaking as bob/);
    const mark = here.transcript().length;
    const markThere = there.transcript().length;
    here.say(`${K} next tls first`);
    there.say(`${K} next tls first too`);
    const [mine] = await here.waitFor(/⏳ \w+: alice asks to run|✖ .*/, { from: mark });
    const [theirs] = await there.waitFor(/⏳ \w+: bob asks to run|✖ .*/, { from: markThere });
    const filed = [mine, theirs].filter((line) => line.includes('⏳'));
    expect(filed, `${mine}\n${theirs}`).toHaveLength(1);
    expect([mine, theirs].find((line) => line.includes('✖'))).toMatch(/✖ The plan is awaiting-approval: waiting for approval/);
    const created = (await auditRows(redis, prefix)).filter((row) => row.event === 'request.created');
    expect(created).toHaveLength(1);
    const open = await here.bot.deps.requests.open('kartotherian');
    expect(open.map((request) => request.id)).toEqual([created[0]?.requestId]);
  });

  it('approve and deny of a plan step at once: the step runs once or not at all, and the plan is free for the next request either way', async () => {
    const { here, there } = await twoChats('fault-plan-decide');
    here.say('/as alice');
    here.say(`${K} next tls`);
    const [, id = ''] = await here.waitFor(/⏳ (\w+): alice asks to run/);
    here.say('/as bob');
    there.say('/as carol');
    await here.waitFor(/now speaking as bob/);
    await there.waitFor(/now speaking as carol/);
    const mark = here.transcript().length;
    const markThere = there.transcript().length;
    here.say(`!approve ${id}`);
    there.say(`!deny ${id} wrong window`);
    const [approval] = await here.waitFor(new RegExp(`👍 bob approved ${id}|✖ .*`), { from: mark });
    const [denial] = await there.waitFor(new RegExp(`👎 (denied|revoked) ${id}|✖ .*`), { from: markThere });
    const approved = approval.includes('👍') && !denial.includes('👎 revoked');
    if (approved) {
      // The request's own result comes after its audit entry; the plan's step message may come before.
      await eitherSees(here, there, new RegExp(`✅ ${id} done`));
      expect(await actionEvents(redis, prefix, id)).toEqual(['action.succeeded']);
    } else {
      expect(await here.bot.settle(5_000)).toBe(true);
      expect(await actionEvents(redis, prefix, id)).toEqual([]);
    }
    // A denied step request must not leave the plan waiting for it forever.
    const again = here.transcript().length;
    here.say('/as alice');
    here.say(`${K} next`);
    const [reply] = await here.waitFor(/⏳ \w+: alice asks to run .*|✖ .*/, { from: again });
    expect(reply).toMatch(approved ? /asks to run kartotherian-to-wikikube eqiad lvs-k8s-service/ : /asks to run kartotherian-to-wikikube eqiad nginx-tls-6543/);
  });

  it('a plan step denied by one person while another asks for it again: the plan does not wait for the denied request', async () => {
    const { here, there } = await twoChats('fault-plan-deny');
    here.say(`${K} next tls`);
    const [, id = ''] = await here.waitFor(/⏳ (\w+): alice asks to run/);
    there.say('/as carol');
    there.say(`!deny ${id} wrong window`);
    await there.waitFor(new RegExp(`👎 denied ${id}`));
    const mark = here.transcript().length;
    here.say(`${K} next tls now`);
    const [reply] = await here.waitFor(/⏳ \w+: alice asks to run .*|✖ .*/, { from: mark });
    expect(reply).toMatch(/asks to run kartotherian-to-wikikube eqiad nginx-tls-6543/);
  });
});
