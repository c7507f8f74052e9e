import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrometheusClient, type PrometheusClient } from '../../adapters/metrics/prometheus-client.js';
import { readingFrom } from '../../adapters/metrics/reading.js';
import { DEFAULT_QUERIES } from '../../adapters/metrics/settings.js';
import { renderTemplate, workerAddressPattern } from '../../adapters/metrics/templates.js';
import { startFakeExporter, type FakeExporter, type Traffic } from '../helpers/fake-exporter.js';
import { KARTOTHERIAN_LABELS } from '../helpers/kartotherian-settings.js';
import { pollUntil, startPrometheus, type PrometheusServer } from '../helpers/prometheus-server.js';

/**
 * Every shipped production template, rendered as the bot renders it, against a real Prometheus
 * scraping exactly the series and labels production has (production-metrics.md): envoy with
 * site / prometheus / kubernetes_namespace as target labels, ATS, pybal and IPVS on the LVS
 * hosts. A template that answers nothing fails here. Per scrape (per second): k8s 190 requests,
 * 10 of them 503, and 1 in 100 past envoy's 2500 ms bucket in codfw; ATS 1000, 20 of them 503.
 */
const K8S: Traffic = { ok: [{ seconds: 0.02, count: 170 }, { seconds: 0.07, count: 8 }, { seconds: 0.2, count: 2 }], errors: 10 };
const K8S_SLOW: Traffic = { ok: [{ seconds: 0.02, count: 97 }, { seconds: 4, count: 2 }], errors: 1 };
const ATS: Traffic = { ok: [{ seconds: 0.05, count: 960 }, { seconds: 0.2, count: 20 }], errors: 20 };
const WINDOW = '4s';
const WORKERS = ['10.64.0.11', '10.64.16.12'];

let exporter: FakeExporter;
let prometheus: PrometheusServer;
let client: PrometheusClient;

beforeAll(async () => {
  exporter = await startFakeExporter();
  exporter.set('envoy-eqiad', { family: 'envoy', traffic: K8S });
  exporter.set('envoy-codfw', { family: 'envoy', traffic: K8S_SLOW });
  exporter.set('ats', { family: 'ats', traffic: ATS });
  exporter.set('pybal-lvs1019', {
    family: 'pybal',
    pooledDown: { 'kartotherian-k8s-ssl_6543': 2, 'kartotherian-ssl_443': 0 },
    monitors: [
      { service: 'kartotherian-k8s-ssl_6543', host: 'wikikube-worker1001.eqiad.wmnet', monitor: 'ProxyFetch', up: false },
      { service: 'kartotherian-k8s-ssl_6543', host: 'wikikube-worker1001.eqiad.wmnet', monitor: 'IdleConnection', up: true },
      { service: 'kartotherian-k8s-ssl_6543', host: 'maps1005.eqiad.wmnet', monitor: 'ProxyFetch', up: true },
      { service: 'kartotherian-ssl_443', host: 'maps1006.eqiad.wmnet', monitor: 'ProxyFetch', up: false },
    ],
  });
  exporter.set('ipvs-lvs1019', {
    family: 'ipvs',
    connections: [
      { localPort: 6543, remoteAddress: '10.64.0.11', active: 15 },
      { localPort: 6543, remoteAddress: '10.64.16.12', active: 10 },
      { localPort: 6543, remoteAddress: '10.64.48.5', active: 75 },
      { localPort: 443, remoteAddress: '10.64.48.5', active: 40 },
    ],
  });
  const target = (job: string, labels: Record<string, string>) => ({ job, ...exporter.target(job), labels });
  prometheus = await startPrometheus({
    targets: [
      target('envoy-eqiad', { site: 'eqiad', prometheus: 'k8s', kubernetes_namespace: 'kartotherian' }),
      target('envoy-codfw', { site: 'codfw', prometheus: 'k8s', kubernetes_namespace: 'kartotherian' }),
      target('ats', { site: 'esams', prometheus: 'ops', cluster: 'cache_upload' }),
      target('pybal-lvs1019', { site: 'eqiad', prometheus: 'ops', cluster: 'lvs' }),
      target('ipvs-lvs1019', { site: 'eqiad', prometheus: 'ops', cluster: 'lvs' }),
    ],
  });
  client = createPrometheusClient({ baseUrl: prometheus.url, timeoutMs: 3000 });
  await pollUntil(async () => (['envoy-eqiad', 'envoy-codfw', 'ats', 'ipvs-lvs1019'].every((name) => exporter.scrapes(name) >= 6) ? true : undefined), {
    what: 'six scrapes of every endpoint',
    timeoutMs: 20_000,
  });
});

