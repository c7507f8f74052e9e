import * as z from 'zod';
import { templateProblem, valueProblem, type Placeholder } from './templates.js';

/**
 * Default PromQL, modelled on wikimedia-ops §9 and written for Thanos, where every series
 * carries `site` (the DC) and `prometheus` (ops or k8s). The service's own label values come
 * from `labels` ({{namespace}}, {{cluster}}, {{service}}, {{discovery}}), so one set of templates,
 * shared or default, serves every service. Each is overridable in config, per service too; check
 * the label names against Grafana before trusting a gate to them.
 *
 * - k8s: the envoy mesh sidecar in front of every pod (LOCAL_ cluster = the app). Envoy's
 *   request time is in milliseconds, hence the / 1000.
 * - bare-metal: the service's own router histogram (service-template-node's
 *   express_router_request_duration_seconds) scraped from the bare-metal hosts behind nginx.
 *
 * A 5xx series only exists once a 5xx has happened, so numerators fall back to `or vector(0)`:
 * a healthy group reads 0, not "no data". Denominators never do, so a group without traffic
 * reads NaN (0/0) and a group without series reads empty: both surface as no-data.
 */
const K8S = 'site="{{dc}}",prometheus="k8s",kubernetes_namespace="{{namespace}}",envoy_cluster_name=~"LOCAL_.*"';
const BARE_METAL = 'site="{{dc}}",prometheus="ops",cluster="{{cluster}}",service="{{service}}"';
const ATS = 'backend="{{discovery}}"';
const K8S_RATE = `sum(rate(envoy_cluster_upstream_rq{${K8S}}[{{window}}]))`;
const BARE_METAL_RATE = `sum(rate(express_router_request_duration_seconds_count{${BARE_METAL}}[{{window}}]))`;

export const DEFAULT_QUERIES = {
  error_ratio: {
    k8s: `(sum(rate(envoy_cluster_upstream_rq{${K8S},envoy_response_code=~"5.."}[{{window}}])) or vector(0)) / ${K8S_RATE}`,
    'bare-metal': `(sum(rate(express_router_request_duration_seconds_count{${BARE_METAL},status=~"5.."}[{{window}}])) or vector(0)) / ${BARE_METAL_RATE}`,
  },
  p99_latency_seconds: {
    k8s: `histogram_quantile(0.99, sum by (le) (rate(envoy_cluster_upstream_rq_time_bucket{${K8S}}[{{window}}]))) / 1000`,
    'bare-metal': `histogram_quantile(0.99, sum by (le) (rate(express_router_request_duration_seconds_bucket{${BARE_METAL}}[{{window}}])))`,
  },
  request_rate: { k8s: K8S_RATE, 'bare-metal': BARE_METAL_RATE },
  /** Age of the group's newest sample: rate() over a window keeps answering after scraping stops. */
  freshness_seconds: {
    k8s: `time() - max(timestamp(envoy_cluster_upstream_rq{${K8S}}))`,
    'bare-metal': `time() - max(timestamp(express_router_request_duration_seconds_count{${BARE_METAL}}))`,
  },
  k8s_traffic_share: `(${K8S_RATE} or vector(0)) / ((${K8S_RATE} or vector(0)) + (${BARE_METAL_RATE} or vector(0)))`,
  /** What ATS, and so users, got from the discovery name: both groups and every DC together. */
  backend_error_ratio: `(sum(rate(trafficserver_backend_requests_seconds_count{${ATS},status=~"5.."}[{{window}}])) or vector(0)) / sum(rate(trafficserver_backend_requests_seconds_count{${ATS}}[{{window}}]))`,
  /** Pitfall 2: never depool while pybal keeps down servers pooled. Both LVS hosts report; take one. */
  pooled_down_servers: `max(pybal_service_pooled_down_servers{site="{{dc}}",service=~"{{lvs_service}}(_[0-9]+)?"})`,
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
const GROUP_PLACEHOLDERS: readonly Placeholder[] = ['group', 'dc', 'window', 'lvs_service', ...LABEL_PLACEHOLDERS];
const SERVICE_PLACEHOLDERS: readonly Placeholder[] = ['dc', 'window', 'lvs_service', ...LABEL_PLACEHOLDERS];

/** One template for both groups (using {{group}}), or one per group when the metrics differ. */
const groupTemplates = z.union([template(GROUP_PLACEHOLDERS), z.strictObject({ k8s: template(GROUP_PLACEHOLDERS), 'bare-metal': template(GROUP_PLACEHOLDERS) })]);
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
    /** The bare-metal hosts' `cluster` label on the ops Prometheus. */
    cluster: labelValue('cluster'),
    /** The bare-metal series' `service` label. */
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
  queries: z
    .strictObject({
      error_ratio: groupTemplates.default(DEFAULT_QUERIES.error_ratio),
      p99_latency_seconds: groupTemplates.default(DEFAULT_QUERIES.p99_latency_seconds),
      request_rate: groupTemplates.default(DEFAULT_QUERIES.request_rate),
      /** null turns the staleness check off. */
      freshness_seconds: groupTemplates.nullable().default(DEFAULT_QUERIES.freshness_seconds),
      k8s_traffic_share: serviceTemplate.nullable().default(DEFAULT_QUERIES.k8s_traffic_share),
      backend_error_ratio: serviceTemplate.nullable().default(DEFAULT_QUERIES.backend_error_ratio),
      pooled_down_servers: serviceTemplate.nullable().default(DEFAULT_QUERIES.pooled_down_servers),
    })
    .prefault({}),
});

export type MetricsSettings = z.output<typeof metricsSettingsSchema>;
export type GroupQueryName = 'error_ratio' | 'p99_latency_seconds' | 'request_rate' | 'freshness_seconds';
export type ServiceQueryName = 'k8s_traffic_share' | 'backend_error_ratio' | 'pooled_down_servers';
export const BACKEND_GROUPS = ['k8s', 'bare-metal'] as const;
export type BackendGroup = (typeof BACKEND_GROUPS)[number];
