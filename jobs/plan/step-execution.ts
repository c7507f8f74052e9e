import type { CheckOutcome } from '../../core/ports/plan-effects.js';
import type { PlanStepAction } from '../../core/actions.js';
import { formatDuration } from '../../core/durations.js';
import { CutoverError } from '../../core/errors.js';
import { describeShare } from '../../core/health-now.js';
import type { PoolRef } from '../../core/inventory.js';
import { advance, describePosition, locate, movePhase, samePosition, type Located, type PlanRun } from '../../core/plan/run-state.js';
import type { PoolState } from '../../core/pool-state.js';
import type { WorkerProof } from '../../core/policy/worker-proof.js';
import type { ChangeRequest } from '../../core/requests.js';
import { salPoolLines, type PoolChange } from '../../core/sal-pool-lines.js';
import type { WorkerProofs } from '../guard/worker-proofs.js';
import type { PoolWriter } from '../pool-writer.js';
import type { ExecutionResult } from '../run-set-pooled.js';
import type { HostSilences } from './host-silences.js';
import type { PlanContext } from './plan-context.js';
import type { PlanJournal } from './plan-journal.js';
import type { PlanNarration } from './plan-narration.js';
import type { PlanPauses } from './plan-pauses.js';
import type { PlanRequests } from './plan-requests.js';
import type { SoakSchedule } from './soak-schedule.js';
import { foldDone } from './fold-done.js';
import { helmDiffRefusal } from './helm-diff-binding.js';
import { stepOperations, type Operation } from './step-operations.js';
import { performInRuns } from './wave-writes.js';

export interface StepExecutionDeps {
  context: PlanContext;
  narration: Pick<PlanNarration, 'say' | 'sal' | 'reasonOf' | 'taskOf' | 'record' | 'recordAutoRollback'>;
  journal: Pick<PlanJournal, 'doneAt' | 'track' | 'poolAsBeforeRequest' | 'compensate'>;
  pauses: Pick<PlanPauses, 'pauseWith'>;
  schedule: Pick<SoakSchedule, 'start'>;
  rollout: Pick<PlanRequests, 'continueRollout'>;
  writer: Pick<PoolWriter, 'write' | 'evaluate'>;
  proofs: Pick<WorkerProofs, 'proven'>;
  silences: Pick<HostSilences, 'afterPoolChanges'>;
}

type Evidence = ReadonlyMap<string, ReadonlyMap<string, WorkerProof>>;

/**
 * An approved step carried out: its writes and commands exactly as approved, each journalled
 * ahead; then its checks with real requests, then its soak (soak-analysis.ts) or its end.
 * Safe to run again after a crash: what the journal has as done is not done twice.
 */
export class StepExecution {
  constructor(private readonly deps: StepExecutionDeps) {}

