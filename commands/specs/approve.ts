import { arg } from '../arg.js';
import { actionHashArg, requestIdArg } from '../args.js';
import { decideRequest } from '../decide-request.js';
import { defineCommand } from '../spec.js';

export const approveCommand = defineCommand({
  name: 'approve',
  summary: "approve someone else's request; the last approval queues it",
  args: {
    id: arg.word(requestIdArg.optional()),
    // Binds the approval to the hash of what was shown, as a button does: a changed action then fails to match.
    expect: arg.flag(actionHashArg.optional(), 'HASH'),
  },
  access: 'approve',
  scope: 'request',
  mutates: true,
  run: (args, context) => decideRequest({ decision: 'approve', requestId: args.id, expectHash: args.expect }, context),
});
