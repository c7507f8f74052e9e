import type { PoolingBackend } from '../../core/ports/pooling.js';
import type { RequestStore } from '../../core/ports/stores.js';
import { conftoolPath, type SetPooledAction } from '../../core/actions.js';
import { CutoverError } from '../../core/errors.js';
import type { PoolRef } from '../../core/inventory.js';
import { foldFqdns } from '../../core/nodeset.js';
import { type JournalEntry, type Located, type PlanRun } from '../../core/plan/run-state.js';
import { samePoolState, type PoolState } from '../../core/pool-state.js';
import { pushTo } from '../../core/push-to.js';
import type { PoolWriter } from '../pool-writer.js';
import type { PlanContext } from './plan-context.js';
import type { HostSilences } from './host-silences.js';
import { appendEntry, settleEntry } from './journal-writes.js';
import type { PlanNarration } from './plan-narration.js';

export interface PlanJournalDeps {
  context: PlanContext;
  narration: Pick<PlanNarration, 'sal' | 'rolledBackBy'>;
  writer: Pick<PoolWriter, 'write'>;
  requests: Pick<RequestStore, 'get'>;
  silences: Pick<HostSilences, 'expire'>;
}

type Intent = Omit<JournalEntry, 'seq' | 'at' | 'status' | 'detail'>;

/**
 * A bare-metal host's Alertmanager silence, taken when the plan depools it (target: its FQDN),
 * done while it holds and reverted once expired on repool, rollback or emergency stop. Not a
 * conftool write: compensation, drift and restart settling pass it by.
 */
export type SilenceEntry = JournalEntry & { kind: 'silence'; silenceId: string };

/**
 * The plan's write-ahead journal, a saga log: each change is written as intent before it
 * happens and settled after, so a restart knows what was done; its conftool writes are the
 * compensation stack a rollback unwinds.
 */
export class PlanJournal {
  constructor(private readonly deps: PlanJournalDeps) {}

  forStep(run: PlanRun, here: Located): JournalEntry[] {
    return run.journal.filter((entry) => entry.dc === here.dc && entry.stepId === here.step.id && entry.wave === here.wave);
  }

  /** The plan's conftool writes still in place, newest first: what a rollback would undo. */
  revertible(run: PlanRun): JournalEntry[] {
    return run.journal.filter((entry) => entry.kind === 'set-pooled' && entry.status === 'done').reverse();
  }

  /** What undoing `entry` writes, as a preview and a rollback request show it. */
  revertLine(entry: JournalEntry): string {
    return `conftool ${entry.target} ${JSON.stringify(entry.to)} → ${JSON.stringify(entry.from)}`;
  }

  /** The change this step already made to `target` (a replay after a crash finds it done). */
  async doneAt(here: Located, target: string): Promise<JournalEntry | undefined> {
    // A silence's target is a host name, which a puppet step's cumin selector may be too.
    return this.forStep(await this.deps.context.run(), here).find((entry) => entry.kind !== 'silence' && entry.target === target && entry.status === 'done');
  }

