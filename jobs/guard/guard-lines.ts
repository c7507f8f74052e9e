import { foldFqdns, foldHosts } from '../../core/nodeset.js';
import type { WorkerRecord } from '../../core/policy/worker-proof.js';
import type { PoolState } from '../../core/pool-state.js';
import { pushTo } from '../../core/push-to.js';
import type { CheckedWorker } from './worker-proofs.js';

/** One worker the guard depooled in this look, verified. */
export interface Depooled {
  worker: CheckedWorker;
  before: PoolState;
  after: PoolState;
  arithmetic: string | undefined;
}

/** What the guard says about one group of workers: the channel line and, for changes, the `!log` parts. */
export interface GuardLine {
  /** The record the line is about (the first of its group): where it is said, and who pooled it. */
  record: WorkerRecord;
  text: string;
  /** Stable per group, for the outbox's dedupe. */
  key: string;
  log?: { what: string; why: string; records: WorkerRecord[] };
}

/**
 * Workers that read the same (same headline, same channel, same person who pooled them) share one
 * line with their names folded: a 50-worker wave costs a line, not fifty (IRC gives a line a second).
 */
function groups<T extends { worker: CheckedWorker }>(items: readonly T[]): T[][] {
  const byKey = new Map<string, T[]>();
  for (const item of items) {
    const { record } = item.worker;
    const headline = record.lastCheck?.headline ?? item.worker.summary;
    pushTo(byKey, [headline, record.pooledBy?.transport, record.pooledBy?.channel, record.pooledBy?.by].join('\u0000'), item);
  }
  return [...byKey.values()];
}

function short(fqdn: string): string {
  return fqdn.split('.')[0] ?? fqdn;
}

function names(workers: readonly CheckedWorker[]): string {
  return foldHosts(workers.map((worker) => short(worker.fqdn)));
}

export function depoolLines(where: string, depooled: readonly Depooled[]): GuardLine[] {
  return groups(depooled).map((group) => {
    const first = group[0] as Depooled;
    const workers = group.map((item) => item.worker);
    const fqdns = foldFqdns(workers.map((worker) => worker.fqdn));
    const around = first.worker.around === undefined ? '' : ` · ${first.worker.around}`;
    const why = workers.length === 1 ? first.worker.summary : `${names(workers)} fail real requests: ${first.worker.record.lastCheck?.headline ?? ''} each${around}`;
    return {
      record: first.worker.record,
      text: `⏪ guard depooled ${names(workers)} from ${where}, verified: ${workers.length === 1 ? first.worker.summary : why} · ${group.at(-1)?.arithmetic ?? ''}`.trim().replace(/ ·$/, ''),
      key: `depool-${fqdns}-${first.worker.record.pooledSince}`,
      log: { what: `conftool ${fqdns} ${where}: pooled=${first.before.pooled} → ${first.after.pooled} weight=${first.after.weight}`, why: `guard: ${why}`, records: workers.map((worker) => worker.record) },
    };
  });
}

export function announcementLines(kind: 'proven' | 'inconclusive', where: string, proveFor: string, workers: readonly CheckedWorker[]): GuardLine[] {
  return groups(workers.map((worker) => ({ worker }))).map((group) => {
    const members = group.map((item) => item.worker);
    const first = members[0] as CheckedWorker;
    const one = members.length === 1;
    const headline = first.record.lastCheck?.headline ?? first.summary;
    const text =
      kind === 'proven'
        ? `✅ ${names(members)} ${one ? 'is' : 'are'} proven in ${where}: real requests served for ${proveFor} without a failure · ${one ? first.summary : `${headline} each`}`
        : `❔ inconclusive, not proven: ${one ? first.summary : `${names(members)}: ${headline}${first.around === undefined ? '' : ` · ${first.around}`}`} in ${where}; ${one ? 'it is' : 'they are'} not counted as capacity until real traffic shows ${one ? 'it' : 'them'} serving`;
    return { record: first.record, text, key: `${kind}-${foldFqdns(members.map((worker) => worker.fqdn))}-${first.record.pooledSince}-${first.record.lastCheck?.at ?? 0}` };
  });
}
