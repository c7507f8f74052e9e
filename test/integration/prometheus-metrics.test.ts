import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealthReader, type GroupHealth, type HealthReader } from '../../adapters/metrics/health-reader.js';
import { createPrometheusClient, PrometheusError, type PrometheusClient } from '../../adapters/metrics/prometheus-client.js';
import { readingFrom, type MetricReading } from '../../adapters/metrics/reading.js';
import { DEFAULT_QUERIES, metricsSettingsSchema, type MetricsSettings } from '../../adapters/metrics/settings.js';
import { renderTemplate } from '../../adapters/metrics/templates.js';
import { startFakeExporter, type FakeExporter, type Traffic } from '../helpers/fake-exporter.js';
import { startSilentServer, type TestServer } from '../helpers/https-servers.js';
import { pollUntil, startPrometheus, type PrometheusServer } from '../helpers/prometheus-server.js';
import { KARTOTHERIAN_LABELS } from '../helpers/kartotherian-settings.js';

/**
 * Per scrape (so per second). k8s: 5 fast 503s in 100, p99 inside the 100–250 ms bucket at
 * 175 ms. Ranks never land on a bucket edge, so float noise in rate() cannot move the quantile.
 * Bare metal exports nothing: production has no request series for it.
 */
const K8S_TRAFFIC: Traffic = { ok: [{ seconds: 0.02, count: 85 }, { seconds: 0.07, count: 8 }, { seconds: 0.2, count: 2 }], errors: 5 };
const IDLE: Traffic = { ok: [], errors: 0 };
const WINDOW = '4s';
/** rate() underestimates while a series is younger than its window: wait for windows full of samples. */
const FULL_WINDOW_SCRAPES = 6;
const WORKERS: Record<string, string> = { 'wikikube-worker1001.eqiad.wmnet': '10.64.0.11', 'wikikube-worker1002.eqiad.wmnet': '10.64.16.12' };

let exporter: FakeExporter;
let prometheus: PrometheusServer;
let settings: MetricsSettings;
let client: PrometheusClient;
let health: HealthReader;

beforeAll(async () => {
  exporter = await startFakeExporter();
  exporter.set('k8s-eqiad', { family: 'envoy', traffic: K8S_TRAFFIC });
  // codfw: envoy counters that never move.
  exporter.set('k8s-codfw', { family: 'envoy', traffic: IDLE });
  // esams exists to be switched off in the staleness test.
  exporter.set('k8s-esams', { family: 'envoy', traffic: K8S_TRAFFIC });
  exporter.set('ats', { family: 'ats', traffic: { ok: [{ seconds: 0.05, count: 198 }], errors: 2 } });
  exporter.set('pybal-eqiad', { family: 'pybal', pooledDown: { 'kartotherian-k8s-ssl_6543': 1, 'kartotherian-ssl_443': 0 } });
  exporter.set('ipvs-eqiad', {
    family: 'ipvs',
    connections: [
      { localPort: 6543, remoteAddress: '10.64.0.11', active: 30 },
      { localPort: 6543, remoteAddress: '10.64.16.12', active: 20 },
      { localPort: 6543, remoteAddress: '10.64.48.5', active: 50 },
    ],
  });
  const target = (job: string, labels: Record<string, string>) => ({ job, ...exporter.target(job), labels });
  const k8s = (dc: string) => ({ site: dc, prometheus: 'k8s', kubernetes_namespace: 'kartotherian' });
  prometheus = await startPrometheus({
    targets: [
      target('k8s-eqiad', k8s('eqiad')),
      target('k8s-codfw', k8s('codfw')),
      target('k8s-esams', k8s('esams')),
      target('ats', { site: 'eqiad', prometheus: 'ops', cluster: 'cache_upload' }),
      target('pybal-eqiad', { site: 'eqiad', prometheus: 'ops', cluster: 'lvs' }),
      target('ipvs-eqiad', { site: 'eqiad', prometheus: 'ops', cluster: 'lvs' }),
    ],
  });
  // The shipped default templates, pointed at this Prometheus.
  settings = metricsSettingsSchema.parse({ kind: 'prometheus', labels: KARTOTHERIAN_LABELS, base_url: prometheus.url, timeout_ms: 3000, max_staleness_seconds: 5 });
  client = createPrometheusClient({ baseUrl: prometheus.url, timeoutMs: 3000 });
  health = createHealthReader(settings, { clientFor: () => client, resolveAddresses: async (fqdn) => [WORKERS[fqdn] ?? '192.0.2.1'] });
  await pollUntil(async () => (['k8s-eqiad', 'k8s-codfw', 'ats'].every((name) => exporter.scrapes(name) >= FULL_WINDOW_SCRAPES) ? true : undefined), {
    what: `${FULL_WINDOW_SCRAPES} scrapes of every endpoint`,
    timeoutMs: 20_000,
    intervalMs: 100,
  });
});