  async advance(action: PlanStepAction, request: ChangeRequest): Promise<ExecutionResult> {
    const { context, narration } = this.deps;
    const run = await context.run();
    if (!samePosition(run.position, action.position) || !['awaiting-approval', 'acting'].includes(run.phase)) {
      throw new CutoverError('request.not-pending', `The plan moved on (${run.phase} at ${describePosition(context.plan, run.position)}); request the step again.`);
    }
    const here = locate(context.plan, run.position);
    if (here === undefined) throw new CutoverError('request.not-pending', 'The plan is complete.');
    const acting = run.phase === 'acting' ? run : await context.update((current) => movePhase(current, 'acting', context.now()));
    // A replay after a crash must redo the approved writes, not choose afresh: from live state a
    // wave's "depool 2" picked two more bare-metal hosts once the first two were already depooled.
    const ops = await stepOperations(here, { ...context.stepContext(here), pooling: this.deps.journal.poolAsBeforeRequest(acting, here, request.id) });
    if (ops.kind === 'blocked' || ops.lines.join('\n') !== action.preview.join('\n')) {
      await context.update((current) => movePhase(current, 'ready', context.now()));
      throw new CutoverError('request.not-pending', ops.kind === 'blocked' ? `Blocked at execution: ${ops.reason}` : 'The step would now do something other than what was approved (the pool changed); request it again.');
    }
    // Once, before anything runs: a replay after a crash would find its own apply in the diff.
    const diffChanged = run.phase === 'acting' ? undefined : await helmDiffRefusal(ops.operations, request, context.effects);
    if (diffChanged !== undefined) {
      await context.update((current) => movePhase(current, 'ready', context.now()));
      throw new CutoverError('request.stale', diffChanged);
    }
    // Said once, with how long it will soak: the next word on this step is its ✅ once the soak passed.
    // A result, not progress: it is never coalesced away, and no outbox lets the ✅ overtake it.
    const soak = here.step.kind !== 'observe' && here.step.soak_seconds > 0 ? ` · then soaks ${formatDuration(context.scaled(here.step.soak_seconds))} under analysis` : '';
    await narration.say(`▶ ${here.dc} ${here.step.id}${waveOf(here)}: ${here.step.title} (${request.id})${soak}`, 'result', request.id);
    await narration.record({ dc: here.dc, step: here.step.id, text: `started ${here.step.title} (${request.id}), approved by ${request.approvals.map((vote) => vote.person ?? vote.display).join(', ') || 'nobody (none needed)'}`, undo: `!${context.service} rollback` }, request);
    const done: string[] = [];
    const poolChanges: PoolChange[] = [];
    try {
      const evidence = await this.executionEvidence(ops.operations);
      // A run of like pool writes goes a few at once, each judged with the others in flight (wave-writes.ts).
      done.push(...(await performInRuns(ops.operations, context.inventory.hosts, (op) => this.perform(op, here, request, poolChanges, evidence))));
    } catch (error) {
      // An adapter error or a refusal leaves the plan paused with the error, never stuck "acting".
      await this.deps.pauses.pauseWith(`${here.step.id} stopped: ${error instanceof Error ? error.message : String(error)}; !${context.service} resume to try the step again, or !${context.service} rollback`, false);
      throw error;
    } finally {
      // Whatever was written is logged, also when the wave stops half-way.
      for (const line of salPoolLines(poolChanges, here.dc)) await narration.sal(`${line} - ${narration.reasonOf(request)}`, request.id);
      // After the writes, on what was written: Alertmanager is never a reason for a pool change not to happen.
      await this.deps.silences.afterPoolChanges(here, request, poolChanges);
    }
    // The plan says how the step ends itself (✅ once its soak passed, or ⏸): the request's own result line would say it twice.
    return { ...(await this.afterChanges(here, done)), narrated: true };
  }

  /** The step's checks, then its soak; shared by a fresh step and a re-check after an inconclusive pause. */
  async afterChanges(here: Located, done: readonly string[]): Promise<ExecutionResult> {
    const { context, pauses } = this.deps;
    const checks = await this.verify(here);
    const failed = checks.filter((check) => !check.ok && check.inconclusive !== true);
    if (failed.length > 0) {
      const why = `verification failed: ${failed.map((check) => check.summary).join('; ')}`;
      const reverted = await this.deps.journal.compensate(here, why);
      await pauses.pauseWith(`${why}${reverted.length > 0 ? ` · rolled back: ${reverted.join(', ')}` : ''}`, false);
      if (reverted.length > 0) await this.deps.narration.recordAutoRollback({ dc: here.dc, step: here.step.id, text: `${why} · rolled back by itself: ${reverted.join(', ')}, verified. Plan paused.` }, (await context.run()).requestId);
      throw new CutoverError('pooling.verify-failed', `${here.step.id} failed verification: ${failed.map((check) => check.summary).join('; ')}${reverted.length > 0 ? ` · rolled back ${reverted.length} change(s), verified` : ''}. The plan is paused.`);
    }
    const unsure = checks.filter((check) => check.inconclusive === true);
    const report = [...foldDone(done), ...checks.map((check) => check.summary)].join(' · ');
    if (unsure.length > 0) {
      // resume checks again before anything else: `next` must not pool another worker past one nobody could judge.
      await pauses.pauseWith(`inconclusive: ${unsure.map((check) => check.summary).join('; ')}; !${context.service} resume checks again`, true);
      return { state: 'succeeded', outcome: `${report} · paused: inconclusive`, auditDetail: report };
    }
    if (here.step.kind === 'observe') {
      const health = await context.healthNow(here);
      const { verdict } = health;
      const share = describeShare(health.share, 'of traffic on k8s');
      await this.complete(await context.run(), here, `${share} · ${verdict.summary} · ${verdict.kind}`);
      return { state: 'succeeded', outcome: `health report: ${share} · ${verdict.summary}`, auditDetail: report };
    }
    if (here.step.soak_seconds > 0) {
      const { soakMs } = await this.deps.schedule.start(here);
      return { state: 'succeeded', outcome: `${report} · soaking ${formatDuration(soakMs)} under analysis`, auditDetail: report };
    }
    await this.complete(await context.run(), here, report);
    return { state: 'succeeded', outcome: report, auditDetail: report };
  }

