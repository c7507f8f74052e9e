import { nextSeq, type JournalEntry } from '../../core/plan/run-state.js';
import type { PlanContext } from './plan-context.js';

type Store = Pick<PlanContext, 'update' | 'now'>;

/** Appends an entry after the journal's last, stamped now; its seq. How every room writes the journal. */
export async function appendEntry(context: Store, entry: Omit<JournalEntry, 'seq' | 'at'>): Promise<number> {
  let seq = 0;
  await context.update((current) => {
    seq = nextSeq(current);
    return { ...current, journal: [...current.journal, { ...entry, seq, at: context.now() }] };
  });
  return seq;
}

/** Sets an entry's outcome, and its detail when given. */
export async function settleEntry(context: Store, seq: number, status: JournalEntry['status'], detail?: string): Promise<void> {
  await context.update((current) => ({
    ...current,
    journal: current.journal.map((entry) => (entry.seq === seq ? { ...entry, status, ...(detail === undefined ? {} : { detail }) } : entry)),
  }));
}
