import type { PlanResumed } from '../../core/ports/plan-control.js';
import type { Caller } from '../../core/access.js';
import { formatDuration } from '../../core/durations.js';
import { CutoverError } from '../../core/errors.js';
import { analyse } from '../../core/plan/analysis.js';
import { noBaseline } from '../../core/plan/baseline.js';
import { locate, movePhase, type Located, type PlanRun } from '../../core/plan/run-state.js';
import type { PlanContext } from './plan-context.js';
import type { PlanJournal } from './plan-journal.js';
import type { PlanNarration } from './plan-narration.js';
import type { PlanPauses } from './plan-pauses.js';
import type { SoakSchedule } from './soak-schedule.js';
import type { StepExecution } from './step-execution.js';

export interface SoakAnalysisDeps {
  context: PlanContext;
  narration: Pick<PlanNarration, 'say' | 'alert' | 'audit' | 'recordAutoRollback'>;
  journal: Pick<PlanJournal, 'drift' | 'compensate' | 'guardDepooled'>;
  pauses: Pick<PlanPauses, 'pauseWith'>;
  schedule: Pick<SoakSchedule, 'next' | 'isStale'>;
  execution: Pick<StepExecution, 'afterChanges' | 'complete'>;
}

/**
 * A step's soak: health analysed every interval until it has soaked long enough. A pass counts
 * toward done; a breach (failed checks past the limit, or the guard depooling a worker the plan
 * pooled) rolls the step's writes back by itself and pauses; no data pauses and asks people.
 */
export class SoakAnalysis {
  constructor(private readonly deps: SoakAnalysisDeps) {}

  /** One soak analysis. `key` names the tick; a stale one (from before a pause or restart) does nothing. */
  async tick(key?: string): Promise<void> {
    const { context, narration, pauses, schedule } = this.deps;
    const run = await context.run();
    if (run.phase !== 'soaking' || run.soak === undefined) return;
    if (schedule.isStale(run, key)) return;
    const here = locate(context.plan, run.position);
    if (here === undefined) return;
    const settings = context.analysisFor(here.step);
    const lvsService = context.lvsServiceOf(here.step);
    const unanswered = async (error: unknown): Promise<void> => {
      // Prometheus or conftool not answering is no data, never a pass: thrown on, the tick's few
      // retries would run out and leave the soak unanalysed for good with nothing said.
      if (!(error instanceof CutoverError) || !error.code.startsWith('adapter.')) throw error;
      await pauses.pauseWith(`inconclusive: the soak could not be analysed: ${error.message}. !${context.service} resume to keep soaking once it answers, or !${context.service} rollback`);
    };
    let drift: string[];
    try {
      drift = await this.deps.journal.drift(run);
    } catch (error) {
      return unanswered(error);
    }
    if (drift.length > 0) {
      await pauses.pauseWith(`drift: ${drift.join('; ')} (changed outside the plan)`);
      return;
    }
    // Firing alerts hold the soak until a person resumes; after a resume the next check asks again.
    const alerts = await context.alertBlocker();
    if (alerts !== undefined) {
      await pauses.pauseWith(alerts.unanswered ? `inconclusive: ${alerts.reason}. !${context.service} resume to keep soaking once it answers, or !${context.service} rollback` : `${alerts.reason}. !${context.service} resume once they are understood, or !${context.service} rollback`);
      return;
    }
    let health: Awaited<ReturnType<typeof context.effects.health>>;
    let workersPooled: readonly string[];
    try {
      health = await context.effects.health({ dc: here.dc, lvsService });
      workersPooled = await context.pooledWorkers(here.dc, lvsService);
    } catch (error) {
      return unanswered(error);
    }
    // Before any worker serves, the step can only be judged on the service as a whole: what the CDN got.
    const verdict = workersPooled.length > 0 ? analyse(health.k8s, health.baseline, settings) : analyse(health.cdn, noBaseline('no k8s worker is pooled yet, so the CDN\'s view of the whole service is judged'), settings);
    const soak = run.soak;
    if (verdict.kind === 'inconclusive') {
      await pauses.pauseWith(`inconclusive health: ${verdict.reasons.join('; ')} · ${verdict.summary}. !${context.service} resume to keep soaking, or !${context.service} rollback`);
      return;
    }
    if (verdict.kind === 'fail') {
      const failures = soak.failures + 1;
      if (failures < settings.failure_limit) {
        const updated = await context.update((current) => ({ ...current, soak: { ...soak, failures, checks: soak.checks + 1, lastSummary: verdict.summary, lastCheckAt: context.now() } }));
        await narration.say(`⚠ ${here.dc} ${here.step.id}: failed check ${failures}/${settings.failure_limit}: ${verdict.reasons.join('; ')} · ${verdict.summary}`, 'progress');
        await schedule.next(updated);
        return;
      }
      await this.breach(run, here, `${verdict.reasons.join('; ')} · ${verdict.summary}`);
      return;
    }
    const passed = await context.update((current) => ({ ...current, soak: { ...soak, checks: soak.checks + 1, lastSummary: verdict.summary, lastCheckAt: context.now() } }));
    if (context.now() < soak.until) {
      await schedule.next(passed);
      return;
    }
    await this.deps.execution.complete(passed, here, `soak of ${formatDuration(soak.until - soak.startedAt)} passed (${soak.checks + 1} checks) · ${verdict.summary}`);
  }

