import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GrafanaAnnotations } from '../../adapters/grafana/grafana-annotations.js';
import { grafanaSettingsSchema } from '../../adapters/grafana/settings.js';
import type { DeliveryReport } from '../../core/ports/delivery.js';
import type { NoticeContext } from '../../core/ports/task-log.js';
import { GrafanaStandIn } from '../helpers/grafana-stand-in.js';
import { waitUntil } from '../helpers/wait-until.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const TOKEN = 'glsa_test_token_0123456789';

describe('Grafana annotations through the Redis outbox (real Redis, Grafana stand-in)', () => {
  let redis: Redis;
  let grafana: GrafanaStandIn;
  let prefix: string;
  let reports: DeliveryReport<NoticeContext>[];
  const heard = new Set<() => void>();

  function annotations(settings: Record<string, unknown> = {}, token = TOKEN): GrafanaAnnotations {
    return new GrafanaAnnotations({
      redis,
      prefix,
      settings: grafanaSettingsSchema.parse({ url: grafana.url, outbox: { base_delay_seconds: 0.01, poll_seconds: 0.05 }, ...settings }),
      token,
      onReport: (report) => {
        reports.push(report);
        for (const listener of heard) listener();
      },
    });
  }

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
    grafana = await new GrafanaStandIn(TOKEN).start();
  });
  afterAll(async () => {
    await grafana.close();
    redis.disconnect();
  });
  beforeEach((context) => {
    prefix = uniquePrefix('grafana');
    reports = [];
    grafana.annotations.length = 0;
    context.onTestFinished(() => cleanupPrefix(redis, prefix));
  });

  it('posts time, timeEnd, the tags and text with the bearer token, retrying a 503 in the background', async () => {
    const outbox = annotations({ dashboard_uid: 'kartotherian' });
    grafana.failNext(1);
    outbox.outbox.start();
    try {
      await outbox.annotate({ time: 1_750_000_000_000, timeEnd: 1_750_000_300_000, service: 'kartotherian', dc: 'eqiad', step: 'first-worker', text: 'pooled wikikube-worker1001 (k7qm), soak 5m' }, { requestId: 'k7qm' });
      await waitUntil(heard, () => reports.find((report) => report.status === 'delivered'), 10_000, () => `no delivery: ${JSON.stringify(reports)}`);
    } finally {
      await outbox.outbox.stop();
    }
    expect(reports.map((report) => report.status)).toEqual(['retrying', 'delivered']);
    expect(grafana.annotations).toEqual([
      { dashboardUID: 'kartotherian', time: 1_750_000_000_000, timeEnd: 1_750_000_300_000, tags: ['cutover', 'kartotherian', 'eqiad', 'first-worker'], text: 'pooled wikikube-worker1001 (k7qm), soak 5m' },
    ]);
  });

  it('a refused token is reported failed after one attempt, and the change is never blocked', async () => {
    const outbox = annotations({}, 'wrong');
    const queued = await outbox.annotate({ time: 1, service: 'kartotherian', dc: 'codfw', step: 'pool', text: 'x' }, {});
    expect(queued.queued).toBe(true);
    await outbox.outbox.drainOnce();
    expect(reports).toEqual([expect.objectContaining({ status: 'failed', attempts: 1, error: expect.stringContaining('HTTP 401') as unknown })]);
    expect(grafana.annotations).toEqual([]);
  });
});
