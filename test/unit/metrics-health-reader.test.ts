import { describe, expect, it } from 'vitest';
import { createHealthReader } from '../../adapters/metrics/health-reader.js';
import { PrometheusError, type InstantQuery, type PrometheusClient, type QueryResult } from '../../adapters/metrics/prometheus-client.js';
import { metricsSettingsSchema, type MetricsSettings } from '../../adapters/metrics/settings.js';
import type { HealthSnapshot } from '../../core/ports/plan-effects.js';
import type { Reading } from '../../core/plan/analysis.js';
import { isCutoverError } from '../../core/errors.js';
import { KARTOTHERIAN_LABELS } from '../helpers/kartotherian-settings.js';

/** Short templates whose first word names the reading, so the fake can answer by name. */
const SETTINGS: MetricsSettings = metricsSettingsSchema.parse({
  kind: 'prometheus',
  labels: KARTOTHERIAN_LABELS,
  max_staleness_seconds: 60,
  queries: {
    error_ratio: 'errors{g="{{group}}",dc="{{dc}}"}[{{window}}]',
    p99_latency_seconds: 'p99{g="{{group}}",dc="{{dc}}"}[{{window}}]',
    request_rate: 'rate{g="{{group}}",dc="{{dc}}"}[{{window}}]',
    freshness_seconds: 'age{g="{{group}}",dc="{{dc}}"}',
    k8s_traffic_share: 'share{dc="{{dc}}"}[{{window}}]',
    backend_error_ratio: 'ats{}[{{window}}]',
    pooled_down_servers: 'down{svc="{{lvs_service}}"}',
  },
});

type Answer = number | 'empty' | 'several' | Error;

class ScriptedClient implements PrometheusClient {
  readonly baseUrl = 'http://prometheus.test';
  readonly queries: string[] = [];
  constructor(private readonly answers: Record<string, Answer>) {}

  describe(request: { query: string }) {
    return { method: 'POST' as const, url: `${this.baseUrl}/api/v1/query`, form: { query: request.query } };
  }

  async instant(request: InstantQuery): Promise<QueryResult> {
    this.queries.push(request.query);
    const answer = this.answers[request.query.split('{')[0] ?? ''] ?? 'empty';
    if (answer instanceof Error) throw answer;
    const sample = (value: number, index = 0) => ({ labels: { i: String(index) }, timeMs: 1_000, value });
    const series = answer === 'empty' ? [] : answer === 'several' ? [sample(1, 0), sample(2, 1)] : [sample(answer)];
    return { query: request.query, data: { resultType: 'vector', series }, warnings: [] };
  }

  range(): never {
    throw new Error('not used');
  }
}

function reader(answers: Record<string, Answer>, settings: MetricsSettings = SETTINGS) {
  const client = new ScriptedClient(answers);
  const dcs: string[] = [];
  return {
    client,
    dcs,
    reader: createHealthReader(settings, {
      clientFor: (dc) => {
        dcs.push(dc);
        return client;
      },
    }),
  };
}

const query = { dc: 'eqiad', group: 'k8s' as const, window: '5m' };

