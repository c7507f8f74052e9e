/**
 * The composition root gives a service's plan its Alertmanager when the config names one: the
 * shipped bot, on a real Redis and a real prometheus-alertmanager, refuses `next` and names the
 * firing alert in `plan`, and goes on once it has resolved.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerSettingsSchema } from '../../adapters/alertmanager/settings.js';
import { loadConfig } from '../../config/load.js';
import { startAlertmanager, type AlertmanagerServer } from '../helpers/alertmanager-server.js';
import { startConsoleBot, type ConsoleBot } from '../helpers/console-bot.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

describe('Alertmanager wired into the plan by config (real Alertmanager, real Redis)', () => {
  let am: AlertmanagerServer;
  let redis: Redis;
  let bot: ConsoleBot | undefined;
  const prefix = uniquePrefix('alertmanager-wiring');

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
    am = await startAlertmanager();
  });

  afterAll(async () => {
    await bot?.bot.stop();
    await am.dispose();
    await cleanupPrefix(redis, prefix);
    await redis.quit();
  });

  it('a firing probe alert of the service holds the plan: `next` refused, `plan` names it; resolved, `next` files', async () => {
    const config = await loadConfig();
    const service = config.services['kartotherian'];
    if (service === undefined) throw new Error('the shipped config lost kartotherian');
    const instance = 'kartotherian-ssl-wiring:443';
    service.backends.alertmanager = alertmanagerSettingsSchema.parse({ url: am.url, service_matchers: [`{job=~"probes/.*", instance="${instance}"}`] });
    bot = await startConsoleBot({ config, prefix, redisUrl: TEST_REDIS_URL });
    await am.fire([{ labels: { alertname: 'ProbeDown', job: 'probes/service', instance } }]);

    let from = bot.transcript().length;
    bot.say('!kartotherian plan');
    await bot.waitFor(/blocked: an alert firing for kartotherian: ProbeDown/, { from });
    from = bot.transcript().length;
    bot.say('!kartotherian next canary --task T378944');
    await bot.waitFor(/an alert firing for kartotherian: ProbeDown/, { from });
    expect(bot.transcript().slice(from).some((line) => /^<cutover> ⏳ \w+: alice asks to run/.test(line))).toBe(false);

    await am.fire([{ labels: { alertname: 'ProbeDown', job: 'probes/service', instance }, endsAt: new Date(Date.now() - 1000).toISOString() }]);
    from = bot.transcript().length;
    bot.say('!kartotherian next canary --task T378944');
    await bot.waitFor(/⏳ \w+: alice asks to run/, { from, timeoutMs: 20_000 });
  }, 60_000);
});
