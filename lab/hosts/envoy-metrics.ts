import { Counter, Histogram, Registry } from 'prom-client';

export interface EnvoyMetrics {
  readonly registry: Registry;
  /** One request the sidecar passed to (or answered for) the app: its status and duration. */
  observe(status: number, milliseconds: number): void;
}

/** envoy's own cluster name for the app behind the sidecar. */
const CLUSTER = 'LOCAL_kartotherian';
/** envoy's histogram bounds are milliseconds; the ones a tile request can land in, up to 2.5 s. */
const BUCKETS_MS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500];

/**
 * A worker's envoy sidecar series, named and labelled as production-metrics.md lists them (what
 * k8s-pods-tls keeps). One Registry per worker: each pod is its own scrape target, and prom-client's
 * global registry would merge them.
 */
export function createEnvoyMetrics(): EnvoyMetrics {
  const registry = new Registry();
  const rq = new Counter({ name: 'envoy_cluster_upstream_rq', help: 'Total upstream requests by response code', labelNames: ['envoy_cluster_name', 'envoy_response_code'], registers: [registry] });
  const rqXx = new Counter({ name: 'envoy_cluster_upstream_rq_xx', help: 'Upstream requests by response code class', labelNames: ['envoy_cluster_name', 'envoy_response_code_class'], registers: [registry] });
  const rqTotal = new Counter({ name: 'envoy_cluster_upstream_rq_total', help: 'Total upstream requests', labelNames: ['envoy_cluster_name'], registers: [registry] });
  const rqTime = new Histogram({ name: 'envoy_cluster_upstream_rq_time', help: 'Upstream request time in milliseconds', labelNames: ['envoy_cluster_name'], buckets: BUCKETS_MS, registers: [registry] });
  // Present from the first scrape, as envoy's are: rate() then has a zero to start from.
  rqTotal.inc({ envoy_cluster_name: CLUSTER }, 0);
  return {
    registry,
    observe(status, milliseconds) {
      rq.inc({ envoy_cluster_name: CLUSTER, envoy_response_code: String(status) });
      rqXx.inc({ envoy_cluster_name: CLUSTER, envoy_response_code_class: String(Math.floor(status / 100)) });
      rqTotal.inc({ envoy_cluster_name: CLUSTER });
      rqTime.observe({ envoy_cluster_name: CLUSTER }, milliseconds);
    },
  };
}
