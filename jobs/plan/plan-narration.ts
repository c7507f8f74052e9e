import { salSigner } from '../../core/identity.js';
import { createHash } from 'node:crypto';
import type { AuditLog } from '../../core/ports/stores.js';
import type { Caller } from '../../core/access.js';
import type { ChangeRequest } from '../../core/requests.js';
import { everywhere, type Notifier } from '../notifier.js';
import type { PlanContext } from './plan-context.js';

export interface PlanNarrationDeps {
  context: PlanContext;
  notifier: Pick<Notifier, 'send'>;
  audit: AuditLog;
}

type Kind = 'progress' | 'result' | 'error';

/**
 * How the plan speaks: lines in the channel of its last command, SAL lines (the second copy of
 * the audit trail) and the audit trail itself. Every room says things through here, so who and
 * why read the same in all three.
 */
export class PlanNarration {
  constructor(private readonly deps: PlanNarrationDeps) {}

  /**
   * A rollback the plan did by itself: a safety alert in every configured channel (the plan's own
   * first), sent before anything else waiting.
   */
  async alert(text: string, requestId?: string, mark?: string): Promise<void> {
    const { context } = this.deps;
    const origin = (await context.stored())?.origin;
    await this.deps.notifier.send(everywhere({ also: origin }), { kind: 'error', text, urgency: 'safety', ...(requestId === undefined ? {} : { requestId }), ...(mark === undefined ? {} : { mark }) }, uniqueKey(context.now()));
  }

  /**
   * How a rollback or an emergency stop someone asked for ended, for every other configured
   * channel: the asker's channel hears it from the request itself (jobs/action-processor.ts).
   */
  async broadcast(text: string, request: ChangeRequest): Promise<void> {
    const { transport, channel } = request.requester;
    await this.deps.notifier.send(everywhere({ besides: { transport, channel } }), { kind: 'error', text, urgency: 'safety' }, `${request.id}-everywhere`);
  }

  async say(text: string, kind: Kind, requestId?: string, mark?: string, dedupeKey?: string, urgency?: 'safety'): Promise<void> {
    const { context } = this.deps;
    const origin = (await context.stored())?.origin;
    // Nobody has spoken to the plan yet: there is no channel that follows it.
    if (origin === undefined) return;
    await this.deps.notifier.send(origin, { kind, text, ...(urgency === undefined ? {} : { urgency }), ...(requestId === undefined ? {} : { requestId }), ...(mark === undefined ? {} : { mark }) }, dedupeKey ?? uniqueKey(context.now()));
  }

  /**
   * Within a request the line's own text is its dedupe key, so a wave replayed after a crash says
   * it once, and the line is about that request: Slack threads it under it, not in the channel.
   */
  async sal(message: string, requestId?: string): Promise<void> {
    const dedupeKey = requestId === undefined ? undefined : `sal-${requestId}-${createHash('sha256').update(message).digest('hex').slice(0, 16)}`;
    // A result, never a progress line: progress may be coalesced or edited away, and SAL must see every !log.
    await this.say(`!log ${message}`, 'result', requestId, undefined, dedupeKey);
  }

  async audit(caller: Caller | undefined, event: string, detail: string, requestId?: string): Promise<void> {
    await this.deps.audit.append({
      event,
      service: this.deps.context.service,
      who: caller === undefined ? 'cutover' : (caller.person ?? caller.display),
      where: caller === undefined ? 'plan' : `${caller.transport}:${caller.channel}`,
      ...(requestId === undefined ? {} : { requestId }),
      detail,
    });
  }

  /**
   * A step's start or end, a rollback (asked for or automatic) or an emergency stop, kept outside the chat: a comment on the
   * request's task with the command that undoes it, and a Grafana annotation. Never throws.
   */
  async record(change: { dc: string; step: string; text: string; undo?: string; since?: number; requestId?: string | undefined }, request?: ChangeRequest): Promise<void> {
    const { context } = this.deps;
    if (context.records === undefined) return;
    const replyTo = request === undefined ? (await context.stored().catch(() => undefined))?.origin : { transport: request.requester.transport, channel: request.requester.channel };
    const task = request === undefined ? context.plan.task : this.taskOf(request);
    const { since, requestId, ...said } = change;
    // A step that soaked is a region on the dashboards, from its soak's start to its end.
    const when = since === undefined ? { time: context.now() } : { time: since, timeEnd: context.now() };
    await context.records.record({ service: context.service, ...said, task, requestId: request?.id ?? requestId, replyTo, ...when }).catch(() => undefined);
  }

  /**
   * A step's writes undone by the plan itself (a soak's breach, a failed verification), with the
   * way back to the step; `since` makes it a region from the soak's start to its end.
   */
  async recordAutoRollback(change: { dc: string; step: string; text: string; since?: number | undefined }, requestId: string | undefined): Promise<void> {
    const { service } = this.deps.context;
    const { since, ...said } = change;
    await this.record({ ...said, text: `${said.text}${requestId === undefined ? '' : ` (${requestId})`}`, undo: `!${service} resume, then !${service} next to ask for the step again`, ...(since === undefined ? {} : { since }), requestId });
  }

  /** The task a request's changes belong to: its own, else the plan's. */
  taskOf(request: ChangeRequest): string | undefined {
    return request.task ?? this.deps.context.plan.task;
  }

  /** The tail of a SAL line for a request's change: why, who (as alice@cutover), and the task. */
  reasonOf(request: ChangeRequest): string {
    const task = this.taskOf(request);
    return `${request.reason} - ${salSigner(request.requester)}${task === undefined ? '' : ` - ${task}`}`;
  }

  /** Who a rollback is for, as every SAL line says it, with the request that made the change and the plan's task. */
  rolledBackBy(request: ChangeRequest | undefined): string {
    const who = request === undefined ? 'cutover@cutover' : `${salSigner(request.requester)} (${request.id})`;
    const { task } = this.deps.context.plan;
    return `${who}${task === undefined ? '' : ` - ${task}`}`;
  }
}

/** A line said once, whenever it is said: nothing replays it. */
function uniqueKey(now: number): string {
  return `plan-${now}-${Math.random().toString(36).slice(2, 8)}`;
}
