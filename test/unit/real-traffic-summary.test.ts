import { describe, expect, it } from 'vitest';
import { tallyOf } from '../../adapters/probe-tally.js';
import type { ProbeTally, RealTrafficReport } from '../../core/ports/real-traffic.js';
import { realTrafficOutcome } from '../../adapters/real-traffic-outcome.js';
import { attemptsWithinLimit } from '../../adapters/real-traffic-request.js';
import { formatTally, summariseRealTraffic } from '../../adapters/real-traffic-summary.js';
import type { Reading } from '../../core/plan/analysis.js';

const value = (v: number): Reading => ({ kind: 'value', value: v });
const allOk = (total: number): ProbeTally => ({ ok: total, total, failures: [] });
const W1 = 'wikikube-worker1001.eqiad.wmnet';
const W2 = 'wikikube-worker1002.eqiad.wmnet';

function report(workers: Array<[string, ProbeTally]>, extra: Partial<RealTrafficReport> = {}): RealTrafficReport {
  return {
    dc: 'eqiad',
    lvsService: 'kartotherian-k8s-ssl',
    vip: allOk(3),
    workers: new Map(workers),
    k8s: { requestRate: value(800 / 7), errorRatio: value(0.0005) },
    ...extra,
  };
}

describe('tallyOf', () => {
  it('counts successes and lists failures most frequent first, ties by name', () => {
    expect(tallyOf(['ok', 'timeout', '503', 'names', '503', 'ok'])).toEqual({ ok: 2, total: 6, failures: ['503 ×2', 'names ×1', 'timeout ×1'] });
    expect(tallyOf(['ok', 'ok'])).toEqual({ ok: 2, total: 2, failures: [] });
  });
});

describe('formatTally', () => {
  it('shows ok/total and what the failures got', () => {
    expect(formatTally('wikikube-worker1001', { ok: 0, total: 3, failures: ['503 ×3'] })).toBe('wikikube-worker1001 probes 0/3 (503 ×3)');
    expect(formatTally('wikikube-worker1002', { ok: 1, total: 3, failures: ['names ×1', 'timeout ×1'] })).toBe('wikikube-worker1002 probes 1/3 (names ×1, timeout ×1)');
    expect(formatTally('VIP', allOk(3))).toBe('VIP probes 3/3');
  });
});

describe('summariseRealTraffic', () => {
  it('names each failing worker with its probes, then the VIP and the k8s numbers', () => {
    const line = summariseRealTraffic(
      report([[W1, { ok: 0, total: 3, failures: ['503 ×3'] }], [W2, allOk(3)]], { vip: { ok: 2, total: 3, failures: ['503 ×1'] }, k8s: { requestRate: value(114.3), errorRatio: value(1) } }),
    );
    expect(line).toBe('real requests fail on wikikube-worker1001 (probes 0/3: 503 ×3) · VIP 2/3 ok (503 ×1) · k8s 5xx 100.0% at 114 req/s');
  });

  it('sums the probes when no worker fails, and formats small numbers like the analysis does', () => {
    const line = summariseRealTraffic(report([[W1, allOk(3)], [W2, allOk(3)]], { k8s: { requestRate: value(4.25), errorRatio: value(0.0005) } }));
    expect(line).toBe('probes 6/6 ok · VIP 3/3 ok · k8s 5xx 0.05% at 4.3 req/s');
  });

  it('says when there are no metrics, with the reason', () => {
    const noData: Reading = { kind: 'no-data', reason: 'empty' };
    expect(summariseRealTraffic(report([[W1, allOk(3)]], { k8s: { requestRate: noData, errorRatio: noData } }))).toBe('probes 3/3 ok · VIP 3/3 ok · k8s: no data (empty)');
    const idle = summariseRealTraffic(report([[W1, allOk(3)]], { k8s: { requestRate: value(0), errorRatio: { kind: 'no-data', reason: 'no requests' } } }));
    expect(idle).toBe('probes 3/3 ok · VIP 3/3 ok · k8s 5xx no data at 0.0 req/s');
  });

  it('lists five failing workers and counts the rest', () => {
    const failing = Array.from({ length: 7 }, (_, index): [string, ProbeTally] => [`wikikube-worker100${index + 1}.eqiad.wmnet`, { ok: 0, total: 1, failures: ['refused ×1'] }]);
    expect(summariseRealTraffic(report(failing))).toMatch(/^real requests fail on (wikikube-worker100\d \(probes 0\/1: refused ×1\), ){5}\+2 more · VIP/);
  });
});

describe('realTrafficOutcome', () => {
  it('fails on any failed request, a worker or the VIP, with the numbers', () => {
    expect(realTrafficOutcome(report([[W1, { ok: 2, total: 3, failures: ['timeout ×1'] }]]))).toEqual({
      ok: false,
      summary: 'real requests fail on wikikube-worker1001 (probes 2/3: timeout ×1) · VIP 3/3 ok · k8s 5xx 0.05% at 114 req/s',
    });
    expect(realTrafficOutcome(report([[W1, allOk(3)]], { vip: { ok: 2, total: 3, failures: ['503 ×1'] } }))).toMatchObject({ ok: false, summary: 'probes 3/3 ok · VIP 2/3 ok (503 ×1) · k8s 5xx 0.05% at 114 req/s' });
    expect(realTrafficOutcome(report([]))).toMatchObject({ ok: false });
  });

  it('passes when every request succeeded and k8s carries traffic, keeping the words the README quotes', () => {
    expect(realTrafficOutcome(report([[W1, allOk(3)]]))).toEqual({
      ok: true,
      summary: 'wikikube-worker1001 served real requests via the VIP: probes 3/3 ok · VIP 3/3 ok · k8s 5xx 0.05% at 114 req/s',
    });
  });

  it('is inconclusive without metrics, without traffic, or under the floor, and says the numbers', () => {
    const noData: Reading = { kind: 'no-data', reason: 'no series' };
    expect(realTrafficOutcome(report([[W1, allOk(3)]], { k8s: { requestRate: noData, errorRatio: noData } }))).toEqual({
      ok: false,
      inconclusive: true,
      summary: 'wikikube-worker1001: probes 3/3 ok · VIP 3/3 ok · k8s: no data (no series); no metrics to confirm real traffic',
    });
    expect(realTrafficOutcome(report([[W1, allOk(3)]], { k8s: { requestRate: value(0), errorRatio: noData } }))).toMatchObject({ inconclusive: true, summary: expect.stringMatching(/at 0\.0 req\/s; k8s receives no traffic yet$/) as unknown });
    expect(realTrafficOutcome(report([[W1, allOk(3)]], { k8s: { requestRate: value(0.4), errorRatio: value(0) } }), { minRequestRate: 1 })).toMatchObject({
      ok: false,
      inconclusive: true,
      summary: expect.stringMatching(/k8s 5xx 0\.00% at 0\.4 req\/s; k8s traffic is under the floor of 1 req\/s$/) as unknown,
    });
  });
});

describe('attemptsWithinLimit', () => {
  it('keeps the wanted attempts unless that many workers would pass one round’s 500 requests', () => {
    expect(attemptsWithinLimit(4, 5)).toBe(5);
    expect(attemptsWithinLimit(292, 5)).toBe(1);
    expect(attemptsWithinLimit(0, 5)).toBe(5);
    expect(attemptsWithinLimit(10, 50)).toBe(20);
  });
});
