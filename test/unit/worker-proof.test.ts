/**
 * When a worker counts as capacity (core/policy/worker-proof.ts): only after an unbroken run of
 * real-traffic checks as long as proveMs, and only while the latest check still passes. A single
 * good probe right after pooling proved nothing on 2025-02-17.
 */
import { describe, expect, it } from 'vitest';
import { markProven, newWorkerRecord, proofOf, recordCheck, workerRecordSchema, type WorkerRecord } from '../../core/policy/worker-proof.js';

const FQDN = 'wikikube-worker1001.eqiad.wmnet';
const T0 = Date.UTC(2025, 1, 17, 12, 49, 0);
const PROVE_MS = 60_000;
const SERVES = 'wikikube-worker1001 serves real requests: probes 2/2 · VIP 2/2 ok · k8s 5xx 0.05% at 100 req/s';
const FAILS = 'wikikube-worker1001 fails real requests: probes 0/3 (503 ×3) · VIP 2/3 ok (503 ×1) · k8s 5xx 100.0% at 40 req/s';
const QUIET = 'wikikube-worker1001: probes 2/2, but k8s traffic 0.4 req/s is under the floor of 1 req/s · k8s 5xx 0.00% at 0.4 req/s';

/** Folds checks in order: [offset from T0 in ms, verdict]. */
function run(record: WorkerRecord, checks: readonly [number, 'serving' | 'failing' | 'inconclusive'][]): WorkerRecord {
  const summary = { serving: SERVES, failing: FAILS, inconclusive: QUIET };
  return checks.reduce((current, [offset, verdict]) => recordCheck(current, verdict, summary[verdict], T0 + offset, PROVE_MS), record);
}

describe('newWorkerRecord', () => {
  it('knows only when it was pooled, and by whom when cutover did it', () => {
    expect(newWorkerRecord(FQDN, T0)).toEqual({ fqdn: FQDN, pooledSince: T0 });
    const by = { by: 'alice', requestId: 'k7qm', task: 'T378944', transport: 'irc', channel: '#wikimedia-operations' };
    expect(newWorkerRecord(FQDN, T0, by)).toEqual({ fqdn: FQDN, pooledSince: T0, pooledBy: by });
  });
});

describe('proofOf', () => {
  it('a worker without a record, or without a check, is unchecked', () => {
    expect(proofOf(undefined, T0, PROVE_MS)).toEqual({ kind: 'unchecked', summary: 'not checked with real requests yet' });
    expect(proofOf(newWorkerRecord(FQDN, T0 - 3_600_000), T0, PROVE_MS)).toEqual({ kind: 'unchecked', summary: 'not checked with real requests yet' });
  });

  it('one passing check right after pooling starts the run, and says how far it has got with the numbers', () => {
    const record = run(newWorkerRecord(FQDN, T0), [[0, 'serving']]);
    expect(record).toEqual({ fqdn: FQDN, pooledSince: T0, servingSince: T0, lastCheck: { at: T0, verdict: 'serving', summary: SERVES } });
    expect(proofOf(record, T0, PROVE_MS)).toEqual({ kind: 'serving', remainingMs: 60_000, summary: `${SERVES}; serving for 0s of the 1m that prove it` });
    expect(proofOf(record, T0 + 45_000, PROVE_MS)).toEqual({ kind: 'serving', remainingMs: 15_000, summary: `${SERVES}; serving for 45s of the 1m that prove it` });
  });

  it('being pooled a long time proves nothing: the run starts at the first passing check', () => {
    const record = run(newWorkerRecord(FQDN, T0 - 3_600_000), [[0, 'serving']]);
    expect(record.servingSince).toBe(T0);
    expect(proofOf(record, T0, PROVE_MS).kind).toBe('serving');
  });

  it('proven once a check lands proveMs after the run began; not a millisecond earlier', () => {
    const almost = run(newWorkerRecord(FQDN, T0), [[0, 'serving'], [30_000, 'serving'], [59_999, 'serving']]);
    expect(almost.provenAt).toBeUndefined();
    expect(proofOf(almost, T0 + 59_999, PROVE_MS)).toMatchObject({ kind: 'serving', remainingMs: 1 });
    const proven = recordCheck(almost, 'serving', SERVES, T0 + 60_000, PROVE_MS);
    expect(proven).toMatchObject({ servingSince: T0, provenAt: T0 + 60_000 });
    expect(proofOf(proven, T0 + 60_000, PROVE_MS)).toEqual({ kind: 'proven', summary: SERVES });
  });

  it('time alone does not prove: the run is proven by a check, so until one lands the worker stays "serving" at 0 remaining', () => {
    const record = run(newWorkerRecord(FQDN, T0), [[0, 'serving']]);
    expect(proofOf(record, T0 + 10 * PROVE_MS, PROVE_MS)).toEqual({ kind: 'serving', remainingMs: 0, summary: `${SERVES}; serving for 10m of the 1m that prove it` });
  });
});

