/**
 * The changes nobody asked for are recorded too (issue 15 item 1), through the whole bot (real
 * Redis, real BullMQ, the simulated fleet) against the Conduit and Grafana stand-ins: the guard's
 * depool of a worker pooled outside cutover, and the plan's automatic rollback of a wave whose
 * soak breached. Each is one comment, on the plan's task, with the command that undoes it, and
 * one annotation tagged with the service, the DC and the step.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { grafanaSettingsSchema } from '../../adapters/grafana/settings.js';
import { phabricatorSettingsSchema } from '../../adapters/phabricator/settings.js';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { ConduitStandIn } from '../helpers/conduit-stand-in.js';
import { eventually } from '../helpers/fault-checks.js';
import { startConsoleBot, type ConsoleBot } from '../helpers/console-bot.js';
import { GrafanaStandIn } from '../helpers/grafana-stand-in.js';
import { runStep, throughDeploy } from '../helpers/plan-steps.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const K = '!kartotherian';
const PHAB_TOKEN = 'api-abcdefghijklmnopqrstuvwxyz01';
const GRAFANA_TOKEN = 'glsa_cutover_test_token';
const FAST_OUTBOX = { base_delay_seconds: 0.05, max_delay_seconds: 0.2, poll_seconds: 0.05 };

describe('records of the changes cutover makes by itself (stand-ins, real Redis, the whole bot)', () => {
  let redis: Redis;
  let conduit: ConduitStandIn;
  let grafana: GrafanaStandIn;
  let config: Config;
  const bots: { bot: ConsoleBot; prefix: string }[] = [];

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
    conduit = await new ConduitStandIn(PHAB_TOKEN).start();
    grafana = await new GrafanaStandIn(GRAFANA_TOKEN).start();
    config = await loadConfig();
    config.backends.phabricator = phabricatorSettingsSchema.parse({ url: conduit.url, outbox: FAST_OUTBOX });
    config.backends.grafana = grafanaSettingsSchema.parse({ url: grafana.url, outbox: FAST_OUTBOX });
    const plan = config.plans['kartotherian'];
    if (plan === undefined) throw new Error('the shipped config lost its plan');
    plan.time_scale = 0.001;
  });

  afterEach(async () => {
    for (const { bot, prefix } of bots.splice(0)) {
      await bot.bot.stop();
      await cleanupPrefix(redis, prefix);
    }
    conduit.comments.splice(0);
    grafana.annotations.splice(0);
  });

  afterAll(async () => {
    await conduit.close();
    await grafana.close();
    await redis.quit();
  });

  async function start(label: string): Promise<ConsoleBot> {
    const prefix = uniquePrefix(label);
    const bot = await startConsoleBot({ config, prefix, redisUrl: TEST_REDIS_URL, env: { phabricatorToken: PHAB_TOKEN, grafanaToken: GRAFANA_TOKEN } });
    bots.push({ bot, prefix });
    return bot;
  }

  /** The records of one step once its outboxes are drained; a second copy would have arrived in the meantime. */
  async function recordsOf(step: string, text: RegExp): Promise<{ comments: string[]; annotations: Record<string, unknown>[] }> {
    const read = () => ({
      comments: conduit.comments.filter((comment) => comment.text.startsWith(`cutover (kartotherian eqiad ${step}): `) && text.test(comment.text)).map((comment) => `${comment.task} ${comment.text}`),
      annotations: grafana.annotations.filter((annotation) => (annotation['tags'] as string[]).at(-1) === step && text.test(String(annotation['text']))),
    });
    await eventually(`the records of ${step}`, async () => read(), (seen) => seen.comments.length > 0 && seen.annotations.length > 0);
    // Both outboxes poll every 50 ms: a duplicate would be in within a second.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return read();
  }

  it('the guard depools a worker confctl pooled: one comment on the plan\'s task with the repool command and the failed proof, one annotation', async () => {
    const chat = await start('records-guard');
    chat.say(`${K} simulate outside-repool wikikube1003`);
    await chat.waitFor(/👁 drift: wikikube-worker1003 is pooled in kartotherian-k8s-ssl \(eqiad\) but cutover did not pool it/, { timeoutMs: 20_000 });
    chat.say(`${K} simulate broken wikikube1003`);
    await chat.waitFor(/⏪ guard depooled wikikube-worker1003 from kartotherian-k8s-ssl \(eqiad\), verified/, { timeoutMs: 20_000 });

    const { comments, annotations } = await recordsOf('guard-depool', /wikikube-worker1003/);
    expect(comments).toHaveLength(1);
    expect(comments[0]).toMatch(/^T378944 cutover \(kartotherian eqiad guard-depool\): guard depooled wikikube-worker1003 from kartotherian-k8s-ssl \(eqiad\), verified: .*fail.* · pooled outside cutover\n/);
    expect(comments[0]).toContain("To undo: !kartotherian pool wikikube-worker1003.eqiad.wmnet --service kartotherian-k8s-ssl --task T378944 repool after the guard's depool");
    expect(annotations).toHaveLength(1);
    expect(annotations[0]?.['tags']).toEqual(['cutover', 'kartotherian', 'eqiad', 'guard-depool']);
    expect(String(annotations[0]?.['text'])).toContain('To undo: !kartotherian pool wikikube-worker1003.eqiad.wmnet');
  }, 60_000);

  it('a wave whose soak breaches is rolled back by the plan: one comment with the way back to the step, one annotation spanning the soak', async () => {
    const chat = await start('records-auto-rollback');
    await throughDeploy(chat);
    await runStep(chat, /✅ eqiad first-worker done/);
    await runStep(chat, /✅ eqiad observe done/);
    // One worker carries 1/7 of the traffic; two would carry 2/8, past the point where p99 rises.
    chat.say(`${K} simulate slow 0.2 3`);
    await chat.waitFor(/k8s p99 3s above 20% share/);
    const id = await runStep(chat, /⏪ eqiad waves: health breach, rolled back by itself \(wikikube-worker1002 → pooled=inactive, verified\)/);

    const { comments, annotations } = await recordsOf('waves', /rolled back by itself/);
    expect(comments).toHaveLength(1);
    expect(comments[0]).toMatch(new RegExp(`^T378944 cutover \\(kartotherian eqiad waves\\): health breach, rolled back by itself \\(wikikube-worker1002 → pooled=inactive, verified\\): p99 3\\.00s > max 1\\.50s.*Plan paused\\. \\(${id}\\)\\n`));
    expect(comments[0]).toContain('To undo: !kartotherian resume, then !kartotherian next to ask for the step again');
    expect(annotations).toHaveLength(1);
    expect(annotations[0]?.['tags']).toEqual(['cutover', 'kartotherian', 'eqiad', 'waves']);
    // The soak it ended is the annotation's region.
    expect(annotations[0]?.['timeEnd']).toBeGreaterThan(annotations[0]?.['time'] as number);
  }, 90_000);
});
