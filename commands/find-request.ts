import { CutoverError } from '../core/errors.js';
import type { ChangeRequest } from '../core/requests.js';
import type { CommandContext } from './spec.js';

/**
 * The request a `!approve`/`!deny` means. Without an id it is the one request waiting in this
 * channel, and only if there is exactly one, so nobody approves something they did not see.
 */
export async function findRequest(context: CommandContext, id: string | undefined, mayDecide: (request: ChangeRequest) => boolean = () => true): Promise<ChangeRequest> {
  if (id !== undefined) {
    // What a decision is about (its service, requester, hash, expiry) never changes once filed, and
    // the decision's update() judges the fresh value: the copy this process last saw saves a read.
    const request = context.deps.requests.seen?.(id) ?? (await context.deps.requests.get(id));
    if (request === undefined || (context.service !== undefined && request.service !== context.service)) {
      throw new CutoverError('request.not-found', `There is no request ${id}. Recent ones: !${context.service ?? Object.keys(context.config.services)[0] ?? ''} jobs`);
    }
    return request;
  }
  const services = context.service === undefined ? Object.keys(context.config.services) : [context.service];
  const waiting: ChangeRequest[] = [];
  for (const service of services) {
    const open = await context.deps.requests.open(service);
    waiting.push(...open.filter((request) => request.state === 'pending' && request.requester.channel === context.caller.channel));
  }
  // Two waiting, one of them the caller's own: the other is the only one they could mean.
  const theirs = waiting.filter(mayDecide);
  const only = theirs.length === 1 ? theirs[0] : waiting[0];
  if (only === undefined) throw new CutoverError('request.not-found', 'Nothing here is waiting for approval.');
  if (waiting.length > 1 && theirs.length !== 1) {
    throw new CutoverError('input.invalid', `${waiting.length} requests are waiting (${waiting.map((request) => request.id).join(', ')}); say which one.`);
  }
  return only;
}
