import { remainingApprovals, withdrawApproval } from '../../core/requests.js';
import { arg } from '../arg.js';
import { requestIdArg } from '../args.js';
import { findRequest } from '../find-request.js';
import { defineCommand } from '../spec.js';

export const withdrawCommand = defineCommand({
  name: 'withdraw',
  summary: 'take back your approval of a request that is still waiting for more',
  args: { id: arg.word(requestIdArg.optional()) },
  access: 'approve',
  scope: 'request',
  mutates: true,
  async run(args, context) {
    const { deps, caller } = context;
    const found = await findRequest(context, args.id);
    const updated = await deps.requests.update(found.id, (current) => withdrawApproval(current, caller, deps.clock.now()));
    await deps.audit.append({
      event: 'approval.withdrawn',
      service: updated.service,
      who: caller.person ?? caller.display,
      where: `${caller.transport}:${caller.channel}`,
      requestId: updated.id,
      detail: updated.summary,
    });
    return `↩ ${caller.display} withdrew their approval of ${updated.id}; it needs ${remainingApprovals(updated)} more.`;
  },
});
