import * as z from 'zod';
import { arg } from '../arg.js';
import { reasonArg, requestIdArg } from '../args.js';
import { decideRequest } from '../decide-request.js';
import { defineCommand, type CommandContext } from '../spec.js';

/**
 * `!deny not now` means the one request waiting here, for the reason "not now": a first word that
 * is no request (of this service) starts the reason, rather than answering "There is no request not".
 */
async function requestAndReason(word: string | undefined, reason: string | undefined, context: CommandContext): Promise<{ id: string | undefined; reason: string | undefined }> {
  if (word === undefined) return { id: undefined, reason };
  const id = requestIdArg.safeParse(word);
  if (id.success) {
    const request = await context.deps.requests.get(id.data);
    if (request !== undefined && (context.service === undefined || request.service === context.service)) return { id: id.data, reason };
    // Looks like an id and is none: only a reason when something here is waiting to be denied.
    const waiting = await Promise.all((context.service === undefined ? Object.keys(context.config.services) : [context.service]).map((service) => context.deps.requests.open(service)));
    if (!waiting.flat().some((open) => open.state === 'pending' && open.requester.channel === context.caller.channel)) return { id: id.data, reason };
  }
  return { id: undefined, reason: [word, reason].filter((part) => part !== undefined && part !== '').join(' ') };
}

export const denyCommand = defineCommand({
  name: 'deny',
  summary: 'refuse a waiting request, or revoke an approved one that has not started (approvers); withdraw your own',
  args: { id: arg.word(z.string().max(200).optional(), 'ID'), reason: arg.rest(reasonArg.optional()) },
  access: 'approve',
  scope: 'request',
  mutates: true,
  async run(args, context) {
    const { id, reason } = await requestAndReason(args.id, args.reason, context);
    return decideRequest({ decision: 'deny', requestId: id, reason }, context);
  },
});
