/**
 * Issue 15 item 7: integrations that are configured but do not answer are shown, in `status` as
 * one line and on the status page as a section, and the line goes once they are back. The whole
 * bot (real Redis, the simulated fleet) against a real prometheus-alertmanager and the Grafana and
 * Conduit stand-ins, each stopped and brought back on its own port.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerSettingsSchema } from '../../adapters/alertmanager/settings.js';
import { grafanaSettingsSchema } from '../../adapters/grafana/settings.js';
import { phabricatorSettingsSchema } from '../../adapters/phabricator/settings.js';
import type { StatusSnapshot } from '../../bot/status-page/status-snapshot.js';
import { loadConfig } from '../../config/load.js';
import { startAlertmanager, type AlertmanagerServer } from '../helpers/alertmanager-server.js';
import { chromiumBinary, launchChromium } from '../helpers/chromium.js';
import { ConduitStandIn } from '../helpers/conduit-stand-in.js';
import { startConsoleBot, type ConsoleBot } from '../helpers/console-bot.js';
import { eventually } from '../helpers/fault-checks.js';
import { GrafanaStandIn } from '../helpers/grafana-stand-in.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const K = '!kartotherian';
const PHAB_TOKEN = 'api-abcdefghijklmnopqrstuvwxyz01';
const GRAFANA_TOKEN = 'glsa_cutover_test_token';
/** Retried for as long as the test runs: the annotation must still be waiting when status is asked. */
const PATIENT_OUTBOX = { base_delay_seconds: 0.05, max_delay_seconds: 0.2, poll_seconds: 0.05, max_attempts: 100 };
/** Production's 30 s, shortened so the test sees an outage and a recovery in seconds. */
const PROBE_SECONDS = 0.5;

