import { describe, expect, it } from 'vitest';
import { createHealthReader } from '../../adapters/metrics/health-reader.js';
import { PrometheusError, type InstantQuery, type PrometheusClient, type QueryResult } from '../../adapters/metrics/prometheus-client.js';
import { metricsSettingsSchema, type MetricsSettings } from '../../adapters/metrics/settings.js';
import type { HealthSnapshot } from '../../core/ports/plan-effects.js';
import type { Reading } from '../../core/plan/analysis.js';
import { isCutoverError } from '../../core/errors.js';
import { noBaseline } from '../../core/plan/baseline.js';
import { KARTOTHERIAN_LABELS } from '../helpers/kartotherian-settings.js';

/** Short templates whose first word names the reading, so the fake can answer by name. */
const SETTINGS: MetricsSettings = metricsSettingsSchema.parse({
  kind: 'prometheus',
  labels: KARTOTHERIAN_LABELS,
  max_staleness_seconds: 60,
  queries: {
    error_ratio: 'errors{ns="{{namespace}}",dc="{{dc}}"}[{{window}}]',
    p99_latency_seconds: 'p99{ns="{{namespace}}",dc="{{dc}}"}[{{window}}]',
    request_rate: 'rate{ns="{{namespace}}",dc="{{dc}}"}[{{window}}]',
    freshness_seconds: 'age{ns="{{namespace}}",dc="{{dc}}"}',
    k8s_traffic_share: 'share{dc="{{dc}}",port="{{port}}",remote_address=~"{{worker_addresses}}"}[{{window}}]',
    lvs_connections: 'conns{dc="{{dc}}",port="{{port}}"}',
    backend_error_ratio: 'ats{}[{{window}}]',
    cdn_request_rate: 'atsrate{}[{{window}}]',
    cdn_p99_latency_seconds: 'atsp99{}[{{window}}]',
    pooled_down_servers: 'down{svc="{{lvs_service}}_{{port}}"}',
    monitors_down: 'monitors{svc="{{lvs_service}}_{{port}}"}',
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
      resolveAddresses: async (fqdn) => {
        const address = ADDRESSES[fqdn];
        if (address === undefined) throw new Error(`ENOTFOUND ${fqdn}`);
        return [address];
      },
    }),
  };
}

const query = { dc: 'eqiad', group: 'k8s' as const, window: '5m' };
const ADDRESSES: Record<string, string> = { 'wikikube-worker1001.eqiad.wmnet': '10.64.0.11', 'wikikube-worker1002.eqiad.wmnet': '10.64.16.12' };
const SERVICE = { dc: 'eqiad', window: '5m', lvs_service: 'kartotherian-k8s-ssl', port: 6543, workers: Object.keys(ADDRESSES) };