describe('a failure resets the run and the proof', () => {
  it('a proven worker that fails is failing, with the numbers, and must serve a whole proveMs again', () => {
    const proven = run(newWorkerRecord(FQDN, T0), [[0, 'serving'], [60_000, 'serving']]);
    const failed = recordCheck(proven, 'failing', FAILS, T0 + 65_000, PROVE_MS);
    expect(failed).toEqual({ fqdn: FQDN, pooledSince: T0, lastCheck: { at: T0 + 65_000, verdict: 'failing', summary: FAILS } });
    expect(proofOf(failed, T0 + 65_000, PROVE_MS)).toEqual({ kind: 'failing', summary: FAILS });

    const again = run(failed, [[70_000, 'serving'], [125_000, 'serving']]);
    expect(again.servingSince).toBe(T0 + 70_000);
    expect(proofOf(again, T0 + 125_000, PROVE_MS)).toMatchObject({ kind: 'serving', remainingMs: 5_000 });
    expect(proofOf(recordCheck(again, 'serving', SERVES, T0 + 130_000, PROVE_MS), T0 + 130_000, PROVE_MS).kind).toBe('proven');
  });

  it('a failure in the middle of a run starts it over', () => {
    const record = run(newWorkerRecord(FQDN, T0), [[0, 'serving'], [40_000, 'failing'], [45_000, 'serving'], [65_000, 'serving']]);
    expect(record.servingSince).toBe(T0 + 45_000);
    expect(record.provenAt).toBeUndefined();
  });
});

describe('inconclusive keeps the history but is never "proven now"', () => {
  it('a proven worker whose latest check is inconclusive is inconclusive; a passing check makes it proven again', () => {
    const proven = run(newWorkerRecord(FQDN, T0), [[0, 'serving'], [60_000, 'serving']]);
    const quiet = recordCheck(proven, 'inconclusive', QUIET, T0 + 65_000, PROVE_MS);
    expect(quiet).toMatchObject({ servingSince: T0, provenAt: T0 + 60_000, lastCheck: { at: T0 + 65_000, verdict: 'inconclusive', summary: QUIET } });
    expect(proofOf(quiet, T0 + 65_000, PROVE_MS)).toEqual({ kind: 'inconclusive', summary: QUIET });
    const back = recordCheck(quiet, 'serving', SERVES, T0 + 70_000, PROVE_MS);
    expect(proofOf(back, T0 + 70_000, PROVE_MS)).toEqual({ kind: 'proven', summary: SERVES });
  });

  it('an inconclusive check inside a run neither ends nor starts it', () => {
    const record = run(newWorkerRecord(FQDN, T0), [[0, 'serving'], [30_000, 'inconclusive'], [60_000, 'serving']]);
    expect(record).toMatchObject({ servingSince: T0, provenAt: T0 + 60_000 });
    const onlyQuiet = run(newWorkerRecord(FQDN, T0), [[0, 'inconclusive'], [90_000, 'inconclusive']]);
    expect(onlyQuiet.servingSince).toBeUndefined();
    expect(proofOf(onlyQuiet, T0 + 90_000, PROVE_MS)).toEqual({ kind: 'inconclusive', summary: QUIET });
  });
});

describe('recordCheck keeps what it does not own', () => {
  it('who pooled the worker and what was last announced survive every verdict', () => {
    const by = { by: 'alice', requestId: 'k7qm', task: 'T378944' };
    const record: WorkerRecord = { ...newWorkerRecord(FQDN, T0, by), announced: 'inconclusive' };
    for (const verdict of ['serving', 'failing', 'inconclusive'] as const) {
      expect(recordCheck(record, verdict, 'x', T0, PROVE_MS)).toMatchObject({ pooledBy: by, announced: 'inconclusive', pooledSince: T0 });
    }
  });

  it('every record it produces is one the Redis store accepts', () => {
    const record = run(newWorkerRecord(FQDN, T0, { by: 'alice' }), [[0, 'serving'], [30_000, 'inconclusive'], [60_000, 'serving'], [61_000, 'failing']]);
    expect(workerRecordSchema.parse(record)).toEqual(record);
  });
});

describe('markProven: the plan soak proved it', () => {
  it('proves a worker without a history at once, and marks it announced so the guard does not say it twice', () => {
    const record = markProven(newWorkerRecord(FQDN, T0), 'soak: 5xx 0.05% over 15m, probes 30/30', T0 + 1_000);
    expect(record).toEqual({
      fqdn: FQDN,
      pooledSince: T0,
      servingSince: T0 + 1_000,
      provenAt: T0 + 1_000,
      lastCheck: { at: T0 + 1_000, verdict: 'serving', summary: 'soak: 5xx 0.05% over 15m, probes 30/30' },
      announced: 'proven',
    });
    expect(proofOf(record, T0 + 1_000, PROVE_MS)).toEqual({ kind: 'proven', summary: 'soak: 5xx 0.05% over 15m, probes 30/30' });
  });

  it('keeps the run and the proof the guard already recorded', () => {
    const proven = run(newWorkerRecord(FQDN, T0), [[0, 'serving'], [60_000, 'serving']]);
    expect(markProven(proven, 'soak ok', T0 + 90_000)).toMatchObject({ servingSince: T0, provenAt: T0 + 60_000 });
  });
});
