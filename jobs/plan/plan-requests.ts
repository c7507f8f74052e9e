import type { ActionQueue, RequestStore } from '../../commands/ports.js';
import type { Reply } from '../../commands/spec.js';
import { approversFor, type Caller } from '../../core/access.js';
import { actionHash, describeAction, type PlanStepAction } from '../../core/actions.js';
import { CutoverError } from '../../core/errors.js';
import { describePosition, locate, movePhase, samePosition, type Located, type PlanRun, type Position } from '../../core/plan/run-state.js';
import { toCallerRecord, type ChangeRequest } from '../../core/requests.js';
import type { EmergencyStop } from './emergency-stop.js';
import type { PlanContext } from './plan-context.js';
import type { PlanJournal } from './plan-journal.js';
import type { PlanNarration } from './plan-narration.js';
import type { PlanViews } from './plan-views.js';
import { stepOperations } from './step-operations.js';

export interface PlanRequestsDeps {
  context: PlanContext;
  narration: Pick<PlanNarration, 'say' | 'audit'>;
  views: Pick<PlanViews, 'blocking'>;
  journal: Pick<PlanJournal, 'revertible' | 'revertLine'>;
  emergency: Pick<EmergencyStop, 'lines'>;
  requests: RequestStore;
  queue: ActionQueue;
}

const GATES = { none: 0, one: 1, two: 2 } as const;

/**
 * What people ask of the plan: the next step, a rollback, an emergency stop. Each is filed as a
 * request through the same approval gate as a pool change, bound to the exact writes it showed;
 * the worker runs it (step-execution.ts, emergency-stop.ts) once approved.
 */
export class PlanRequests {
  constructor(private readonly deps: PlanRequestsDeps) {}

  async requestNext(caller: Caller, options: { rollout: boolean; reason: string; task?: string }): Promise<Reply> {
    const { context } = this.deps;
    const run = await this.freeIfDecided(await context.run());
    if (run.phase !== 'ready') throw new CutoverError('request.not-pending', `The plan is ${run.phase}: ${await this.deps.views.blocking(run)}`);
    const here = locate(context.plan, run.position);
    if (here === undefined) throw new CutoverError('request.not-pending', 'The plan is complete; there is no next step.');
    const ops = await stepOperations(here, context.stepContext(here));
    if (ops.kind === 'blocked') {
      throw new CutoverError('safety.capacity', `${describePosition(context.plan, run.position)} is blocked: ${ops.reason}${ops.arithmetic === undefined ? '' : ` · ${ops.arithmetic}`}`);
    }
    const action = this.action('advance', run.position, here, ops.lines);
    // Claim the step before filing the request, in one compare-and-swap: two people saying next
    // at once used to both get a request, the loser's orphaned yet approvable. A no-approval step
    // is queued as it is filed, so the plan must already be awaiting it by then.
    await this.claimStep(run.position, caller, options);
    let request: ChangeRequest;
    try {
      request = await this.fileRequest(caller, action, GATES[here.step.gate], options.reason, options.task);
    } catch (error) {
      await context.update((current) => movePhase(current, 'ready', context.now()));
      throw error;
    }
    await context.update((current) => (current.phase === 'awaiting-approval' && current.requestId === undefined ? { ...current, requestId: request.id } : current));
    return this.requestReply(request, ops.lines, caller, await this.healthLine(here));
  }

  async requestRollback(caller: Caller, reason: string): Promise<Reply> {
    const { context, journal } = this.deps;
    const entries = journal.revertible(await context.run());
    const last = entries[0];
    if (last === undefined) throw new CutoverError('request.not-pending', 'Nothing to roll back: no conftool change of this plan is still in place.');
    const position = context.positionOf(last);
    const here = locate(context.plan, position);
    if (here === undefined) throw new CutoverError('request.not-pending', 'The journal names a step the plan no longer has.');
    const lines = entries.filter((entry) => entry.stepId === last.stepId && entry.dc === last.dc && entry.wave === last.wave).map((entry) => journal.revertLine(entry));
    const request = await this.fileRequest(caller, this.action('rollback', position, here, lines), 1, reason, undefined);
    return this.requestReply(request, lines, caller);
  }

