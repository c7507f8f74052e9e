import type IrcFramework from 'irc-framework';
import type { z } from 'zod';
import { AccountTracker } from './account-tracker.js';
import { casemappingOf, ircLower, type Casemapping } from './casefold.js';
import {
  accountEvent,
  ircErrorEvent,
  joinEvent,
  kickEvent,
  nickEvent,
  nickInUseEvent,
  partEvent,
  privmsgEvent,
  quitEvent,
  registeredEvent,
  saslFailedEvent,
  tagmsgEvent,
  whoListEvent,
  type PrivmsgEvent,
  type TagmsgEvent,
} from './irc-events.js';
import type { IrcLog } from './irc-log.js';
import type { TimerHandle, Timers } from './timers.js';

/** What one connection tells the transport. */
export interface IrcConnectionHandlers {
  registered(nick: string): void;
  joined(channel: string): void;
  left(channel: string): void;
  /** A PRIVMSG from someone else, with the sender's account as far as the network tells it. */
  message(event: PrivmsgEvent, account: string | null | undefined): void;
  tagmsg(event: TagmsgEvent, account: string | null | undefined): void;
  /** The server echoed one of our own lines (echo-message). */
  echo(target: string, text: string, msgid: string | undefined): void;
  /** A line went out that the outbox did not write (registration aside): servers count it too. */
  wroteAround(): void;
  /** Called once, when the connection is gone for good. */
  closed(reason: string): void;
}

export interface IrcConnectionOptions {
  client: IrcFramework.Client;
  connect: IrcFramework.ConnectOptions;
  channels: readonly string[];
  handlers: IrcConnectionHandlers;
  log: IrcLog;
  timers: Timers;
  /** Give up on a connection that has not registered by then (a silent TLS peer, a stuck SASL). */
  registrationTimeoutMs: number;
  /** Wait before rejoining a channel we were kicked from. */
  rejoinDelayMs: number;
}

/**
 * One connection attempt, from TCP connect to close: registers, joins the channels, keeps track of
 * accounts, and turns irc-framework events into parsed, typed calls. A new attempt gets a new
 * client, so no state of the library (CAP lists, WHO queue) leaks from one connection to the next.
 */
export class IrcConnection {
  private readonly accounts = new AccountTracker(() => this.casemapping);
  private readonly joinedChannels = new Set<string>();
  private registeredFlag = false;
  private closedFlag = false;
  private lastError: string | undefined;
  private writingOwn = false;
  private nickTries = 0;
  private readonly timers = new Set<TimerHandle>();

  constructor(private readonly options: IrcConnectionOptions) {}

  get registered(): boolean {
    return this.registeredFlag && !this.closedFlag && this.options.client.connected;
  }

  get nick(): string {
    return this.options.client.user.nick;
  }

  joined(channel: string): boolean {
    return this.registered && this.joinedChannels.has(ircLower(channel));
  }

  joinedList(): string[] {
    return this.options.channels.filter((channel) => this.joinedChannels.has(ircLower(channel)));
  }

  /** How the server compares nicks and channels (ISUPPORT CASEMAPPING; rfc1459 until it says). */
  get casemapping(): Casemapping {
    return casemappingOf(this.options.client.network.supports('CASEMAPPING'));
  }

  /** The services account we know for a nick (without account-tag), for tests and diagnostics. */
  knownAccount(nick: string): string | null | undefined {
    return this.accounts.get(nick);
  }

  capEnabled(cap: string): boolean {
    return this.options.client.network.cap.isEnabled(cap);
  }

  caps(): string[] {
    return [...this.options.client.network.cap.enabled];
  }

  open(): void {
    const { client, connect, registrationTimeoutMs } = this.options;
    this.bind();
    this.later(() => {
      if (!this.registeredFlag) this.abort(`not registered after ${Math.round(registrationTimeoutMs / 1000)} s`);
    }, registrationTimeoutMs);
    client.connect(connect);
  }

  /** Writes one protocol line of ours; false when the connection is not up. */
  write(line: string): boolean {
    if (!this.registered) return false;
    this.writingOwn = true;
    try {
      this.options.client.raw(line);
    } finally {
      this.writingOwn = false;
    }
    return true;
  }

  /** Says goodbye and waits (briefly) for the server to close. */
  async quit(message: string, timeoutMs = 2000): Promise<void> {
    const { client } = this.options;
    if (this.closedFlag) return;
    await new Promise<void>((resolve) => {
      const timer = this.options.timers.setTimeout(() => {
        this.abort('quit timed out');
        resolve();
      }, timeoutMs);
      client.on('close', () => {
        this.options.timers.clearTimeout(timer);
        resolve();
      });
      if (client.connected) client.quit(message);
      else this.abort('stopped');
    });
  }

  /** Drops the connection at once; closed() follows. */
  abort(reason: string): void {
    if (this.closedFlag) return;
    this.lastError ??= reason;
    // irc-framework: end(undefined, true) destroys the socket without marking it a requested disconnect.
    this.options.client.connection.end(undefined, true);
  }

