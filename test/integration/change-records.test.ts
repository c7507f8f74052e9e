/**
 * Phabricator comments and Grafana annotations through the whole bot (real Redis, real BullMQ, the
 * simulated fleet), against local stand-ins of Conduit and Grafana's API that check what the real
 * ones would refuse: a hand pool on T378944 is commented with the command that undoes it and
 * annotated with its service, DC and action; the first plan step's start is commented too. Conduit
 * failing twice is retried, and the comment still arrives; the change itself never waits for it.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grafanaSettingsSchema } from '../../adapters/grafana/settings.js';
import { phabricatorSettingsSchema } from '../../adapters/phabricator/settings.js';
import { loadConfig } from '../../config/load.js';
import { ConduitStandIn } from '../helpers/conduit-stand-in.js';
import { startConsoleBot, type ConsoleBot } from '../helpers/console-bot.js';
import { GrafanaStandIn } from '../helpers/grafana-stand-in.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const PHAB_TOKEN = 'api-abcdefghijklmnopqrstuvwxyz01';
const GRAFANA_TOKEN = 'glsa_cutover_test_token';
const FAST_OUTBOX = { base_delay_seconds: 0.05, max_delay_seconds: 0.2, poll_seconds: 0.05 };

async function eventually(test: () => boolean, what: string): Promise<void> {
  const until = Date.now() + 15_000;
  while (!test()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('Phabricator and Grafana records of changes (stand-ins, real Redis, the whole bot)', () => {
  let redis: Redis;
  let conduit: ConduitStandIn;
  let grafana: GrafanaStandIn;
  let bot: ConsoleBot | undefined;
  const prefix = uniquePrefix('change-records');

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
    conduit = await new ConduitStandIn(PHAB_TOKEN).start();
    grafana = await new GrafanaStandIn(GRAFANA_TOKEN).start();
    const config = await loadConfig();
    config.backends.phabricator = phabricatorSettingsSchema.parse({ url: conduit.url, outbox: FAST_OUTBOX });
    config.backends.grafana = grafanaSettingsSchema.parse({ url: grafana.url, outbox: FAST_OUTBOX });
    bot = await startConsoleBot({ config, prefix, redisUrl: TEST_REDIS_URL, env: { phabricatorToken: PHAB_TOKEN, grafanaToken: GRAFANA_TOKEN } });
  });

  afterAll(async () => {
    await bot?.bot.stop();
    await conduit.close();
    await grafana.close();
    await cleanupPrefix(redis, prefix);
    await redis.quit();
  });

  it('a hand pool: commented on its task with the undo, annotated; Conduit failing twice is retried', async () => {
    if (bot === undefined) throw new Error('no bot');
    conduit.failNext(2);
    const from = bot.transcript().length;
    bot.say('!kartotherian pool wikikube1001 first canary --task T378944');
    const asked = await bot.waitFor(/⏳ (\w+): alice asks/, { from });
    const id = asked[1] ?? '';
    bot.say('/as bob');
    bot.say(`!approve ${id}`);
    await bot.waitFor(new RegExp(`✅ ${id} done`), { from, timeoutMs: 20_000 });
    await eventually(() => conduit.comments.length >= 1, 'the Phabricator comment');
    expect(conduit.comments[0]?.task).toBe('T378944');
    expect(conduit.comments[0]?.text).toMatch(/^cutover \(kartotherian eqiad pool\): pool wikikube-worker1001\.eqiad\.wmnet into kartotherian-k8s-ssl \(eqiad\)/);
    expect(conduit.comments[0]?.text).toContain(`To undo: !kartotherian depool wikikube-worker1001.eqiad.wmnet --service kartotherian-k8s-ssl --task T378944 undo ${id}`);
    expect(conduit.calls.length).toBeGreaterThanOrEqual(3);
    await eventually(() => grafana.annotations.length >= 1, 'the Grafana annotation');
    expect(grafana.annotations[0]).toMatchObject({ tags: ['cutover', 'kartotherian', 'eqiad', 'pool'] });
    expect(String(grafana.annotations[0]?.['text'])).toContain('To undo: !kartotherian depool');
  }, 40_000);

  it('a plan step: its start is commented on the plan\'s task with `rollback` as the undo', async () => {
    if (bot === undefined) throw new Error('no bot');
    const before = conduit.comments.length;
    let from = bot.transcript().length;
    bot.say('/as alice');
    bot.say('!kartotherian next nginx on 6543 --task T378944');
    const asked = await bot.waitFor(/⏳ (\w+): alice asks to run/, { from });
    from = bot.transcript().length;
    bot.say('/as bob');
    bot.say(`!approve ${asked[1] ?? ''}`);
    await bot.waitFor(/▶ eqiad /, { from, timeoutMs: 20_000 });
    await eventually(() => conduit.comments.length > before, 'the step\'s comment');
    const comment = conduit.comments[before];
    expect(comment?.task).toBe('T378944');
    expect(comment?.text).toMatch(/^cutover \(kartotherian eqiad [\w-]+\): started .*approved by bob/);
    expect(comment?.text).toContain('To undo: !kartotherian rollback');
  }, 40_000);
});