  async emergencyStop(caller: Caller, reason: string): Promise<Reply> {
    const { context } = this.deps;
    const run = await context.run();
    const lines = await this.deps.emergency.lines();
    const here = locate(context.plan, run.position) ?? locate(context.plan, { dc: 0, step: 0, wave: 0 });
    if (here === undefined) throw new CutoverError('input.invalid', 'The plan has no steps.');
    // No approval: stopping is always allowed to an operator, and waiting for a second person is the risk.
    const request = await this.fileRequest(caller, this.action('emergency-stop', run.position, here, lines), 0, reason, undefined);
    return { text: `🛑 ${request.id} EMERGENCY STOP queued by ${caller.display}: repool bare metal first, then depool workers (${lines.length} writes). ${reason}`, request: { id: request.id, actionHash: request.actionHash, state: 'approved' } };
  }

  /** `rollout`: a wave soaked clean and the next wave of the same step is requested by itself, for the same person. */
  async continueRollout(run: PlanRun): Promise<void> {
    const { rollout, origin } = run;
    if (rollout === undefined || origin === undefined) return;
    const caller: Caller = { person: rollout.person, display: rollout.by, transport: origin.transport, channel: origin.channel };
    try {
      const reply = await this.requestNext(caller, { rollout: true, reason: rollout.reason });
      await this.deps.narration.say(reply.text, 'result', undefined);
    } catch (error) {
      await this.deps.narration.say(`rollout stops: ${error instanceof Error ? error.message : String(error)}`, 'error', undefined);
    }
  }

  /**
   * A step request that was denied or expired will never run: the plan no longer waits for it.
   * Nothing else tells the plan, so without this it said "waiting for approval" of a dead request.
   */
  private async freeIfDecided(run: PlanRun): Promise<PlanRun> {
    const { context } = this.deps;
    const waitingFor = run.phase === 'awaiting-approval' ? run.requestId : undefined;
    if (waitingFor === undefined) return run;
    const request = await this.deps.requests.get(waitingFor);
    if (request !== undefined && request.state !== 'denied' && request.state !== 'expired') return run;
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

  private async fileRequest(caller: Caller, action: PlanStepAction, required: number, reason: string, task: string | undefined): Promise<ChangeRequest> {
    const { context } = this.deps;
    const approvers = approversFor(context.config, context.service, caller.person);
    if (required > approvers.length) throw new CutoverError('auth.forbidden', `This needs ${required} approvers besides you; the config has ${approvers.length}.`);
    const now = context.now();
    const ttl = (context.config.services[context.service]?.approval.ttl_seconds ?? 900) * 1000;
    const taskId = task ?? context.plan.task;
    const request = await this.deps.requests.create({
      service: context.service,
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
    await this.deps.narration.audit(caller, 'request.created', `${request.summary} · ${action.preview.join(' ; ')}`, request.id);
    if (required === 0) await this.deps.queue.enqueue(request);
    else await this.deps.queue.scheduleExpiry(request);
    return request;
  }

  /** The numbers an approver should see at a gate; a metrics outage is said, not hidden. */
  private async healthLine(here: Located): Promise<string> {
    try {
      const { share, verdict } = await this.deps.context.healthNow(here, 'on k8s');
      return `health now: ${share} · ${verdict.summary}`;
    } catch (error) {
      return `health now: unavailable (${error instanceof Error ? error.message : String(error)})`;
    }
  }

  private requestReply(request: ChangeRequest, lines: string[], caller: Caller, health?: string): Reply {
    const { context } = this.deps;
    const approvers = approversFor(context.config, context.service, caller.person);
    const gate = request.approvalsRequired === 0 ? 'queued (no approval needed)' : `needs ${request.approvalsRequired} approval from ${approvers.join(', ')}: !approve ${request.id} or !deny ${request.id}`;
    const shown = lines.length === 0 ? 'no change, a report only' : lines.length <= 4 ? lines.join(' ; ') : `${lines.slice(0, 3).join(' ; ')} ; … ${lines.length - 3} more (!${context.service} next --dry-run)`;
    return {
      text: `${request.approvalsRequired === 0 ? '▶' : '⏳'} ${request.id}: ${caller.display} asks to run ${request.summary} · ${shown}${health === undefined ? '' : ` · ${health}`} · ${gate}`,
      request: { id: request.id, actionHash: request.actionHash, state: request.approvalsRequired === 0 ? 'approved' : 'pending' },
    };
  }
}
