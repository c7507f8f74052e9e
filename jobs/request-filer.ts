import type { ActionQueue, AuditLog, Clock, FiledRequest, RequestFiling, RequestStore } from '../core/ports/stores.js';
import type { Config } from '../config/schema.js';
import { describeWrite } from '../core/actions.js';
import { draftRequest, type RequestInput } from '../core/request-draft.js';
import type { ChangeRequest } from '../core/requests.js';
import { auditIdentity } from '../core/identity.js';
import { checkChangeWindow, checkFreezeOverride } from '../core/change-gate.js';

export interface RequestFilerDeps {
  config: Config;
  clock: Clock;
  requests: Pick<RequestStore, 'create'>;
  queue: ActionQueue;
  audit: AuditLog;
}

/**
 * Files every request the same way, whether `pool` or the plan asks: drafted by
 * core/request-draft.ts, stored under a fresh id, audited, and then either queued at once (no
 * approval needed) or given its expiry in Redis.
 */
export class RequestFiler implements RequestFiling {
  constructor(private readonly deps: RequestFilerDeps) {}

  async file(input: RequestInput): Promise<FiledRequest> {
    const { config, clock } = this.deps;
    const now = clock.now();
    // Every mutating request, hand or plan, passes here: the one place it meets the change window.
    checkFreezeOverride(config, input.service, input.caller, input.freezeOverride);
    checkChangeWindow(config.change_windows, input, now, 'request');
    const { draft, approvers } = draftRequest(input, config, now);
    const request = await this.deps.requests.create(draft);
    const { caller } = input;
    const who = { service: request.service, ...auditIdentity(config, caller), where: `${caller.transport}:${caller.channel}`, requestId: request.id };
    await this.deps.audit.append({ event: 'request.created', ...who, detail: auditDetail(draft) });
    if (draft.freezeOverride !== undefined) await this.deps.audit.append({ event: 'request.freeze-override', ...who, detail: `${draft.summary} · overrides the change window: ${draft.freezeOverride}` });
    if (request.state === 'approved') await this.deps.queue.enqueue(request);
    else await this.deps.queue.scheduleExpiry(request);
    return { request, approvers };
  }
}

/** The exact writes filed, for the audit trail; a pool change also keeps its reason, as its SAL line will. */
function auditDetail(draft: Omit<ChangeRequest, 'id'>): string {
  const { action } = draft;
  switch (action.kind) {
    case 'set-pooled':
      return `${draft.summary} · ${describeWrite(action)} · reason: ${draft.reason}${draft.task === undefined ? '' : ` ${draft.task}`}`;
    case 'plan-step':
      return `${draft.summary} · ${action.preview.join(' ; ')}`;
    default:
      return action satisfies never;
  }
}
