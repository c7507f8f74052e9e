import { printable } from '../../core/printable.js';
import { PrometheusError, type QueryResult } from './prometheus-client.js';

/**
 * - empty: no series matched (the metric or the group does not exist, or every series is gone).
 * - nan: the query ran over series without traffic (0/0, a quantile of nothing).
 * - stale: the series still compute, but their newest sample is too old to describe now.
 * - not-configured: config has no query for this reading.
 * - no-addresses: the query needs the workers' addresses and none resolved.
 */
export type NoDataReason = 'empty' | 'nan' | 'stale' | 'not-configured' | 'no-addresses';

/**
 * One number, or an explicit statement that there is none and why: a missing series is never a
 * silent 0. Assignable to core/plan/analysis.ts's Reading. `query` is the PromQL that was asked,
 * so the channel can show what a gate looked at.
 */
export type MetricReading =
  | { kind: 'value'; value: number; query: string; atMs: number; atLeast?: boolean }
  | { kind: 'no-data'; reason: NoDataReason; detail: string; query?: string };

/**
 * Reads a single-number query. Templates must aggregate to one series: several mean the
 * template is wrong, and guessing which one to use would hide that, so it is an error.
 * ±Infinity stays a value: a p99 of +Inf means "above the largest bucket", a real breach.
 */
export function readingFrom(result: QueryResult): MetricReading {
  const { data, query } = result;
  let sample: { value: number; timeMs: number };
  if (data.resultType === 'scalar') {
    sample = data.sample;
  } else if (data.resultType === 'vector') {
    if (data.series.length === 0) return { kind: 'no-data', reason: 'empty', detail: 'no series matched', query };
    const [only, ...others] = data.series;
    if (only === undefined || others.length > 0) {
      const labels = data.series.slice(0, 3).map((series) => JSON.stringify(series.labels));
      throw new PrometheusError(
        'adapter.bad-output',
        `expected one series, got ${data.series.length} (${printable(labels.join(' '), 200)}): aggregate the template with sum() or max() — query: ${printable(query, 300)}`,
        query,
        { endpoint: '' },
      );
    }
    sample = only;
  } else {
    throw new PrometheusError('adapter.bad-output', `expected a number, got a ${data.resultType} — query: ${printable(query, 300)}`, query, { endpoint: '' });
  }
  if (Number.isNaN(sample.value)) return { kind: 'no-data', reason: 'nan', detail: 'NaN: no requests in the window', query };
  return { kind: 'value', value: sample.value, query, atMs: sample.timeMs };
}
