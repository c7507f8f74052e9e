/**
 * What k8s is compared against. Kartotherian's request metrics never reach Prometheus on the
 * bare-metal maps hosts (statsd to Graphite, no scrape job, nginx without an exporter:
 * ../shared/reference/production-metrics.md), so the only bare-metal numbers are the bot's own
 * real requests to each host, with the public Host and SNI: a probe sample of `requests`
 * requests, never a traffic rate.
 */
export type Baseline =
  | {
      kind: 'probe-sample';
      /** Requests sent and answered or failed (hosts that refuse the port do not serve it and are left out). */
      requests: number;
      /** Of those, how many failed (a 5xx, a wrong certificate, a timeout). */
      failed: number;
      /** p99 (nearest rank) of the answered requests' time after the TLS handshake, in seconds. */
      p99Seconds: number | undefined;
      /** Bare-metal hosts in the sample. */
      hosts: number;
    }
  | { kind: 'unavailable'; reason: string };

/**
 * Fewer probe requests than this cannot be compared with anything: 20 is the fewest where one
 * failure (5%) still reads as a failure and not as noise, and the p99 of fewer is just the max.
 */
export const MIN_BASELINE_PROBES = 20;

export type BaselineComparison =
  | { comparable: true; errorRatio: number; p99Seconds: number | undefined; words: string }
  | { comparable: false; why: string; words: string };

/**
 * The one rule for whether k8s can be compared with bare metal, and how the comparison reads in
 * every gate, status line and soak verdict: either the probe sample's numbers, labelled as a
 * probe sample, or "comparison with bare metal cannot be made: <why>".
 */
export function compareWithBaseline(baseline: Baseline): BaselineComparison {
  if (baseline.kind === 'unavailable') return cannot(baseline.reason);
  if (baseline.requests < MIN_BASELINE_PROBES) {
    return cannot(`only ${baseline.requests} probe request${baseline.requests === 1 ? '' : 's'} to bare metal (at least ${MIN_BASELINE_PROBES} needed)`);
  }
  const errorRatio = baseline.failed / baseline.requests;
  const p99 = baseline.p99Seconds === undefined ? 'p99 none answered' : `p99 ${formatSeconds(baseline.p99Seconds)}`;
  const words = `bare metal (probe sample, ${baseline.requests} requests to ${baseline.hosts} host${baseline.hosts === 1 ? '' : 's'}): ${formatPercent(errorRatio)} failed, ${p99}`;
  return { comparable: true, errorRatio, p99Seconds: baseline.p99Seconds, words };
}

function cannot(why: string): BaselineComparison {
  return { comparable: false, why, words: `comparison with bare metal cannot be made: ${why}` };
}

/** A baseline that is not there, and why. */
export function noBaseline(reason: string): Baseline {
  return { kind: 'unavailable', reason };
}

/** Nearest-rank percentile of sorted-or-not values, undefined for none. */
export function nearestRank(values: readonly number[], quantile: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(quantile * sorted.length) - 1))];
}

/** Percent as every health line words it (analysis.ts re-exports it as `percent`). */
export function formatPercent(value: number): string {
  return `${(value * 100).toFixed(value < 0.01 ? 2 : 1)}%`;
}

/** Seconds as every health line words it (analysis.ts re-exports it as `seconds`). */
export function formatSeconds(value: number): string {
  return value < 1 ? `${Math.round(value * 1000)}ms` : `${value.toFixed(2)}s`;
}
