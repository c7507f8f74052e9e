import { arg } from '../arg.js';
import { requestIdArg } from '../args.js';
import { decideRequest } from '../decide-request.js';
import { defineCommand } from '../spec.js';

export const withdrawCommand = defineCommand({
  name: 'withdraw',
  summary: 'take back your approval of a request that is still waiting for more',
  args: { id: arg.word(requestIdArg.optional()) },
  access: 'approve',
  scope: 'request',
  mutates: true,
  run: (args, context) => decideRequest({ decision: 'withdraw', requestId: args.id }, context),
});