  /** Runs an approved rollback request: the step's writes undone, and the plan back at that step. */
  async rollback(action: PlanStepAction, request: ChangeRequest): Promise<ExecutionResult> {
    const { context } = this.deps;
    const here = locate(context.plan, action.position);
    if (here === undefined) throw new CutoverError('request.not-pending', 'The journal names a step the plan no longer has.');
    await this.deps.narration.say(`⏪ ${here.dc} ${here.step.id}: rolling back (${request.id})`, 'progress', request.id);
    const reverted = await this.deps.journal.compensate(here, `rollback requested by ${request.requester.display} (${request.id}): ${request.reason}`);
    await context.update((current) => {
      const { soak: _soak, pause: _pause, ...rest } = current;
      return { ...rest, phase: 'ready', position: action.position, updatedAt: context.now() };
    });
    const outcome = reverted.length === 0 ? 'nothing was still in place to revert' : `reverted and verified: ${reverted.join(', ')}`;
    return { state: reverted.length === 0 ? 'noop' : 'succeeded', outcome: `${outcome} · the plan is back at ${describePosition(context.plan, action.position)}`, auditDetail: outcome };
  }

  /** The step is done: its workers count as proven, the plan moves on, and a rollout asks for its next wave. */
  async complete(run: PlanRun, here: Located, summary: string): Promise<void> {
    const { context } = this.deps;
    const lvsService = context.lvsServiceOf(here.step);
    const provesWorkers = here.step.verify.some((check) => check.check === 'real-traffic');
    const workers = provesWorkers ? await context.pooledWorkers(here.dc, lvsService) : [];
    // The step's real-traffic checks and clean soak prove its workers, as the guard's own run would.
    if (workers.length > 0) await this.deps.proofs.proven(context.service, context.inventory.pool(lvsService, here.dc), workers, `${here.step.id}: ${summary}`);
    const next = advance(context.plan, run.position);
    const updated = await context.update((current) => {
      const { soak: _soak, requestId: _request, ...rest } = current;
      return movePhase(rest, next === undefined ? 'done' : 'ready', context.now(), {
        position: next ?? current.position,
        completed: [...current.completed, { dc: here.dc, stepId: here.step.id, wave: here.wave, outcome: summary, at: context.now() }],
      });
    });
    const then = next === undefined ? ' · the plan is complete' : ` · next: ${describePosition(context.plan, next)}`;
    // The request's own result line is not said (action-processor.ts): this one names it.
    const by = run.requestId === undefined ? '' : ` (${run.requestId})`;
    // No ✅ mark on the request as well: this line names it, and a mark is one more line of IRC airtime.
    await this.deps.narration.say(`✅ ${here.dc} ${here.step.id}${waveOf(here)} done: ${summary}${then}${by}`, 'result', run.requestId);
    await this.deps.narration.record({ dc: here.dc, step: here.step.id, text: `done: ${summary}${then}${by}`, undo: `!${context.service} rollback`, ...(run.soak === undefined ? {} : { since: run.soak.startedAt }) });
    const nextHere = next === undefined ? undefined : locate(context.plan, next);
    if (updated.rollout !== undefined && nextHere !== undefined && nextHere.step.id === here.step.id && nextHere.dc === here.dc) {
      await this.deps.rollout.continueRollout(updated);
    }
  }

  /**
   * The whole step judged once more at execution, against the pool as it is and with one fresh
   * round of real requests; each write then carries that evidence and is judged again alone.
   */
  private async executionEvidence(operations: readonly Operation[]): Promise<Evidence> {
    const byPool = new Map<string, { pool: PoolRef; changes: { fqdn: string; to: PoolState }[] }>();
    for (const op of operations) {
      if (op.kind !== 'set-pooled') continue;
      const key = poolKey(op.action.pool);
      const entry = byPool.get(key) ?? { pool: op.action.pool, changes: [] };
      entry.changes.push({ fqdn: op.action.fqdn, to: op.to });
      byPool.set(key, entry);
    }
    const evidence = new Map<string, ReadonlyMap<string, WorkerProof>>();
    for (const [key, { pool, changes }] of byPool) {
      const { verdict, proofs } = await this.deps.writer.evaluate(this.deps.context.service, pool, changes, 'plan');
      if (!verdict.allow) throw new CutoverError(verdict.rule === 'bare-metal-needs-proven-workers' ? 'safety.unproven' : 'safety.capacity', `Refused at execution: ${verdict.reason} · ${verdict.arithmetic}; nothing more was written.`);
      evidence.set(key, proofs);
    }
    return evidence;
  }

