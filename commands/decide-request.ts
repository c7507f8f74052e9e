import { approveRequest } from './approve-request.js';
import { denyRequest } from './deny-request.js';
import type { Answer } from './outcome.js';
import type { CommandContext } from './spec.js';
import { withdrawApproval } from './withdraw-approval.js';

/**
 * A decision on a request, however it was made: typed (`!approve`, `!deny`, `!withdraw`) or
 * clicked (a reaction, a button; commands/dispatch.ts `decide`). One implementation, so the
 * same rules, audit and answers hold for both.
 */
export interface Decision {
  decision: 'approve' | 'deny' | 'withdraw';
  /** Undefined when typed without one: the one request waiting in the caller's channel. */
  requestId?: string | undefined;
  /** The hash of the action as the approver was shown it; an action that changed since no longer matches. */
  expectHash?: string | undefined;
  /** A deny's reason, for the channel and the audit trail. */
  reason?: string | undefined;
}

export function decideRequest(decision: Decision, context: CommandContext): Promise<Answer> {
  switch (decision.decision) {
    case 'approve':
      return approveRequest(decision.requestId, decision.expectHash, context);
    case 'deny':
      return denyRequest(decision.requestId, decision.reason, context);
    case 'withdraw':
      return withdrawApproval(decision.requestId, context);
    default:
      return decision.decision satisfies never;
  }
}