  /**
   * The guard depooled a worker that fails real requests. If the plan pooled it, its journal
   * entry is reverted, and a soak in that DC ends as a breach: the rest of the step rolls back.
   */
  async workerFailed(dc: string, fqdn: string, why: string): Promise<void> {
    const { context } = this.deps;
    const run = await context.run();
    if (!(await this.deps.journal.guardDepooled(run, dc, fqdn, why))) return;
    const here = locate(context.plan, run.position);
    // Paused in the middle of a soak counts too: resumed, the soak would go on without the worker
    // and could pass the step on what is left (the CDN's view when it was the only worker).
    const midSoak = run.phase === 'soaking' || (run.phase === 'paused' && run.pause?.resume === 'soaking');
    if (midSoak && here?.dc === dc) await this.breach(run, here, `the guard depooled ${fqdn.split('.')[0]}: ${why}`, 'real requests fail');
  }

  async resume(caller: Caller): Promise<PlanResumed> {
    const { context } = this.deps;
    const before = await context.run();
    if (before.phase !== 'paused') throw new CutoverError('request.not-pending', `The plan is ${before.phase}, not paused.`);
    if (before.pause?.recheck === true) return this.recheck(caller, before);
    const resumeTo = before.pause?.resume ?? 'ready';
    // What was approved or half-done before the pause is asked for again, never carried on blind.
    const target = resumeTo === 'acting' || resumeTo === 'awaiting-approval' ? 'ready' : resumeTo;
    const run = await context.update((current) => {
      const { pause: _pause, ...rest } = current;
      const now = context.now();
      const interval = context.intervalMs(locate(context.plan, current.position)?.step);
      // The soak goes on where it stood, with at least one more check, under a new tick (resumes + 1).
      const soak = target === 'soaking' && current.soak !== undefined ? { soak: { ...current.soak, failures: 0, resumes: (current.soak.resumes ?? 0) + 1, lastCheckAt: now, until: Math.max(current.soak.until, now + interval) } } : {};
      return movePhase({ ...rest, ...soak }, target, now);
    });
    if (run.phase === 'soaking') await this.deps.schedule.next(run);
    await this.deps.narration.audit(caller, 'plan.resumed', '');
    return { kind: 'resumed', ...context.heldBy(run, caller.display) };
  }

  /** True while a soak analyses this DC: the guard leaves health analysis to it. */
  async analyses(dc: string): Promise<boolean> {
    const { context } = this.deps;
    const run = await context.run();
    return run.phase === 'soaking' && locate(context.plan, run.position)?.dc === dc;
  }

  /** The soak being watched, for the watchdog: when it was last checked and how often it should be. */
  async soakWatch(): Promise<{ lastCheckAt: number; intervalMs: number } | undefined> {
    const { context } = this.deps;
    const run = await context.run();
    if (run.phase !== 'soaking' || run.soak === undefined) return undefined;
    return { lastCheckAt: run.soak.lastCheckAt ?? run.soak.startedAt, intervalMs: context.intervalMs(locate(context.plan, run.position)?.step) };
  }

  /** After a restart the soak's next tick may be lost with the old process: schedule it again (its key makes a repeat a no-op). */
  async keepTicking(): Promise<void> {
    const run = await this.deps.context.stored();
    if (run?.phase === 'soaking') await this.deps.schedule.next(run);
  }

  /** The step's writes rolled back by themselves, newest first through the writer, and the plan paused with the numbers. */
  private async breach(run: PlanRun, here: Located, why: string, label = 'health breach'): Promise<void> {
    const { context, narration } = this.deps;
    const reverted = await this.deps.journal.compensate(here, `${label}: ${why}`);
    const pause = { reason: `${label} during soak: ${why}`, at: context.now(), resume: 'ready' as const };
    // Already paused mid-soak (a check nobody could judge): the breach replaces that pause's reason and its way back.
    await context.update((current) => (current.phase === 'paused' ? { ...current, pause, updatedAt: context.now() } : movePhase(current, 'paused', context.now(), { pause })));
    await narration.audit(undefined, 'plan.auto-rollback', `${here.step.id}: ${why}`);
    const said = `${label}, rolled back by itself${reverted.length > 0 ? ` (${reverted.join(', ')}, verified)` : ' (nothing else to revert)'}: ${why}. Plan paused.`;
    await narration.alert(`⏪ ${here.dc} ${here.step.id}: ${said}`, run.requestId, '❌');
    // One record for the rollback and the soak it ended: a region from the soak's start to now.
    await narration.recordAutoRollback({ dc: here.dc, step: here.step.id, text: said, since: run.soak?.startedAt }, run.requestId);
  }

  /** After an inconclusive check: the same checks again, and only a pass lets the plan go on. */
  private async recheck(caller: Caller, before: PlanRun): Promise<PlanResumed> {
    const { context } = this.deps;
    const here = locate(context.plan, before.position);
    if (here === undefined) throw new CutoverError('request.not-pending', 'The plan is complete.');
    await context.update((current) => {
      const { pause: _pause, ...rest } = current;
      return movePhase(rest, 'acting', context.now());
    });
    await this.deps.narration.audit(caller, 'plan.resumed', 're-check of an inconclusive step');
    const rechecked = { kind: 'rechecked', plan: context.plan.name, by: caller.display, dc: here.dc, stepId: here.step.id } as const;
    try {
      return { ...rechecked, result: (await this.deps.execution.afterChanges(here, [])).outcome };
    } catch (error) {
      return { ...rechecked, result: error instanceof Error ? error.message : String(error) };
    }
  }
}