afterAll(async () => {
  await prometheus?.dispose();
  await exporter?.close();
});

function value(reading: MetricReading): number {
  if (reading.kind !== 'value') throw new Error(`expected a value, got no-data (${reading.reason}: ${reading.detail})`);
  return reading.value;
}

/** Until rate() has two samples in the window, every reading is empty: wait for all of them. */
function waitForValues(query: { dc: string; group: 'k8s'; window: string }): Promise<GroupHealth> {
  return pollUntil(
    async () => {
      const result = await health.groupHealth(query);
      return [result.errorRatio, result.p99Seconds, result.requestRate].every((reading) => reading.kind === 'value') ? result : undefined;
    },
    { what: `values for ${query.group} in ${query.dc}`, timeoutMs: 15_000, intervalMs: 200 },
  );
}

describe('HealthReader on a real Prometheus with the default templates', () => {
  it('reads the k8s group from envoy: 5xx ratio via rate(), p99 via histogram_quantile (ms to s), request rate', async () => {
    const k8s = await waitForValues({ dc: 'eqiad', group: 'k8s', window: WINDOW });

    expect(value(k8s.errorRatio)).toBeCloseTo(0.05, 6);
    expect(value(k8s.p99Seconds)).toBeCloseTo(0.175, 6);
    expect(value(k8s.requestRate)).toBeGreaterThan(60);
    expect(value(k8s.requestRate)).toBeLessThan(140);
    expect(value(k8s.freshnessSeconds)).toBeLessThan(5);
    expect(k8s.errorRatio.kind === 'value' && k8s.errorRatio.query).toContain('envoy_response_code=~"5.."');
  });

  it('says no-data explicitly: empty where the metric does not exist, NaN where nothing moves', async () => {
    const absent = await health.groupHealth({ dc: 'ulsfo', group: 'k8s', window: WINDOW });
    expect([absent.errorRatio, absent.p99Seconds, absent.requestRate]).toEqual([
      expect.objectContaining({ kind: 'no-data', reason: 'empty' }),
      expect.objectContaining({ kind: 'no-data', reason: 'empty' }),
      expect.objectContaining({ kind: 'no-data', reason: 'empty' }),
    ]);

    const idle = await pollUntil(
      async () => {
        const result = await health.groupHealth({ dc: 'codfw', group: 'k8s', window: WINDOW });
        return result.requestRate.kind === 'value' ? result : undefined;
      },
      { what: 'idle codfw counters to have a rate', timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(idle.requestRate).toMatchObject({ kind: 'value', value: 0 });
    expect(idle.errorRatio).toMatchObject({ kind: 'no-data', reason: 'nan' });
    expect(idle.p99Seconds).toMatchObject({ kind: 'no-data', reason: 'nan' });

    const unknown = readingFrom(await client.instant({ query: 'sum(rate(kartotherian_no_such_metric_total[5s]))' }));
    expect(unknown).toMatchObject({ kind: 'no-data', reason: 'empty' });
  });

  it('reads the service: k8s share of IPVS connections, ATS 5xx ratio for this backend only, pybal down servers', async () => {
    const service = await pollUntil(
      async () => {
        const result = await health.serviceHealth({ dc: 'eqiad', window: WINDOW, lvs_service: 'kartotherian-k8s-ssl', port: 6543, workers: Object.keys(WORKERS) });
        return result.k8sTrafficShare.kind === 'value' && result.cdn.errorRatio.kind === 'value' ? result : undefined;
      },
      { what: 'service readings', timeoutMs: 10_000, intervalMs: 200 },
    );

    expect(value(service.k8sTrafficShare)).toBeCloseTo(0.5, 6);
    expect(value(service.cdn.errorRatio)).toBeCloseTo(0.01, 6);
    expect(service.pooledDownServers).toMatchObject({ kind: 'value', value: 1 });
  });

  it('answers a range query with a matrix', async () => {
    const query = renderTemplate(DEFAULT_QUERIES.request_rate, { ...KARTOTHERIAN_LABELS, dc: 'eqiad', window: WINDOW });
    const end = Date.now();
    const result = await client.range({ query, startMs: end - 3000, endMs: end, stepSeconds: 1 });

    expect(result.data.resultType).toBe('matrix');
    expect(result.data.series).toHaveLength(1);
    const samples = result.data.series[0]?.samples ?? [];
    expect(samples.length).toBeGreaterThanOrEqual(3);
    for (const sample of samples) expect(sample.value).toBeGreaterThan(60);
  });

  it('rejects a bad query with metrics.query-failed, the query and Prometheus’ own words', async () => {
    const query = 'sum(rate(envoy_cluster_upstream_rq[5s])';
    const error: unknown = await client.instant({ query }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(PrometheusError);
    const failure = error as PrometheusError;
    expect(failure.code).toBe('metrics.query-failed');
    expect(failure.query).toBe(query);
    expect(failure.details).toMatchObject({ httpStatus: 400, errorType: 'bad_data' });
    expect(failure.message).toContain('parse error');
    expect(failure.message).toContain(`query: ${query}`);
  });

  it('turns values stale when scraping stops, while rate() over the window still answers', async () => {
    const query = { dc: 'esams', group: 'k8s' as const, window: '30s' };
    await waitForValues(query);
    exporter.setUp('k8s-esams', false);

    const stale = await pollUntil(
      async () => {
        const result = await health.groupHealth(query);
        return result.requestRate.kind === 'no-data' ? result : undefined;
      },
      { what: 'esams to read stale', timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(stale.requestRate).toMatchObject({ kind: 'no-data', reason: 'stale' });
    expect(stale.errorRatio).toMatchObject({ kind: 'no-data', reason: 'stale' });
    const raw = readingFrom(await client.instant({ query: renderTemplate(DEFAULT_QUERIES.request_rate, { ...KARTOTHERIAN_LABELS, dc: query.dc, window: query.window }) }));
    expect(raw.kind).toBe('value');
  });
});

describe('PrometheusClient when Prometheus is not there', () => {
  let silent: TestServer;
  beforeAll(async () => {
    silent = await startSilentServer();
  });
  afterAll(async () => {
    await silent.close();
  });

  it('times out within its deadline on a server that accepts and never answers', async () => {
    const hung = createPrometheusClient({ baseUrl: `http://127.0.0.1:${silent.port}`, timeoutMs: 500 });
    const started = performance.now();
    const error: unknown = await hung.instant({ query: 'up' }).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ code: 'adapter.timeout', query: 'up' });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('reports a stopped Prometheus as unreachable', async () => {
    await prometheus.stop();
    const error: unknown = await client.instant({ query: 'up' }).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ code: 'adapter.unreachable', query: 'up' });
    expect((error as Error).message).toContain('ECONNREFUSED');
  });
});
