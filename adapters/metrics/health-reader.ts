import { lookup } from 'node:dns/promises';
import { CutoverError } from '../../core/errors.js';
import type { PrometheusClient } from './prometheus-client.js';
import { readingFrom, type MetricReading } from './reading.js';
import type { BackendGroup, GroupQueryName, MetricsSettings, ServiceQueryName } from './settings.js';
import { renderTemplate, validateTemplateValues, workerAddressPattern, type TemplateValues } from './templates.js';

export interface GroupHealthQuery {
  dc: string;
  /** Only k8s: bare metal's requests reach no Prometheus (production-metrics.md). */
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
  /** A value at or above `p99_cap_seconds` carries atLeast: envoy's buckets end there. */
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
  /** The LVS service's port: IPVS's local_port and pybal's `<name>_<port>`. */
  port: number;
  /** The DC's k8s workers (FQDNs), whose addresses are IPVS's remote_address for the share. */
  workers: readonly string[];
  signal?: AbortSignal;
}

export interface ServiceHealth {
  dc: string;
  window: string;
  lvsService: string;
  /** Share of the LVS service's active IPVS connections in this DC that go to k8s workers, 0..1. */
  k8sTrafficShare: MetricReading;
  /** What ATS got from the discovery name, every DC and both groups: the users' view. */
  cdn: { errorRatio: MetricReading; p99Seconds: MetricReading; requestRate: MetricReading };
  /** pybal's count of servers it keeps pooled although they are down. */
  pooledDownServers: MetricReading;
  /** Real servers a pybal monitor reports down. */
  monitorsDown: MetricReading;
}

export interface PlannedQuery {
  name: GroupQueryName | ServiceQueryName;
  query: string;
  endpoint: string;
}

/** A host's addresses, as IPVS sees them: DNS by default, a `--resolve`-style map where one is configured. */
export type AddressResolver = (fqdn: string) => Promise<readonly string[]>;

export const dnsAddresses: AddressResolver = async (fqdn) => (await lookup(fqdn, { all: true })).map((entry) => entry.address);

/**
 * Health per backend group and per service, from PromQL templates in config. Every reading is
 * a value or an explicit no-data; Prometheus failures (unreachable, timeout, a rejected query)
 * throw PrometheusError, because "could not ask" is neither.
 */
export interface HealthReader {
  groupHealth(query: GroupHealthQuery): Promise<GroupHealth>;
  serviceHealth(query: ServiceHealthQuery): Promise<ServiceHealth>;
  /** Active IPVS connections on an LVS service's port in a DC, every real server together. */
  lvsConnections(query: { dc: string; lvs_service: string; port: number; signal?: AbortSignal }): Promise<MetricReading>;
  /** Dry-run: the PromQL a groupHealth call would send, rendered. */
  describeGroup(query: Omit<GroupHealthQuery, 'signal'>): PlannedQuery[];
}

export function createHealthReader(settings: MetricsSettings, deps: { clientFor: (dc: string) => PrometheusClient; resolveAddresses?: AddressResolver }): HealthReader {
  const { queries, labels } = settings;
  const resolveAddresses = deps.resolveAddresses ?? dnsAddresses;

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

  /** A quantile past the histogram's largest finite bucket is that bucket's bound: a lower bound, said so. */
  const capped = (reading: MetricReading, cap: number): MetricReading => (reading.kind === 'value' && reading.value >= cap ? { ...reading, atLeast: true } : reading);

  const groupNames: GroupQueryName[] = ['error_ratio', 'p99_latency_seconds', 'request_rate', 'freshness_seconds'];

  const checkGroup = (group: string): BackendGroup => {
    if (group === 'k8s') return group;
    throw new CutoverError('input.invalid', `no ${group} request metrics: only k8s has request series in Prometheus (bare metal is judged from the bot's probe sample)`);
  };

  const groupValues = (query: Omit<GroupHealthQuery, 'signal'>): TemplateValues => ({
    ...labels,
    dc: query.dc,
    window: query.window,
    ...(query.lvs_service === undefined ? {} : { lvs_service: query.lvs_service }),
  });

  /** The workers' addresses; none resolved is said as such, never read as a share of 0. */
  const workerAddresses = async (workers: readonly string[]): Promise<{ pattern: string } | { missing: string }> => {
    const settled = await Promise.allSettled(workers.map((fqdn) => resolveAddresses(fqdn)));
    const addresses = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? outcome.value : []));
    const failed = workers.filter((_fqdn, index) => settled[index]?.status === 'rejected');
    if (addresses.length === 0) return { missing: workers.length === 0 ? 'no k8s worker in this DC' : `no worker address resolved (${failed.slice(0, 3).join(', ')})` };
    return { pattern: workerAddressPattern(addresses) };
  };

  return {
    async groupHealth(query) {
      const group = checkGroup(query.group);
      const [errorRatio, p99Seconds, requestRate, freshnessSeconds] = (await read(
        plan(groupNames, groupValues(query), (name) => queries[name]),
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
        p99Seconds: fresh(capped(p99Seconds, settings.p99_cap_seconds)),
        requestRate: fresh(requestRate),
        freshnessSeconds,
      };
    },

    async serviceHealth(query) {
      const addresses = await workerAddresses(query.workers);
      const values: TemplateValues = { ...labels, dc: query.dc, window: query.window, lvs_service: query.lvs_service, port: String(query.port), ...('pattern' in addresses ? { worker_addresses: addresses.pattern } : {}) };
      const names: ServiceQueryName[] = ['k8s_traffic_share', 'backend_error_ratio', 'cdn_p99_latency_seconds', 'cdn_request_rate', 'pooled_down_servers', 'monitors_down'];
      const [share, errorRatio, p99Seconds, requestRate, pooledDownServers, monitorsDown] = (await read(
        plan(names, values, (name) => (name === 'k8s_traffic_share' && 'missing' in addresses ? null : queries[name])),
        query.signal,
      )) as [MetricReading, MetricReading, MetricReading, MetricReading, MetricReading, MetricReading];
      const k8sTrafficShare: MetricReading = 'missing' in addresses ? { kind: 'no-data', reason: 'no-addresses', detail: addresses.missing } : share;
      return {
        dc: query.dc,
        window: query.window,
        lvsService: query.lvs_service,
        k8sTrafficShare,
        cdn: { errorRatio, p99Seconds: capped(p99Seconds, settings.cdn_p99_cap_seconds), requestRate },
        pooledDownServers,
        monitorsDown,
      };
    },

    async lvsConnections(query) {
      const values: TemplateValues = { ...labels, dc: query.dc, lvs_service: query.lvs_service, port: String(query.port) };
      const [connections] = (await read(
        plan(['lvs_connections'] as const, values, (name) => queries[name]),
        query.signal,
      )) as [MetricReading];
      return connections;
    },

    describeGroup(query) {
      checkGroup(query.group);
      return plan(groupNames, groupValues(query), (name) => queries[name]).flatMap(({ name, query: promql, client }) =>
        promql === null ? [] : [{ name, query: promql, endpoint: client.describe({ query: promql }).url }],
      );
    },
  };
}
