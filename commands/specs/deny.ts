import { arg } from '../arg.js';
import { reasonArg, requestIdArg } from '../args.js';
import { decideRequest } from '../decide-request.js';
import { defineCommand } from '../spec.js';

export const denyCommand = defineCommand({
  name: 'deny',
  summary: 'refuse a waiting request, or revoke an approved one that has not started (approvers); withdraw your own',
  args: { id: arg.word(requestIdArg.optional()), reason: arg.rest(reasonArg.optional()) },
  access: 'approve',
  scope: 'request',
  mutates: true,
  run: (args, context) => decideRequest({ decision: 'deny', requestId: args.id, reason: args.reason }, context),
});
