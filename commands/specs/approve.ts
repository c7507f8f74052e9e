import * as z from 'zod';
import { isAllowed } from '../../core/access.js';
import { CutoverError } from '../../core/errors.js';
import { approve, isExpired, remainingApprovals, transition } from '../../core/requests.js';
import { arg } from '../arg.js';
import { requestIdArg } from '../args.js';
import { findRequest } from '../find-request.js';
import { defineCommand } from '../spec.js';

export const approveCommand = defineCommand({
  name: 'approve',
  summary: "approve someone else's request; the last approval queues it",
  args: {
    id: arg.word(requestIdArg.optional()),
    // Buttons carry the hash of what the approver was shown; a changed action then fails to match.
    expect: arg.flag(z.string().regex(/^[0-9a-f]{16}$/, { error: 'an action hash' }).optional(), 'HASH'),
  },
  access: 'approve',
  scope: 'request',
  mutates: true,
  async run(args, context) {
    const { deps, caller } = context;
    const found = await findRequest(context, args.id);
    const who = caller.person ?? caller.display;
    const where = `${caller.transport}:${caller.channel}`;
    // The two-person rule is the more useful answer for a requester, whatever their roles.
    if (caller.person !== undefined && caller.person === found.requester.person) {
      await deps.audit.append({ event: 'approval.refused', service: found.service, who, where, requestId: found.id, detail: 'self-approval' });
      throw new CutoverError('auth.self-approval', `You asked for ${found.id}; someone else has to approve it.`);
    }
    if (!isAllowed(context.config, caller, found.service, 'approve')) {
      await deps.audit.append({ event: 'approval.refused', service: found.service, who, where, requestId: found.id, detail: 'not an approver' });
      throw new CutoverError('auth.forbidden', `${caller.display} may not approve changes to ${found.service}.`);
    }
    const now = deps.clock.now();
    if (isExpired(found, now)) {
      await deps.requests.update(found.id, (current) => transition(current, 'expired', now));
      throw new CutoverError('request.expired', `Request ${found.id} expired; nothing was changed.`);
    }
    let updated;
    try {
      updated = await deps.requests.update(found.id, (current) => approve(current, caller, now, args.expect ?? found.actionHash));
    } catch (error) {
      if (error instanceof CutoverError) {
        await deps.audit.append({ event: 'approval.refused', service: found.service, who, where, requestId: found.id, detail: error.message });
      }
      throw error;
    }
    await deps.audit.append({ event: 'approval.granted', service: updated.service, who, where, requestId: updated.id, detail: updated.summary });
    const tally = `${updated.approvals.length}/${updated.approvalsRequired}`;
    if (updated.state !== 'approved') {
      return `👍 ${caller.display} approved ${updated.id} (${tally}); ${remainingApprovals(updated)} more needed.`;
    }
    await deps.queue.enqueue(updated);
    return {
      text: `👍 ${caller.display} approved ${updated.id} (${tally}) · queued: ${updated.summary}`,
      request: { id: updated.id, actionHash: updated.actionHash, state: 'approved' },
    };
  },
});
