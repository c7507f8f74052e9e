import { CutoverError } from '../../core/errors.js';
import type { PrometheusClient } from './prometheus-client.js';
import { readingFrom, type MetricReading } from './reading.js';
import { BACKEND_GROUPS, type BackendGroup, type GroupQueryName, type MetricsSettings, type ServiceQueryName } from './settings.js';
import { renderTemplate, validateTemplateValues, type TemplateValues } from './templates.js';

export interface GroupHealthQuery {
  dc: string;
  group: BackendGroup;
  /** A Prometheus duration for rate(): at least a few scrape intervals, e.g. 5m. */
  window: string;
  lvs_service?: string;
  signal?: AbortSignal;
}

export interface GroupHealth {
  dc: string;
  group: BackendGroup;
  window: string;
  errorRatio: MetricReading;
  p99Seconds: MetricReading;
  /** Requests per second. Low traffic is reported as is; what it proves is the gate's call. */
  requestRate: MetricReading;
  /** Age of the newest sample, or not-configured when the staleness check is off. */
  freshnessSeconds: MetricReading;
}

export interface ServiceHealthQuery {
  dc: string;
  window: string;
  lvs_service: string;
  signal?: AbortSignal;
}

export interface ServiceHealth {
  dc: string;
  window: string;
  lvsService: string;
  /** Share of the DC's requests served by k8s, 0..1. */
  k8sTrafficShare: MetricReading;
  /** 5xx ratio ATS saw from the discovery name: the users' view. */
  backendErrorRatio: MetricReading;
  /** pybal's count of servers it keeps pooled although they are down. */
  pooledDownServers: MetricReading;
}

export interface PlannedQuery {
  name: GroupQueryName | ServiceQueryName;
  query: string;
  endpoint: string;
}

/**
 * Health per backend group and per service, from PromQL templates in config. Every reading is
 * a value or an explicit no-data; Prometheus failures (unreachable, timeout, a rejected query)
 * throw PrometheusError, because "could not ask" is neither.
 */
export interface HealthReader {
  groupHealth(query: GroupHealthQuery): Promise<GroupHealth>;
  serviceHealth(query: ServiceHealthQuery): Promise<ServiceHealth>;
  /** Dry-run: the PromQL a groupHealth call would send, rendered. */
  describeGroup(query: Omit<GroupHealthQuery, 'signal'>): PlannedQuery[];
}

export function createHealthReader(settings: MetricsSettings, deps: { clientFor: (dc: string) => PrometheusClient }): HealthReader {
  const { queries, labels } = settings;

  const groupTemplate = (name: GroupQueryName, group: BackendGroup): string | null => {
    const configured = queries[name];
    if (configured === null || typeof configured === 'string') return configured;
    return configured[group];
  };

  const plan = <N extends GroupQueryName | ServiceQueryName>(names: readonly N[], values: TemplateValues, pick: (name: N) => string | null) => {
    validateTemplateValues(values);
    const client = deps.clientFor(values.dc ?? '');
    return names.map((name) => {
      const template = pick(name);
      return { name, query: template === null ? null : renderTemplate(template, values, name), client };
    });
  };

  const read = async (planned: ReadonlyArray<{ name: string; query: string | null; client: PrometheusClient }>, signal: AbortSignal | undefined): Promise<MetricReading[]> => {
    const settled = await Promise.allSettled(
      planned.map(async ({ name, query, client }): Promise<MetricReading> => {
        if (query === null) return { kind: 'no-data', reason: 'not-configured', detail: `no ${name} query in config` };
        return readingFrom(await client.instant({ query, ...(signal === undefined ? {} : { signal }) }));
      }),
    );
    // Every query has settled before the first failure is rethrown: nothing keeps running unseen.
    const failure = settled.find((outcome) => outcome.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
    return settled.map((outcome) => (outcome as PromiseFulfilledResult<MetricReading>).value);
  };

  const staleness = (freshness: MetricReading): string | undefined => {
    if (freshness.kind === 'value') {
      return freshness.value > settings.max_staleness_seconds ? `newest sample is ${Math.round(freshness.value)} s old (limit ${settings.max_staleness_seconds} s)` : undefined;
    }
    if (freshness.reason === 'not-configured') return undefined;
    return `no current sample (${freshness.reason}): scraping stopped or the series went away`;
  };

  const groupNames: GroupQueryName[] = ['error_ratio', 'p99_latency_seconds', 'request_rate', 'freshness_seconds'];

  const checkGroup = (group: string): BackendGroup => {
    const known = BACKEND_GROUPS.find((candidate) => candidate === group);
    if (known === undefined) throw new CutoverError('input.invalid', `group must be one of ${BACKEND_GROUPS.join(', ')}`);
    return known;
  };

  return {
    async groupHealth(query) {
      const group = checkGroup(query.group);
      const values = { ...labels, dc: query.dc, group, window: query.window, ...(query.lvs_service === undefined ? {} : { lvs_service: query.lvs_service }) };
      const [errorRatio, p99Seconds, requestRate, freshnessSeconds] = (await read(
        plan(groupNames, values, (name) => groupTemplate(name, group)),
        query.signal,
      )) as [MetricReading, MetricReading, MetricReading, MetricReading];
      const stale = staleness(freshnessSeconds);
      // Staleness only ever turns a value into no-data; it never hides a more specific no-data.
      const fresh = (reading: MetricReading): MetricReading =>
        stale !== undefined && reading.kind === 'value' ? { kind: 'no-data', reason: 'stale', detail: stale, query: reading.query } : reading;
      return {
        dc: query.dc,
        group,
        window: query.window,
        errorRatio: fresh(errorRatio),
        p99Seconds: fresh(p99Seconds),
        requestRate: fresh(requestRate),
        freshnessSeconds,
      };
    },

    async serviceHealth(query) {
      const values = { ...labels, dc: query.dc, window: query.window, lvs_service: query.lvs_service };
      const names: ServiceQueryName[] = ['k8s_traffic_share', 'backend_error_ratio', 'pooled_down_servers'];
      const [k8sTrafficShare, backendErrorRatio, pooledDownServers] = (await read(
        plan(names, values, (name) => queries[name]),
        query.signal,
      )) as [MetricReading, MetricReading, MetricReading];
      return { dc: query.dc, window: query.window, lvsService: query.lvs_service, k8sTrafficShare, backendErrorRatio, pooledDownServers };
    },

    describeGroup(query) {
      const group = checkGroup(query.group);
      const values = { ...labels, dc: query.dc, group, window: query.window, ...(query.lvs_service === undefined ? {} : { lvs_service: query.lvs_service }) };
      return plan(groupNames, values, (name) => groupTemplate(name, group)).flatMap(({ name, query: promql, client }) =>
        promql === null ? [] : [{ name, query: promql, endpoint: client.describe({ query: promql }).url }],
      );
    },
  };
}
