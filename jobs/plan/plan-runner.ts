import { createHash } from 'node:crypto';
import type { CheckOutcome, PlanEffects } from '../../adapters/plan-effects.js';
import type { PoolingBackend } from '../../adapters/pooling.js';
import type { ActionQueue, AuditLog, Clock, PlanControl, PlanProgress, RequestStore, StepMark } from '../../commands/ports.js';
import type { Reply } from '../../commands/spec.js';
import type { Config } from '../../config/schema.js';
import { approversFor, type Caller } from '../../core/access.js';
import { actionHash, conftoolPath, describeAction, type PlanStepAction, type SetPooledAction } from '../../core/actions.js';
import { formatDuration } from '../../core/durations.js';
import { CutoverError } from '../../core/errors.js';
import type { Inventory, PoolRef } from '../../core/inventory.js';
import { samePoolState, type PoolState } from '../../core/pool-state.js';
import { analyse, analysisSettingsSchema, type AnalysisSettings } from '../../core/plan/analysis.js';
import type { Check, Plan, PlanStep } from '../../core/plan/plan-schema.js';
import { advance, describePosition, locate, movePhase, newPlanRun, nextSeq, type JournalEntry, type Located, type PlanRun, type Position } from '../../core/plan/run-state.js';
import { toCallerRecord, type ChangeRequest } from '../../core/requests.js';
import { salPoolLines, type PoolChange } from '../../core/sal-pool-lines.js';
import { foldFqdns } from '../../core/nodeset.js';
import type { PoolWriter } from '../pool-writer.js';
import type { WorkerProofs } from '../guard/worker-proofs.js';
import type { Notifier } from '../notifier.js';
import type { ExecutionResult } from '../run-set-pooled.js';
import type { PlanStore } from './plan-store.js';
import { stepOperations, type Operation } from './step-operations.js';
import { pushTo } from '../../core/push-to.js';
import type { WorkerProof } from '../../core/policy/worker-proof.js';

export interface PlanRunnerDeps {
  config: Config;
  plan: Plan;
  inventory: Inventory;
  store: PlanStore;
  effects: PlanEffects;
  /** Reads only: every write goes through `writer`, the one executor with the one policy. */
  pooling: Pick<PoolingBackend, 'get' | 'listPool'>;
  writer: PoolWriter;
  proofs: WorkerProofs;
  requests: RequestStore;
  queue: ActionQueue;
  audit: AuditLog;
  notifier: Notifier;
  clock: Clock;
  /** Schedules the next soak analysis; `key` makes a repeated schedule for the same tick a no-op, and a tick whose key is not the run's latest is stale. */
  scheduleTick: (plan: string, delayMs: number, key: string) => Promise<void>;
}

const GATES = { none: 0, one: 1, two: 2 } as const;

const CHAT_MARKS: Record<StepMark, string> = { done: '✅', partial: '◐', current: '▶', paused: '⏸', todo: '○' };

/**
 * Runs the migration plan: each step is previewed, approved through the same gate as a pool
 * change, executed with a write-ahead journal, verified with real requests, soaked under health
 * analysis, and rolled back by itself when health says so.
 */
export class PlanRunner implements PlanControl {
  readonly service: string;

  constructor(private readonly deps: PlanRunnerDeps) {
    this.service = deps.plan.service;
  }

  get planName(): string {
    return this.deps.plan.name;
  }

  get task(): string | undefined {
    return this.deps.plan.task;
  }

  /** The plan's health analysis and its interval (time_scale applied), which the guard uses too. */
  analysisSettings(): { analysis: AnalysisSettings; intervalMs: number } {
    const analysis = this.analysisFor(undefined);
    return { analysis, intervalMs: this.scaled(analysis.interval_seconds) };
  }

  // ── what people see ────────────────────────────────────────────────────────────────────────

  async progress(): Promise<PlanProgress> {
    const { plan } = this.deps;
    const run = await this.run();
    return {
      plan: plan.name,
      ...(plan.task === undefined ? {} : { task: plan.task }),
      phase: run.phase,
      position: describePosition(plan, run.position),
      datacenters: plan.datacenters.map((dc, dcIndex) => ({
        dc,
        steps: plan.steps.map((step, stepIndex) => ({ id: step.id, title: step.title, mark: this.mark(run, dcIndex, stepIndex) })),
      })),
      blocking: `${await this.blocking(run)}${await this.outsideNote(run)}`,
      limits: { errorRatioMax: this.analysisFor(undefined).error_ratio.max, p99SecondsMax: this.analysisFor(undefined).p99_seconds.max },
    };
  }

  async overview(): Promise<string> {
    const progress = await this.progress();
    const lines = [`${progress.plan}${progress.task === undefined ? '' : ` (${progress.task})`} · ${progress.phase} at ${progress.position}`];
    for (const { dc, steps } of progress.datacenters) {
      lines.push(`${dc}: ${steps.map((step, index) => `${CHAT_MARKS[step.mark]} ${index + 1} ${step.id}`).join(' · ')}`);
    }
    lines.push(`blocking: ${progress.blocking}`);
    return lines.join('\n');
  }

  async preview(operation: 'advance' | 'rollback' | 'emergency-stop'): Promise<string> {
    const run = await this.run();
    if (operation === 'emergency-stop') {
      const ops = await this.emergencyOperations();
      if (ops.length === 0) return 'dry-run: an emergency stop would change nothing (bare metal is pooled, no worker is).';
      return ['dry-run, nothing changed · emergency stop would write, bare metal first:', ...ops.flatMap((op) => (op.kind === 'set-pooled' ? [`  conftool ${op.path} ${JSON.stringify(op.from)} → ${JSON.stringify(op.to)}`] : []))].join('\n');
    }
    if (operation === 'rollback') {
      const entries = this.revertible(run);
      if (entries.length === 0) return 'dry-run: nothing to roll back (no conftool change of this plan is still in place).';
      return ['dry-run, nothing changed · rollback would write, newest first:', ...entries.map((entry) => `  conftool ${entry.target} ${JSON.stringify(entry.to)} → ${JSON.stringify(entry.from)}`)].join('\n');
    }
    const here = locate(this.deps.plan, run.position);
    if (here === undefined) return 'dry-run: the plan is complete.';
    const ops = await stepOperations(here, this.stepContext(here));
    const head = `dry-run, nothing changed · ${describePosition(this.deps.plan, run.position)}: ${here.step.title} (gate: ${here.step.gate})`;
    if (ops.kind === 'blocked') return [head, `  blocked: ${ops.reason}`, ...(ops.arithmetic === undefined ? [] : [`  ${ops.arithmetic}`])].join('\n');
    const checks = here.step.verify.map((check) => `  then check ${describeCheck(check)}`);
    const soak = here.step.soak_seconds > 0 ? [`  then soak ${formatDuration(this.scaled(here.step.soak_seconds))} with analysis every ${formatDuration(this.scaled(this.analysisFor(here.step).interval_seconds))}`] : [];
    const lines = ops.lines.length === 0 ? ['  (no change: a report only)'] : ops.lines.map((line) => `  ${line}`);
    return [head, ...lines, ...(ops.arithmetic === undefined ? [] : [`  ${ops.arithmetic}`]), ...checks, ...soak].join('\n');
  }