  private async perform(op: Operation, here: Located, request: ChangeRequest, poolChanges: PoolChange[], evidence: Evidence): Promise<string> {
    const target = op.kind === 'set-pooled' ? op.path : op.kind === 'puppet' ? op.selector : op.kind === 'helm' ? op.env : `${op.dc}/${op.lvsService}`;
    const existing = await this.deps.journal.doneAt(here, target);
    if (existing !== undefined) {
      // A replay after a crash: its SAL line may not have been said yet (sal() dedupes if it was).
      if (op.kind === 'set-pooled' && !existing.detail.includes('(already so)')) poolChanges.push({ fqdn: op.action.fqdn, lvsService: op.action.pool.lvsService, from: op.from, to: op.to });
      return `${existing.detail} (already done)`;
    }
    const kind = op.kind === 'set-pooled' ? 'set-pooled' : op.kind === 'helm' ? 'helm' : 'puppet';
    const intent = { kind, target, dc: here.dc, stepId: here.step.id, wave: here.wave, requestId: request.id, ...(op.kind === 'set-pooled' ? { from: op.from, to: op.to } : {}) } as const;
    return this.deps.journal.track(intent, () => this.apply(op, here, request, poolChanges, evidence));
  }

  /** Pool changes are collected in `poolChanges` for one SAL line per wave; everything else logs itself. */
  private async apply(op: Operation, here: Located, request: ChangeRequest, poolChanges: PoolChange[], evidence: Evidence): Promise<string> {
    const { context, narration } = this.deps;
    const { effects } = context;
    const reason = narration.reasonOf(request);
    switch (op.kind) {
      case 'set-pooled': {
        const task = narration.taskOf(request);
        const by = { by: request.requester.display, requestId: request.id, reason: request.reason, transport: request.requester.transport, channel: request.requester.channel, ...(task === undefined ? {} : { task }) };
        // Bound to the state the approver saw in the preview: a key someone changed since is refused, not overwritten.
        const result = await this.deps.writer.write({ action: op.action, expect: { state: op.from }, by }, 'plan', evidence.get(poolKey(op.action.pool)));
        if (result.outcome !== 'noop') poolChanges.push({ fqdn: op.action.fqdn, lvsService: op.action.pool.lvsService, from: op.from, to: op.to });
        return `${op.to.pooled === 'yes' ? 'pool' : op.to.pooled === 'inactive' ? 'retire' : 'depool'} ${op.action.fqdn.split('.')[0]}${result.outcome === 'noop' ? ' (already so)' : ''}`;
      }
      case 'puppet': {
        const summary = requireOk(await effects.runPuppet({ dc: here.dc, selector: op.selector, batchSize: op.batchSize, applies: op.applies, reason }));
        await narration.sal(`puppet run on ${op.selector} (${op.applies}) - ${reason}`);
        return summary;
      }
      case 'lvs-service': {
        const summary = requireOk(await effects.applyLvsService({ dc: op.dc, lvsService: op.lvsService, applies: op.applies, reason }));
        await narration.sal(`${op.lvsService} on the ${op.dc} LVS, pybal restarted secondary first - ${reason}`);
        return summary;
      }
      case 'helm': {
        // Confirmed against the approved diff before the step started (advance).
        if (request.helmDiff !== undefined) await narration.say(`helmfile diff ${op.env}: ${request.helmDiff.summary} (as approved)`, 'progress', request.id);
        const summary = requireOk(await effects.helmApply({ env: op.env, reason }));
        await narration.sal(`[${op.env}] helmfile apply ${context.service} - ${reason}`);
        return summary;
      }
      default:
        return op satisfies never;
    }
  }

  private async verify(here: Located): Promise<CheckOutcome[]> {
    const { context } = this.deps;
    const outcomes: CheckOutcome[] = [];
    for (const check of here.step.verify) {
      const lvsService = 'lvs_service' in check ? check.lvs_service : context.lvsServiceOf(here.step);
      outcomes.push(await context.effects.runCheck(check, { dc: here.dc, pooled: await context.pooledByGroup(here.dc, lvsService), minRequestRate: context.analysisFor(here.step).min_request_rate, planMs: (seconds) => context.scaled(seconds) }));
    }
    return outcomes;
  }
}

function waveOf(here: Located): string {
  return here.waveCount > 1 ? ` wave ${here.wave + 1}/${here.waveCount}` : '';
}

function requireOk(outcome: CheckOutcome): string {
  if (!outcome.ok) throw new CutoverError('adapter.command-failed', outcome.summary);
  return outcome.summary;
}

function poolKey(pool: PoolRef): string {
  return `${pool.dc}/${pool.lvsService}`;
}
