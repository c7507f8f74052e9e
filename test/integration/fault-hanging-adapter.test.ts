import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import type { ConsoleBot } from '../helpers/console-bot.js';
import { useConsoleBots } from '../helpers/console-bots.js';
import { auditRows, conftoolValue } from '../helpers/fault-checks.js';

const K = '!kartotherian';
const pathOf = (worker: string): string => `/conftool/v1/pools/eqiad/maps/kartotherian-k8s-ssl/${worker}.eqiad.wmnet`;

/** A single pool action whose adapter never answers (plan-rehearsal covers a hanging puppet inside a plan step). */
describe('a pool action whose adapter hangs', () => {
  let config: Config;
  const bots = useConsoleBots(() => config);
  const { start } = bots;

  beforeAll(async () => {
    config = await loadConfig();
    const simulation = config.services['kartotherian']?.backends.simulation;
    if (simulation === undefined) throw new Error('the shipped config lost its simulation settings');
    simulation.adapter_timeout_ms = 500;
  });

  async function requestPool(chat: ConsoleBot, host: string): Promise<string> {
    const mark = chat.transcript().length;
    chat.say('/as alice');
    chat.say(`${K} pool ${host}`);
    const [, id = ''] = await chat.waitFor(/⏳ (\w+): alice asks to pool/, { from: mark });
    return id;
  }

  function approve(chat: ConsoleBot, id: string): void {
    chat.say('/as bob');
    chat.say(`!approve ${id}`);
  }

  it('conftool hangs: the action times out with the reason, conftool is untouched, and the lock is released for the next action', async () => {
    const chat = await start('fault-hang-conftool');
    const id = await requestPool(chat, 'wikikube1001');
    chat.say(`${K} simulate hang pooling`);
    await chat.waitFor(/hanging: pooling/);
    approve(chat, id);
    await chat.waitFor(new RegExp(`❌ ${id} failed: pool wikikube-worker1001.* · pooling \\(conftool\\) did not answer within 500 ms \\(simulated hang\\)`), { timeoutMs: 15_000 });
    expect(await conftoolValue(bots.redis, chat.prefix, pathOf('wikikube-worker1001'))).toEqual({ pooled: 'inactive', weight: 0 });
    expect(await chat.bot.deps.requests.get(id)).toMatchObject({ state: 'failed', errorCode: 'adapter.timeout' });
    const failed = (await auditRows(bots.redis, chat.prefix)).filter((row) => row.requestId === id && row.event.startsWith('action.'));
    expect(failed).toEqual([expect.objectContaining({ event: 'action.failed', detail: expect.stringMatching(/did not answer within 500 ms/) as unknown })]);
    expect(await chat.bot.deps.locks.current('kartotherian')).toBeUndefined();

    chat.say(`${K} simulate clear`);
    await chat.waitFor(/simulated faults cleared/);
    const next = await requestPool(chat, 'wikikube1002');
    approve(chat, next);
    await chat.waitFor(new RegExp(`✅ ${next} done: pool wikikube-worker1002`));
    expect(await conftoolValue(bots.redis, chat.prefix, pathOf('wikikube-worker1002'))).toEqual({ pooled: 'yes', weight: 10 });
  });

  it('pybal hangs after the write: the error says conftool changed, so nobody assumes nothing happened', async () => {
    const chat = await start('fault-hang-pybal');
    const id = await requestPool(chat, 'wikikube1003');
    chat.say(`${K} simulate hang pybal`);
    await chat.waitFor(/hanging: pybal/);
    approve(chat, id);
    const [line] = await chat.waitFor(new RegExp(`❌ ${id} failed: .*`), { timeoutMs: 15_000 });
    expect(line).toMatch(/conftool now says pooled=yes for wikikube-worker1003\.eqiad\.wmnet.*pybal did not answer within 500 ms/);
    expect(await conftoolValue(bots.redis, chat.prefix, pathOf('wikikube-worker1003'))).toEqual({ pooled: 'yes', weight: 10 });
    expect((await auditRows(bots.redis, chat.prefix)).filter((row) => row.requestId === id && row.event.startsWith('action.')).map((row) => row.event)).toEqual(['action.failed']);
    expect(await chat.bot.deps.locks.current('kartotherian')).toBeUndefined();
  });
});
