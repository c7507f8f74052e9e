import type { AuditLog, RequestFiling, RequestStore } from '../../core/ports/stores.js';
import type { PlanControl, PlanHeld, PlanProgress, PlanResumed } from '../../core/ports/plan-control.js';
import type { Caller } from '../../core/access.js';
import type { PlanStepAction } from '../../core/actions.js';
import type { AnalysisSettings } from '../../core/plan/analysis.js';
import type { RequestNotice } from '../../core/request-notice.js';
import type { ChangeRequest } from '../../core/requests.js';
import type { WorkerProofs } from '../guard/worker-proofs.js';
import type { Notifier } from '../notifier.js';
import type { PoolWriter } from '../pool-writer.js';
import type { ExecutionResult } from '../run-set-pooled.js';
import { EmergencyStop } from './emergency-stop.js';
import { HostSilences } from './host-silences.js';
import { PlanContext, type PlanContextDeps } from './plan-context.js';
import { PlanJournal } from './plan-journal.js';
import { PlanNarration } from './plan-narration.js';
import { PlanPauses } from './plan-pauses.js';
import { PlanRequests } from './plan-requests.js';
import { PlanViews } from './plan-views.js';
import { SoakAnalysis } from './soak-analysis.js';
import { SoakSchedule } from './soak-schedule.js';
import { StepExecution } from './step-execution.js';

/** What the context reads, and what the rooms write and say through. */
export interface PlanRunnerDeps extends PlanContextDeps {
  writer: PoolWriter;
  proofs: WorkerProofs;
  requests: RequestStore;
  /** The one way every request is filed, the plan's as `pool`'s. */
  filer: RequestFiling;
  audit: AuditLog;
  notifier: Pick<Notifier, 'send'>;
  /** Schedules the next soak analysis; `key` makes a repeated schedule for the same tick a no-op, and a tick whose key is not the run's latest is stale. */
  scheduleTick: (plan: string, delayMs: number, key: string) => Promise<void>;
}

/**
 * Runs the migration plan: each step is previewed, approved through the same gate as a pool
 * change, executed with a write-ahead journal, verified with real requests, soaked under health
 * analysis, and rolled back by itself when health says so. This class only composes the rooms
 * that do each of these and hands each call to its room:
 *
 * - plan-views.ts: progress, what follows a step's approval, what the plan waits for
 * - plan-requests.ts: next (with the claim), rollback, emergency stop, their dry runs, rollout continuation
 * - step-execution.ts: an approved step carried out, checked, soaked or completed; rollback
 * - emergency-stop.ts: bare metal back first, then workers out
 * - plan-journal.ts: the write-ahead journal, compensation, reconcile after restart, drift
 * - host-silences.ts: Alertmanager silences of the bare metal the plan takes out
 * - soak-analysis.ts: soak ticks, the breach that rolls back the last change, resume
 * - soak-schedule.ts, plan-pauses.ts, plan-narration.ts, plan-context.ts: what the others share
 */
export class PlanRunner implements PlanControl {
  readonly service: string;
  private readonly context: PlanContext;
  private readonly views: PlanViews;
  private readonly requests: PlanRequests;
  private readonly pauses: PlanPauses;
  private readonly execution: StepExecution;
  private readonly emergency: EmergencyStop;
  private readonly journal: PlanJournal;
  private readonly soak: SoakAnalysis;
  private readonly narration: PlanNarration;

  constructor(deps: PlanRunnerDeps) {
    // Bottom-up: each room is handed only rooms built before it, so no two rooms call each other.
    const context = new PlanContext(deps);
    const narration = new PlanNarration({ context, notifier: deps.notifier, audit: deps.audit });
    this.narration = narration;
    const silences = new HostSilences({ context, narration });
    const journal = new PlanJournal({ context, narration, writer: deps.writer, requests: deps.requests, silences });
    const schedule = new SoakSchedule({ context, scheduleTick: deps.scheduleTick });
    const pauses = new PlanPauses({ context, narration });
    const emergency = new EmergencyStop({ context, narration, writer: deps.writer, silences });
    const views = new PlanViews({ context, requests: deps.requests });
    const requests = new PlanRequests({ context, narration, views, journal, emergency, requests: deps.requests, filer: deps.filer });
    const execution = new StepExecution({ context, narration, journal, pauses, schedule, rollout: requests, writer: deps.writer, proofs: deps.proofs, silences });
    this.context = context;
    this.views = views;
    this.requests = requests;
    this.pauses = pauses;
    this.execution = execution;
    this.emergency = emergency;
    this.journal = journal;
    this.soak = new SoakAnalysis({ context, narration, journal, pauses, schedule, execution });
    this.service = context.service;
  }

