import { createServer, type Server } from 'node:http';

/** What one scrape adds: each scrape is one "second" of traffic at a 1 s scrape interval. */
export interface Traffic {
  /** Successful requests by latency, e.g. [{ seconds: 0.02, count: 90 }, { seconds: 0.2, count: 10 }]. */
  ok: ReadonlyArray<{ seconds: number; count: number }>;
  /** 5xx answers per scrape; they fail fast (1 ms), like envoy's "no healthy upstream". */
  errors: number;
}

/**
 * The metric families production has for Kartotherian (../shared/reference/production-metrics.md),
 * with exactly its names and labels; the target labels (site, prometheus, kubernetes_namespace,
 * cluster) come from the scrape config, as Thanos and the k8s-pods-tls job add them:
 * - envoy: the k8s sidecar (envoy_cluster_upstream_rq{envoy_cluster_name,envoy_response_code},
 *   _time histogram in ms, buckets 1 … 2500), plus a non-LOCAL cluster full of 503s the
 *   templates must leave out.
 * - ats: trafficserver_backend_requests_seconds_count{backend,method,status} and _bucket{backend,
 *   method,le} (top finite bucket 1.2 s), plus another backend the templates must leave out.
 * - pybal: pooled-down servers per pybal service, and pybal_monitor_status{service,host,monitor}.
 * - ipvs: node_ipvs_backend_connections_active{local_address,local_port,remote_address,remote_port,proto}.
 * Nothing for the bare-metal maps hosts' requests: production has none.
 */
export type EndpointSpec =
  | { family: 'envoy'; traffic: Traffic }
  | { family: 'ats'; traffic: Traffic }
  | { family: 'pybal'; pooledDown: Readonly<Record<string, number>>; monitors?: ReadonlyArray<{ service: string; host: string; monitor: string; up: boolean }> }
  | { family: 'ipvs'; connections: ReadonlyArray<{ localPort: number; remoteAddress: string; active: number }> };

export interface FakeExporter {
  readonly host: string;
  readonly port: number;
  /** Where Prometheus scrapes an endpoint. */
  target(name: string): { address: string; metricsPath: string };
  /** Defines an endpoint, or changes its traffic from the next scrape on (counters keep counting). */
  set(name: string, spec: EndpointSpec): void;
  /** A down endpoint answers 503, so Prometheus marks its series stale. */
  setUp(name: string, up: boolean): void;
  scrapes(name: string): number;
  close(): Promise<void>;
}

const ENVOY_BUCKETS_MS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500];
const ATS_BUCKETS_S = [0.01, 0.05, 0.1, 0.3, 0.6, 1.2];

/** A cumulative histogram that counts observations as they come, in the exposition's own unit. */
class Histogram {
  readonly counts: number[];
  count = 0;
  sum = 0;
  constructor(readonly bounds: readonly number[]) {
    this.counts = bounds.map(() => 0);
  }

  observe(value: number, times: number): void {
    this.bounds.forEach((bound, index) => {
      if (value <= bound) this.counts[index] = (this.counts[index] ?? 0) + times;
    });
    this.count += times;
    this.sum += value * times;
  }

  lines(name: string, labels: string): string[] {
    return [
      ...this.bounds.map((bound, index) => `${name}_bucket{${labels},le="${bound}"} ${this.counts[index] ?? 0}`),
      `${name}_bucket{${labels},le="+Inf"} ${this.count}`,
      `${name}_sum{${labels}} ${this.sum}`,
      `${name}_count{${labels}} ${this.count}`,
    ];
  }
}

interface Endpoint {
  spec: EndpointSpec;
  up: boolean;
  scrapes: number;
  /** Counters by series key; a 5xx series appears only once a 5xx has happened, as in envoy. */
  counters: Map<string, number>;
  histograms: Map<string, Histogram>;
}

const ENVOY_LOCAL = 'envoy_cluster_name="LOCAL_kartotherian"';
const ENVOY_OTHER = 'envoy_cluster_name="mw-api-int"';
const ATS_BACKEND = 'backend="kartotherian.discovery.wmnet",method="GET"';

/** Error series are lazy, as in envoy: they appear with the first 5xx, not before. */
function add(endpoint: Endpoint, key: string, by: number, lazy = false): void {
  if (lazy && by === 0 && !endpoint.counters.has(key)) return;
  endpoint.counters.set(key, (endpoint.counters.get(key) ?? 0) + by);
}

function histogram(endpoint: Endpoint, key: string, bounds: readonly number[]): Histogram {
  let found = endpoint.histograms.get(key);
  if (found === undefined) {
    found = new Histogram(bounds);
    endpoint.histograms.set(key, found);
  }
  return found;
}

