import type { Job } from 'bullmq';
import type { AuditLog, Clock, RequestStore } from '../core/ports/stores.js';
import { formatDuration } from '../core/durations.js';
import { transition } from '../core/requests.js';
import type { RequestJobData } from './bullmq-action-queue.js';
import type { Notifier } from './notifier.js';

export interface ExpiryProcessorDeps {
  requests: RequestStore;
  audit: AuditLog;
  notifier: Notifier;
  clock: Clock;
}

/** Fires at a request's deadline; a request that was approved or denied meanwhile is left alone. */
export function createExpiryProcessor(deps: ExpiryProcessorDeps) {
  return async function processExpiry(job: Job<RequestJobData>): Promise<string> {
    const request = await deps.requests.get(job.data.requestId);
    if (request?.state !== 'pending') return 'not pending';
    const now = deps.clock.now();
    if (now < request.expiresAt) return 'not due';
    const waited = formatDuration(request.expiresAt - request.createdAt);
    const outcome = `expired after ${waited} without enough approvals; nothing was changed`;
    try {
      await deps.requests.update(request.id, (current) => transition(current, 'expired', now, { outcome }));
    } catch {
      return 'decided meanwhile';
    }
    await deps.audit.append({ event: 'request.expired', service: request.service, who: 'cutover', where: `${request.requester.transport}:${request.requester.channel}`, requestId: request.id, detail: request.summary });
    await deps.notifier.send(
      { transport: request.requester.transport, channel: request.requester.channel },
      { kind: 'result', requestId: request.id, mark: '⌛', text: `⌛ ${request.id} ${outcome}: ${request.summary} (asked by ${request.requester.display}).` },
      `${request.id}-expired`,
    );
    return 'expired';
  };
}
