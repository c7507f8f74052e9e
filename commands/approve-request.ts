import { isAllowed } from '../core/access.js';
import { CutoverError } from '../core/errors.js';
import { approve, isExpired, remainingApprovals, transition } from '../core/requests.js';
import { findRequest } from './find-request.js';
import type { Answer } from './outcome.js';
import type { CommandContext } from './spec.js';
import { auditIdentity } from '../core/identity.js';

/**
 * One approval, typed (`!approve`) or clicked (a 👍, a button): the two-person rule, the
 * approver's right, expiry, and the hash of what the approver was shown. The last approval queues it.
 */
export async function approveRequest(requestId: string | undefined, expectHash: string | undefined, context: CommandContext): Promise<Answer> {
  const { deps, caller } = context;
  // Without an id, only requests this person could approve count: not their own, not one they approved already, not another service's.
  const found = await findRequest(
    context,
    requestId,
    (request) => (caller.person === undefined || (request.requester.person !== caller.person && !request.approvals.some((vote) => vote.person === caller.person))) && isAllowed(context.config, caller, request.service, 'approve'),
  );
  const who = auditIdentity(context.config, caller);
  const where = `${caller.transport}:${caller.channel}`;
  // The two-person rule is the more useful answer for a requester, whatever their roles.
  if (caller.person !== undefined && caller.person === found.requester.person) {
    await deps.audit.append({ event: 'approval.refused', service: found.service, ...who, where, requestId: found.id, detail: 'self-approval' });
    throw new CutoverError('auth.self-approval', `You asked for ${found.id}; someone else has to approve it.`);
  }
  if (!isAllowed(context.config, caller, found.service, 'approve')) {
    await deps.audit.append({ event: 'approval.refused', service: found.service, ...who, where, requestId: found.id, detail: 'not an approver' });
    throw new CutoverError('auth.forbidden', `${caller.display} may not approve changes to ${found.service}.`);
  }
  const now = deps.clock.now();
  if (isExpired(found, now)) {
    await deps.requests.update(found.id, (current) => transition(current, 'expired', now));
    throw new CutoverError('request.expired', `Request ${found.id} expired; nothing was changed.`);
  }
  let updated;
  try {
    updated = await deps.requests.update(found.id, (current) => approve(current, caller, now, expectHash ?? found.actionHash));
  } catch (error) {
    if (error instanceof CutoverError) {
      await deps.audit.append({ event: 'approval.refused', service: found.service, ...who, where, requestId: found.id, detail: error.message });
    }
    throw error;
  }
  const granted = deps.audit.append({ event: 'approval.granted', service: updated.service, ...who, where, requestId: updated.id, detail: updated.summary });
  const tally = `${updated.approvals.length}/${updated.approvalsRequired}`;
  if (updated.state !== 'approved') {
    await granted;
    return { kind: 'ok', text: `👍 ${caller.display} approved ${updated.id} (${tally}); ${remainingApprovals(updated)} more needed.` };
  }
  // Queued in the same round trip as the approval's audit entry, which is sent first: the store's
  // approved state, not the entry, is what the job acts on, and a restart requeues it (requeue-approved.ts).
  await Promise.all([granted, deps.queue.enqueue(updated)]);
  return {
    kind: 'request',
    text: `👍 ${caller.display} approved ${updated.id} (${tally}) · queued: ${updated.summary}`,
    request: { id: updated.id, actionHash: updated.actionHash, state: 'approved' },
  };
}
