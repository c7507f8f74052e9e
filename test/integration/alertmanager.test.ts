import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertmanagerAlerts } from '../../adapters/alertmanager/alertmanager-alerts.js';
import { parseSelector } from '../../adapters/alertmanager/matchers.js';
import { alertmanagerSettingsSchema } from '../../adapters/alertmanager/settings.js';
import type { AlertSelector } from '../../core/ports/alerts.js';
import { CutoverError } from '../../core/errors.js';
import { freePort } from '../helpers/free-port.js';
import { startAlertmanager, type AlertmanagerServer } from '../helpers/alertmanager-server.js';

const HOUR = 3_600_000;

function selector(text: string): AlertSelector {
  const parsed = parseSelector(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.selector;
}

describe('Alertmanager both ways, against a real prometheus-alertmanager', () => {
  let am: AlertmanagerServer;
  let alerts: AlertmanagerAlerts;

  const silences = async (): Promise<{ id: string; createdBy: string; comment: string; endsAt: string; status: { state: string }; matchers: unknown[] }[]> =>
    (await (await fetch(`${am.url}/api/v2/silences`)).json()) as never;

  beforeAll(async () => {
    am = await startAlertmanager();
    alerts = new AlertmanagerAlerts({ settings: alertmanagerSettingsSchema.parse({ url: am.url }), now: Date.now });
  });
  afterAll(async () => {
    await am.dispose();
  });

  it('silences a depooled host\'s own alerts, instance=~"<short name>(:.*)?", and never its probe alerts', async () => {
    await am.fire([
      { labels: { alertname: 'NodeDown', instance: 'maps1005:9100', job: 'node' } },
      { labels: { alertname: 'SystemdUnitFailed', instance: 'maps1005', job: 'node' } },
      { labels: { alertname: 'ProbeDown', instance: 'maps1005:443', job: 'probes/custom' } },
      { labels: { alertname: 'NodeDown', instance: 'maps10050:9100', job: 'node' } },
    ]);
    const until = Date.now() + HOUR;
    const id = await alerts.silenceHost('maps1005.eqiad.wmnet', { reason: 'kartotherian moves to k8s', task: 'T378944', requestId: 'r7k2', until });

    const made = (await silences()).find((silence) => silence.id === id);
    expect(made).toMatchObject({ createdBy: 'cutover', comment: 'kartotherian moves to k8s - cutover request r7k2 - T378944', status: { state: 'active' } });
    expect(made?.matchers).toEqual([
      { name: 'instance', value: 'maps1005(:.*)?', isRegex: true, isEqual: true },
      { name: 'job', value: 'probes/.*', isRegex: true, isEqual: false },
    ]);
    expect(Math.abs(Date.parse(made?.endsAt ?? '') - until)).toBeLessThan(1000);

    const firing = await alerts.firing([selector('{instance=~"maps1005.*"}')]);
    expect(firing.map((alert) => `${alert.alertname} ${alert.labels['instance']}`)).toEqual(['NodeDown maps10050:9100', 'ProbeDown maps1005:443']);
  });

  it('expire ends the silence so the host alerts fire again; expiring it twice is no error', async () => {
    await am.fire([{ labels: { alertname: 'NodeDown', instance: 'maps2006:9100', job: 'node' } }]);
    const id = await alerts.silenceHost('maps2006.codfw.wmnet', { reason: 'depooled', until: Date.now() + HOUR });
    expect(await alerts.firing([selector('{instance="maps2006:9100"}')])).toEqual([]);

    await alerts.expire(id);
    expect((await silences()).find((silence) => silence.id === id)?.status.state).toBe('expired');
    expect((await alerts.firing([selector('{instance="maps2006:9100"}')])).map((alert) => alert.alertname)).toEqual(['NodeDown']);
    await expect(alerts.expire(id)).resolves.toBeUndefined();
  });

  it('refuses a silence whose matchers could cover the probe alerts, and sends nothing', async () => {
    const before = (await silences()).length;
    const until = Date.now() + HOUR;
    for (const matchers of [
      [{ name: 'instance', value: 'kartotherian-ssl:443', isRegex: false, isEqual: true }],
      [{ name: 'job', value: 'probes/.*', isRegex: true, isEqual: true }],
      [{ name: 'instance', value: 'maps1006(:.*)?', isRegex: true, isEqual: true }, { name: 'job', value: 'probes/service', isRegex: false, isEqual: false }],
    ]) {
      const refused = await alerts.silence(matchers, { reason: 'x', until }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(CutoverError);
      expect((refused as CutoverError).message).toContain('job!~"probes/.*"');
    }
    expect((await silences()).length).toBe(before);
  });

  it('firing: active, unsilenced alerts matching any selector, named and deduplicated; resolved ones are not', async () => {
    await am.fire([
      { labels: { alertname: 'ATSBackendErrorsHigh', backend: 'kartotherian.discovery.wmnet', cluster: 'cache_upload' } },
      { labels: { alertname: 'ProbeDown', job: 'probes/service', instance: 'kartotherian-ssl:443' } },
      { labels: { alertname: 'ProbeDown', job: 'probes/service', instance: 'kartotherian-k8s-ssl:6543' }, endsAt: new Date(Date.now() - 1000).toISOString() },
      { labels: { alertname: 'ProbeDown', job: 'probes/service', instance: 'thumbor:8800' } },
    ]);
    const service = [selector('{alertname="ATSBackendErrorsHigh", backend="kartotherian.discovery.wmnet"}'), selector('{job=~"probes/.*", instance=~"kartotherian(-k8s)?-ssl:(443|6543)"}'), selector('{backend="kartotherian.discovery.wmnet"}')];
    const firing = await alerts.firing(service);
    expect(firing.map((alert) => `${alert.alertname} ${alert.labels['instance'] ?? alert.labels['backend']}`)).toEqual(['ATSBackendErrorsHigh kartotherian.discovery.wmnet', 'ProbeDown kartotherian-ssl:443']);
    expect(await alerts.firing([])).toEqual([]);
  });

  it('an Alertmanager that does not answer is an adapter error that says where', async () => {
    const port = await freePort();
    const gone = new AlertmanagerAlerts({ settings: alertmanagerSettingsSchema.parse({ url: `http://127.0.0.1:${port}`, timeout_ms: 500 }), now: Date.now });
    const error = await gone.firing([selector('{alertname="X"}')]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CutoverError);
    expect((error as CutoverError).code).toBe('adapter.unreachable');
    expect((error as CutoverError).message).toContain(`127.0.0.1:${port}`);
  });
});