describe('integrations configured but unreachable (real Alertmanager, stand-ins, the whole bot)', () => {
  let redis: Redis;
  let alertmanager: AlertmanagerServer;
  let conduit: ConduitStandIn;
  let grafana: GrafanaStandIn;
  let chat: ConsoleBot;
  const prefix = uniquePrefix('integrations-status');

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
    alertmanager = await startAlertmanager();
    conduit = await new ConduitStandIn(PHAB_TOKEN).start();
    grafana = await new GrafanaStandIn(GRAFANA_TOKEN).start();
    const loaded = await loadConfig();
    const config = { ...loaded, ops_http: { host: '127.0.0.1' as const, port: 0, sample_seconds: 5 } };
    config.backends.phabricator = phabricatorSettingsSchema.parse({ url: conduit.url, outbox: PATIENT_OUTBOX, probe_seconds: PROBE_SECONDS });
    config.backends.grafana = grafanaSettingsSchema.parse({ url: grafana.url, outbox: PATIENT_OUTBOX, probe_seconds: PROBE_SECONDS });
    const service = config.services['kartotherian'];
    if (service === undefined) throw new Error('no kartotherian');
    service.backends.alertmanager = alertmanagerSettingsSchema.parse({ url: alertmanager.url, probe_seconds: PROBE_SECONDS });
    chat = await startConsoleBot({ config, prefix, redisUrl: TEST_REDIS_URL, env: { phabricatorToken: PHAB_TOKEN, grafanaToken: GRAFANA_TOKEN } });
  });

  afterAll(async () => {
    await chat?.bot.stop();
    await alertmanager?.dispose();
    await conduit?.close();
    await grafana?.close();
    await cleanupPrefix(redis, prefix);
    await redis.quit();
  });

  /** `status` as the channel gets it. */
  async function status(): Promise<string[]> {
    const mark = chat.transcript().length;
    chat.say(`${K} status`);
    await chat.waitFor(/more: !kartotherian status/, { from: mark });
    return chat.transcript().slice(mark + 1);
  }

  async function snapshot(): Promise<StatusSnapshot> {
    const response = await fetch(`http://127.0.0.1:${chat.bot.opsPort ?? 0}/api/status`);
    return (await response.json()) as StatusSnapshot;
  }

  const port = (url: string): number => Number(new URL(url).port);
  const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, PROBE_SECONDS * 1000 + 200));

  it('says nothing while they answer, one ⚠ line once Grafana and Alertmanager are down, with what waits; the page shows each; back up, the line goes', async () => {
    const quiet = await status();
    expect(quiet.filter((line) => line.includes('integrations'))).toEqual([]);
    expect((await snapshot()).integrations).toMatchObject({ ok: true, value: [{ name: 'phabricator' }, { name: 'grafana' }, { name: 'alertmanager' }] });

    const grafanaUrl = grafana.url;
    const alertmanagerUrl = alertmanager.url;
    await grafana.close();
    await alertmanager.dispose();
    // A hand pool while Grafana is down: its annotation waits in the outbox.
    chat.say(`${K} pool wikikube1001 canary --task T378944`);
    const [, id = ''] = await chat.waitFor(/⏳ (\w+): alice asks/);
    chat.say('/as bob');
    chat.say(`!approve ${id}`);
    await chat.waitFor(new RegExp(`✅ ${id} done`), { timeoutMs: 20_000 });
    await eventually('the comment', async () => conduit.comments.length, (count) => count >= 1);
    await settle();

    const down = await status();
    const warnings = down.filter((line) => line.includes('integrations'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^<cutover> ⚠ integrations: grafana unreachable since \d\d:\d\d \(ECONNREFUSED\), 1 annotation waiting; alertmanager unreachable since \d\d:\d\d \(ECONNREFUSED\)$/);
    // The channel's status is still at most four lines.
    expect(down.length).toBeLessThanOrEqual(4);

    // The page shares one snapshot a second between its tabs.
    const page = (await eventually('the page to see Grafana down', snapshot, (seen) => seen.integrations?.ok === true && seen.integrations.value[1]?.state !== 'ok', 5000)).integrations;
    if (page === null || !page.ok) throw new Error(`no integrations on the page: ${JSON.stringify(page)}`);
    expect(page.value.map((row) => [row.name, row.state, row.waiting])).toEqual([
      ['phabricator', 'ok', 0],
      ['grafana', 'unreachable', 1],
      ['alertmanager', 'unreachable', 0],
    ]);
    expect(page.value[1]?.words).toMatch(/^unreachable since \d\d:\d\d \(ECONNREFUSED\), 1 annotation waiting$/);

    // The page itself, in a browser: the section lists each, the two down marked.
    const browser = await launchChromium(chromiumBinary());
    try {
      const tab = await browser.newPage();
      await tab.goto(`http://127.0.0.1:${chat.bot.opsPort ?? 0}/`);
      await tab.waitForSelector('[data-part="integrations"] [data-integration="grafana"]');
      expect(await tab.locator('[data-integration="grafana"]').getAttribute('data-state')).toBe('unreachable');
      expect(await tab.locator('[data-integration="alertmanager"]').getAttribute('data-state')).toBe('unreachable');
      expect(await tab.locator('[data-integration="phabricator"]').getAttribute('data-state')).toBe('ok');
      expect(await tab.locator('[data-integration="grafana"]').innerText()).toMatch(/grafana unreachable since .*1 annotation waiting/);
    } finally {
      await browser.close();
    }

    await grafana.start(port(grafanaUrl));
    alertmanager = await startAlertmanager(port(alertmanagerUrl));
    await eventually('the waiting annotation', async () => grafana.annotations.length, (count) => count >= 1);
    await settle();
    const back = await status();
    expect(back.filter((line) => line.includes('integrations'))).toEqual([]);
    const after = await eventually('the page to see them back', snapshot, (seen) => seen.integrations?.ok === true && seen.integrations.value.every((row) => row.state === 'ok'), 5000);
    expect(after.integrations?.ok === true ? after.integrations.value.map((row) => row.waiting) : after).toEqual([0, 0, 0]);
  }, 90_000);
});
