import { remainingApprovals, withdrawApproval as withdraw } from '../core/requests.js';
import { findRequest } from './find-request.js';
import type { Answer } from './outcome.js';
import type { CommandContext } from './spec.js';
import { auditIdentity } from '../core/identity.js';

/** Takes back one's own approval while the request still waits, typed (`!withdraw`) or a removed 👍. */
export async function withdrawApproval(requestId: string | undefined, context: CommandContext): Promise<Answer> {
  const { deps, caller } = context;
  const found = await findRequest(context, requestId);
  const updated = await deps.requests.update(found.id, (current) => withdraw(current, caller, deps.clock.now()));
  await deps.audit.append({
    event: 'approval.withdrawn',
    service: updated.service,
    ...auditIdentity(context.config, caller),
    where: `${caller.transport}:${caller.channel}`,
    requestId: updated.id,
    detail: updated.summary,
  });
  return { kind: 'ok', text: `↩ ${caller.display} withdrew their approval of ${updated.id}; it needs ${remainingApprovals(updated)} more.` };
}
