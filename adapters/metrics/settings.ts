import * as z from 'zod';
import { templateProblem, valueProblem, type Placeholder } from './templates.js';

/**
 * Default PromQL, built only on series that exist for Kartotherian in production
 * (../shared/reference/production-metrics.md, "Queries that answer"), written for Thanos, where
 * every series carries `site` (the DC) and `prometheus` (ops or k8s). The service's own label
 * values come from `labels` ({{namespace}}, {{service}}, {{discovery}}); each template is
 * overridable in config, per service too.
 *
 * - k8s: the envoy sidecar in front of every pod; LOCAL_<service> is the app itself. Envoy's
 *   request time is in milliseconds (buckets up to 2500), hence the / 1000: a p99 at or above
 *   `p99_cap_seconds` is a lower bound and reads "≥ 2.50s".
 * - bare metal: nothing. Kartotherian on the maps hosts sends statsd to Graphite, has no scrape
 *   job and nginx there has no exporter, so no template exists for it: its baseline is the bot's
 *   own probe sample (adapters/production/bare-metal-baseline.ts).
 * - traffic share: IPVS connections on the DC's LVS hosts to the workers' addresses
 *   ({{worker_addresses}}, resolved at run time) over all of the LVS service's ({{port}}).
 * - the CDN (ATS): one `backend` for both groups and every DC; the users' view of the service.
 * - pybal: servers kept pooled although down, and monitors reporting a host down.
 *
 * A 5xx series only exists once a 5xx has happened, so numerators fall back to `or vector(0)`:
 * a healthy group reads 0, not "no data". Denominators never do, so a group without traffic
 * reads NaN (0/0) and a group without series reads empty: both surface as no-data.
 */
const K8S = 'site="{{dc}}",prometheus="k8s",kubernetes_namespace="{{namespace}}",envoy_cluster_name="LOCAL_{{service}}"';
const ATS = 'backend="{{discovery}}"';
const IPVS = 'site="{{dc}}",cluster="lvs",local_port="{{port}}"';
const K8S_RATE = `sum(rate(envoy_cluster_upstream_rq{${K8S}}[{{window}}]))`;
const ATS_RATE = `sum(rate(trafficserver_backend_requests_seconds_count{${ATS}}[{{window}}]))`;
/** pybal's `service` label is `<name>_<port>`; both LVS hosts of the DC report. */
const PYBAL = 'site="{{dc}}",service="{{lvs_service}}_{{port}}"';

export const DEFAULT_QUERIES = {
  error_ratio: `(sum(rate(envoy_cluster_upstream_rq{${K8S},envoy_response_code=~"5.."}[{{window}}])) or vector(0)) / ${K8S_RATE}`,
  p99_latency_seconds: `histogram_quantile(0.99, sum by (le) (rate(envoy_cluster_upstream_rq_time_bucket{${K8S}}[{{window}}]))) / 1000`,
  request_rate: K8S_RATE,
  /** Age of the newest sample: rate() over a window keeps answering after scraping stops. */
  freshness_seconds: `time() - max(timestamp(envoy_cluster_upstream_rq{${K8S}}))`,
  /** Connections, not requests: the only per-real-server traffic figure production has. Workers absent from IPVS read 0. */
  k8s_traffic_share: `(sum(node_ipvs_backend_connections_active{${IPVS},remote_address=~"{{worker_addresses}}"}) or vector(0)) / sum(node_ipvs_backend_connections_active{${IPVS}})`,
  /** Every real server's connections on the LVS service's port: where the CDN's traffic is (traffic-moved). */
  lvs_connections: `sum(node_ipvs_backend_connections_active{${IPVS}})`,
  /** What ATS, and so users, got from the discovery name: both groups and every DC together. */
  backend_error_ratio: `(sum(rate(trafficserver_backend_requests_seconds_count{${ATS},status=~"5[0-9][0-9]"}[{{window}}])) or vector(0)) / ${ATS_RATE}`,
  cdn_request_rate: ATS_RATE,
  /** ATS's buckets carry no status and top out at 1.2 s: a p99 there is a lower bound. */
  cdn_p99_latency_seconds: `histogram_quantile(0.99, sum by (le) (rate(trafficserver_backend_requests_seconds_bucket{${ATS}}[{{window}}])))`,
  /** Pitfall 2: never depool while pybal keeps down servers pooled. Both LVS hosts report; take one. */
  pooled_down_servers: `max(pybal_service_pooled_down_servers{${PYBAL}})`,
  /** Real servers a pybal monitor reports down on either LVS host. */
  monitors_down: `count(min by (host) (pybal_monitor_status{${PYBAL}}) == 0) or vector(0)`,
} as const;

function template(allowed: readonly Placeholder[]) {
  return z
    .string()
    .min(1)
    .max(4000)
    .superRefine((text, ctx) => {
      const problem = templateProblem(text, allowed);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    });
}

const LABEL_PLACEHOLDERS = ['namespace', 'cluster', 'service', 'discovery'] as const satisfies readonly Placeholder[];
const K8S_PLACEHOLDERS: readonly Placeholder[] = ['dc', 'window', 'lvs_service', ...LABEL_PLACEHOLDERS];
const SERVICE_PLACEHOLDERS: readonly Placeholder[] = ['dc', 'window', 'lvs_service', 'port', 'worker_addresses', ...LABEL_PLACEHOLDERS];

