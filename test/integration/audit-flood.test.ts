import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderOutcome } from '../../bot/render-outcome.js';
import { createDispatcher } from '../../commands/dispatch.js';
import { REFUSAL_CAP, RedisAuditLog } from '../../jobs/redis-audit-log.js';
import { loadShippedConfig, shippedInventories } from '../helpers/config.js';
import { callerFor, makeDeps } from '../helpers/fakes.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const FLOOD = 6000;

/**
 * The attacker: any member of the channel, with no rights, sends thousands of commands that are
 * refused and audited, to push the real approval out of what `history` and the status page read.
 */
describe('the audit trail under a flood of refusals', () => {
  let redis: Redis;
  const prefix = uniquePrefix('audit-flood');

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
  });

  afterAll(async () => {
    await cleanupPrefix(redis, prefix);
    await redis.quit();
  });

  it(`still shows the approval in history and on the status page after ${FLOOD} refused commands, and keeps refusals capped`, { timeout: 60_000 }, async () => {
    const config = await loadShippedConfig();
    const inventories = shippedInventories(config);
    const fakes = makeDeps(config, inventories);
    const audit = new RedisAuditLog(redis, prefix, { now: () => Date.now() });
    const deps = { ...fakes.deps, audit, auditReader: audit };
    const dispatcher = createDispatcher({ config, inventories, deps, onUnexpectedError: (error) => { throw error; } });
    const say = async (person: string | undefined, text: string, display = person ?? 'mallory') =>
      renderOutcome((await dispatcher.line({ text, caller: callerFor(person, { display }) })) ?? { kind: 'ok', text: '' }).text;

    const asked = await say('alice', '!kartotherian pool wikikube1001 first canary T378944');
    const id = /⏳ (\w+):/.exec(asked)?.[1] ?? '';
    expect(await say('bob', `!approve ${id}`)).toMatch(/👍 bob approved/);

    // The flood, as a stranger wearing the nick of a real approver.
    for (let index = 0; index < FLOOD; index += 1) expect(await say(undefined, `!kartotherian depool wikikube100${index % 10}`, 'carol')).toMatch(/^✖ carol may not run/);

    const history = await say('dave', '!kartotherian history');
    expect(history).toMatch(new RegExp(`bob \\(irc account bob\\) approval.granted ${id}`));
    expect(history).not.toMatch(/refused/);
    // As the status page reads it (status-snapshot.ts auditRows).
    const rows = await audit.recent({ service: 'kartotherian', limit: 20 });
    expect(rows.map((row) => row.event)).toContain('approval.granted');
    expect(rows.map((row) => row.event)).not.toContain('command.refused');

    // The refusals are there for whoever looks, naming the stranger as unidentified, not as carol.
    const refusals = await say('dave', '!kartotherian history --event refused --limit 3');
    expect(refusals.split('\n')).toHaveLength(3);
    expect(refusals).toMatch(/carol \(unidentified irc nick\) command.refused · “!kartotherian depool/);
    expect(await audit.recent({ service: 'kartotherian', who: 'carol', limit: 5 })).toEqual([]);

    // Capped: a longer flood never grows the refusal stream past (about) the cap, nor touches the rest.
    const before = await redis.xlen(`${prefix}:audit`);
    const pipeline = redis.pipeline();
    for (let index = 0; index < REFUSAL_CAP; index += 1) pipeline.xadd(`${prefix}:audit:refused`, 'MAXLEN', '~', REFUSAL_CAP, '*', 'event', 'command.refused');
    await pipeline.exec();
    await audit.append({ event: 'command.refused', service: 'kartotherian', who: 'x (unidentified irc nick)', where: 'irc:#x', detail: '' });
    expect(await redis.xlen(`${prefix}:audit:refused`)).toBeLessThanOrEqual(REFUSAL_CAP + 200);
    expect(await redis.xlen(`${prefix}:audit`)).toBe(before);

    // The export still holds both, oldest first.
    const exported: string[] = [];
    for await (const record of audit.exportAll()) exported.push(record.event);
    expect(exported.indexOf('approval.granted')).toBeLessThan(exported.indexOf('command.refused'));
    expect(exported.filter((event) => event === 'command.refused').length).toBeGreaterThan(REFUSAL_CAP - 200);
  });
});
