import { Counter, Registry } from 'prom-client';

export interface AtsMetrics {
  readonly registry: Registry;
  /** One backend request: the status ATS logged ("502"/"504" for its own errors) and its duration. */
  observe(status: string, seconds: number): void;
}

/** mtail's atsbackend.mtail bounds, in seconds; 1.2 is the top finite one (production-metrics.md). */
export const ATS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.2];

/**
 * mtail's series for ATS backend requests. Written as three counters, not a prom-client Histogram:
 * production's `_count` carries `status` while `_bucket` does not, which one histogram cannot express.
 */
export function createAtsMetrics(backend: string): AtsMetrics {
  const registry = new Registry();
  const count = new Counter({ name: 'trafficserver_backend_requests_seconds_count', help: 'Backend requests by status', labelNames: ['backend', 'method', 'status'], registers: [registry] });
  const bucket = new Counter({ name: 'trafficserver_backend_requests_seconds_bucket', help: 'Backend request time, cumulative buckets', labelNames: ['backend', 'method', 'le'], registers: [registry] });
  const sum = new Counter({ name: 'trafficserver_backend_requests_seconds_sum', help: 'Backend request time, total seconds', labelNames: ['backend', 'method'], registers: [registry] });
  const labels = { backend, method: 'GET' };
  // Every bucket from the first scrape, so rate() over a fresh lab starts at zero, not at nothing.
  for (const le of [...ATS_BUCKETS.map(String), '+Inf']) bucket.inc({ ...labels, le }, 0);
  sum.inc(labels, 0);
  return {
    registry,
    observe(status, seconds) {
      count.inc({ ...labels, status });
      sum.inc(labels, seconds);
      for (const le of ATS_BUCKETS) if (seconds <= le) bucket.inc({ ...labels, le: String(le) });
      bucket.inc({ ...labels, le: '+Inf' });
    },
  };
}
