import type { Config } from '../../config/schema.js';
import { personByIrcAccount } from '../../core/identity.js';

export interface IrcSender {
  nick: string;
  /**
   * The sender's services account: a string when logged in, null when known to be logged out,
   * undefined when the network did not say.
   */
  account: string | null | undefined;
}

/**
 * Who a configured person is on IRC: whoever is logged in to their services account. A bare
 * nick proves nothing (anyone can take one) and counts only on a network the config marks
 * trust_nicks, e.g. a private test server without services.
 */
export function identifyIrcSender(config: Config, trustNicks: boolean, sender: IrcSender): string | undefined {
  if (typeof sender.account === 'string' && sender.account !== '') return personByIrcAccount(config, sender.account);
  return trustNicks ? personByIrcAccount(config, sender.nick) : undefined;
}