describe('HealthReader.groupHealth', () => {
  it('returns each metric as an explicit value with the PromQL it came from', async () => {
    const { reader: health, dcs } = reader({ errors: 0.002, p99: 0.25, rate: 120, age: 4 });
    const result = await health.groupHealth(query);

    expect(dcs).toEqual(['eqiad']);
    expect(result.errorRatio).toEqual({ kind: 'value', value: 0.002, query: 'errors{ns="kartotherian",dc="eqiad"}[5m]', atMs: 1_000 });
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
    expect(old.errorRatio).toEqual({ kind: 'no-data', reason: 'stale', detail: 'newest sample is 600 s old (limit 60 s)', query: 'errors{ns="kartotherian",dc="eqiad"}[5m]' });
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

  it('has no bare-metal group: its requests reach no Prometheus, and no query is sent for one', async () => {
    const { reader: health, client } = reader({ rate: 1 });
    const error: unknown = await health.groupHealth({ ...query, group: 'bare-metal' } as unknown as typeof query).catch((caught: unknown) => caught);

    expect(isCutoverError(error, 'input.invalid')).toBe(true);
    expect((error as Error).message).toContain('only k8s has request series');
    expect(client.queries).toEqual([]);
  });

  it('marks a p99 at the top finite bucket as a lower bound', async () => {
    const result = await reader({ errors: 0, p99: 2.5, rate: 10, age: 1 }).reader.groupHealth(query);
    expect(result.p99Seconds).toMatchObject({ kind: 'value', value: 2.5, atLeast: true });
  });

  it('throws Prometheus errors (after every query settled) instead of dressing them up as no-data', async () => {
    const failure = new PrometheusError('metrics.query-failed', 'Prometheus rejected the query', 'p99', { endpoint: 'x' });
    const error: unknown = await reader({ errors: 0.01, p99: failure, rate: 5 }).reader.groupHealth(query).catch((caught: unknown) => caught);
    expect(error).toBe(failure);

    const several: unknown = await reader({ errors: 'several' }).reader.groupHealth(query).catch((caught: unknown) => caught);
    expect(isCutoverError(several, 'adapter.bad-output')).toBe(true);
  });

  it('refuses chat input that is not a DC, a group or a window before any query is sent', async () => {
    for (const bad of [{ dc: 'eqiad"} or vector(1) #' }, { window: '5m] offset 1d' }]) {
      const { reader: health, client } = reader({});
      const error: unknown = await health.groupHealth({ ...query, ...bad }).catch((caught: unknown) => caught);
      expect(isCutoverError(error, 'input.invalid'), JSON.stringify(bad)).toBe(true);
      expect(client.queries).toEqual([]);
    }
  });

  it('describes the queries it would send', () => {
    const planned = reader({}).reader.describeGroup(query);

    expect(planned.map((entry) => entry.name)).toEqual(['error_ratio', 'p99_latency_seconds', 'request_rate', 'freshness_seconds']);
    expect(planned[0]).toEqual({ name: 'error_ratio', query: 'errors{ns="kartotherian",dc="eqiad"}[5m]', endpoint: 'http://prometheus.test/api/v1/query' });
  });
});

describe('HealthReader.serviceHealth', () => {
  it('reads the IPVS share for the resolved worker addresses, the CDN view and pybal; 0 is a value', async () => {
    const { reader: health, client } = reader({ share: 0.25, ats: 0.001, atsrate: 900, atsp99: 1.2, down: 0, monitors: 1 });
    const result = await health.serviceHealth(SERVICE);

    expect(client.queries).toContain('share{dc="eqiad",port="6543",remote_address=~"10\\\\.64\\\\.0\\\\.11|10\\\\.64\\\\.16\\\\.12"}[5m]');
    expect(result.k8sTrafficShare).toMatchObject({ kind: 'value', value: 0.25 });
    expect(result.cdn.errorRatio).toMatchObject({ kind: 'value', value: 0.001 });
    expect(result.cdn.requestRate).toMatchObject({ kind: 'value', value: 900 });
    // ATS's buckets end at 1.2 s: a p99 there is a lower bound.
    expect(result.cdn.p99Seconds).toMatchObject({ kind: 'value', value: 1.2, atLeast: true });
    expect(result.pooledDownServers).toEqual({ kind: 'value', value: 0, query: 'down{svc="kartotherian-k8s-ssl_6543"}', atMs: 1_000 });
    expect(result.monitorsDown).toMatchObject({ kind: 'value', value: 1 });
  });

  it('says why there is no share when no worker address resolves, and never asks for one', async () => {
    const { reader: health, client } = reader({ share: 0.25, ats: 0.001 });
    const result = await health.serviceHealth({ ...SERVICE, workers: ['wikikube-worker1009.eqiad.wmnet'] });

    expect(result.k8sTrafficShare).toEqual({ kind: 'no-data', reason: 'no-addresses', detail: 'no worker address resolved (wikikube-worker1009.eqiad.wmnet)' });
    expect(client.queries.some((text) => text.startsWith('share'))).toBe(false);
  });

  it('says not-configured for a query config switched off', async () => {
    const settings = metricsSettingsSchema.parse({ ...SETTINGS, queries: { ...SETTINGS.queries, backend_error_ratio: null } });
    const result = await reader({ share: 0.25, down: 0 }, settings).reader.serviceHealth(SERVICE);

    expect(result.cdn.errorRatio).toEqual({ kind: 'no-data', reason: 'not-configured', detail: 'no backend_error_ratio query in config' });
  });

  it('counts an LVS service\'s IPVS connections by its port', async () => {
    const { reader: health, client } = reader({ conns: 42 });
    expect(await health.lvsConnections({ dc: 'eqiad', lvs_service: 'kartotherian-ssl', port: 443 })).toMatchObject({ kind: 'value', value: 42 });
    expect(client.queries).toEqual(['conns{dc="eqiad",port="443"}']);
  });
});

describe('fits the plan runner', () => {
  it('produces readings the analysis and HealthSnapshot accept as they are', async () => {
    const { reader: health } = reader({ errors: 0.002, p99: 0.25, rate: 120, age: 4, share: 0.5 });
    const k8s = await health.groupHealth(query);
    const service = await health.serviceHealth(SERVICE);
    const reading: Reading = k8s.errorRatio;
    const snapshot: HealthSnapshot = { k8s, baseline: noBaseline('not probed here'), k8sShare: service.k8sTrafficShare, cdn: service.cdn };

    expect(reading.kind).toBe('value');
    expect(snapshot.k8sShare).toMatchObject({ kind: 'value', value: 0.5 });
  });
});
