import { ircLower, type Casemapping } from './casefold.js';

interface Known {
  account: string | null | undefined;
  /** Folded names of the channels we know we share with this nick. */
  channels: Set<string>;
}

/**
 * Services accounts of the people the bot shares a channel with, for servers that do not tag
 * each message with the sender's account: learnt from extended-join, account-notify and WHOX,
 * forgotten as soon as the bot no longer shares a channel with the nick (they part, are kicked,
 * quit; the bot parts or is kicked), because the server stops telling us when an account
 * changes then, and whoever takes the nick next must not inherit it. Nicks are folded by the
 * casemapping the server announced; if that changes, everything learnt is forgotten.
 * `null` means known to be logged out; undefined, never heard of.
 */
export class AccountTracker {
  private readonly known = new Map<string, Known>();
  private keyedWith: Casemapping | undefined;

  constructor(private readonly casemapping: () => Casemapping = () => 'rfc1459') {}

  /** Learnt an account (account-notify, extended-join, WHOX), in `channel` when the event names one. */
  set(nick: string, account: string | null, channel?: string): void {
    const entry = this.entry(nick);
    entry.account = account === '' || account === '*' ? null : account;
    if (channel !== undefined) entry.channels.add(this.fold(channel));
  }

  /** Someone joined a channel of ours (without telling their account). */
  joined(nick: string, channel: string): void {
    this.entry(nick).channels.add(this.fold(channel));
  }

  get(nick: string): string | null | undefined {
    const entry = this.known.get(this.fold(nick));
    return entry === undefined ? undefined : entry.account;
  }

  rename(from: string, to: string): void {
    const entry = this.known.get(this.fold(from));
    this.known.delete(this.fold(from));
    if (entry !== undefined) this.known.set(this.fold(to), entry);
  }

  /** They left `channel` (part, kick): forgotten unless we know we still share another one. */
  left(nick: string, channel: string): void {
    const key = this.fold(nick);
    const entry = this.known.get(key);
    if (entry === undefined) return;
    entry.channels.delete(this.fold(channel));
    if (entry.channels.size === 0) this.known.delete(key);
  }

  /** We left `channel`: everyone we knew only from there (or from nowhere in particular) is forgotten. */
  selfLeft(channel: string): void {
    const folded = this.fold(channel);
    for (const [key, entry] of this.known) {
      entry.channels.delete(folded);
      if (entry.channels.size === 0) this.known.delete(key);
    }
  }

  forget(nick: string): void {
    this.known.delete(this.fold(nick));
  }

  clear(): void {
    this.known.clear();
  }

  /** Nicks remembered, for tests and status. */
  get size(): number {
    return this.known.size;
  }

  private entry(nick: string): Known {
    const key = this.fold(nick);
    let entry = this.known.get(key);
    if (entry === undefined) {
      entry = { account: undefined, channels: new Set() };
      this.known.set(key, entry);
    }
    return entry;
  }

  private fold(name: string): string {
    const mapping = this.casemapping();
    if (mapping !== this.keyedWith) {
      // Keys folded one way must not be looked up another (bob[m] and bob{m} are one nick only under rfc1459).
      this.known.clear();
      this.keyedWith = mapping;
    }
    return ircLower(name, mapping);
  }
}