  // ── what people ask for ────────────────────────────────────────────────────────────────────

  async requestNext(caller: Caller, options: { rollout: boolean; reason: string; task?: string }): Promise<Reply> {
    const run = await this.freeIfDecided(await this.run());
    if (run.phase !== 'ready') throw new CutoverError('request.not-pending', `The plan is ${run.phase}: ${await this.blocking(run)}`);
    const here = locate(this.deps.plan, run.position);
    if (here === undefined) throw new CutoverError('request.not-pending', 'The plan is complete; there is no next step.');
    const ops = await stepOperations(here, this.stepContext(here));
    if (ops.kind === 'blocked') {
      throw new CutoverError('safety.capacity', `${describePosition(this.deps.plan, run.position)} is blocked: ${ops.reason}${ops.arithmetic === undefined ? '' : ` · ${ops.arithmetic}`}`);
    }
    const action: PlanStepAction = this.action('advance', run.position, here, ops.lines);
    // Claim the step before filing the request, in one compare-and-swap: two people saying next
    // at once used to both get a request, the loser's orphaned yet approvable. A no-approval step
    // is queued as it is filed, so the plan must already be awaiting it by then.
    await this.claimStep(run.position, caller, options);
    let request: ChangeRequest;
    try {
      request = await this.fileRequest(caller, action, GATES[here.step.gate], options.reason, options.task);
    } catch (error) {
      await this.update((current) => movePhase(current, 'ready', this.now()));
      throw error;
    }
    await this.update((current) => (current.phase === 'awaiting-approval' && current.requestId === undefined ? { ...current, requestId: request.id } : current));
    return this.requestReply(request, ops.lines, caller, await this.healthLine(here));
  }

  /**
   * A step request that was denied or expired will never run: the plan no longer waits for it.
   * Nothing else tells the plan, so without this it said "waiting for approval" of a dead request.
   */
  private async freeIfDecided(run: PlanRun): Promise<PlanRun> {
    const waitingFor = run.phase === 'awaiting-approval' ? run.requestId : undefined;
    if (waitingFor === undefined) return run;
    const request = await this.deps.requests.get(waitingFor);
    if (request !== undefined && request.state !== 'denied' && request.state !== 'expired') return run;
    return this.update((current) => {
      if (current.phase !== 'awaiting-approval' || current.requestId !== waitingFor) return current;
      const { requestId: _dead, ...rest } = current;
      return movePhase(rest, 'ready', this.now());
    });
  }

  private async claimStep(position: Position, caller: Caller, options: { rollout: boolean; reason: string }): Promise<void> {
    let taken: PlanRun | undefined;
    await this.update((current) => {
      taken = undefined;
      if (current.phase !== 'ready' || !samePosition(current.position, position)) {
        taken = current;
        return current;
      }
      const { requestId: _previous, ...rest } = current;
      return movePhase(rest, 'awaiting-approval', this.now(), {
        origin: { transport: caller.transport, channel: caller.channel },
        ...(options.rollout ? { rollout: { by: caller.display, ...(caller.person === undefined ? {} : { person: caller.person }), reason: options.reason } } : {}),
      });
    });
    if (taken !== undefined) throw new CutoverError('request.not-pending', `The plan is ${taken.phase}: ${await this.blocking(taken)}`);
  }

  async requestRollback(caller: Caller, reason: string): Promise<Reply> {
    const run = await this.run();
    const entries = this.revertible(run);
    const last = entries[0];
    if (last === undefined) throw new CutoverError('request.not-pending', 'Nothing to roll back: no conftool change of this plan is still in place.');
    const position = this.positionOf(last);
    const here = locate(this.deps.plan, position);
    if (here === undefined) throw new CutoverError('request.not-pending', 'The journal names a step the plan no longer has.');
    const lines = entries.filter((entry) => entry.stepId === last.stepId && entry.dc === last.dc && entry.wave === last.wave).map((entry) => `conftool ${entry.target} ${JSON.stringify(entry.to)} → ${JSON.stringify(entry.from)}`);
    const request = await this.fileRequest(caller, this.action('rollback', position, here, lines), 1, reason, undefined);
    return this.requestReply(request, lines, caller);
  }

  async emergencyStop(caller: Caller, reason: string): Promise<Reply> {
    const run = await this.run();
    const lines = await this.emergencyOperations().then((ops) => ops.flatMap((op) => (op.kind === 'set-pooled' ? [`conftool ${op.path} ${JSON.stringify(op.from)} → ${JSON.stringify(op.to)}`] : [])));
    const here = locate(this.deps.plan, run.position) ?? locate(this.deps.plan, { dc: 0, step: 0, wave: 0 });
    if (here === undefined) throw new CutoverError('input.invalid', 'The plan has no steps.');
    // No approval: stopping is always allowed to an operator, and waiting for a second person is the risk.
    const request = await this.fileRequest(caller, this.action('emergency-stop', run.position, here, lines), 0, reason, undefined);
    return { text: `🛑 ${request.id} EMERGENCY STOP queued by ${caller.display}: repool bare metal first, then depool workers (${lines.length} writes). ${reason}`, request: { id: request.id, actionHash: request.actionHash, state: 'approved' } };
  }

  async pause(caller: Caller, reason: string): Promise<string> {
    const run = await this.update((current) => movePhase(current, 'paused', this.now(), { pause: { reason: `paused by ${caller.display}: ${reason}`, at: this.now(), resume: current.phase === 'paused' ? current.pause?.resume ?? 'ready' : current.phase } }));
    await this.audit(caller, 'plan.paused', reason);
    return `⏸ ${this.deps.plan.name} paused at ${describePosition(this.deps.plan, run.position)} by ${caller.display}. !${this.service} resume to continue.`;
  }

  async resume(caller: Caller): Promise<string> {
    const before = await this.run();
    if (before.phase !== 'paused') throw new CutoverError('request.not-pending', `The plan is ${before.phase}, not paused.`);
    if (before.pause?.recheck === true) return this.recheck(caller, before);
    const resumeTo = before.pause?.resume ?? 'ready';
    const target = resumeTo === 'acting' || resumeTo === 'awaiting-approval' ? 'ready' : resumeTo;
    const run = await this.update((current) => {
      const { pause: _pause, ...rest } = current;
      const interval = this.scaled(this.analysisFor(locate(this.deps.plan, current.position)?.step).interval_seconds);
      const soak = target === 'soaking' && current.soak !== undefined ? { soak: { ...current.soak, failures: 0, resumes: (current.soak.resumes ?? 0) + 1, lastCheckAt: this.now(), until: Math.max(current.soak.until, this.now() + interval) } } : {};
      return movePhase({ ...rest, ...soak }, target, this.now());
    });
    if (run.phase === 'soaking') await this.scheduleTick(run);
    await this.audit(caller, 'plan.resumed', '');
    return `▶ ${this.deps.plan.name} resumed by ${caller.display}: ${run.phase} at ${describePosition(this.deps.plan, run.position)}.`;
  }

