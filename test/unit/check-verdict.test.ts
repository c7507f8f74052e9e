/**
 * One worker's verdict from one round of real requests (core/policy/check-verdict.ts), with the
 * numbers behind it: a failed request is failing, passing probes without real traffic behind
 * them prove nothing.
 */
import { describe, expect, it } from 'vitest';
import { judgeWorkerCheck, type WorkerCheckInput } from '../../core/policy/check-verdict.js';

const FQDN = 'wikikube-worker1001.eqiad.wmnet';

function input(overrides: Partial<WorkerCheckInput> = {}): WorkerCheckInput {
  return {
    fqdn: FQDN,
    tally: { ok: 2, total: 2, failures: [] },
    vip: { ok: 3, total: 3, failures: [] },
    k8s: { requestRate: { kind: 'value', value: 100 }, errorRatio: { kind: 'value', value: 0.0005 } },
    minRequestRate: 1,
    ...overrides,
  };
}

describe('judgeWorkerCheck', () => {
  it('serving: every probe answered, with real traffic on k8s', () => {
    expect(judgeWorkerCheck(input())).toEqual({ verdict: 'serving', summary: 'wikikube-worker1001 serves real requests: probes 2/2 · VIP 3/3 ok · k8s 5xx 0.05% at 100 req/s', headline: 'probes 2/2' });
  });

  it('failing, with the status codes of the failed probes and of the VIP (2025-02-17: 503 to every real request)', () => {
    const verdict = judgeWorkerCheck(
      input({
        tally: { ok: 0, total: 3, failures: ['503 ×3'] },
        vip: { ok: 1, total: 3, failures: ['503 ×2'] },
        k8s: { requestRate: { kind: 'value', value: 40 }, errorRatio: { kind: 'value', value: 1 } },
      }),
    );
    expect(verdict).toEqual({ verdict: 'failing', summary: 'wikikube-worker1001 fails real requests: probes 0/3 (503 ×3) · VIP 1/3 ok (503 ×2) · k8s 5xx 100.0% at 40 req/s', headline: 'probes 0/3 (503 ×3)' });
  });

  it('one failed request of many is failing: the guard confirms before it acts, the verdict does not round it away', () => {
    expect(judgeWorkerCheck(input({ tally: { ok: 9, total: 10, failures: ['timeout ×1'] } }))).toEqual({
      verdict: 'failing',
      summary: 'wikikube-worker1001 fails real requests: probes 9/10 (timeout ×1) · VIP 3/3 ok · k8s 5xx 0.05% at 100 req/s', headline: 'probes 9/10 (timeout ×1)',
    });
  });

  it('a certificate lacking the public name fails even with no traffic to speak of (2025-02-19)', () => {
    const verdict = judgeWorkerCheck(input({ tally: { ok: 0, total: 2, failures: ['names ×2'] }, k8s: { requestRate: { kind: 'value', value: 0 }, errorRatio: { kind: 'no-data', reason: 'no series' } } }));
    expect(verdict).toEqual({ verdict: 'failing', summary: 'wikikube-worker1001 fails real requests: probes 0/2 (names ×2) · VIP 3/3 ok · k8s 5xx no data at 0.0 req/s', headline: 'probes 0/2 (names ×2)' });
  });

  it('inconclusive when the worker was not probed at all, or the round sent it nothing', () => {
    const expected = { verdict: 'inconclusive', summary: 'wikikube-worker1001: not probed · VIP 3/3 ok · k8s 5xx 0.05% at 100 req/s', headline: 'not probed' };
    expect(judgeWorkerCheck(input({ tally: undefined }))).toEqual(expected);
    expect(judgeWorkerCheck(input({ tally: { ok: 0, total: 0, failures: [] } }))).toEqual(expected);
  });

  it('inconclusive, never serving, when passing probes have too little real traffic behind them', () => {
    const verdict = judgeWorkerCheck(input({ k8s: { requestRate: { kind: 'value', value: 0.4 }, errorRatio: { kind: 'value', value: 0 } } }));
    expect(verdict).toEqual({
      verdict: 'inconclusive',
      summary: 'wikikube-worker1001: probes 2/2, but k8s traffic 0.4 req/s is under the floor of 1 req/s · k8s 5xx 0.00% at 0.4 req/s', headline: 'k8s traffic 0.4 req/s under the floor of 1 req/s',
    });
  });

  it('inconclusive when Prometheus has no request rate: a missing series is not zero and not a pass', () => {
    const verdict = judgeWorkerCheck(input({ k8s: { requestRate: { kind: 'no-data', reason: 'no series' }, errorRatio: { kind: 'no-data', reason: 'no series' } } }));
    expect(verdict).toEqual({ verdict: 'inconclusive', summary: 'wikikube-worker1001: probes 2/2, but k8s traffic no data is under the floor of 1 req/s · k8s 5xx no data at no data', headline: 'k8s traffic no data under the floor of 1 req/s' });
  });

  it('exactly at the traffic floor is enough', () => {
    expect(judgeWorkerCheck(input({ k8s: { requestRate: { kind: 'value', value: 5 }, errorRatio: { kind: 'value', value: 0 } }, minRequestRate: 5 })).verdict).toBe('serving');
    expect(judgeWorkerCheck(input({ k8s: { requestRate: { kind: 'value', value: 4.9 }, errorRatio: { kind: 'value', value: 0 } }, minRequestRate: 5 })).verdict).toBe('inconclusive');
  });

  it('VIP failures alone do not fail the worker: the VIP spreads requests over every pooled host', () => {
    const verdict = judgeWorkerCheck(input({ vip: { ok: 2, total: 3, failures: ['503 ×1'] } }));
    expect(verdict).toEqual({ verdict: 'serving', summary: 'wikikube-worker1001 serves real requests: probes 2/2 · VIP 2/3 ok (503 ×1) · k8s 5xx 0.05% at 100 req/s', headline: 'probes 2/2' });
  });
});
