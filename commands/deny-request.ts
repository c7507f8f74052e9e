import { isAllowed } from '../core/access.js';
import { CutoverError } from '../core/errors.js';
import { printable } from '../core/printable.js';
import { deny } from '../core/requests.js';
import { findRequest } from './find-request.js';
import type { Answer } from './outcome.js';
import type { CommandContext } from './spec.js';
import { auditIdentity } from '../core/identity.js';

/**
 * A request refused by an approver (or revoked, when approved but not started), or withdrawn by
 * the person who asked, typed (`!deny`) or clicked (a 👎, a button).
 */
export async function denyRequest(requestId: string | undefined, reason: string | undefined, context: CommandContext): Promise<Answer> {
  const { deps, caller } = context;
  const found = await findRequest(context, requestId);
  const own = caller.person !== undefined && caller.person === found.requester.person;
  if (!own && !isAllowed(context.config, caller, found.service, 'approve')) {
    throw new CutoverError('auth.forbidden', `${caller.display} may not deny changes to ${found.service}.`);
  }
  let revoked = false;
  const updated = await deps.requests.update(found.id, (current) => {
    revoked = current.state === 'approved';
    return deny(current, caller, deps.clock.now());
  });
  const because = reason === undefined || reason === '' ? '' : ` (${printable(reason, 200)})`;
  await deps.audit.append({
    event: own ? 'request.withdrawn' : revoked ? 'request.revoked' : 'request.denied',
    service: updated.service,
    ...auditIdentity(context.config, caller),
    where: `${caller.transport}:${caller.channel}`,
    requestId: updated.id,
    detail: `${updated.summary}${because}`,
  });
  return {
    kind: 'request',
    text: `${own ? '↩ withdrawn' : revoked ? '👎 revoked' : '👎 denied'} ${updated.id} by ${caller.display}${because}: ${updated.summary}. Nothing was changed.`,
    request: { id: updated.id, actionHash: updated.actionHash, state: 'denied' },
  };
}
