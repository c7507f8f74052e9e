import { isAllowed } from '../../core/access.js';
import { CutoverError } from '../../core/errors.js';
import { printable } from '../../core/printable.js';
import { deny } from '../../core/requests.js';
import { arg } from '../arg.js';
import { reasonArg, requestIdArg } from '../args.js';
import { findRequest } from '../find-request.js';
import { defineCommand } from '../spec.js';

export const denyCommand = defineCommand({
  name: 'deny',
  summary: 'refuse a waiting request, or revoke an approved one that has not started (approvers); withdraw your own',
  args: { id: arg.word(requestIdArg.optional()), reason: arg.rest(reasonArg.optional()) },
  access: 'approve',
  scope: 'request',
  mutates: true,
  async run(args, context) {
    const { deps, caller } = context;
    const found = await findRequest(context, args.id);
    const own = caller.person !== undefined && caller.person === found.requester.person;
    if (!own && !isAllowed(context.config, caller, found.service, 'approve')) {
      throw new CutoverError('auth.forbidden', `${caller.display} may not deny changes to ${found.service}.`);
    }
    let revoked = false;
    const updated = await deps.requests.update(found.id, (current) => {
      revoked = current.state === 'approved';
      return deny(current, caller, deps.clock.now());
    });
    const because = args.reason === undefined || args.reason === '' ? '' : ` (${printable(args.reason, 200)})`;
    await deps.audit.append({
      event: own ? 'request.withdrawn' : revoked ? 'request.revoked' : 'request.denied',
      service: updated.service,
      who: caller.person ?? caller.display,
      where: `${caller.transport}:${caller.channel}`,
      requestId: updated.id,
      detail: `${updated.summary}${because}`,
    });
    return {
      text: `${own ? '↩ withdrawn' : revoked ? '👎 revoked' : '👎 denied'} ${updated.id} by ${caller.display}${because}: ${updated.summary}. Nothing was changed.`,
      request: { id: updated.id, actionHash: updated.actionHash, state: 'denied' },
    };
  },
});