afterAll(async () => {
  await prometheus?.dispose();
  await exporter?.close();
});

type Name = keyof typeof DEFAULT_QUERIES;
const values = (dc: string, port = 6543) => ({ ...KARTOTHERIAN_LABELS, dc, window: WINDOW, lvs_service: port === 6543 ? 'kartotherian-k8s-ssl' : 'kartotherian-ssl', port: String(port), worker_addresses: workerAddressPattern(WORKERS) });

/** The template's answer once rate() has a full window; a template that never answers fails. */
async function answer(name: Name, dc = 'eqiad', port = 6543): Promise<number> {
  const query = renderTemplate(DEFAULT_QUERIES[name], values(dc, port), name);
  return pollUntil(
    async () => {
      const reading = readingFrom(await client.instant({ query }));
      return reading.kind === 'value' ? reading.value : undefined;
    },
    { what: `${name} to answer: ${query}`, timeoutMs: 10_000, intervalMs: 200 },
  );
}

/** Each expected answer, by template: every default template must be listed. */
const EXPECTED: Record<Name, { dc?: string; port?: number; check: (value: number) => void }> = {
  request_rate: { check: (value) => expect(value).toBeGreaterThan(120) },
  error_ratio: { check: (value) => expect(value).toBeCloseTo(10 / 190, 6) },
  // 190 per second: the 99th percentile's rank (188.1) falls in the 100–250 ms bucket.
  p99_latency_seconds: { check: (value) => expect(value).toBeGreaterThan(0.1) },
  freshness_seconds: { check: (value) => expect(value).toBeLessThan(5) },
  // 25 of the 100 connections on 6543 go to the two workers; 443's do not count.
  k8s_traffic_share: { check: (value) => expect(value).toBeCloseTo(0.25, 6) },
  lvs_connections: { port: 443, check: (value) => expect(value).toBe(40) },
  backend_error_ratio: { check: (value) => expect(value).toBeCloseTo(0.02, 6) },
  cdn_request_rate: { check: (value) => expect(value).toBeGreaterThan(600) },
  cdn_p99_latency_seconds: { check: (value) => expect(value).toBeGreaterThan(0.1) },
  pooled_down_servers: { check: (value) => expect(value).toBe(2) },
  monitors_down: { check: (value) => expect(value).toBe(1) },
};

describe('every production template answers on the production series', () => {
  it.each(Object.keys(DEFAULT_QUERIES) as Name[])('%s', async (name) => {
    const expected = EXPECTED[name];
    expected.check(await answer(name, expected.dc, expected.port));
  });

  it('reads a k8s p99 past envoy\'s largest finite bucket (2500 ms) as 2.5 s, a lower bound', async () => {
    expect(await answer('p99_latency_seconds', 'codfw')).toBe(2.5);
  });

  it('has no bare-metal request template any more', () => {
    const names = Object.keys(DEFAULT_QUERIES);
    expect(names.filter((name) => name.includes('bare'))).toEqual([]);
    for (const template of Object.values(DEFAULT_QUERIES)) expect(template).not.toMatch(/express_router|prometheus="ops",cluster="\{\{cluster\}\}"/);
  });
});
