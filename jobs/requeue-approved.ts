import type { ActionQueue, RequestStore } from '../core/ports/stores.js';

/**
 * A crash between "approved" and "queued" would strand a request. On start, every approved or
 * running request is queued again; the deterministic job id makes this a no-op when it is queued.
 */
export async function requeueApproved(requests: RequestStore, queue: ActionQueue, services: readonly string[]): Promise<number> {
  let requeued = 0;
  for (const service of services) {
    for (const request of await requests.open(service)) {
      if (request.state === 'approved' || request.state === 'running') {
        await queue.enqueue(request);
        requeued += 1;
      }
    }
  }
  return requeued;
}
