import * as z from 'zod';
import { formatDuration } from '../durations.js';

/**
 * What real traffic has shown of one worker in one pool, kept by the guard in Redis. A worker is
 * capacity only once it has served real requests through the VIP path for a while and still
 * does: pybal "up" proved nothing on 2025-02-17.
 */
export const workerRecordSchema = z.strictObject({
  fqdn: z.string(),
  /** When cutover first saw it pooled=yes (its own write, or the guard noticing a confctl change). */
  pooledSince: z.number(),
  /** Who pooled it, when cutover did; absent means it was pooled outside the bot. */
  pooledBy: z
    .strictObject({
      by: z.string(),
      requestId: z.string().optional(),
      task: z.string().optional(),
      reason: z.string().optional(),
      /** Where it was asked for: the guard speaks about this worker there. */
      transport: z.string().optional(),
      channel: z.string().optional(),
    })
    .optional(),
  /** Start of the current run of passing checks; a failure ends it, an inconclusive check does not (see recordCheck). */
  servingSince: z.number().optional(),
  provenAt: z.number().optional(),
  /** `headline`: the few words with numbers that `status` shows (e.g. `probes 0/2 (503 ×2)`), so nobody re-parses the summary. */
  lastCheck: z.strictObject({ at: z.number(), verdict: z.enum(['serving', 'failing', 'inconclusive']), summary: z.string(), headline: z.string().optional() }).optional(),
  /** The verdict last said in the channel, so each change is said once and not every few seconds. */
  announced: z.enum(['serving', 'failing', 'inconclusive', 'proven', 'outside']).optional(),
});
export type WorkerRecord = z.infer<typeof workerRecordSchema>;

export type CheckVerdict = NonNullable<WorkerRecord['lastCheck']>['verdict'];

export type WorkerProof =
  | { kind: 'proven'; summary: string }
  | { kind: 'serving'; summary: string; remainingMs: number }
  | { kind: 'failing'; summary: string; headline?: string }
  | { kind: 'inconclusive'; summary: string; headline?: string }
  | { kind: 'unchecked'; summary: string };

/** A worker cutover has just pooled: nothing about it is known yet. */
export function newWorkerRecord(fqdn: string, now: number, pooledBy?: WorkerRecord['pooledBy']): WorkerRecord {
  return { fqdn, pooledSince: now, ...(pooledBy === undefined ? {} : { pooledBy }) };
}

/**
 * Folds one check into the record. Proof needs an unbroken run of passing checks as long as
 * `proveMs`: a single good probe right after pooling is not "served real requests". A failure
 * ends the run and the proof; an inconclusive check (a metrics gap) ends neither, but while it is
 * the latest word the worker is not "proven now" (see proofOf).
 */
export function recordCheck(record: WorkerRecord, verdict: CheckVerdict, summary: string, now: number, proveMs: number, headline?: string): WorkerRecord {
  const lastCheck = { at: now, verdict, summary, ...(headline === undefined ? {} : { headline }) };
  if (verdict === 'failing') {
    const { servingSince: _run, provenAt: _proof, ...rest } = record;
    return { ...rest, lastCheck };
  }
  if (verdict === 'inconclusive') return { ...record, lastCheck };
  const servingSince = record.servingSince ?? now;
  const provenAt = record.provenAt ?? (now - servingSince >= proveMs ? now : undefined);
  return { ...record, servingSince, ...(provenAt === undefined ? {} : { provenAt }), lastCheck };
}

/** The plan's soak proved it (real-traffic checks and a clean soak): as good as the guard's run. */
export function markProven(record: WorkerRecord, summary: string, now: number): WorkerRecord {
  // The plan said so in its own "done" line: the guard need not announce it again.
  return { ...record, servingSince: record.servingSince ?? now, provenAt: record.provenAt ?? now, lastCheck: { at: now, verdict: 'serving', summary }, announced: 'proven' };
}

export function proofOf(record: WorkerRecord | undefined, now: number, proveMs: number): WorkerProof {
  const check = record?.lastCheck;
  if (record === undefined || check === undefined) return { kind: 'unchecked', summary: 'not checked with real requests yet' };
  const headline = check.headline === undefined ? {} : { headline: check.headline };
  if (check.verdict === 'failing') return { kind: 'failing', summary: check.summary, ...headline };
  if (check.verdict === 'inconclusive') return { kind: 'inconclusive', summary: check.summary, ...headline };
  if (record.provenAt !== undefined) return { kind: 'proven', summary: check.summary };
  const served = now - (record.servingSince ?? now);
  return {
    kind: 'serving',
    remainingMs: Math.max(0, proveMs - served),
    summary: `${check.summary}; serving for ${formatDuration(served)} of the ${formatDuration(proveMs)} that prove it`,
  };
}
