import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_QUERIES } from '../../adapters/metrics/settings.js';

/**
 * Every series Kartotherian has in production, and the labels each carries, as written in
 * ../shared/reference/production-metrics.md (read from Wikimedia's puppet, deployment-charts,
 * alerts and mtail): the envoy sidecar and statsd-exporter on Wikikube, ATS's mtail on the CDN,
 * pybal and the ipvs collector on the LVS hosts. Thanos adds site, prometheus and replica to all.
 * Nothing from the bare-metal maps hosts' Kartotherian is here: it has no series.
 */
const THANOS = ['site', 'prometheus', 'replica', 'job', 'instance', 'cluster'];
const ENVOY = [...THANOS, 'kubernetes_namespace', 'app', 'release', 'routed_via'];
const PRODUCTION_SERIES: Readonly<Record<string, readonly string[]>> = {
  envoy_cluster_upstream_rq: [...ENVOY, 'envoy_cluster_name', 'envoy_response_code'],
  envoy_cluster_upstream_rq_xx: [...ENVOY, 'envoy_cluster_name', 'envoy_response_code_class'],
  envoy_cluster_upstream_rq_total: [...ENVOY, 'envoy_cluster_name'],
  envoy_cluster_upstream_rq_time_bucket: [...ENVOY, 'envoy_cluster_name', 'le'],
  envoy_http_downstream_rq_xx: [...ENVOY, 'envoy_http_conn_manager_prefix', 'envoy_response_code_class'],
  envoy_http_downstream_rq_total: [...ENVOY, 'envoy_http_conn_manager_prefix'],
  envoy_http_downstream_rq_time_bucket: [...ENVOY, 'envoy_http_conn_manager_prefix', 'le'],
  kartotherian_request_duration_ms: [...ENVOY, 'source', 'zed', 'format'],
  kartotherian_err_requests_count: [...ENVOY, 'type'],
  kartotherian_router_duration_ms: [...ENVOY, 'path', 'verb', 'response_code'],
  trafficserver_backend_requests_seconds_count: [...THANOS, 'backend', 'method', 'status'],
  trafficserver_backend_requests_seconds_bucket: [...THANOS, 'backend', 'method', 'le'],
  pybal_service_servers: [...THANOS, 'service'],
  pybal_service_servers_up: [...THANOS, 'service'],
  pybal_service_servers_pooled: [...THANOS, 'service'],
  pybal_service_pooled_down_servers: [...THANOS, 'service'],
  pybal_service_can_depool: [...THANOS, 'service'],
  pybal_monitor_status: [...THANOS, 'service', 'host', 'monitor'],
  node_ipvs_backend_connections_active: [...THANOS, 'local_address', 'local_port', 'remote_address', 'remote_port', 'proto'],
  osm_sync_timestamp: THANOS,
  service_checker_probe_success: THANOS,
};

/** A metric name and its label matchers; functions and keywords are followed by "(", never "{". */
const SELECTOR = /([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^{}]*)\}/g;

/** Each series selector in a template: its metric name and the label names it matches on. */
function selectors(template: string): Array<{ metric: string; labels: string[] }> {
  // Placeholders are not selectors: {{dc}} becomes a value first.
  const plain = template.replace(/\{\{[a-z_]+\}\}/g, 'x');
  return Array.from(plain.matchAll(SELECTOR), (match) => ({
    metric: match[1] ?? '',
    labels: (match[2] ?? '')
      .split(',')
      .map((matcher) => /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/.exec(matcher)?.[1])
      .filter((label): label is string => label !== undefined),
  }));
}

/** Every `queries` template anywhere in a parsed config. */
function configTemplates(node: unknown, into: Array<[string, string]> = []): Array<[string, string]> {
  if (node === null || typeof node !== 'object') return into;
  for (const [key, child] of Object.entries(node) as Array<[string, unknown]>) {
    if (key === 'queries' && child !== null && typeof child === 'object') {
      for (const [name, template] of Object.entries(child)) if (typeof template === 'string') into.push([name, template]);
    } else configTemplates(child, into);
  }
  return into;
}

const example: unknown = parse(readFileSync(new URL('../../config/production.example.yaml', import.meta.url), 'utf8'));
const TEMPLATES: Array<[string, string]> = [...Object.entries(DEFAULT_QUERIES), ...configTemplates(example).map(([name, text]): [string, string] => [`production.example.yaml ${name}`, text])];

describe('production templates read only series that exist in production (production-metrics.md)', () => {
  it.each(TEMPLATES)('%s', (_name, template) => {
    const found = selectors(template);
    expect(found.length, 'a template with no series selector cannot be checked').toBeGreaterThan(0);
    for (const { metric, labels } of found) {
      expect(Object.keys(PRODUCTION_SERIES), `${metric} is not a production series`).toContain(metric);
      for (const label of labels) expect(PRODUCTION_SERIES[metric], `${metric} has no label ${label}`).toContain(label);
    }
  });

  it('has no template for bare-metal requests, which no Prometheus has', () => {
    const names = TEMPLATES.flatMap(([, template]) => selectors(template).map((selector) => selector.metric));
    expect(names.filter((name) => /express_router|service_runner|nginx/.test(name))).toEqual([]);
    expect(Object.keys(DEFAULT_QUERIES).filter((name) => name.includes('bare'))).toEqual([]);
  });
});
