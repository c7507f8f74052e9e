import type { ActionQueue, AuditLog, Clock, FiledRequest, RequestFiling, RequestStore } from '../core/ports/stores.js';
import type { Config } from '../config/schema.js';
import { describeWrite } from '../core/actions.js';
import { draftRequest, type RequestInput } from '../core/request-draft.js';
import type { ChangeRequest } from '../core/requests.js';
import { auditIdentity } from '../core/identity.js';

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
    const { draft, approvers } = draftRequest(input, this.deps.config, this.deps.clock.now());
    const request = await this.deps.requests.create(draft);
    const { caller } = input;
    await this.deps.audit.append({
      event: 'request.created',
      service: request.service,
      ...auditIdentity(this.deps.config, caller),
      where: `${caller.transport}:${caller.channel}`,
      requestId: request.id,
      detail: auditDetail(draft),
    });
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
