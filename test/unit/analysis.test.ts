import { describe, expect, it } from 'vitest';
import { analyse, analysisSettingsSchema, describeHealth, type GroupReadings, type Reading } from '../../core/plan/analysis.js';
import { compareWithBaseline, MIN_BASELINE_PROBES, noBaseline, type Baseline } from '../../core/plan/baseline.js';

const settings = analysisSettingsSchema.parse({});
const value = (v: number): Reading => ({ kind: 'value', value: v });
const noData: Reading = { kind: 'no-data', reason: 'empty vector' };
const healthy: GroupReadings = { errorRatio: value(0.001), p99Seconds: value(0.3), requestRate: value(50) };
/** 1 failure in 1000 probe requests, p99 300 ms: a sample large enough to compare. */
const sample: Baseline = { kind: 'probe-sample', requests: 1000, failed: 1, p99Seconds: 0.3, hosts: 6 };
const SAMPLE_WORDS = 'bare metal (probe sample, 1000 requests to 6 hosts): 0.10% failed, p99 300ms';

describe('analyse', () => {
  it('passes a healthy k8s group and shows the numbers beside the probe sample, labelled as one', () => {
    const verdict = analyse(healthy, sample, settings);
    expect(verdict).toEqual({ kind: 'pass', summary: `5xx 0.10% · p99 300ms · 50 req/s on k8s · ${SAMPLE_WORDS}` });
  });

  it('fails on absolute 5xx and on 5xx relative to bare metal', () => {
    expect(analyse({ ...healthy, errorRatio: value(0.2) }, sample, settings)).toMatchObject({ kind: 'fail', reasons: ['5xx 20.0% > max 1.0%'] });
    expect(analyse({ ...healthy, errorRatio: value(0.008) }, sample, settings)).toMatchObject({
      kind: 'fail',
      reasons: ["5xx 0.80% exceeds bare metal's probe sample 0.10% by more than 0.50%"],
    });
  });

  it('fails when p99 regresses against bare metal even under the absolute limit', () => {
    expect(analyse({ ...healthy, p99Seconds: value(1.2) }, sample, settings)).toMatchObject({
      kind: 'fail',
      reasons: ["p99 1.20s is 2.4× bare metal's probe sample 300ms (≤500ms in envoy's buckets) (max 2×)"],
    });
  });

  it('compares the exact probe p99 at the envoy bucket bound it would have been counted under', () => {
    const sampled: Baseline = { ...sample, p99Seconds: 0.11 };
    expect(analyse({ ...healthy, p99Seconds: value(0.351) }, sampled, settings).kind).toBe('pass');
    expect(analyse({ ...healthy, p99Seconds: value(0.6) }, sampled, settings)).toMatchObject({ kind: 'fail', reasons: ["p99 600ms is 2.4× bare metal's probe sample 110ms (≤250ms in envoy's buckets) (max 2×)"] });
  });

  it("does not judge the ratio under 100 ms, where envoy's buckets and the exact probe times differ by measurement alone", () => {
    const fast: Baseline = { ...sample, p99Seconds: 0.021 };
    expect(analyse({ ...healthy, p99Seconds: value(0.048) }, fast, settings).kind).toBe('pass');
    expect(analyse({ ...healthy, p99Seconds: value(0.15) }, fast, settings)).toMatchObject({ kind: 'fail', reasons: ["p99 150ms is 6.0× bare metal's probe sample 21ms (≤25ms in envoy's buckets) (max 2×)"] });
  });

  it('treats missing data as inconclusive by default, never as a pass', () => {
    const verdict = analyse({ errorRatio: noData, p99Seconds: noData, requestRate: noData }, sample, settings);
    expect(verdict.kind).toBe('inconclusive');
  });

  it('honours a per-metric no-data policy', () => {
    const strict = analysisSettingsSchema.parse({ error_ratio: { on_no_data: 'fail' } });
    expect(analyse({ ...healthy, errorRatio: noData }, sample, strict)).toMatchObject({ kind: 'fail', reasons: ['5xx: no data (empty vector)'] });
    const lax = analysisSettingsSchema.parse({ error_ratio: { on_no_data: 'pass' } });
    expect(analyse({ ...healthy, errorRatio: noData }, sample, lax).kind).toBe('pass');
  });

  it('is inconclusive under the minimum-traffic floor instead of passing or rolling back', () => {
    expect(analyse({ ...healthy, requestRate: value(0.2) }, sample, settings)).toMatchObject({ kind: 'inconclusive' });
  });

  it('says plainly when no comparison with bare metal can be made, and judges on the absolute limits only', () => {
    const none = noBaseline('no bare-metal host accepts connections on 6543 in eqiad');
    // 0.8% would fail against a 0.1% baseline; with none it is under the absolute 1% and passes, saying so.
    expect(analyse({ ...healthy, errorRatio: value(0.008), p99Seconds: value(0.9) }, none, settings)).toEqual({
      kind: 'pass',
      summary: '5xx 0.80% · p99 900ms · 50 req/s on k8s · comparison with bare metal cannot be made: no bare-metal host accepts connections on 6543 in eqiad; judged on absolute limits only',
    });
    expect(analyse({ ...healthy, errorRatio: value(0.2) }, none, settings)).toMatchObject({ kind: 'fail', reasons: ['5xx 20.0% > max 1.0%'] });
  });

  it('does not compare with too few probe requests', () => {
    const few: Baseline = { kind: 'probe-sample', requests: MIN_BASELINE_PROBES - 1, failed: 0, p99Seconds: 0.1, hosts: 1 };
    expect(compareWithBaseline(few)).toEqual({ comparable: false, why: `only 19 probe requests to bare metal (at least ${MIN_BASELINE_PROBES} needed)`, words: `comparison with bare metal cannot be made: only 19 probe requests to bare metal (at least ${MIN_BASELINE_PROBES} needed)` });
    expect(analyse({ ...healthy, p99Seconds: value(0.9) }, few, settings).kind).toBe('pass');
  });

  it('shows a p99 past the largest bucket as a lower bound', () => {
    const verdict = analyse({ ...healthy, p99Seconds: { kind: 'value', value: 2.5, atLeast: true } }, sample, settings);
    expect(verdict).toMatchObject({ kind: 'fail', reasons: ['p99 ≥ 2.50s > max 1.50s'] });
    expect(describeHealth({ ...healthy, p99Seconds: { kind: 'value', value: 2.5, atLeast: true } }, sample)).toContain('p99 ≥ 2.50s');
  });
});
