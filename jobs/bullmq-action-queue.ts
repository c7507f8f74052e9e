import type { Queue } from 'bullmq';
import type { ActionQueue } from '../core/ports/stores.js';
import type { ChangeRequest } from '../core/requests.js';
import { actionJobId, expiryJobId } from './queue-names.js';

export interface RequestJobData {
  requestId: string;
  /**
   * Whose lock the worker takes while it reads the request (action-processor.ts): the request's
   * service and requester, which never change. Neither is a secret; the request itself stays in
   * the store. Jobs queued without it read first and lock after.
   */
  lock?: { service: string; holder: string };
}

/**
 * Only the request id (and, for an action, whose lock it takes) travels in the job: the request
 * itself stays in the store, the single source of truth, and no job payload ever carries a secret.
 */
export class BullmqActionQueue implements ActionQueue {
  constructor(
    private readonly actions: Queue<RequestJobData>,
    private readonly timers: Queue<RequestJobData>,
  ) {}

  async enqueue(request: ChangeRequest): Promise<void> {
    // A deterministic id makes a second enqueue of the same request (two approvals racing, a
    // restart replaying approved requests) a no-op instead of a second write.
    await this.actions.add('execute', { requestId: request.id, lock: { service: request.service, holder: request.requester.display } }, { jobId: actionJobId(request.id), removeOnComplete: 1000, removeOnFail: 1000 });
  }

  async scheduleExpiry(request: ChangeRequest): Promise<void> {
    const delay = Math.max(0, request.expiresAt - Date.now());
    await this.timers.add('expire', { requestId: request.id }, { jobId: expiryJobId(request.id), delay, removeOnComplete: 1000, removeOnFail: 1000 });
  }
}