  /** After an inconclusive check: the same checks again, and only a pass lets the plan go on. */
  private async recheck(caller: Caller, before: PlanRun): Promise<string> {
    const here = locate(this.deps.plan, before.position);
    if (here === undefined) throw new CutoverError('request.not-pending', 'The plan is complete.');
    await this.update((current) => {
      const { pause: _pause, ...rest } = current;
      return movePhase(rest, 'acting', this.now());
    });
    await this.audit(caller, 'plan.resumed', 're-check of an inconclusive step');
    const head = `▶ ${this.deps.plan.name} resumed by ${caller.display}: ${here.dc} ${here.step.id} checked again`;
    try {
      const result = await this.afterChanges(here, []);
      return `${head}: ${result.outcome}`;
    } catch (error) {
      return `${head}: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  /**
   * The guard depooled a worker that fails real requests. If the plan pooled it, its journal
   * entry is reverted, and a soak in that DC ends as a breach: the rest of the step rolls back.
   */
  async workerFailed(dc: string, fqdn: string, why: string): Promise<void> {
    const run = await this.run();
    const entry = [...run.journal].reverse().find((candidate) => candidate.kind === 'set-pooled' && candidate.dc === dc && candidate.target.endsWith(`/${fqdn}`) && candidate.status === 'done' && candidate.to?.pooled === 'yes');
    if (entry === undefined) return;
    await this.setJournal(entry.seq, 'reverted', `${entry.detail} · depooled by the guard: ${why}`);
    const here = locate(this.deps.plan, run.position);
    if (run.phase === 'soaking' && here?.dc === dc) await this.breach(run, here, `the guard depooled ${fqdn.split('.')[0]}: ${why}`, 'real requests fail');
  }

  /** True while a soak analyses this DC: the guard leaves health analysis to it. */
  async analyses(dc: string): Promise<boolean> {
    const run = await this.run();
    return run.phase === 'soaking' && locate(this.deps.plan, run.position)?.dc === dc;
  }

  /** The soak being watched, for the watchdog: when it was last checked and how often it should be. */
  async soakWatch(): Promise<{ lastCheckAt: number; intervalMs: number } | undefined> {
    const run = await this.run();
    if (run.phase !== 'soaking' || run.soak === undefined) return undefined;
    const interval = this.scaled(this.analysisFor(locate(this.deps.plan, run.position)?.step).interval_seconds);
    return { lastCheckAt: run.soak.lastCheckAt ?? run.soak.startedAt, intervalMs: interval };
  }

  /** Where the plan reports, for others (the guard) that have nowhere better to speak. */
  async origin(): Promise<{ transport: string; channel: string } | undefined> {
    return (await this.deps.store.get(this.deps.plan.name))?.origin;
  }

  async abort(caller: Caller, reason: string): Promise<string> {
    const run = await this.update((current) => {
      const { pause: _pause, soak: _soak, requestId: _request, ...rest } = current;
      return movePhase(rest, 'aborted', this.now());
    });
    await this.audit(caller, 'plan.aborted', reason);
    return `⏹ ${this.deps.plan.name} aborted at ${describePosition(this.deps.plan, run.position)} by ${caller.display}; nothing was reverted (!${this.service} rollback undoes the last step). ${reason}`;
  }

  // ── what the worker does ───────────────────────────────────────────────────────────────────

  /** Runs an approved plan request. Safe to run again after a crash: done journal entries are skipped. */
  async execute(action: PlanStepAction, request: ChangeRequest): Promise<ExecutionResult> {
    switch (action.operation) {
      case 'advance':
        return this.advanceStep(action, request);
      case 'rollback':
        return this.rollbackStep(action, request);
      case 'emergency-stop':
        return this.stop(request);
      default:
        return action.operation satisfies never;
    }
  }

  /** One soak analysis: pass counts toward done, a breach rolls back by itself, no data pauses. `key` names the tick; a stale one does nothing. */
  async tick(key?: string): Promise<void> {
    const run = await this.run();
    if (run.phase !== 'soaking' || run.soak === undefined) return;
    if (key !== undefined && run.soak.tickKey !== undefined && run.soak.tickKey !== key) return;
    const here = locate(this.deps.plan, run.position);
    if (here === undefined) return;
    const drift = await this.drift(run);
    if (drift.length > 0) {
      await this.pauseWith(`drift: ${drift.join('; ')} (changed outside the plan)`);
      return;
    }
    const settings = this.analysisFor(here.step);
    const lvsService = this.lvsServiceOf(here.step);
    const health = await this.deps.effects.health({ dc: here.dc, lvsService });
    const workersPooled = (await this.pooledByGroup(here.dc, lvsService)).get(this.workerGroup()) ?? [];
    // Before any worker serves, the step can only be judged on the service as a whole.
    const verdict = workersPooled.length > 0 ? analyse(health.k8s, health.baseline, settings) : analyse(health.baseline, health.baseline, settings);
    const soak = run.soak;
    if (verdict.kind === 'inconclusive') {
      await this.pauseWith(`inconclusive health: ${verdict.reasons.join('; ')} · ${verdict.summary}. !${this.service} resume to keep soaking, or !${this.service} rollback`);
      return;
    }
    if (verdict.kind === 'fail') {
      const failures = soak.failures + 1;
      if (failures < settings.failure_limit) {
        const updated = await this.update((current) => ({ ...current, soak: { ...soak, failures, checks: soak.checks + 1, lastSummary: verdict.summary, lastCheckAt: this.now() } }));
        await this.say(`⚠ ${here.dc} ${here.step.id}: failed check ${failures}/${settings.failure_limit}: ${verdict.reasons.join('; ')} · ${verdict.summary}`, 'progress');
        await this.scheduleTick(updated);
        return;
      }
      await this.breach(run, here, `${verdict.reasons.join('; ')} · ${verdict.summary}`);
      return;
    }
    const passed = await this.update((current) => ({ ...current, soak: { ...soak, checks: soak.checks + 1, lastSummary: verdict.summary, lastCheckAt: this.now() } }));
    if (this.now() < soak.until) {
      await this.scheduleTick(passed);
      return;
    }
    await this.completeStep(passed, here, `soak of ${formatDuration(soak.until - soak.startedAt)} passed (${soak.checks + 1} checks) · ${verdict.summary}`);
  }

  /** After a restart: settle journal entries written as intent, and keep soaks ticking. */
  async reconcile(): Promise<string[]> {
    const notes: string[] = [];
    const run = await this.deps.store.get(this.deps.plan.name);
    if (run === undefined) return notes;
    for (const entry of run.journal.filter((candidate) => candidate.status === 'intent' && candidate.kind === 'set-pooled')) {
      const live = (await this.deps.pooling.get(entry.target))?.state;
      const status = samePoolState(live, entry.to) ? 'done' : samePoolState(live, entry.from) ? 'failed' : 'intent';
      if (status === 'intent') notes.push(`${entry.target} is neither what it was nor what the plan wrote: drift`);
      else await this.setJournal(entry.seq, status);
      notes.push(`journal ${entry.seq} ${entry.target}: ${status} after restart`);
    }
    if (run.phase === 'soaking') await this.scheduleTick(run);
    return notes;
  }

  // ── steps ──────────────────────────────────────────────────────────────────────────────────

  private async advanceStep(action: PlanStepAction, request: ChangeRequest): Promise<ExecutionResult> {
    const run = await this.run();
    if (!samePosition(run.position, action.position) || !['awaiting-approval', 'acting'].includes(run.phase)) {
      throw new CutoverError('request.not-pending', `The plan moved on (${run.phase} at ${describePosition(this.deps.plan, run.position)}); request the step again.`);
    }
    const here = locate(this.deps.plan, run.position);
    if (here === undefined) throw new CutoverError('request.not-pending', 'The plan is complete.');
    const acting = run.phase === 'acting' ? run : await this.update((current) => movePhase(current, 'acting', this.now()));
    // A replay after a crash must redo the approved writes, not choose afresh: from live state a
    // wave's "depool 2" picked two more bare-metal hosts once the first two were already depooled.
    const ops = await stepOperations(here, { ...this.stepContext(here), pooling: this.poolAsBeforeRequest(acting, here, request.id) });
    if (ops.kind === 'blocked' || ops.lines.join('\n') !== action.preview.join('\n')) {
      await this.update((current) => movePhase(current, 'ready', this.now()));
      throw new CutoverError('request.not-pending', ops.kind === 'blocked' ? `Blocked at execution: ${ops.reason}` : 'The step would now do something other than what was approved (the pool changed); request it again.');
    }
    await this.say(`▶ ${here.dc} ${here.step.id}${here.waveCount > 1 ? ` wave ${here.wave + 1}/${here.waveCount}` : ''}: ${here.step.title} (${request.id})`, 'progress', request.id);
    const done: string[] = [];
    const poolChanges: PoolChange[] = [];
    try {
      const evidence = await this.executionEvidence(ops.operations);
      for (const op of ops.operations) done.push(await this.perform(op, here, request, poolChanges, evidence));
    } catch (error) {
      // An adapter error or a refusal leaves the plan paused with the error, never stuck "acting".
      await this.pauseWith(`${here.step.id} stopped: ${error instanceof Error ? error.message : String(error)}; !${this.service} resume to try the step again, or !${this.service} rollback`, false);
      throw error;
    } finally {
      // Whatever was written is logged, also when the wave stops half-way.
      for (const line of salPoolLines(poolChanges, here.dc)) await this.sal(`${line} - ${this.salReason(request)}`, request.id);
    }
    return this.afterChanges(here, done);
  }

  /** The step's checks, then its soak; shared by a fresh step and a re-check after an inconclusive pause. */
  private async afterChanges(here: Located, done: readonly string[]): Promise<ExecutionResult> {
    const checks = await this.verify(here);
    const failed = checks.filter((check) => !check.ok && check.inconclusive !== true);
    if (failed.length > 0) {
      const why = `verification failed: ${failed.map((check) => check.summary).join('; ')}`;
      const reverted = await this.compensate(here, why);
      await this.pauseWith(`${why}${reverted.length > 0 ? ` · rolled back: ${reverted.join(', ')}` : ''}`, false);
      throw new CutoverError('pooling.verify-failed', `${here.step.id} failed verification: ${failed.map((check) => check.summary).join('; ')}${reverted.length > 0 ? ` · rolled back ${reverted.length} change(s), verified` : ''}. The plan is paused.`);
    }
    const unsure = checks.filter((check) => check.inconclusive === true);
    const report = [...done, ...checks.map((check) => check.summary)].join(' · ');
    if (unsure.length > 0) {
      // resume checks again before anything else: `next` must not pool another worker past one nobody could judge.
      await this.pauseWith(`inconclusive: ${unsure.map((check) => check.summary).join('; ')}; !${this.service} resume checks again`, true);
      return { state: 'succeeded', outcome: `${report} · paused: inconclusive`, auditDetail: report };
    }
    if (here.step.kind === 'observe') {
      const health = await this.deps.effects.health({ dc: here.dc, lvsService: this.lvsServiceOf(here.step) });
      const verdict = analyse(health.k8s, health.baseline, this.analysisFor(here.step));
      const share = health.k8sShare.kind === 'value' ? `${Math.round(health.k8sShare.value * 100)}% of traffic on k8s` : 'k8s share: no data';
      const latest = await this.run();
      await this.completeStep(latest, here, `${share} · ${verdict.summary} · ${verdict.kind}`);
      return { state: 'succeeded', outcome: `health report: ${share} · ${verdict.summary}`, auditDetail: report };
    }
    if (here.step.soak_seconds > 0) {
      const soakMs = this.scaled(here.step.soak_seconds);
      const soaking = await this.update((current) => movePhase(current, 'soaking', this.now(), { soak: { startedAt: this.now(), until: this.now() + soakMs, checks: 0, failures: 0 } }));
      await this.scheduleTick(soaking);
      return { state: 'succeeded', outcome: `${report} · soaking ${formatDuration(soakMs)} under analysis`, auditDetail: report };
    }
    await this.completeStep(await this.run(), here, report);
    return { state: 'succeeded', outcome: report, auditDetail: report };
  }

  private async rollbackStep(action: PlanStepAction, request: ChangeRequest): Promise<ExecutionResult> {
    const here = locate(this.deps.plan, action.position);
    if (here === undefined) throw new CutoverError('request.not-pending', 'The journal names a step the plan no longer has.');
    await this.say(`⏪ ${here.dc} ${here.step.id}: rolling back (${request.id})`, 'progress', request.id);
    const reverted = await this.compensate(here, `rollback requested by ${request.requester.display} (${request.id}): ${request.reason}`);
    await this.update((current) => {
      const { soak: _soak, pause: _pause, ...rest } = current;
      return { ...rest, phase: 'ready', position: action.position, updatedAt: this.now() };
    });
    const outcome = reverted.length === 0 ? 'nothing was still in place to revert' : `reverted and verified: ${reverted.join(', ')}`;
    return { state: reverted.length === 0 ? 'noop' : 'succeeded', outcome: `${outcome} · the plan is back at ${describePosition(this.deps.plan, action.position)}`, auditDetail: outcome };
  }

  /** Bare metal back first, so capacity only ever grows before any worker leaves. */
  private async stop(request: ChangeRequest): Promise<ExecutionResult> {
    await this.update((current) => {
      const { soak: _soak, pause: _pause, ...rest } = current;
      return { ...rest, phase: 'stopped', updatedAt: this.now() };
    });
    const ops = await this.emergencyOperations();
    const written: string[] = [];
    const changesByDc = new Map<string, PoolChange[]>();
    try {
      for (const op of ops) {
        if (op.kind !== 'set-pooled') continue;
        // Exempt from "bare metal leaves only for proven workers": it puts bare metal back first.
        const result = await this.deps.writer.write({ action: op.action }, 'emergency-stop');
        if (result.outcome !== 'changed') continue;
        written.push(`${op.action.verb} ${op.action.fqdn.split('.')[0]}`);
        const { dc } = op.action.pool;
        pushTo(changesByDc, dc, { fqdn: op.action.fqdn, lvsService: op.action.pool.lvsService, from: op.from, to: op.to });
      }
    } finally {
      for (const [dc, changes] of changesByDc) {
        for (const line of salPoolLines(changes, dc)) await this.sal(`${line} - emergency stop: ${request.reason} - ${request.requester.display}@cutover`);
      }
    }
    await this.audit({ person: request.requester.person, display: request.requester.display, transport: request.requester.transport, channel: request.requester.channel }, 'plan.emergency-stop', written.join(', '));
    return { state: written.length === 0 ? 'noop' : 'succeeded', outcome: `emergency stop done, verified: ${written.length === 0 ? 'nothing to change' : written.join(', ')}. The plan is stopped.`, auditDetail: written.join(', ') };
  }

  private async emergencyOperations(): Promise<Operation[]> {
    const repool: Operation[] = [];
    const depool: Operation[] = [];
    for (const dc of this.deps.plan.datacenters) {
      for (const lvsService of this.deps.inventory.workerLvsServices) {
        const pool = this.deps.inventory.pool(lvsService, dc);
        const states = new Map((await this.deps.pooling.listPool(pool)).map((entry) => [entry.fqdn, entry.state]));
        for (const host of this.deps.inventory.members(lvsService, dc)) {
          const state = states.get(host.fqdn);
          if (state === undefined) continue;
          const path = conftoolPath(pool, host.fqdn);
          if (host.kind === 'bare-metal' && state.pooled !== 'yes') {
            const to: PoolState = { pooled: 'yes', weight: state.weight > 0 ? state.weight : this.defaultWeight() };
            repool.push({ kind: 'set-pooled', path, from: state, to, action: { kind: 'set-pooled', verb: 'pool', service: this.service, pool, fqdn: host.fqdn, changes: to } });
          } else if (host.kind === 'k8s-worker' && state.pooled === 'yes') {
            depool.push({ kind: 'set-pooled', path, from: state, to: { ...state, pooled: 'no' }, action: { kind: 'set-pooled', verb: 'depool', service: this.service, pool, fqdn: host.fqdn, changes: { pooled: 'no' } } });
          }
        }
      }
    }
    return [...repool, ...depool];
  }

  /**
   * The whole step judged once more at execution, against the pool as it is and with one fresh
   * round of real requests; each write then carries that evidence and is judged again alone.
   */
  private async executionEvidence(operations: readonly Operation[]): Promise<Map<string, ReadonlyMap<string, WorkerProof>>> {
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
      const { verdict, proofs } = await this.deps.writer.evaluate(this.service, pool, changes, 'plan');
      if (!verdict.allow) throw new CutoverError(verdict.rule === 'bare-metal-needs-proven-workers' ? 'safety.unproven' : 'safety.capacity', `Refused at execution: ${verdict.reason} · ${verdict.arithmetic}; nothing more was written.`);
      evidence.set(key, proofs);
    }
    return evidence;
  }

  private async perform(op: Operation, here: Located, request: ChangeRequest, poolChanges: PoolChange[], evidence: ReadonlyMap<string, ReadonlyMap<string, WorkerProof>>): Promise<string> {
    const target = op.kind === 'set-pooled' ? op.path : op.kind === 'puppet' ? op.selector : op.kind === 'helm' ? op.env : `${op.dc}/${op.lvsService}`;
    const existing = this.journalFor(await this.run(), here).find((entry) => entry.target === target && entry.status === 'done');
    if (existing !== undefined) {
      // A replay after a crash: its SAL line may not have been said yet (sal() dedupes if it was).
      if (op.kind === 'set-pooled' && !existing.detail.includes('(already so)')) poolChanges.push({ fqdn: op.action.fqdn, lvsService: op.action.pool.lvsService, from: op.from, to: op.to });
      return `${existing.detail} (already done)`;
    }
    const kind = op.kind === 'set-pooled' ? 'set-pooled' : op.kind === 'helm' ? 'helm' : 'puppet';
    const seq = await this.journal({ kind, target, detail: '', status: 'intent', dc: here.dc, stepId: here.step.id, wave: here.wave, requestId: request.id, ...(op.kind === 'set-pooled' ? { from: op.from, to: op.to } : {}) });
    try {
      const detail = await this.apply(op, here, request, poolChanges, evidence);
      await this.setJournal(seq, 'done', detail);
      return detail;
    } catch (error) {
      await this.setJournal(seq, 'failed', error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  private salReason(request: ChangeRequest): string {
    const task = this.taskOf(request);
    return `${request.reason} - ${request.requester.display}@cutover${task === undefined ? '' : ` - ${task}`}`;
  }

  private taskOf(request: ChangeRequest): string | undefined {
    return request.task ?? this.deps.plan.task;
  }

  /** Pool changes are collected in `poolChanges` for one SAL line per wave; everything else logs itself. */
  private async apply(op: Operation, here: Located, request: ChangeRequest, poolChanges: PoolChange[], evidence: ReadonlyMap<string, ReadonlyMap<string, WorkerProof>>): Promise<string> {
    const reason = this.salReason(request);
    switch (op.kind) {
      case 'set-pooled': {
        const by = { by: request.requester.display, requestId: request.id, reason: request.reason, transport: request.requester.transport, channel: request.requester.channel, ...(this.taskOf(request) === undefined ? {} : { task: this.taskOf(request) }) };
        // Bound to the state the approver saw in the preview: a key someone changed since is refused, not overwritten.
        const result = await this.deps.writer.write({ action: op.action, expect: { state: op.from }, by }, 'plan', evidence.get(poolKey(op.action.pool)));
        if (result.outcome !== 'noop') poolChanges.push({ fqdn: op.action.fqdn, lvsService: op.action.pool.lvsService, from: op.from, to: op.to });
        return `${op.to.pooled === 'yes' ? 'pool' : op.to.pooled === 'inactive' ? 'retire' : 'depool'} ${op.action.fqdn.split('.')[0]}${result.outcome === 'noop' ? ' (already so)' : ''}`;
      }
      case 'puppet': {
        const summary = requireOk(await this.deps.effects.runPuppet({ dc: here.dc, selector: op.selector, batchSize: op.batchSize, applies: op.applies, reason }));
        await this.sal(`puppet run on ${op.selector} (${op.applies}) - ${reason}`);
        return summary;
      }
      case 'lvs-service': {
        const summary = requireOk(await this.deps.effects.applyLvsService({ dc: op.dc, lvsService: op.lvsService, applies: op.applies, reason }));
        await this.sal(`${op.lvsService} on the ${op.dc} LVS, pybal restarted secondary first - ${reason}`);
        return summary;
      }
      case 'helm': {
        const diff = requireOk(await this.deps.effects.helmDiff({ env: op.env }));
        await this.say(`helmfile diff ${op.env}: ${diff}`, 'progress', request.id);
        const summary = requireOk(await this.deps.effects.helmApply({ env: op.env, reason }));
        await this.sal(`[${op.env}] helmfile apply kartotherian - ${reason}`);
        return summary;
      }
      default:
        return op satisfies never;
    }
  }

  private async verify(here: Located): Promise<CheckOutcome[]> {
    const outcomes: CheckOutcome[] = [];
    for (const check of here.step.verify) {
      const lvsService = 'lvs_service' in check ? check.lvs_service : this.lvsServiceOf(here.step);
      outcomes.push(await this.deps.effects.runCheck(check, { dc: here.dc, pooled: await this.pooledByGroup(here.dc, lvsService), minRequestRate: this.analysisFor(here.step).min_request_rate }));
    }
    return outcomes;
  }

  /**
   * Reverts this step's conftool writes, newest first, and only where they are still what we
   * wrote: the saga's compensation stack, unwound through the one writer and its policy.
   */
  private async compensate(here: Located, why: string): Promise<string[]> {
    const run = await this.run();
    const reverted: string[] = [];
    const revertedTo = new Map<string, string[]>();
    const entries = this.journalFor(run, here).filter((entry) => entry.kind === 'set-pooled' && entry.status === 'done' && entry.from !== undefined && entry.to !== undefined).reverse();
    try {
      for (const entry of entries) {
        if (entry.from === undefined || entry.to === undefined) continue;
        const { pool, fqdn } = this.keyOf(entry.target, here.dc);
        const action: SetPooledAction = { kind: 'set-pooled', verb: entry.from.pooled === 'yes' ? 'pool' : 'depool', service: this.service, pool, fqdn, changes: { ...entry.from } };
        const result = await this.deps.writer.write({ action, expect: { state: entry.to }, onMismatch: 'skip' }, 'rollback');
        if (result.outcome === 'skipped') continue;
        await this.setJournal(entry.seq, 'reverted');
        reverted.push(`${fqdn.split('.')[0]} → pooled=${entry.from.pooled}`);
        pushTo(revertedTo, entry.from.pooled, fqdn);
      }
    } finally {
      const request = run.requestId === undefined ? undefined : await this.deps.requests.get(run.requestId);
      // Who, as every SAL line says it (alice@cutover), and the request that made the change.
      const who = request === undefined ? 'cutover@cutover' : `${request.requester.display}@cutover (${request.id})`;
      const task = this.deps.plan.task === undefined ? '' : ` - ${this.deps.plan.task}`;
      for (const [pooled, fqdns] of revertedTo) await this.sal(`rolled back ${foldFqdns(fqdns)} to pooled=${pooled} in ${here.dc} (${here.step.id}) - ${why} - ${who}${task}`);
    }
    return reverted;
  }

  /** The pool and host a journal target names, from the inventory (never parsed into a write). */
  private keyOf(target: string, dc: string): { pool: PoolRef; fqdn: string } {
    const fqdn = target.slice(target.lastIndexOf('/') + 1);
    const lvsService = this.deps.inventory.workerLvsServices.find((name) => conftoolPath(this.deps.inventory.pool(name, dc), fqdn) === target) ?? this.deps.inventory.lvsServiceNames.find((name) => conftoolPath(this.deps.inventory.pool(name, dc), fqdn) === target);
    if (lvsService === undefined) throw new CutoverError('input.invalid', `The journal names ${target}, which no configured pool holds.`);
    return { pool: this.deps.inventory.pool(lvsService, dc), fqdn };
  }

  private async breach(run: PlanRun, here: Located, why: string, label = 'health breach'): Promise<void> {
    const reverted = await this.compensate(here, `${label}: ${why}`);
    await this.update((current) => movePhase(current, 'paused', this.now(), { pause: { reason: `${label} during soak: ${why}`, at: this.now(), resume: 'ready' } }));
    await this.audit(undefined, 'plan.auto-rollback', `${here.step.id}: ${why}`);
    await this.say(`⏪ ${here.dc} ${here.step.id}: ${label}, rolled back by itself${reverted.length > 0 ? ` (${reverted.join(', ')}, verified)` : ' (nothing else to revert)'}: ${why}. Plan paused.`, 'error', run.requestId, '❌');
  }

  private async completeStep(run: PlanRun, here: Located, summary: string): Promise<void> {
    const provesWorkers = here.step.verify.some((check) => check.check === 'real-traffic');
    const workers = provesWorkers ? ((await this.pooledByGroup(here.dc, this.lvsServiceOf(here.step))).get(this.workerGroup()) ?? []) : [];
    // The step's real-traffic checks and clean soak prove its workers, as the guard's own run would.
    if (workers.length > 0) await this.deps.proofs.proven(this.service, this.deps.inventory.pool(this.lvsServiceOf(here.step), here.dc), workers, `${here.step.id}: ${summary}`);
    const next = advance(this.deps.plan, run.position);
    const updated = await this.update((current) => {
      const { soak: _soak, requestId: _request, ...rest } = current;
      return movePhase(rest, next === undefined ? 'done' : 'ready', this.now(), {
        position: next ?? current.position,
        completed: [...current.completed, { dc: here.dc, stepId: here.step.id, wave: here.wave, outcome: summary, at: this.now() }],
      });
    });
    await this.say(`✅ ${here.dc} ${here.step.id}${here.waveCount > 1 ? ` wave ${here.wave + 1}/${here.waveCount}` : ''} done: ${summary}${next === undefined ? ' · the plan is complete' : ` · next: ${describePosition(this.deps.plan, next)}`}`, 'result', run.requestId, '✅');
    const nextHere = next === undefined ? undefined : locate(this.deps.plan, next);
    if (updated.rollout !== undefined && nextHere !== undefined && nextHere.step.id === here.step.id && nextHere.dc === here.dc) {
      await this.continueRollout(updated);
    }
  }

  private async continueRollout(run: PlanRun): Promise<void> {
    const rollout = run.rollout;
    const origin = run.origin;
    if (rollout === undefined || origin === undefined) return;
    const caller: Caller = { person: rollout.person, display: rollout.by, transport: origin.transport, channel: origin.channel };
    try {
      const reply = await this.requestNext(caller, { rollout: true, reason: rollout.reason });
      await this.say(reply.text, 'result', undefined);
    } catch (error) {
      await this.say(`rollout stops: ${error instanceof Error ? error.message : String(error)}`, 'error', undefined);
    }
  }

  // ── helpers ────────────────────────────────────────────────────────────────────────────────

  /**
   * Pool changes in this DC's migration pools that the plan did not make (a hand pool/depool, or
   * confctl): the plan's picture of the pool is not the pool, and whoever reads `plan` must know.
   */
  private async outsideNote(run: PlanRun): Promise<string> {
    const here = locate(this.deps.plan, run.position) ?? locate(this.deps.plan, { dc: 0, step: 0, wave: 0 });
    if (here === undefined || run.phase === 'done') return '';
    const ours = new Map<string, PoolState | undefined>();
    for (const entry of run.journal) if (entry.kind === 'set-pooled' && (entry.status === 'done' || entry.status === 'reverted')) ours.set(entry.target, entry.status === 'done' ? entry.to : entry.from);
    const pooledWorkers: string[] = [];
    const leftBareMetal: string[] = [];
    for (const lvsService of this.deps.inventory.workerLvsServices) {
      const pool = this.deps.inventory.pool(lvsService, here.dc);
      const states = new Map((await this.deps.pooling.listPool(pool)).map((entry) => [entry.path, entry.state]));
      for (const host of this.deps.inventory.members(lvsService, here.dc)) {
        const path = conftoolPath(pool, host.fqdn);
        const live = states.get(path);
        if (live === undefined || (ours.has(path) && ours.get(path)?.pooled === live.pooled)) continue;
        if (host.kind === 'k8s-worker' && live.pooled === 'yes') pooledWorkers.push(host.shortName);
        if (host.kind === 'bare-metal' && live.pooled !== 'yes') leftBareMetal.push(`${host.shortName} (${live.pooled})`);
      }
    }
    const parts = [...(pooledWorkers.length > 0 ? [`${pooledWorkers.join(', ')} pooled`] : []), ...(leftBareMetal.length > 0 ? [`${leftBareMetal.join(', ')} out`] : [])];
    return parts.length === 0 ? '' : ` · outside the plan in ${here.dc}: ${parts.join('; ')}`;
  }

  private async blocking(run: PlanRun): Promise<string> {
    switch (run.phase) {
      case 'ready': {
        const here = locate(this.deps.plan, run.position);
        if (here === undefined) return 'nothing: the plan is complete';
        const ops = await stepOperations(here, this.stepContext(here));
        if (ops.kind === 'blocked') return `${here.step.id} is blocked: ${ops.reason}`;
        return `waiting for someone to say !${this.service} next (${here.step.title})`;
      }
      case 'awaiting-approval': {
        const request = run.requestId === undefined ? undefined : await this.deps.requests.get(run.requestId);
        if (request === undefined) return 'waiting for approval';
        if (request.state === 'denied' || request.state === 'expired') return `${request.id} was ${request.state}; !${this.service} next asks again`;
        return `waiting for approval of ${request.id} (${request.approvals.length}/${request.approvalsRequired})`;
      }
      case 'acting':
        return 'a step is being carried out';
      case 'soaking':
        return run.soak === undefined ? 'soaking' : `soak ends in ${formatDuration(run.soak.until - this.now())}, ${run.soak.checks} checks so far${run.soak.lastSummary === undefined ? '' : `, last: ${run.soak.lastSummary}`}`;
      case 'paused':
        return run.pause?.reason ?? 'paused';
      case 'rolling-back':
        return 'a rollback is in progress';
      case 'done':
        return 'nothing: the plan is complete';
      case 'aborted':
        return `aborted; !${this.service} next to continue from here, or rollback`;
      case 'stopped':
        return `emergency-stopped; bare metal is serving. Reset with !${this.service} resume after review`;
      default:
        return run.phase satisfies never;
    }
  }

  private mark(run: PlanRun, dcIndex: number, stepIndex: number): StepMark {
    const dc = this.deps.plan.datacenters[dcIndex];
    const step = this.deps.plan.steps[stepIndex];
    if (run.position.dc === dcIndex && run.position.step === stepIndex && run.phase !== 'done') return run.phase === 'paused' ? 'paused' : 'current';
    const waves = step?.kind === 'waves' ? step.waves.length : 1;
    const finished = run.completed.filter((entry) => entry.dc === dc && entry.stepId === step?.id).length;
    return finished >= waves ? 'done' : finished > 0 ? 'partial' : 'todo';
  }

  private async drift(run: PlanRun): Promise<string[]> {
    const latest = new Map<string, JournalEntry>();
    for (const entry of run.journal) if (entry.kind === 'set-pooled' && entry.status === 'done') latest.set(entry.target, entry);
    const drift: string[] = [];
    for (const entry of latest.values()) {
      const live = (await this.deps.pooling.get(entry.target))?.state;
      if (entry.to !== undefined && !samePoolState(live, entry.to)) {
        drift.push(`${entry.target.slice(entry.target.lastIndexOf('/') + 1)} is pooled=${live?.pooled ?? 'absent'}, the plan set ${entry.to.pooled}`);
      }
    }
    return drift;
  }

  private revertible(run: PlanRun): JournalEntry[] {
    return run.journal.filter((entry) => entry.kind === 'set-pooled' && entry.status === 'done').reverse();
  }

  /** The pool as this request found it: live state, with the writes it has made so far undone. */
  private poolAsBeforeRequest(run: PlanRun, here: Located, requestId: string): Pick<PoolingBackend, 'listPool'> {
    const before = new Map<string, PoolState>();
    for (const entry of this.journalFor(run, here)) {
      if (entry.requestId !== requestId || entry.kind !== 'set-pooled' || entry.from === undefined || before.has(entry.target)) continue;
      if (entry.status === 'done' || entry.status === 'intent') before.set(entry.target, entry.from);
    }
    return {
      listPool: async (pool) => (await this.deps.pooling.listPool(pool)).map((entry) => {
        const state = before.get(entry.path);
        return state === undefined ? entry : { ...entry, state };
      }),
    };
  }

  private journalFor(run: PlanRun, here: Located): JournalEntry[] {
    return run.journal.filter((entry) => entry.dc === here.dc && entry.stepId === here.step.id && entry.wave === here.wave);
  }

  private positionOf(entry: JournalEntry): Position {
    return { dc: this.deps.plan.datacenters.indexOf(entry.dc), step: this.deps.plan.steps.findIndex((step) => step.id === entry.stepId), wave: entry.wave };
  }

  private async journal(entry: Omit<JournalEntry, 'seq' | 'at'>): Promise<number> {
    let seq = 0;
    await this.update((current) => {
      seq = nextSeq(current);
      return { ...current, journal: [...current.journal, { ...entry, seq, at: this.now() }] };
    });
    return seq;
  }

  private async setJournal(seq: number, status: JournalEntry['status'], detail?: string): Promise<void> {
    await this.update((current) => ({
      ...current,
      journal: current.journal.map((entry) => (entry.seq === seq ? { ...entry, status, ...(detail === undefined ? {} : { detail }) } : entry)),
    }));
  }

  private async pooledByGroup(dc: string, lvsService: string): Promise<Map<string, string[]>> {
    const entries = await this.deps.pooling.listPool(this.deps.inventory.pool(lvsService, dc));
    const pooled = new Set(entries.filter((entry) => entry.state.pooled === 'yes').map((entry) => entry.fqdn));
    const groups = new Map<string, string[]>();
    for (const host of this.deps.inventory.members(lvsService, dc)) {
      if (pooled.has(host.fqdn)) pushTo(groups, host.group, host.fqdn);
    }
    return groups;
  }

  private workerGroup(): string {
    return this.deps.inventory.hosts.find((host) => host.kind === 'k8s-worker')?.group ?? 'wikikube';
  }

  private lvsServiceOf(step: PlanStep | undefined): string {
    if (step !== undefined && 'lvs_service' in step) return step.lvs_service;
    return this.deps.inventory.workerLvsServices[0] ?? this.deps.inventory.lvsServiceNames[0] ?? this.service;
  }

  private analysisFor(step: PlanStep | undefined): AnalysisSettings {
    return analysisSettingsSchema.parse({ ...this.deps.plan.analysis, ...(step?.analysis ?? {}) });
  }

  private stepContext(here: Located) {
    const proofs = (lvsService: string) => this.deps.proofs.recorded(this.service, this.deps.inventory.pool(lvsService, here.dc));
    return { inventory: this.deps.inventory, pooling: this.deps.pooling, effects: this.deps.effects, proofs, defaultWeight: this.defaultWeight() };
  }

  private defaultWeight(): number {
    return this.deps.config.services[this.service]?.default_weight ?? 10;
  }

  private action(operation: PlanStepAction['operation'], position: Position, here: Located, preview: string[]): PlanStepAction {
    return { kind: 'plan-step', operation, service: this.service, plan: this.deps.plan.name, dc: here.dc, stepId: here.step.id, position, title: here.step.title, preview };
  }

  private async fileRequest(caller: Caller, action: PlanStepAction, required: number, reason: string, task: string | undefined): Promise<ChangeRequest> {
    const approvers = approversFor(this.deps.config, this.service, caller.person);
    if (required > approvers.length) throw new CutoverError('auth.forbidden', `This needs ${required} approvers besides you; the config has ${approvers.length}.`);
    const now = this.now();
    const ttl = (this.deps.config.services[this.service]?.approval.ttl_seconds ?? 900) * 1000;
    const taskId = task ?? this.deps.plan.task;
    const request = await this.deps.requests.create({
      service: this.service,
      action,
      actionHash: actionHash(action),
      summary: describeAction(action),
      reason: reason === '' ? 'migration plan' : reason,
      ...(taskId === undefined ? {} : { task: taskId }),
      requester: toCallerRecord(caller),
      approvalsRequired: required,
      approvals: [],
      state: required === 0 ? 'approved' : 'pending',
      createdAt: now,
      expiresAt: now + ttl,
      updatedAt: now,
    });
    await this.audit(caller, 'request.created', `${request.summary} · ${action.preview.join(' ; ')}`, request.id);
    if (required === 0) await this.deps.queue.enqueue(request);
    else await this.deps.queue.scheduleExpiry(request);
    return request;
  }

  /** The numbers an approver should see at a gate; a metrics outage is said, not hidden. */
  private async healthLine(here: Located): Promise<string | undefined> {
    try {
      const health = await this.deps.effects.health({ dc: here.dc, lvsService: this.lvsServiceOf(here.step) });
      const verdict = analyse(health.k8s, health.baseline, this.analysisFor(here.step));
      const share = health.k8sShare.kind === 'value' ? `${Math.round(health.k8sShare.value * 100)}% on k8s` : 'k8s share: no data';
      return `health now: ${share} · ${verdict.summary}`;
    } catch (error) {
      return `health now: unavailable (${error instanceof Error ? error.message : String(error)})`;
    }
  }

  private requestReply(request: ChangeRequest, lines: string[], caller: Caller, health?: string): Reply {
    const approvers = approversFor(this.deps.config, this.service, caller.person);
    const gate = request.approvalsRequired === 0 ? 'queued (no approval needed)' : `needs ${request.approvalsRequired} approval from ${approvers.join(', ')}: !approve ${request.id} or !deny ${request.id}`;
    const shown = lines.length === 0 ? 'no change, a report only' : lines.length <= 4 ? lines.join(' ; ') : `${lines.slice(0, 3).join(' ; ')} ; … ${lines.length - 3} more (!${this.service} next --dry-run)`;
    return {
      text: `${request.approvalsRequired === 0 ? '▶' : '⏳'} ${request.id}: ${caller.display} asks to run ${request.summary} · ${shown}${health === undefined ? '' : ` · ${health}`} · ${gate}`,
      request: { id: request.id, actionHash: request.actionHash, state: request.approvalsRequired === 0 ? 'approved' : 'pending' },
    };
  }

  /** `recheck`: resume runs the step's checks again before the plan may go on. */
  private async pauseWith(reason: string, recheck = false): Promise<void> {
    await this.update((current) => movePhase(current, 'paused', this.now(), { pause: { reason, at: this.now(), resume: current.phase === 'soaking' ? 'soaking' : 'ready', ...(recheck ? { recheck: true } : {}) } }));
    await this.say(`⏸ ${this.deps.plan.name} paused: ${reason}`, 'error');
  }

  private async scheduleTick(run: PlanRun): Promise<void> {
    const here = locate(this.deps.plan, run.position);
    const interval = this.scaled(this.analysisFor(here?.step).interval_seconds);
    const soak = run.soak;
    const key = `${run.position.dc}-${run.position.step}-${run.position.wave}-${soak?.checks ?? 0}-${soak?.startedAt ?? 0}-${soak?.resumes ?? 0}`;
    await this.update((current) => (current.soak === undefined ? current : { ...current, soak: { ...current.soak, tickKey: key } }));
    await this.deps.scheduleTick(this.deps.plan.name, interval, key);
  }

  private async say(text: string, kind: 'progress' | 'result' | 'error', requestId?: string, mark?: string, dedupeKey?: string): Promise<void> {
    const run = await this.deps.store.get(this.deps.plan.name);
    const origin = run?.origin;
    if (origin === undefined) return;
    await this.deps.notifier.send(origin, { kind, text, ...(requestId === undefined ? {} : { requestId }), ...(mark === undefined ? {} : { mark }) }, dedupeKey ?? `plan-${this.now()}-${Math.random().toString(36).slice(2, 8)}`);
  }

  /**
   * The SAL line a change leaves in #wikimedia-operations, the second copy of the audit trail.
   * Within a request the line's own text is its dedupe key, so a wave replayed after a crash
   * says it once.
   */
  private async sal(message: string, requestId?: string): Promise<void> {
    const dedupeKey = requestId === undefined ? undefined : `sal-${requestId}-${createHash('sha256').update(message).digest('hex').slice(0, 16)}`;
    await this.say(`!log ${message}`, 'progress', undefined, undefined, dedupeKey);
  }

  private async audit(caller: Caller | undefined, event: string, detail: string, requestId?: string): Promise<void> {
    await this.deps.audit.append({
      event,
      service: this.service,
      who: caller === undefined ? 'cutover' : (caller.person ?? caller.display),
      where: caller === undefined ? 'plan' : `${caller.transport}:${caller.channel}`,
      ...(requestId === undefined ? {} : { requestId }),
      detail,
    });
  }

  private async run(): Promise<PlanRun> {
    return (await this.deps.store.get(this.deps.plan.name)) ?? newPlanRun(this.deps.plan, this.now());
  }

  private update(change: (current: PlanRun) => PlanRun): Promise<PlanRun> {
    return this.deps.store.update(this.deps.plan.name, () => newPlanRun(this.deps.plan, this.now()), change);
  }

  private scaled(seconds: number): number {
    return Math.round(seconds * this.deps.plan.time_scale * 1000);
  }

  private now(): number {
    return this.deps.clock.now();
  }
}

function requireOk(outcome: CheckOutcome): string {
  if (!outcome.ok) throw new CutoverError('adapter.command-failed', outcome.summary);
  return outcome.summary;
}

function poolKey(pool: PoolRef): string {
  return `${pool.dc}/${pool.lvsService}`;
}

function samePosition(a: Position, b: Position): boolean {
  return a.dc === b.dc && a.step === b.step && a.wave === b.wave;
}

function describeCheck(check: Check): string {
  switch (check.check) {
    case 'tls-probe':
      return `TLS on ${check.port} on every ${check.group} host`;
    case 'vip-probe':
      return `a real request to the VIP on ${check.lvs_service}`;
    case 'pybal-pool':
      return `pybal lists ${check.group} enabled/up in ${check.lvs_service}`;
    case 'traffic-moved':
      return `traffic moved from ${check.from} to ${check.to}`;
    case 'release-ready':
      return 'pods ready and NodePort answering';
    case 'real-traffic':
      return `${check.group} served real requests via the ${check.lvs_service} VIP`;
    default:
      return check satisfies never;
  }
}
