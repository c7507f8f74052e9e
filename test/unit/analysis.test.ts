import { describe, expect, it } from 'vitest';
import { analyse, analysisSettingsSchema, type GroupReadings, type Reading } from '../../core/plan/analysis.js';

const settings = analysisSettingsSchema.parse({});
const value = (v: number): Reading => ({ kind: 'value', value: v });
const noData: Reading = { kind: 'no-data', reason: 'empty vector' };
const healthy: GroupReadings = { errorRatio: value(0.001), p99Seconds: value(0.3), requestRate: value(50) };

describe('analyse', () => {
  it('passes a healthy k8s group and shows the numbers', () => {
    const verdict = analyse(healthy, healthy, settings);
    expect(verdict).toEqual({ kind: 'pass', summary: '5xx 0.10% (bare metal 0.10%) · p99 300ms (bare metal 300ms) · 50 req/s on k8s' });
  });

  it('fails on absolute 5xx and on 5xx relative to bare metal', () => {
    expect(analyse({ ...healthy, errorRatio: value(0.2) }, healthy, settings)).toMatchObject({ kind: 'fail', reasons: ['5xx 20.0% > max 1.0%'] });
    expect(analyse({ ...healthy, errorRatio: value(0.008) }, healthy, settings)).toMatchObject({
      kind: 'fail',
      reasons: ['5xx 0.80% exceeds bare metal 0.10% by more than 0.50%'],
    });
  });

  it('fails when p99 regresses against bare metal even under the absolute limit', () => {
    expect(analyse({ ...healthy, p99Seconds: value(0.9) }, healthy, settings)).toMatchObject({
      kind: 'fail',
      reasons: ['p99 900ms is 3.0× bare metal 300ms (max 2×)'],
    });
  });

  it('treats missing data as inconclusive by default, never as a pass', () => {
    const verdict = analyse({ errorRatio: noData, p99Seconds: noData, requestRate: noData }, healthy, settings);
    expect(verdict.kind).toBe('inconclusive');
  });

  it('honours a per-metric no-data policy', () => {
    const strict = analysisSettingsSchema.parse({ error_ratio: { on_no_data: 'fail' } });
    expect(analyse({ ...healthy, errorRatio: noData }, healthy, strict)).toMatchObject({ kind: 'fail', reasons: ['5xx: no data (empty vector)'] });
    const lax = analysisSettingsSchema.parse({ error_ratio: { on_no_data: 'pass' } });
    expect(analyse({ ...healthy, errorRatio: noData }, healthy, lax).kind).toBe('pass');
  });

  it('is inconclusive under the minimum-traffic floor instead of passing or rolling back', () => {
    expect(analyse({ ...healthy, requestRate: value(0.2) }, healthy, settings)).toMatchObject({ kind: 'inconclusive' });
  });
});
