import type { FiledRequest, RequestFiling, RequestStore } from '../../core/ports/stores.js';
import type { Caller } from '../../core/access.js';
import type { PlanStepAction } from '../../core/actions.js';
import { CutoverError } from '../../core/errors.js';
import type { HealthNow } from '../../core/health-now.js';
import { describePosition, locate, movePhase, samePosition, type Located, type PlanRun, type Position } from '../../core/plan/run-state.js';
import { draftRequest, type RequestInput } from '../../core/request-draft.js';
import type { RequestNotice } from '../../core/request-notice.js';
import { requestWords } from '../../core/request-words.js';
import type { EmergencyStop } from './emergency-stop.js';
import type { PlanContext } from './plan-context.js';
import type { PlanJournal } from './plan-journal.js';
import type { PlanNarration } from './plan-narration.js';
import type { PlanViews } from './plan-views.js';
import { takeHelmDiff } from './helm-diff-binding.js';
import { stepOperations, type StepOperations } from './step-operations.js';

export interface PlanRequestsDeps {
  context: PlanContext;
  narration: Pick<PlanNarration, 'say'>;
  views: Pick<PlanViews, 'blocking' | 'afterApproval'>;
  journal: Pick<PlanJournal, 'revertible' | 'revertLine'>;
  emergency: Pick<EmergencyStop, 'lines'>;
  requests: Pick<RequestStore, 'get'>;
  filer: RequestFiling;
}

const GATES = { none: 0, one: 1, two: 2 } as const;

/**
 * What people ask of the plan: the next step, a rollback, an emergency stop. Each is filed the
 * one way every request is (RequestFiling), bound to the exact writes it showed (and a helm step
 * to the diff it showed, helm-diff-binding.ts); the worker runs
 * it (step-execution.ts, emergency-stop.ts) once approved. A dry run builds the same request and
 * returns what it would show, filing nothing.
 */
export class PlanRequests {
  constructor(private readonly deps: PlanRequestsDeps) {}

  async requestNext(caller: Caller, options: { rollout: boolean; reason: string; task?: string; dryRun?: boolean; freezeOverride?: string }): Promise<RequestNotice> {
    const { context } = this.deps;
    if (options.dryRun === true) {
      // The step the plan stands at, whatever its phase: while it waits for approval this is where all its actions are read.
      const run = await context.run();
      const { here, ops } = await this.stepAt(run.position);
      const input = this.input(caller, this.action('advance', run.position, here, ops.lines), GATES[here.step.gate], options.reason, options.task, options.freezeOverride);
      return this.dryRun({ ...input, helmDiff: await takeHelmDiff(ops.operations, context.effects) }, { health: await this.health(here), then: this.deps.views.afterApproval(here, ops) });
    }
    const run = await this.freeIfDecided(await context.run());
    if (run.phase !== 'ready') throw new CutoverError('request.not-pending', `The plan is ${run.phase}: ${await this.deps.views.blocking(run)}`);
    const { here, ops } = await this.stepAt(run.position);
    const input = this.input(caller, this.action('advance', run.position, here, ops.lines), GATES[here.step.gate], options.reason, options.task, options.freezeOverride);
    // Claim the step before filing the request, in one compare-and-swap: two people saying next
    // at once used to both get a request, the loser's orphaned yet approvable. A no-approval step
    // is queued as it is filed, so the plan must already be awaiting it by then.
    await this.claimStep(run.position, caller, options);
    let filed: FiledRequest;
    try {
      // Taken once the step is claimed: a helm diff takes a while, and a second `next` meanwhile must not file too.
      filed = await this.deps.filer.file({ ...input, helmDiff: await takeHelmDiff(ops.operations, context.effects) });
    } catch (error) {
      await context.update((current) => movePhase(current, 'ready', context.now()));
      throw error;
    }
    const { id } = filed.request;
    await context.update((current) => (current.phase === 'awaiting-approval' && current.requestId === undefined ? { ...current, requestId: id } : current));
    return this.filed(filed, { health: await this.health(here) });
  }

  async requestRollback(caller: Caller, reason: string, options: { dryRun?: boolean; freezeOverride?: string } = {}): Promise<RequestNotice> {
    const { context, journal } = this.deps;
    const entries = journal.revertible(await context.run());
    const last = entries[0];
    if (last === undefined) throw new CutoverError('request.not-pending', 'Nothing to roll back: no conftool change of this plan is still in place.');
    const position = context.positionOf(last);
    const here = locate(context.plan, position);
    if (here === undefined) throw new CutoverError('request.not-pending', 'The journal names a step the plan no longer has.');
    const lines = entries.filter((entry) => entry.stepId === last.stepId && entry.dc === last.dc && entry.wave === last.wave).map((entry) => journal.revertLine(entry));
    const input = this.input(caller, this.action('rollback', position, here, lines), 1, reason, undefined, options.freezeOverride);
    return options.dryRun === true ? this.dryRun(input) : this.filed(await this.deps.filer.file(input));
  }

  async emergencyStop(caller: Caller, reason: string, options: { dryRun?: boolean } = {}): Promise<RequestNotice> {
    const { context } = this.deps;
    const run = await context.run();
    const lines = await this.deps.emergency.lines();
    const here = locate(context.plan, run.position) ?? locate(context.plan, { dc: 0, step: 0, wave: 0 });
    if (here === undefined) throw new CutoverError('input.invalid', 'The plan has no steps.');
    // No approval: stopping is always allowed to an operator, and waiting for a second person is the risk.
    const input = this.input(caller, this.action('emergency-stop', run.position, here, lines), 0, reason, undefined);
    return options.dryRun === true ? this.dryRun(input) : this.filed(await this.deps.filer.file(input));
  }

