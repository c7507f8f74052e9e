import { describe, expect, it } from 'vitest';
import type { ChangeRecorder, RecordedChange } from '../../core/ports/change-records.js';
import type { AuditLog } from '../../core/ports/stores.js';
import { newWorkerRecord, type WorkerRecord } from '../../core/policy/worker-proof.js';
import { GuardVoice } from '../../jobs/guard/guard-voice.js';
import type { Notifier } from '../../jobs/notifier.js';

const NOW = Date.UTC(2025, 1, 17, 12, 49);
const POOL = { dc: 'eqiad', lvsService: 'kartotherian-k8s-ssl' };
const CHANNEL = { transport: 'irc', channel: '#wikimedia-operations' };

/** A voice whose records are kept; it never speaks here, so its notifier and audit are never called. */
function voice(task: string | undefined): { voice: GuardVoice; recorded: RecordedChange[] } {
  const recorded: RecordedChange[] = [];
  const records: ChangeRecorder = { record: async (change) => void recorded.push(change) };
  const unused = new Proxy({}, { get: () => () => Promise.reject(new Error('not expected here')) });
  return {
    recorded,
    voice: new GuardVoice({ service: 'kartotherian', notifier: unused as Notifier, audit: unused as AuditLog, fallback: async () => CHANNEL, task, clock: { now: () => NOW }, records }),
  };
}

function worker(number: number, pooledBy?: WorkerRecord['pooledBy']): WorkerRecord {
  return newWorkerRecord(`wikikube-worker${number}.eqiad.wmnet`, NOW, pooledBy);
}

describe("the guard's depools on the task and the dashboards", () => {
  it('fifty workers depooled in one look are one record, their names folded, with the repool command for each', async () => {
    const { voice: guard, recorded } = voice('T378944');
    const by = { by: 'alice', requestId: 'w4ve', task: 'T386648', ...CHANNEL };
    await guard.record(POOL, Array.from({ length: 50 }, (_, index) => worker(1001 + index, by)), 'guard depooled wikikube-worker[1001-1050] from kartotherian-k8s-ssl (eqiad), verified: probes 0/3 (503 ×3) each');
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      service: 'kartotherian',
      dc: 'eqiad',
      step: 'guard-depool',
      task: 'T386648',
      requestId: 'w4ve',
      replyTo: CHANNEL,
      time: NOW,
      text: 'guard depooled wikikube-worker[1001-1050] from kartotherian-k8s-ssl (eqiad), verified: probes 0/3 (503 ×3) each · pooled by alice in w4ve',
      undo: "!kartotherian pool HOST --service kartotherian-k8s-ssl --task T386648 repool after the guard's depool, for each HOST of wikikube-worker[1001-1050].eqiad.wmnet",
    });
  });

  it('a worker pooled outside cutover: the plan\'s task, and it says nobody in cutover pooled it', async () => {
    const { voice: guard, recorded } = voice('T378944');
    await guard.record(POOL, [worker(1003)], 'guard depooled wikikube-worker1003 from kartotherian-k8s-ssl (eqiad), verified: fails real requests');
    expect(recorded).toEqual([
      {
        service: 'kartotherian',
        dc: 'eqiad',
        step: 'guard-depool',
        task: 'T378944',
        requestId: undefined,
        replyTo: CHANNEL,
        time: NOW,
        text: 'guard depooled wikikube-worker1003 from kartotherian-k8s-ssl (eqiad), verified: fails real requests · pooled outside cutover',
        undo: "!kartotherian pool wikikube-worker1003.eqiad.wmnet --service kartotherian-k8s-ssl --task T378944 repool after the guard's depool",
      },
    ]);
  });

  it('a recorder that fails does not reach the guard', async () => {
    const failing: ChangeRecorder = { record: () => Promise.reject(new Error('Redis is gone')) };
    const unused = {} as Notifier;
    const guard = new GuardVoice({ service: 'kartotherian', notifier: unused, audit: {} as AuditLog, fallback: async () => CHANNEL, task: undefined, clock: { now: () => NOW }, records: failing });
    await expect(guard.record(POOL, [worker(1001)], 'guard depooled wikikube-worker1001')).resolves.toBeUndefined();
  });
});