describe('HealthReader.groupHealth', () => {
  it('returns each metric as an explicit value with the PromQL it came from', async () => {
    const { reader: health, dcs } = reader({ errors: 0.002, p99: 0.25, rate: 120, age: 4 });
    const result = await health.groupHealth(query);

    expect(dcs).toEqual(['eqiad']);
    expect(result.errorRatio).toEqual({ kind: 'value', value: 0.002, query: 'errors{g="k8s",dc="eqiad"}[5m]', atMs: 1_000 });
    expect(result.p99Seconds).toMatchObject({ kind: 'value', value: 0.25 });
    expect(result.requestRate).toMatchObject({ kind: 'value', value: 120 });
    expect(result.freshnessSeconds).toMatchObject({ kind: 'value', value: 4 });
  });

  it('says no-data, with the reason, for a missing series and for NaN — never 0', async () => {
    const { reader: health } = reader({ errors: Number.NaN, p99: Number.NaN, rate: 0, age: 3 });
    const result = await health.groupHealth(query);

    expect(result.errorRatio).toMatchObject({ kind: 'no-data', reason: 'nan' });
    expect(result.p99Seconds).toMatchObject({ kind: 'no-data', reason: 'nan' });
    // Zero traffic is a fact, not an absence: the gate decides what it proves.
    expect(result.requestRate).toMatchObject({ kind: 'value', value: 0 });

    const absent = await reader({}).reader.groupHealth(query);
    expect([absent.errorRatio, absent.p99Seconds, absent.requestRate].map((reading) => reading.kind === 'no-data' && reading.reason)).toEqual(['empty', 'empty', 'empty']);
  });

  it('marks values stale when the newest sample is too old or gone, without hiding a more specific no-data', async () => {
    const old = await reader({ errors: 0.01, p99: Number.NaN, rate: 50, age: 600 }).reader.groupHealth(query);
    expect(old.errorRatio).toEqual({ kind: 'no-data', reason: 'stale', detail: 'newest sample is 600 s old (limit 60 s)', query: 'errors{g="k8s",dc="eqiad"}[5m]' });
    expect(old.requestRate).toMatchObject({ kind: 'no-data', reason: 'stale' });
    expect(old.p99Seconds).toMatchObject({ kind: 'no-data', reason: 'nan' });

    const gone = await reader({ errors: 0.01, p99: 0.2, rate: 50 }).reader.groupHealth(query);
    expect(gone.errorRatio).toMatchObject({ kind: 'no-data', reason: 'stale', detail: 'no current sample (empty): scraping stopped or the series went away' });
  });

  it('skips the staleness check when config switches it off', async () => {
    const settings = metricsSettingsSchema.parse({ ...SETTINGS, queries: { ...SETTINGS.queries, freshness_seconds: null } });
    const { reader: health, client } = reader({ errors: 0.01, p99: 0.2, rate: 50 }, settings);
    const result = await health.groupHealth(query);

    expect(result.errorRatio).toMatchObject({ kind: 'value', value: 0.01 });
    expect(result.freshnessSeconds).toMatchObject({ kind: 'no-data', reason: 'not-configured' });
    expect(client.queries).toHaveLength(3);
  });

  it('uses the template of the asked group', async () => {
    const settings = metricsSettingsSchema.parse({ ...SETTINGS, queries: { ...SETTINGS.queries, request_rate: { k8s: 'rate{envoy="{{dc}}"}', 'bare-metal': 'rate{nginx="{{dc}}"}' } } });
    const { reader: health, client } = reader({ rate: 1 }, settings);
    await health.groupHealth({ ...query, group: 'bare-metal' });

    expect(client.queries).toContain('rate{nginx="eqiad"}');
  });

  it('throws Prometheus errors (after every query settled) instead of dressing them up as no-data', async () => {
    const failure = new PrometheusError('metrics.query-failed', 'Prometheus rejected the query', 'p99', { endpoint: 'x' });
    const error: unknown = await reader({ errors: 0.01, p99: failure, rate: 5 }).reader.groupHealth(query).catch((caught: unknown) => caught);
    expect(error).toBe(failure);

    const several: unknown = await reader({ errors: 'several' }).reader.groupHealth(query).catch((caught: unknown) => caught);
    expect(isCutoverError(several, 'adapter.bad-output')).toBe(true);
  });

  it('refuses chat input that is not a DC, a group or a window before any query is sent', async () => {
    for (const bad of [{ dc: 'eqiad"} or vector(1) #' }, { group: 'k8s"} or up{' }, { window: '5m] offset 1d' }]) {
      const { reader: health, client } = reader({});
      const error: unknown = await health.groupHealth({ ...query, ...bad } as typeof query).catch((caught: unknown) => caught);
      expect(isCutoverError(error, 'input.invalid'), JSON.stringify(bad)).toBe(true);
      expect(client.queries).toEqual([]);
    }
  });

  it('describes the queries it would send', () => {
    const planned = reader({}).reader.describeGroup(query);

    expect(planned.map((entry) => entry.name)).toEqual(['error_ratio', 'p99_latency_seconds', 'request_rate', 'freshness_seconds']);
    expect(planned[0]).toEqual({ name: 'error_ratio', query: 'errors{g="k8s",dc="eqiad"}[5m]', endpoint: 'http://prometheus.test/api/v1/query' });
  });
});

describe('HealthReader.serviceHealth', () => {
  it('reads the k8s share, the ATS error ratio and pybal down servers; 0 is a value', async () => {
    const result = await reader({ share: 0.25, ats: 0.001, down: 0 }).reader.serviceHealth({ dc: 'eqiad', window: '5m', lvs_service: 'kartotherian-k8s-ssl' });

    expect(result.k8sTrafficShare).toMatchObject({ kind: 'value', value: 0.25 });
    expect(result.backendErrorRatio).toMatchObject({ kind: 'value', value: 0.001 });
    expect(result.pooledDownServers).toEqual({ kind: 'value', value: 0, query: 'down{svc="kartotherian-k8s-ssl"}', atMs: 1_000 });
  });

  it('says not-configured for a query config switched off', async () => {
    const settings = metricsSettingsSchema.parse({ ...SETTINGS, queries: { ...SETTINGS.queries, backend_error_ratio: null } });
    const result = await reader({ share: 0.25, down: 0 }, settings).reader.serviceHealth({ dc: 'eqiad', window: '5m', lvs_service: 'kartotherian-k8s-ssl' });

    expect(result.backendErrorRatio).toEqual({ kind: 'no-data', reason: 'not-configured', detail: 'no backend_error_ratio query in config' });
  });
});

describe('fits the plan runner', () => {
  it('produces readings the analysis and HealthSnapshot accept as they are', async () => {
    const { reader: health } = reader({ errors: 0.002, p99: 0.25, rate: 120, age: 4, share: 0.5 });
    const k8s = await health.groupHealth(query);
    const baseline = await health.groupHealth({ ...query, group: 'bare-metal' });
    const service = await health.serviceHealth({ dc: 'eqiad', window: '5m', lvs_service: 'kartotherian-k8s-ssl' });
    const reading: Reading = k8s.errorRatio;
    const snapshot: HealthSnapshot = { k8s, baseline, k8sShare: service.k8sTrafficShare };

    expect(reading.kind).toBe('value');
    expect(snapshot.k8sShare).toMatchObject({ kind: 'value', value: 0.5 });
  });
});