/**
 * The k8s group's template. The old per-group form ({ k8s, bare-metal }) is refused by name:
 * a bare-metal request series does not exist in production, and a gate must not rest on one.
 */
const k8sTemplate = z.union([
  template(K8S_PLACEHOLDERS),
  z.object({ 'bare-metal': z.unknown() }).transform((_value, ctx) => {
    ctx.addIssue({ code: 'custom', message: 'no bare-metal template: Kartotherian on bare metal has no request series in Prometheus (production-metrics.md); give the k8s template as a string' });
    return z.NEVER;
  }),
]);
const serviceTemplate = template(SERVICE_PLACEHOLDERS);

const baseUrl = template(['dc']).refine(
  (text) => {
    try {
      const url = new URL(text.replaceAll('{{dc}}', 'eqiad'));
      return /^https?:$/.test(url.protocol) && url.username === '' && url.password === '' && url.search === '' && url.hash === '';
    } catch {
      return false;
    }
  },
  { error: 'an http(s) URL without credentials, query or fragment; {{dc}} may stand for the datacenter' },
);

/** Checked here with the same rule rendering applies, so a bad label fails at startup, not mid-rollout. */
const labelValue = (placeholder: (typeof LABEL_PLACEHOLDERS)[number]) =>
  z.string().superRefine((text, ctx) => {
    const problem = valueProblem(placeholder, text);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });

/**
 * `backends.metrics` in config: where Prometheus is and what to ask it, for one service. The
 * labels have no default here: the config derives them from the service (namespace, service:
 * its name; cluster: its bare-metal pool's conftool cluster; discovery: <name>.discovery.wmnet).
 */
export const metricsSettingsSchema = z.strictObject({
  kind: z.literal('prometheus'),
  /** The service's label values, filled into {{namespace}}, {{cluster}}, {{service}} and {{discovery}}. */
  labels: z.strictObject({
    /** The k8s namespace envoy's series carry (kubernetes_namespace). */
    namespace: labelValue('namespace'),
    /** The bare-metal pool's conftool cluster; kept for custom templates, the defaults use none. */
    cluster: labelValue('cluster'),
    /** The app's name: envoy's cluster for it is LOCAL_<service>. */
    service: labelValue('service'),
    /** The discovery name ATS fetches from (trafficserver's `backend`). */
    discovery: labelValue('discovery'),
  }),
  /** Thanos answers for every DC; a per-DC Prometheus works too, e.g. http://prometheus.svc.{{dc}}.wmnet/ops */
  base_url: baseUrl.default('https://thanos-query.discovery.wmnet'),
  /** Per query, the HTTP call and Prometheus' own evaluation alike. */
  timeout_ms: z.int().min(100).max(120_000).default(10_000),
  /** A group whose newest sample is older than this reads stale, whatever rate() still says. */
  max_staleness_seconds: z.int().min(1).max(86_400).default(180),
  /** Envoy's largest finite request-time bucket (2500 ms): a k8s p99 at or above it reads "≥". */
  p99_cap_seconds: z.number().positive().default(2.5),
  /** ATS's largest finite backend bucket (1.2 s): a CDN p99 at or above it reads "≥". */
  cdn_p99_cap_seconds: z.number().positive().default(1.2),
  queries: z
    .strictObject({
      error_ratio: k8sTemplate.default(DEFAULT_QUERIES.error_ratio),
      p99_latency_seconds: k8sTemplate.default(DEFAULT_QUERIES.p99_latency_seconds),
      request_rate: k8sTemplate.default(DEFAULT_QUERIES.request_rate),
      /** null turns the staleness check off. */
      freshness_seconds: k8sTemplate.nullable().default(DEFAULT_QUERIES.freshness_seconds),
      k8s_traffic_share: serviceTemplate.nullable().default(DEFAULT_QUERIES.k8s_traffic_share),
      lvs_connections: serviceTemplate.nullable().default(DEFAULT_QUERIES.lvs_connections),
      backend_error_ratio: serviceTemplate.nullable().default(DEFAULT_QUERIES.backend_error_ratio),
      cdn_request_rate: serviceTemplate.nullable().default(DEFAULT_QUERIES.cdn_request_rate),
      cdn_p99_latency_seconds: serviceTemplate.nullable().default(DEFAULT_QUERIES.cdn_p99_latency_seconds),
      pooled_down_servers: serviceTemplate.nullable().default(DEFAULT_QUERIES.pooled_down_servers),
      monitors_down: serviceTemplate.nullable().default(DEFAULT_QUERIES.monitors_down),
    })
    .prefault({}),
});

export type MetricsSettings = z.output<typeof metricsSettingsSchema>;
export type GroupQueryName = 'error_ratio' | 'p99_latency_seconds' | 'request_rate' | 'freshness_seconds';
export type ServiceQueryName = 'k8s_traffic_share' | 'lvs_connections' | 'backend_error_ratio' | 'cdn_request_rate' | 'cdn_p99_latency_seconds' | 'pooled_down_servers' | 'monitors_down';
/** The only group Prometheus can speak for: bare metal's requests reach no Prometheus. */
export type BackendGroup = 'k8s';
