import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PhabricatorTaskLog } from '../../adapters/phabricator/phabricator-task-log.js';
import { conduitTokenSchema, phabricatorSettingsSchema } from '../../adapters/phabricator/settings.js';
import type { DeliveryReport } from '../../core/ports/delivery.js';
import type { NoticeContext } from '../../core/ports/task-log.js';
import { ConduitStandIn } from '../helpers/conduit-stand-in.js';
import { freePort } from '../helpers/free-port.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const TOKEN = 'api-abcdefghijklmnopqrstuvwxyz12';
const UNDO = '!kartotherian depool wikikube1001 --task T378944 first canary undone';

describe('Phabricator comments through Conduit and the Redis outbox (real Redis, Conduit stand-in)', () => {
  let redis: Redis;
  let conduit: ConduitStandIn;
  let prefix: string;
  let clock: number;
  let reports: DeliveryReport<NoticeContext>[];

  function taskLog(outbox: Record<string, number> = {}, token = TOKEN): PhabricatorTaskLog {
    const settings = phabricatorSettingsSchema.parse({ url: conduit.url, outbox: { base_delay_seconds: 5, max_attempts: 4, ...outbox } });
    return new PhabricatorTaskLog({ redis, prefix, settings, token, onReport: (report) => reports.push(report), now: () => clock });
  }

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
    conduit = await new ConduitStandIn(TOKEN).start();
  });
  afterAll(async () => {
    await conduit.close();
    redis.disconnect();
  });
  beforeEach(async (context) => {
    prefix = uniquePrefix('phab');
    clock = 1_750_000_000_000;
    reports = [];
    conduit.comments.length = 0;
    conduit.failNext(0);
    context.onTestFinished(() => cleanupPrefix(redis, prefix));
  });

  it('posts maniphest.edit with one comment transaction as flat form fields and reports it delivered', async () => {
    expect(conduitTokenSchema.safeParse(TOKEN).success).toBe(true);
    const log = taskLog();
    const queued = await log.comment('T378944', `pooled wikikube-worker1001 (k7qm). To undo: ${UNDO}`, { requestId: 'k7qm', replyTo: 'console' });
    expect(queued).toMatchObject({ queued: true });
    expect(conduit.comments).toEqual([]);
    expect(await log.outbox.drainOnce()).toBe(1);
    expect(conduit.comments).toEqual([{ task: 'T378944', text: `pooled wikikube-worker1001 (k7qm). To undo: ${UNDO}` }]);
    expect(conduit.calls.at(-1)?.body).toContain('transactions%5B0%5D%5Btype%5D=comment');
    expect(reports).toEqual([{ status: 'delivered', id: queued.queued ? queued.id : '', attempts: 1, context: { requestId: 'k7qm', replyTo: 'console' }, detail: 'comment on T378944' }]);
    expect(await log.outbox.pending()).toBe(0);
  });

  it('retries with backoff after failures, each one reported, and delivers once Conduit answers', async () => {
    const log = taskLog();
    conduit.failNext(2);
    await log.comment('T378944', 'step 5 started', { requestId: 'a1' });
    await log.outbox.drainOnce();
    expect(reports.at(-1)).toMatchObject({ status: 'retrying', attempts: 1, nextAttemptAt: clock + 5000, error: expect.stringContaining('HTTP 500') as unknown });
    // Not due yet: nothing is attempted.
    expect(await log.outbox.drainOnce()).toBe(0);
    clock += 5000;
    await log.outbox.drainOnce();
    expect(reports.at(-1)).toMatchObject({ status: 'retrying', attempts: 2, nextAttemptAt: clock + 10_000 });
    clock += 10_000;
    await log.outbox.drainOnce();
    expect(reports.at(-1)).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(conduit.comments).toEqual([{ task: 'T378944', text: 'step 5 started' }]);
  });

  it('keeps queued comments across a restart: a new outbox on the same Redis delivers them', async () => {
    conduit.failNext(1);
    const first = taskLog();
    await first.comment('T378944', 'emergency stop by alice', {});
    await first.outbox.drainOnce();
    expect(conduit.comments).toEqual([]);
    clock += 60_000;
    const second = taskLog();
    await second.outbox.drainOnce();
    expect(conduit.comments).toEqual([{ task: 'T378944', text: 'emergency stop by alice' }]);
  });

  it('two processes draining one outbox deliver each comment once', async () => {
    const one = taskLog();
    const two = taskLog();
    for (const step of ['a', 'b', 'c', 'd']) await one.comment('T378944', `step ${step}`, {});
    const attempted = await Promise.all([one.outbox.drainOnce(), two.outbox.drainOnce()]);
    expect(attempted[0] + attempted[1]).toBe(4);
    expect(conduit.comments.map((comment) => comment.text).sort()).toEqual(['step a', 'step b', 'step c', 'step d']);
  });

  it('gives up at once on a refused token, and after max_attempts on a service that stays down', async () => {
    const badToken = taskLog({}, 'api-zzzzzzzzzzzzzzzzzzzzzzzzzzzz');
    await badToken.comment('T378944', 'x', { requestId: 'b1' });
    await badToken.outbox.drainOnce();
    expect(reports).toEqual([expect.objectContaining({ status: 'failed', attempts: 1, error: expect.stringContaining('ERR-INVALID-AUTH') as unknown })]);

    reports = [];
    conduit.failNext(10);
    const down = taskLog({ max_attempts: 2 });
    await down.comment('T378944', 'y', { requestId: 'b2' });
    await down.outbox.drainOnce();
    clock += 5000;
    await down.outbox.drainOnce();
    expect(reports.map((report) => [report.status, report.attempts])).toEqual([['retrying', 1], ['failed', 2]]);
    expect(await down.outbox.pending()).toBe(0);
  });

  it('is bounded, and refuses what Phabricator would not take, without throwing', async () => {
    const log = taskLog({ max_queued: 2 });
    expect(await log.comment('T1', 'a', {})).toMatchObject({ queued: true });
    expect(await log.comment('T2', 'b', {})).toMatchObject({ queued: true });
    expect(await log.comment('T3', 'c', {})).toEqual({ queued: false, reason: '2 messages are already waiting (max_queued)' });
    expect(await log.comment('not-a-task', 'c', {})).toMatchObject({ queued: false });
  });

  it('reports an unreachable Phabricator as a retry, never as a throw', async () => {
    const settings = phabricatorSettingsSchema.parse({ url: `http://127.0.0.1:${await freePort()}`, timeout_ms: 2000 });
    const log = new PhabricatorTaskLog({ redis, prefix, settings, token: TOKEN, onReport: (report) => reports.push(report), now: () => clock });
    await log.comment('T378944', 'z', {});
    await log.outbox.drainOnce();
    expect(reports).toEqual([expect.objectContaining({ status: 'retrying', error: 'ECONNREFUSED' })]);
  });
});
