import { ircLower } from './casefold.js';

/**
 * Services accounts of the people the bot shares a channel with, for servers that do not tag
 * each message with the sender's account: learnt from extended-join, account-notify and WHOX,
 * forgotten when they leave. `null` means known to be logged out; undefined, never heard of.
 */
export class AccountTracker {
  private readonly accounts = new Map<string, string | null>();

  set(nick: string, account: string | null): void {
    this.accounts.set(ircLower(nick), account === '' || account === '*' ? null : account);
  }

  get(nick: string): string | null | undefined {
    return this.accounts.get(ircLower(nick));
  }

  rename(from: string, to: string): void {
    const account = this.accounts.get(ircLower(from));
    this.accounts.delete(ircLower(from));
    if (account !== undefined) this.accounts.set(ircLower(to), account);
  }

  forget(nick: string): void {
    this.accounts.delete(ircLower(nick));
  }

  clear(): void {
    this.accounts.clear();
  }
}