  /** `rollout`: a wave soaked clean and the next wave of the same step is requested by itself, for the same person. */
  async continueRollout(run: PlanRun): Promise<void> {
    const { rollout, origin } = run;
    if (rollout === undefined || origin === undefined) return;
    const caller: Caller = { person: rollout.person, display: rollout.by, transport: origin.transport, channel: origin.channel };
    try {
      const notice = await this.requestNext(caller, { rollout: true, reason: rollout.reason });
      await this.deps.narration.say(requestWords(notice), 'result', undefined);
    } catch (error) {
      await this.deps.narration.say(`rollout stops: ${error instanceof Error ? error.message : String(error)}`, 'error', undefined);
    }
  }

  /** The step at `position` with the exact operations it would run now; the end of the plan and a blocked step are refused. */
  private async stepAt(position: Position): Promise<{ here: Located; ops: Extract<StepOperations, { kind: 'ready' }> }> {
    const { context } = this.deps;
    const here = locate(context.plan, position);
    if (here === undefined) throw new CutoverError('request.not-pending', 'The plan is complete; there is no next step.');
    const alerts = await context.alertBlocker();
    if (alerts !== undefined) throw new CutoverError('safety.capacity', `${describePosition(context.plan, position)} is blocked: ${alerts.reason}`);
    const ops = await stepOperations(here, context.stepContext(here));
    if (ops.kind === 'blocked') {
      throw new CutoverError('safety.capacity', `${describePosition(context.plan, position)} is blocked: ${ops.reason}${ops.arithmetic === undefined ? '' : ` · ${ops.arithmetic}`}`);
    }
    return { here, ops };
  }

  /**
   * A step request that was denied or expired will never run: the plan no longer waits for it.
   * Nothing else tells the plan, so without this it said "waiting for approval" of a dead request.
   * Failed too: one that failed while the plan still awaits it was refused before it ran (the
   * change window closed after its approval); a step that fails running pauses the plan instead.
   */
  private async freeIfDecided(run: PlanRun): Promise<PlanRun> {
    const { context } = this.deps;
    const waitingFor = run.phase === 'awaiting-approval' ? run.requestId : undefined;
    if (waitingFor === undefined) return run;
    const request = await this.deps.requests.get(waitingFor);
    if (request !== undefined && request.state !== 'denied' && request.state !== 'expired' && request.state !== 'failed') return run;
    return context.update((current) => {
      if (current.phase !== 'awaiting-approval' || current.requestId !== waitingFor) return current;
      const { requestId: _dead, ...rest } = current;
      return movePhase(rest, 'ready', context.now());
    });
  }

  private async claimStep(position: Position, caller: Caller, options: { rollout: boolean; reason: string }): Promise<void> {
    const { context } = this.deps;
    let taken: PlanRun | undefined;
    await context.update((current) => {
      taken = undefined;
      if (current.phase !== 'ready' || !samePosition(current.position, position)) {
        taken = current;
        return current;
      }
      const { requestId: _previous, ...rest } = current;
      return movePhase(rest, 'awaiting-approval', context.now(), {
        origin: { transport: caller.transport, channel: caller.channel },
        ...(options.rollout ? { rollout: { by: caller.display, ...(caller.person === undefined ? {} : { person: caller.person }), reason: options.reason } } : {}),
      });
    });
    if (taken !== undefined) throw new CutoverError('request.not-pending', `The plan is ${taken.phase}: ${await this.deps.views.blocking(taken)}`);
  }

  private action(operation: PlanStepAction['operation'], position: Position, here: Located, preview: string[]): PlanStepAction {
    const { context } = this.deps;
    return { kind: 'plan-step', operation, service: context.service, plan: context.plan.name, dc: here.dc, stepId: here.step.id, position, title: here.step.title, preview };
  }

  /** A plan request belongs to the plan's task unless given its own; without a reason it is "migration plan". */
  private input(caller: Caller, action: PlanStepAction, approvalsRequired: number, reason: string, task: string | undefined, freezeOverride?: string): RequestInput {
    const { context } = this.deps;
    return { service: context.service, action, caller, reason: reason === '' ? 'migration plan' : reason, task: task ?? context.plan.task, approvalsRequired, freezeOverride };
  }

  private dryRun(input: RequestInput, shown: Pick<RequestNotice, 'health' | 'then'> = {}): RequestNotice {
    const { context } = this.deps;
    const { draft, approvers } = draftRequest(input, context.config, context.now());
    return { id: undefined, request: draft, approvers, ...shown };
  }

  private filed({ request, approvers }: FiledRequest, shown: Pick<RequestNotice, 'health'> = {}): RequestNotice {
    return { id: request.id, request, approvers, ...shown };
  }

  /** The numbers an approver should see at a gate; a metrics outage is said, not hidden. */
  private async health(here: Located): Promise<HealthNow> {
    try {
      const { share, verdict } = await this.deps.context.healthNow(here);
      return { kind: 'ok', share, summary: verdict.summary };
    } catch (error) {
      return { kind: 'unavailable', reason: error instanceof Error ? error.message : String(error) };
    }
  }
}
