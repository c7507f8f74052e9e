import type { Caller } from './access.js';
import type { AccessModel } from './model.js';
import { own } from './own.js';
import { printable } from './printable.js';

/**
 * One identity model for every transport: a configured person is whoever holds their IRC
 * services account or their Slack user id. Nicks and display names never decide anything.
 */
export function personByIrcAccount(config: Pick<AccessModel, 'people'>, account: string | undefined): string | undefined {
  if (account === undefined || account === '' || account === '*') return undefined;
  const wanted = account.toLowerCase();
  return Object.entries(config.people).find(([, person]) => person.irc?.toLowerCase() === wanted)?.[0];
}

export function personBySlackId(config: Pick<AccessModel, 'people'>, userId: string | undefined): string | undefined {
  if (userId === undefined) return undefined;
  return Object.entries(config.people).find(([, person]) => person.slack === userId)?.[0];
}

/**
 * How the audit trail names a caller: `who` is the configured person, or the name they showed
 * marked as unidentified (`mallory (unidentified irc nick)`), so a stranger who takes the nick
 * `bob` is never recorded as bob; `as` is what the transport vouched for (`irc account bob`,
 * `slack U01BOB000`), a stranger's too (a services account no person is configured with). From
 * the config only for a person the transport named without an id (an IRC network whose nicks are
 * trusted, `trust_nicks`); core/access.ts Caller.userId.
 */
export function auditIdentity(config: Pick<AccessModel, 'people'>, caller: Caller): { who: string; as?: string } {
  const person = caller.person === undefined ? undefined : own(config.people, caller.person);
  const id = caller.userId ?? (caller.transport === 'irc' ? person?.irc : caller.transport === 'slack' ? person?.slack : undefined);
  const kind = caller.transport === 'irc' ? 'irc account' : caller.transport;
  const who = caller.person ?? unidentifiedName(caller);
  // The console vouches for nothing beyond the person: the operator's own terminal.
  return id === undefined ? { who } : { who, as: `${kind} ${printable(id, 40)}` };
}

/** `mallory (unidentified irc nick)`: a name no configured person can be mistaken for. */
export function unidentifiedName(caller: Pick<Caller, 'display' | 'transport'>): string {
  const what = caller.transport === 'irc' ? 'nick' : 'user';
  return `${printable(caller.display, 40)} (unidentified ${printable(caller.transport, 16)} ${what})`;
}

/** Who a SAL line is signed by: the configured person, never the nick they wore (`alice@cutover`). */
export function salSigner(requester: Pick<Caller, 'display' | 'transport'> & { person?: string | undefined }): string {
  return `${requester.person ?? unidentifiedName(requester)}@cutover`;
}