  /** Runs `act` between an intent entry and its outcome: done with what it returned, or failed with its error. */
  async track(intent: Intent, act: () => Promise<string>): Promise<string> {
    const seq = await this.record({ ...intent, detail: '', status: 'intent' });
    try {
      const detail = await act();
      await this.settle(seq, 'done', detail);
      return detail;
    } catch (error) {
      await this.settle(seq, 'failed', error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  /** The pool as this request found it: live state, with the writes it has made so far undone. */
  poolAsBeforeRequest(run: PlanRun, here: Located, requestId: string): Pick<PoolingBackend, 'listPool'> {
    const before = new Map<string, PoolState>();
    for (const entry of this.forStep(run, here)) {
      if (entry.requestId !== requestId || entry.kind !== 'set-pooled' || entry.from === undefined || before.has(entry.target)) continue;
      if (entry.status === 'done' || entry.status === 'intent') before.set(entry.target, entry.from);
    }
    const { pooling } = this.deps.context;
    return {
      listPool: async (pool) => (await pooling.listPool(pool)).map((entry) => {
        const state = before.get(entry.path);
        return state === undefined ? entry : { ...entry, state };
      }),
    };
  }

  /**
   * Reverts this step's conftool writes, newest first, and only where they are still what we
   * wrote: the saga's compensation stack, unwound through the one writer and its policy.
   */
  async compensate(here: Located, why: string): Promise<string[]> {
    const { context } = this.deps;
    const run = await context.run();
    const reverted: string[] = [];
    const revertedTo = new Map<string, string[]>();
    const entries = this.forStep(run, here).filter((entry) => entry.kind === 'set-pooled' && entry.status === 'done' && entry.from !== undefined && entry.to !== undefined).reverse();
    try {
      for (const entry of entries) {
        if (entry.from === undefined || entry.to === undefined) continue;
        const { pool, fqdn } = this.keyOf(entry.target, here.dc);
        const action: SetPooledAction = { kind: 'set-pooled', verb: entry.from.pooled === 'yes' ? 'pool' : 'depool', service: context.service, pool, fqdn, changes: { ...entry.from } };
        const result = await this.deps.writer.write({ action, expect: { state: entry.to }, onMismatch: 'skip' }, 'rollback');
        if (result.outcome === 'skipped') continue;
        await this.settle(entry.seq, 'reverted');
        reverted.push(`${fqdn.split('.')[0]} → pooled=${entry.from.pooled}`);
        pushTo(revertedTo, entry.from.pooled, fqdn);
      }
    } finally {
      // Also when a revert fails half-way: what was reverted is logged.
      const request = run.requestId === undefined ? undefined : await this.deps.requests.get(run.requestId);
      const by = this.deps.narration.rolledBackBy(request);
      for (const [pooled, fqdns] of revertedTo) await this.deps.narration.sal(`rolled back ${foldFqdns(fqdns)} to pooled=${pooled} in ${here.dc} (${here.step.id}) - ${why} - ${by}`);
      // Bare metal serving again pages like any host: its silence ends now, not at its expiry.
      await this.deps.silences.expire(revertedTo.get('yes') ?? [], `back in: ${why}`);
    }
    return reverted;
  }

  /** After a restart: an intent entry becomes done or failed by what conftool holds now. */
  async settleIntents(): Promise<string[]> {
    const notes: string[] = [];
    const run = await this.deps.context.stored();
    if (run === undefined) return notes;
    for (const entry of run.journal.filter((candidate) => candidate.status === 'intent' && candidate.kind === 'set-pooled')) {
      const live = (await this.deps.context.pooling.get(entry.target))?.state;
      const status = samePoolState(live, entry.to) ? 'done' : samePoolState(live, entry.from) ? 'failed' : 'intent';
      if (status === 'intent') notes.push(`${entry.target} is neither what it was nor what the plan wrote: drift`);
      else await this.settle(entry.seq, status);
      notes.push(`journal ${entry.seq} ${entry.target}: ${status} after restart`);
    }
    return notes;
  }

  /** The plan's latest writes that conftool no longer holds: someone changed them outside the plan. */
  async drift(run: PlanRun): Promise<string[]> {
    const latest = new Map<string, JournalEntry>();
    for (const entry of run.journal) if (entry.kind === 'set-pooled' && entry.status === 'done') latest.set(entry.target, entry);
    const drift: string[] = [];
    for (const entry of latest.values()) {
      const live = (await this.deps.context.pooling.get(entry.target))?.state;
      if (entry.to !== undefined && !samePoolState(live, entry.to)) {
        drift.push(`${entry.target.slice(entry.target.lastIndexOf('/') + 1)} is pooled=${live?.pooled ?? 'absent'}, the plan set ${entry.to.pooled}`);
      }
    }
    return drift;
  }

  /** The guard depooled `fqdn`: if the plan pooled it, that entry is reverted. False when the plan did not pool it. */
  async guardDepooled(run: PlanRun, dc: string, fqdn: string, why: string): Promise<boolean> {
    const entry = [...run.journal].reverse().find((candidate) => candidate.kind === 'set-pooled' && candidate.dc === dc && candidate.target.endsWith(`/${fqdn}`) && candidate.status === 'done' && candidate.to?.pooled === 'yes');
    if (entry === undefined) return false;
    await this.settle(entry.seq, 'reverted', `${entry.detail} · depooled by the guard: ${why}`);
    return true;
  }

  private record(entry: Omit<JournalEntry, 'seq' | 'at'>): Promise<number> {
    return appendEntry(this.deps.context, entry);
  }

  private settle(seq: number, status: JournalEntry['status'], detail?: string): Promise<void> {
    return settleEntry(this.deps.context, seq, status, detail);
  }

  /** The pool and host a journal target names, from the inventory (never parsed into a write). */
  private keyOf(target: string, dc: string): { pool: PoolRef; fqdn: string } {
    const { inventory } = this.deps.context;
    const fqdn = target.slice(target.lastIndexOf('/') + 1);
    const names = [...inventory.workerLvsServices, ...inventory.lvsServiceNames];
    const lvsService = names.find((name) => conftoolPath(inventory.pool(name, dc), fqdn) === target);
    if (lvsService === undefined) throw new CutoverError('input.invalid', `The journal names ${target}, which no configured pool holds.`);
    return { pool: inventory.pool(lvsService, dc), fqdn };
  }
}
