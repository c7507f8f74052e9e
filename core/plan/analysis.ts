import * as z from 'zod';
import { compareWithBaseline, formatPercent, formatSeconds, type Baseline } from './baseline.js';

/**
 * What to do when a metric has no data. Flagger fails, scap passes, Kayenta ignores; for a
 * migration that already paged once, "inconclusive: pause and ask a person" is the default.
 */
export const noDataPolicySchema = z.enum(['fail', 'pause', 'pass']);
export type NoDataPolicy = z.infer<typeof noDataPolicySchema>;

export const analysisSettingsSchema = z.strictObject({
  interval_seconds: z.number().positive().default(60),
  /** Failed checks tolerated before a breach (Flagger's threshold, Argo's failureLimit + 1). */
  failure_limit: z.int().min(1).default(2),
  /** Below this many requests per second on the k8s group nothing can be concluded. */
  min_request_rate: z.number().min(0).default(1),
  error_ratio: z
    .strictObject({
      max: z.number().min(0).max(1).default(0.01),
      /** k8s may be worse than bare metal's probe sample by at most this much, absolute; unused when no comparison can be made. */
      max_over_baseline: z.number().min(0).max(1).default(0.005),
      on_no_data: noDataPolicySchema.default('pause'),
    })
    .prefault({}),
  p99_seconds: z
    .strictObject({
      max: z.number().positive().default(1.5),
      /** k8s p99 may be at most this multiple of bare metal's probe sample; unused when no comparison can be made. */
      max_ratio_to_baseline: z.number().min(1).default(2),
      /**
       * Below this k8s p99 the ratio is not judged: envoy's histogram (buckets 10, 25, 50, 100 ms)
       * reads a 15 ms service as up to 50 ms, while the probe sample times each request exactly,
       * so tens of milliseconds apart is measurement, not regression (seen on the lab: 48 vs 21 ms).
       */
      ratio_applies_above: z.number().min(0).default(0.1),
      /**
       * The k8s p99 comes from envoy's histogram (these bounds, in seconds: production-metrics.md),
       * read by histogram_quantile between two bounds; the probe sample's p99 is exact. Like is
       * compared with like: the sample's p99 is taken at the bound envoy would have counted it under.
       */
      k8s_buckets: z.array(z.number().positive()).min(1).default([0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]),
      on_no_data: noDataPolicySchema.default('pause'),
    })
    .prefault({}),
});
export type AnalysisSettings = z.infer<typeof analysisSettingsSchema>;

/**
 * A reading that says when it has nothing: a missing series is never a silent zero. `atLeast`:
 * the value is a lower bound (a quantile past the histogram's largest finite bucket, e.g. envoy's
 * 2500 ms), shown as "≥ 2.50s".
 */
export type Reading = { kind: 'value'; value: number; atLeast?: boolean } | { kind: 'no-data'; reason: string };

export interface GroupReadings {
  errorRatio: Reading;
  p99Seconds: Reading;
  requestRate: Reading;
}

export type Verdict =
  | { kind: 'pass'; summary: string }
  | { kind: 'fail'; summary: string; reasons: string[] }
  | { kind: 'inconclusive'; summary: string; reasons: string[] };

/**
 * One health check of the k8s group against absolute limits and, when compareWithBaseline says
 * a comparison can be made, against bare metal's probe sample taken at the same time. When it
 * cannot, the verdict is judged on the absolute limits only and says so. Returns the numbers in
 * one line either way, so the channel always sees why.
 */
export function analyse(k8s: GroupReadings, baseline: Baseline, settings: AnalysisSettings): Verdict {
  const failures: string[] = [];
  const unknowns: string[] = [];
  const comparison = compareWithBaseline(baseline);
  const numbers = comparison.comparable ? describeHealth(k8s, baseline) : `${describeHealth(k8s, baseline)}; judged on absolute limits only`;
  const base = comparison.comparable ? comparison : undefined;

  if (k8s.requestRate.kind === 'no-data' || k8s.requestRate.value < settings.min_request_rate) {
    // Too little traffic proves nothing either way (flagger#361): never pass, never roll back.
    unknowns.push(`k8s traffic ${show(k8s.requestRate, rate)} is under the floor of ${settings.min_request_rate} req/s`);
  }

  judge('5xx', k8s.errorRatio, settings.error_ratio.on_no_data, (value) => {
    if (value > settings.error_ratio.max) return `5xx ${percent(value)} > max ${percent(settings.error_ratio.max)}`;
    if (base !== undefined && value - base.errorRatio > settings.error_ratio.max_over_baseline) {
      return `5xx ${percent(value)} exceeds bare metal's probe sample ${percent(base.errorRatio)} by more than ${percent(settings.error_ratio.max_over_baseline)}`;
    }
    return undefined;
  });
  judge('p99', k8s.p99Seconds, settings.p99_seconds.on_no_data, (value) => {
    const shown = show(k8s.p99Seconds, seconds);
    if (value > settings.p99_seconds.max) return `p99 ${shown} > max ${seconds(settings.p99_seconds.max)}`;
    const exact = base?.p99Seconds;
    const baseP99 = exact === undefined ? undefined : asBucketed(exact, settings.p99_seconds.k8s_buckets);
    if (exact !== undefined && baseP99 !== undefined && baseP99 > 0 && value > settings.p99_seconds.ratio_applies_above && value / baseP99 > settings.p99_seconds.max_ratio_to_baseline) {
      const bucketed = baseP99 === exact ? '' : ` (≤${seconds(baseP99)} in envoy's buckets)`;
      return `p99 ${shown} is ${(value / baseP99).toFixed(1)}× bare metal's probe sample ${seconds(exact)}${bucketed} (max ${settings.p99_seconds.max_ratio_to_baseline}×)`;
    }
    return undefined;
  });

  if (failures.length > 0) return { kind: 'fail', summary: numbers, reasons: failures };
  if (unknowns.length > 0) return { kind: 'inconclusive', summary: numbers, reasons: unknowns };
  return { kind: 'pass', summary: numbers };

  function judge(name: string, reading: Reading, onNoData: NoDataPolicy, check: (value: number) => string | undefined): void {
    if (reading.kind === 'no-data') {
      const why = `${name}: no data (${reading.reason})`;
      if (onNoData === 'fail') failures.push(why);
      else if (onNoData === 'pause') unknowns.push(why);
      return;
    }
    const breach = check(reading.value);
    if (breach !== undefined) failures.push(breach);
  }
}

/**
 * The numbers of one health reading, as every gate and status shows them: k8s from envoy, then
 * bare metal's probe sample or why there is no comparison (compareWithBaseline's words).
 */
export function describeHealth(k8s: GroupReadings, baseline: Baseline): string {
  return [`5xx ${show(k8s.errorRatio, percent)}`, `p99 ${show(k8s.p99Seconds, seconds)}`, `${show(k8s.requestRate, rate)} on k8s`, compareWithBaseline(baseline).words].join(' · ');
}

export function show(reading: Reading, format: (value: number) => string): string {
  if (reading.kind !== 'value') return 'no data';
  return reading.atLeast === true ? `≥ ${format(reading.value)}` : format(reading.value);
}

export const percent = formatPercent;
export const seconds = formatSeconds;

export function rate(value: number): string {
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} req/s`;
}

/** Where envoy's histogram would have counted a latency: the smallest bound at or above it. */
function asBucketed(value: number, bounds: readonly number[]): number {
  return [...bounds].sort((a, b) => a - b).find((bound) => bound >= value) ?? value;
}