function scrape(endpoint: Endpoint): string {
  endpoint.scrapes += 1;
  const { spec } = endpoint;
  if (spec.family === 'pybal') {
    return [
      '# TYPE pybal_service_pooled_down_servers gauge',
      ...Object.entries(spec.pooledDown).map(([service, count]) => `pybal_service_pooled_down_servers{service="${service}"} ${count}`),
      '# TYPE pybal_monitor_status gauge',
      ...(spec.monitors ?? []).map((entry) => `pybal_monitor_status{service="${entry.service}",host="${entry.host}",monitor="${entry.monitor}"} ${entry.up ? 1 : 0}`),
    ].join('\n');
  }
  if (spec.family === 'ipvs') {
    return [
      '# TYPE node_ipvs_backend_connections_active gauge',
      ...spec.connections.map(
        (entry) => `node_ipvs_backend_connections_active{local_address="10.2.2.13",local_port="${entry.localPort}",proto="TCP",remote_address="${entry.remoteAddress}",remote_port="${entry.localPort}"} ${entry.active}`,
      ),
    ].join('\n');
  }
  const { traffic } = spec;
  const okCount = traffic.ok.reduce((sum, entry) => sum + entry.count, 0);
  switch (spec.family) {
    case 'envoy': {
      add(endpoint, `${ENVOY_LOCAL},envoy_response_code="200"`, okCount);
      add(endpoint, `${ENVOY_LOCAL},envoy_response_code="503"`, traffic.errors, true);
      add(endpoint, `${ENVOY_OTHER},envoy_response_code="503"`, 1000);
      const time = histogram(endpoint, ENVOY_LOCAL, ENVOY_BUCKETS_MS);
      traffic.ok.forEach((entry) => time.observe(entry.seconds * 1000, entry.count));
      time.observe(1, traffic.errors);
      return [
        '# TYPE envoy_cluster_upstream_rq counter',
        ...[...endpoint.counters].map(([labels, value]) => `envoy_cluster_upstream_rq{${labels}} ${value}`),
        '# TYPE envoy_cluster_upstream_rq_time histogram',
        ...time.lines('envoy_cluster_upstream_rq_time', ENVOY_LOCAL),
      ].join('\n');
    }
    case 'ats': {
      add(endpoint, `${ATS_BACKEND},status="200"`, okCount);
      add(endpoint, `${ATS_BACKEND},status="503"`, traffic.errors, true);
      add(endpoint, 'backend="swift.discovery.wmnet",method="GET",status="503"', 500);
      // mtail's buckets carry no status: every answer, ok or not, is one observation.
      const time = histogram(endpoint, ATS_BACKEND, ATS_BUCKETS_S);
      traffic.ok.forEach((entry) => time.observe(entry.seconds, entry.count));
      time.observe(0.001, traffic.errors);
      return [
        '# TYPE trafficserver_backend_requests_seconds_count counter',
        ...[...endpoint.counters].map(([labels, value]) => `trafficserver_backend_requests_seconds_count{${labels}} ${value}`),
        // Untyped, as one family with the counter above would need the same labels on _count and _bucket.
        ...time.lines('trafficserver_backend_requests_seconds', ATS_BACKEND).filter((line) => !line.startsWith('trafficserver_backend_requests_seconds_count')),
      ].join('\n');
    }
    default:
      return spec satisfies never;
  }
}

/**
 * A node:http server exposing Prometheus text metrics per endpoint (/metrics/<name>). Counters
 * advance on every scrape, so at a 1 s scrape interval `traffic` is per second and ratios come
 * out exact: every series of an endpoint moves in the same scrapes.
 */
export async function startFakeExporter(): Promise<FakeExporter> {
  const endpoints = new Map<string, Endpoint>();
  const server: Server = createServer((request, response) => {
    const name = /^\/metrics\/([a-z0-9-]+)$/.exec(request.url ?? '')?.[1];
    const endpoint = name === undefined ? undefined : endpoints.get(name);
    if (endpoint === undefined) {
      response.writeHead(404).end();
      return;
    }
    if (!endpoint.up) {
      response.writeHead(503, { 'Content-Type': 'text/plain' }).end('down\n');
      return;
    }
    response.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(`${scrape(endpoint)}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const get = (name: string): Endpoint => {
    const endpoint = endpoints.get(name);
    if (endpoint === undefined) throw new Error(`no exporter endpoint ${name}`);
    return endpoint;
  };
  return {
    host: '127.0.0.1',
    port,
    target: (name) => ({ address: `127.0.0.1:${port}`, metricsPath: `/metrics/${name}` }),
    set(name, spec) {
      const existing = endpoints.get(name);
      if (existing === undefined) endpoints.set(name, { spec, up: true, scrapes: 0, counters: new Map(), histograms: new Map() });
      else existing.spec = spec;
    },
    setUp(name, up) {
      get(name).up = up;
    },
    scrapes: (name) => get(name).scrapes,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