  get planName(): string {
    return this.context.plan.name;
  }

  get task(): string | undefined {
    return this.context.plan.task;
  }

  /** The plan's health analysis and its interval (time_scale applied), which the guard uses too. */
  analysisSettings(): { analysis: AnalysisSettings; intervalMs: number } {
    return { analysis: this.context.analysisFor(undefined), intervalMs: this.context.intervalMs(undefined) };
  }

  progress(): Promise<PlanProgress> {
    return this.views.progress();
  }

  requestNext(caller: Caller, options: { rollout: boolean; reason: string; task?: string; dryRun?: boolean; freezeOverride?: string }): Promise<RequestNotice> {
    return this.requests.requestNext(caller, options);
  }

  requestRollback(caller: Caller, reason: string, options?: { dryRun?: boolean; freezeOverride?: string }): Promise<RequestNotice> {
    return this.requests.requestRollback(caller, reason, options);
  }

  emergencyStop(caller: Caller, reason: string, options?: { dryRun?: boolean; freezeOverride?: string }): Promise<RequestNotice> {
    return this.requests.emergencyStop(caller, reason, options);
  }

  pause(caller: Caller, reason: string): Promise<PlanHeld> {
    return this.pauses.pause(caller, reason);
  }

  resume(caller: Caller): Promise<PlanResumed> {
    return this.soak.resume(caller);
  }

  abort(caller: Caller, reason: string): Promise<PlanHeld> {
    return this.pauses.abort(caller, reason);
  }

  /** Runs an approved plan request. Safe to run again after a crash: done journal entries are skipped. */
  execute(action: PlanStepAction, request: ChangeRequest): Promise<ExecutionResult> {
    switch (action.operation) {
      case 'advance':
        return this.execution.advance(action, request);
      case 'rollback':
        return this.toEveryone(request, '⏪', `rollback of ${action.stepId}`, this.execution.rollback(action, request));
      case 'emergency-stop':
        return this.toEveryone(request, '🛑', 'EMERGENCY STOP', this.emergency.run(request));
      default:
        return action.operation satisfies never;
    }
  }

  /** A rollback or emergency stop is news for every configured channel, done or failed, not only the asker's. */
  private async toEveryone(request: ChangeRequest, icon: string, what: string, running: Promise<ExecutionResult>): Promise<ExecutionResult> {
    const by = `${request.requester.display} (${request.id}): ${request.reason}`;
    try {
      const result = await running;
      await this.narration.broadcast(`${icon} ${this.service} ${what} by ${by} · ${result.outcome}`, request);
      await this.narration.record({ dc: 'all', step: what.toLowerCase().replaceAll(' ', '-'), text: `${what} by ${by} · ${result.outcome}` }, request);
      return result;
    } catch (error) {
      await this.narration.broadcast(`❌ ${this.service} ${what} by ${by} failed: ${error instanceof Error ? error.message : String(error)}; check !${this.service} status`, request);
      throw error;
    }
  }

  tick(key?: string): Promise<void> {
    return this.soak.tick(key);
  }

  /** After a restart: settle journal entries written as intent, and keep soaks ticking. */
  async reconcile(): Promise<string[]> {
    const notes = await this.journal.settleIntents();
    await this.soak.keepTicking();
    return notes;
  }

  workerFailed(dc: string, fqdn: string, why: string): Promise<void> {
    return this.soak.workerFailed(dc, fqdn, why);
  }

  analyses(dc: string): Promise<boolean> {
    return this.soak.analyses(dc);
  }

  soakWatch(): Promise<{ lastCheckAt: number; intervalMs: number } | undefined> {
    return this.soak.soakWatch();
  }

  /** Where the plan reports, for others (the guard) that have nowhere better to speak. */
  async origin(): Promise<{ transport: string; channel: string } | undefined> {
    return (await this.context.stored())?.origin;
  }
}