  private bind(): void {
    const { client, log } = this.options;
    const on = <S extends z.ZodType>(event: string, schema: S, handler: (payload: z.infer<S>) => void): void => {
      client.on(event, (payload) => {
        if (this.closedFlag) return;
        const parsed = schema.safeParse(payload);
        if (parsed.success) handler(parsed.data);
        else log('debug', `ignored a malformed IRC ${event} event`, { issues: parsed.error.issues.length });
      });
    };

    client.on('raw', (payload) => {
      const raw = payload as { from_server?: unknown };
      if (raw.from_server === false && this.registeredFlag && !this.writingOwn) this.options.handlers.wroteAround();
    });
    client.on('socket close', (error) => {
      if (error instanceof Error) this.lastError ??= error.message;
    });
    client.on('close', () => this.onClose());

    on('registered', registeredEvent, (event) => this.onRegistered(event.nick));
    on('nick in use', nickInUseEvent, () => this.onNickInUse());
    on('sasl failed', saslFailedEvent, (event) => {
      const what = `SASL ${this.options.connect.sasl_mechanism ?? 'PLAIN'} failed: ${event.reason}${event.message === undefined ? '' : ` (${event.message})`}`;
      this.lastError = what;
      log('error', `${what}; disconnecting rather than staying unauthenticated`);
    });
    on('irc error', ircErrorEvent, (event) => {
      const what = [event.error, event.channel, event.reason].filter((part) => part !== undefined && part !== '').join(': ');
      if (event.error === 'irc') this.lastError = `server closed the link: ${event.reason ?? ''}`;
      log('warn', `IRC error ${what}`);
    });

    on('join', joinEvent, (event) => {
      if (this.isSelf(event.nick)) {
        this.joinedChannels.add(ircLower(event.channel));
        log('info', `joined ${event.channel}`);
        this.learnAccounts(event.channel);
        this.options.handlers.joined(event.channel);
        return;
      }
      if (this.capEnabled('extended-join') && event.account !== undefined) this.accounts.set(event.nick, event.account === false ? null : event.account, event.channel);
      else this.accounts.joined(event.nick, event.channel);
    });
    on('part', partEvent, (event) => {
      if (this.isSelf(event.nick)) this.leave(event.channel);
      else this.accounts.left(event.nick, event.channel);
    });
    on('kick', kickEvent, (event) => {
      if (!this.isSelf(event.kicked)) {
        this.accounts.left(event.kicked, event.channel);
        return;
      }
      log('warn', `kicked from ${event.channel} (${event.message}); rejoining in ${Math.round(this.options.rejoinDelayMs / 1000)} s`);
      this.leave(event.channel);
      this.later(() => {
        if (this.registered) client.join(event.channel);
      }, this.options.rejoinDelayMs);
    });
    on('quit', quitEvent, (event) => this.accounts.forget(event.nick));
    on('nick', nickEvent, (event) => this.accounts.rename(event.nick, event.new_nick));
    on('account', accountEvent, (event) => this.accounts.set(event.nick, event.account === false ? null : event.account));

    on('privmsg', privmsgEvent, (event) => {
      if (this.isSelf(event.nick)) this.options.handlers.echo(event.target, event.message, event.tags['msgid']);
      else this.options.handlers.message(event, this.accountOf(event.nick, event.account));
    });
    on('tagmsg', tagmsgEvent, (event) => {
      // Our own reactions come back too (echo-message); they mean nothing to us.
      if (!this.isSelf(event.nick)) this.options.handlers.tagmsg(event, this.accountOf(event.nick, event.account));
    });
  }

  private onRegistered(nick: string): void {
    const { client, channels, log } = this.options;
    this.registeredFlag = true;
    log('info', `registered as ${nick}`, { caps: this.caps() });
    this.options.handlers.registered(nick);
    // Every registration is a fresh session on the server: join again, after every reconnect.
    // JOIN (and WHO later) go around the outbox; the raw listener charges them to the budget.
    for (const channel of channels) client.join(channel);
  }

  private onNickInUse(): void {
    if (this.registeredFlag) return;
    this.nickTries += 1;
    const base = this.options.connect.nick;
    const next = this.nickTries <= 3 ? `${base}${'_'.repeat(this.nickTries)}` : `${base.slice(0, 20)}${Math.floor(Math.random() * 1000)}`;
    this.options.log('warn', `nick ${this.nick} is taken; trying ${next}`);
    this.options.client.raw(`NICK ${next}`);
  }

  /**
   * Without account-tag, a WHOX of the channel fills in the accounts of who is already there
   * (extended-join and account-notify keep it current afterwards).
   */
  private learnAccounts(channel: string): void {
    const { client } = this.options;
    if (this.capEnabled('account-tag') || !client.network.supports('WHOX')) return;
    client.who(channel, (result) => {
      const parsed = whoListEvent.safeParse(result);
      if (!parsed.success || this.closedFlag) return;
      for (const user of parsed.data.users) {
        if (user.account !== undefined) this.accounts.set(user.nick, user.account === '' ? null : user.account, channel);
        else this.accounts.joined(user.nick, channel);
      }
    });
  }

  /** account-tag, where enabled, is authoritative for each message; otherwise what we tracked. */
  private accountOf(nick: string, tagged: string | undefined): string | null | undefined {
    if (this.capEnabled('account-tag')) return tagged ?? null;
    return this.accounts.get(nick);
  }

  private leave(channel: string): void {
    this.joinedChannels.delete(ircLower(channel));
    // Out of the channel, we no longer hear of account changes there: whoever takes a nick next is a stranger.
    this.accounts.selfLeft(channel);
    this.options.handlers.left(channel);
  }

  private onClose(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    for (const timer of this.timers) this.options.timers.clearTimeout(timer);
    this.timers.clear();
    this.joinedChannels.clear();
    this.accounts.clear();
    this.options.handlers.closed(this.lastError ?? 'connection closed');
  }

  private isSelf(nick: string): boolean {
    return this.options.client.caseCompare(nick, this.options.client.user.nick);
  }

  private later(callback: () => void, ms: number): void {
    const timer = this.options.timers.setTimeout(() => {
      this.timers.delete(timer);
      callback();
    }, ms);
    this.timers.add(timer);
  }
}
