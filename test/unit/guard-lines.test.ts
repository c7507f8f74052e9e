import { describe, expect, it } from 'vitest';
import { newWorkerRecord, recordCheck } from '../../core/policy/worker-proof.js';
import { announcementLines, depoolLines } from '../../jobs/guard/guard-lines.js';
import type { CheckedWorker } from '../../jobs/guard/worker-proofs.js';

const NOW = Date.UTC(2025, 1, 17, 12, 49);
const AROUND = 'VIP 2/3 ok (503 ×1) · k8s 5xx 100.0% at 200 req/s';

function failing(number: number, by = 'alice', requestId = `r${number}`): CheckedWorker {
  const fqdn = `wikikube-worker${number}.eqiad.wmnet`;
  const summary = `wikikube-worker${number} fails real requests: probes 0/3 (503 ×3) · ${AROUND}`;
  const pooled = newWorkerRecord(fqdn, NOW, { by, requestId, task: 'T386648', transport: 'irc', channel: '#wikimedia-operations' });
  return { fqdn, verdict: 'failing', summary, around: AROUND, record: recordCheck(pooled, 'failing', summary, NOW, 60_000, 'probes 0/3 (503 ×3)') };
}

const depooled = (worker: CheckedWorker) => ({ worker, before: { pooled: 'yes' as const, weight: 10 }, after: { pooled: 'no' as const, weight: 10 }, arithmetic: 'after: 6 serving of 10 counted' });

describe('the guard speaks in as few lines as read the same (IRC gives a line a second)', () => {
  it('one worker: its own summary, unchanged', () => {
    const [line, ...rest] = depoolLines('kartotherian-k8s-ssl (eqiad)', [depooled(failing(1001))]);
    expect(rest).toEqual([]);
    expect(line?.text).toBe(`⏪ guard depooled wikikube-worker1001 from kartotherian-k8s-ssl (eqiad), verified: wikikube-worker1001 fails real requests: probes 0/3 (503 ×3) · ${AROUND} · after: 6 serving of 10 counted`);
    expect(line?.log?.what).toBe('conftool wikikube-worker1001.eqiad.wmnet kartotherian-k8s-ssl (eqiad): pooled=yes → no weight=10');
  });

  it('fifty workers failing alike in one look: one ⏪ line and one !log, names folded, figures said once', () => {
    const workers = Array.from({ length: 50 }, (_, index) => failing(1001 + index));
    const lines = depoolLines('kartotherian-k8s-ssl (eqiad)', workers.map(depooled));
    expect(lines).toHaveLength(1);
    expect(lines[0]?.text).toBe(`⏪ guard depooled wikikube-worker[1001-1050] from kartotherian-k8s-ssl (eqiad), verified: wikikube-worker[1001-1050] fail real requests: probes 0/3 (503 ×3) each · ${AROUND} · after: 6 serving of 10 counted`);
    expect(lines[0]?.log?.what).toBe('conftool wikikube-worker[1001-1050].eqiad.wmnet kartotherian-k8s-ssl (eqiad): pooled=yes → no weight=10');
    expect(lines[0]?.log?.records).toHaveLength(50);
  });

  it('workers pooled by different people keep their own lines: each line names whom it concerns', () => {
    const lines = depoolLines('kartotherian-k8s-ssl (eqiad)', [depooled(failing(1001, 'alice')), depooled(failing(1002, 'bob')), depooled(failing(1003, 'alice'))]);
    expect(lines.map((line) => line.log?.what)).toEqual([
      'conftool wikikube-worker[1001,1003].eqiad.wmnet kartotherian-k8s-ssl (eqiad): pooled=yes → no weight=10',
      'conftool wikikube-worker1002.eqiad.wmnet kartotherian-k8s-ssl (eqiad): pooled=yes → no weight=10',
    ]);
  });

  it('inconclusive workers of one look share a line with the figures once', () => {
    const workers = [1001, 1002, 1003].map((number) => {
      const fqdn = `wikikube-worker${number}.eqiad.wmnet`;
      const summary = `wikikube-worker${number}: probes 2/2, but k8s traffic 0.0 req/s is under the floor of 1 req/s · k8s 5xx no data at 0.0 req/s`;
      const headline = 'k8s traffic 0.0 req/s under the floor of 1 req/s';
      return { fqdn, verdict: 'inconclusive' as const, summary, around: 'VIP 2/2 ok · k8s 5xx no data at 0.0 req/s', record: recordCheck(newWorkerRecord(fqdn, NOW), 'inconclusive', summary, NOW, 60_000, headline) };
    });
    expect(announcementLines('inconclusive', 'kartotherian-k8s-ssl (eqiad)', '5m', workers).map((line) => line.text)).toEqual([
      '❔ inconclusive, not proven: wikikube-worker[1001-1003]: k8s traffic 0.0 req/s under the floor of 1 req/s · VIP 2/2 ok · k8s 5xx no data at 0.0 req/s in kartotherian-k8s-ssl (eqiad); they are not counted as capacity until real traffic shows them serving',
    ]);
  });
});
