/**
 * spicerack's cookbook locks honoured and taken by a hand pool, through the whole bot on real etcd:
 * while a cookbook (a second writer following spicerack/locking.py, test/helpers/spicerack-writer.ts)
 * holds wikikube-worker1001's pool-depool-node lock, the approved pool is refused naming the
 * cookbook's owner and nothing is written; once it is released, the pool goes through and the bot
 * leaves no lock of its own behind.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatConftoolValue } from '../../adapters/conftool/conftool-value.js';
import { seedEntries } from '../../adapters/simulated/seed-entries.js';
import { spicerackLocksSettingsSchema } from '../../adapters/spicerack/settings.js';
import { loadConfig } from '../../config/load.js';
import { shippedInventories } from '../helpers/config.js';
import { startConsoleBot, type ConsoleBot } from '../helpers/console-bot.js';
import { EtcdKeys, startEtcd, type EtcdServer } from '../helpers/etcd-server.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { SpicerackWriter } from '../helpers/spicerack-writer.js';

const WORKER = 'wikikube-worker1001.eqiad.wmnet';
const KEY = `/conftool/v1/pools/eqiad/maps/kartotherian-k8s-ssl/${WORKER}`;
const LOCK_NAME = `sre.k8s.pool-depool-node:${WORKER}`;

describe('cookbook locks on a hand pool (real etcd, real Redis, the whole bot)', () => {
  let etcd: EtcdServer;
  let keys: EtcdKeys;
  let redis: Redis;
  let bot: ConsoleBot | undefined;
  const prefix = uniquePrefix('cookbook-locks');

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
    etcd = await startEtcd();
    keys = new EtcdKeys(etcd.url);
  });

  afterAll(async () => {
    await bot?.bot.stop();
    await etcd.stop();
    await cleanupPrefix(redis, prefix);
    await redis.quit();
  });

  it('refuses while a cookbook holds the host, naming it; pools once released; releases its own lock', async () => {
    const config = await loadConfig();
    for (const entry of seedEntries(config.backends.pooling, shippedInventories(config))) await keys.put(entry.path, formatConftoolValue(entry.state));
    config.backends.pooling = { kind: 'etcd', endpoints: [etcd.url], timeout_ms: 5000 };
    config.backends.cookbook_locks = spicerackLocksSettingsSchema.parse({});
    // Real conftool has no simulated world behind it, and a plan would need production adapters.
    config.plans = {};
    const before = (await keys.get(KEY))?.value;

    // A cookbook run by jayme took the worker's lock two minutes ago.
    const cookbook = new SpicerackWriter(etcd.url, 'jayme@cumin1002 [31337]', () => Date.now() - 120_000);
    const held = await cookbook.acquire('cookbooks', LOCK_NAME, 1, 1800);

    bot = await startConsoleBot({ config, prefix, redisUrl: TEST_REDIS_URL });
    let from = bot.transcript().length;
    // Seen before anyone asks: status names the cookbook's lock on the service's host.
    bot.say('!kartotherian status');
    await bot.waitFor(/lock free · cookbook locks: jayme@cumin1002 \[31337\] on wikikube-worker1001\.eqiad\.wmnet \(2m\)/, { from });
    bot.say('!kartotherian pool wikikube1001 canary --task T378944');
    const asked = await bot.waitFor(/⏳ (\w+): alice asks/, { from });
    bot.say('/as bob');
    bot.say(`!approve ${asked[1] ?? ''}`);
    const refused = await bot.waitFor(new RegExp(`❌ ${asked[1] ?? ''} failed: .*`), { from, timeoutMs: 20_000 });
    expect(refused[0]).toContain(`${WORKER} is locked by a cookbook: jayme@cumin1002 [31337] holds /spicerack/locks/cookbooks/${LOCK_NAME}, taken 2m ago`);
    expect(refused[0]).toContain('nothing was written');
    expect((await keys.get(KEY))?.value).toBe(before);

    await cookbook.release('cookbooks', LOCK_NAME, held);
    from = bot.transcript().length;
    bot.say('/as alice');
    bot.say('!kartotherian pool wikikube1001 canary --task T378944');
    const again = await bot.waitFor(/⏳ (\w+): alice asks/, { from });
    bot.say('/as bob');
    bot.say(`!approve ${again[1] ?? ''}`);
    await bot.waitFor(new RegExp(`✅ ${again[1] ?? ''} done`), { from, timeoutMs: 20_000 });
    expect(JSON.parse((await keys.get(KEY))?.value ?? '{}')).toMatchObject({ pooled: 'yes' });
    // Released after the write: the key is gone (spicerack deletes a key that holds no lock).
    expect(await keys.get(`/spicerack/locks/cookbooks/${LOCK_NAME}`)).toBeUndefined();
  }, 60_000);
});
