// Over 300 lines: send() and the line bookkeeping it needs (askers, merged answers, the msgids of
// every line, the busy notice) share one per-message record with the echo handling; split apart,
// each half would have to reach into the other's state. The protocol work lives in
// irc-connection.ts, the queueing in outbox.ts, the cutting in split-line.ts.
import IrcFramework from 'irc-framework';
import type { IrcTransportConfig } from '../../config/schema.js';
import { CutoverError } from '../../core/errors.js';
import type { Caller } from '../../core/access.js';
import { forAskerAlone, type ChatTransport, type InboundEvent, type MessageRef, type OutboundMessage, type TransportHealth, type Urgency } from '../transport.js';
import { urgencyOf, urgencyRank } from '../urgency.js';
import { BoundedMap } from './bounded-map.js';
import { ircLower } from './casefold.js';
import { EchoTracker } from './echo-tracker.js';
import { formatLine, type IrcLine } from './format-line.js';
import type { IrcSender } from './identify.js';
import { IrcConnection } from './irc-connection.js';
import { markMessage } from './mark.js';
import type { PrivmsgEvent, TagmsgEvent } from './irc-events.js';
import type { IrcLog } from './irc-log.js';
import { Outbox, type OutboxMessage } from './outbox.js';
import { ReconnectSupervisor } from './reconnect-supervisor.js';
import { splitMessage } from './split-line.js';
import { systemTimers, type Timers } from './timers.js';
import { TokenBucket } from './token-bucket.js';

export interface IrcTransportOptions {
  settings: IrcTransportConfig;
  /**
   * The connect options for one attempt: host, TLS, SASL. Built anew for every attempt so a
   * renewed client certificate is picked up. Holds secrets: never logged.
   */
  connectOptions: () => IrcFramework.ConnectOptions;
  /** The configured person behind a sender, or undefined (see identify.ts). */
  identify: (sender: IrcSender) => string | undefined;
  log: IrcLog;
  timers?: Timers;
  /** A client per connection attempt; tests may hand in their own. */
  createClient?: () => IrcFramework.Client;
  /** How long send() waits for the echo that names a line's msgid. */
  echoTimeoutMs?: number;
  registrationTimeoutMs?: number;
  rejoinDelayMs?: number;
  random?: () => number;
}

export interface IrcStatus {
  state: 'idle' | 'connecting' | 'registered' | 'stopped';
  nick: string | undefined;
  joined: string[];
  caps: string[];
  /** Connection attempts so far, the first included. */
  attempts: number;
  queued: number;
}

/** One message on its way: whom it answers, who waits for its ref, the msgid of its first line. */
interface Outgoing {
  target: string;
  text: string;
  urgency: Urgency;
  /** Nicks it answers, first asker first: identical answers asked while one is queued are sent once, to all. */
  askers: string[];
  /** msgid of the message it answers (+draft/reply). */
  replyTo: string | undefined;
  waiters: Array<{ resolve: (ref: MessageRef | undefined) => void; reject: (error: Error) => void }>;
  firstMsgid?: string;
}

/** A queued line, and the message it is part of (none for reactions). */
interface Queued {
  line: IrcLine;
  outgoing?: Outgoing;
  index: number;
}

/** Inbound messages without a network msgid get one of ours, so a reply can still say whom it answers; never sent as a tag. */
const LOCAL_REF = 'local:';
/** Askers named before the rest are counted: a flood of identical questions makes one short line. */
const MAX_NAMED_ASKERS = 6;

/**
 * The IRC side of the bot: one connection to one network, kept up by a reconnect supervisor,
 * with every outgoing line through a flood-safe outbox. It only translates; what a line or a
 * reaction means is the gateway's business.
 */
export class IrcTransport implements ChatTransport {
  readonly name = 'irc';
  readonly finished: Promise<void>;
  private resolveFinished: () => void = () => undefined;
  private onEvent: ((event: InboundEvent) => Promise<void>) | undefined;
  private connection: IrcConnection | undefined;
  private attempts = 0;
  private stopped = false;
  private readonly timers: Timers;
  private readonly outbox: Outbox<Queued>;
  private readonly bucket: TokenBucket;
  private readonly echoes: EchoTracker;
  private readonly supervisor: ReconnectSupervisor;
  /** Configured channels by their folded name: inbound targets map back to the configured spelling. */
  private readonly channels: Map<string, string>;
  /** Who sent an inbound message, by its msgid: the nick an answer to it names. */
  private readonly senders = new BoundedMap<string, string>(2000);
  /** msgid of a later line of one of our messages → msgid of its first line: a 👍 on line 2 of a request counts. */
  private readonly firstLineOf = new BoundedMap<string, string>(5000);
  /** Targets already told that answers were dropped, until their queue runs empty ("said once, then quiet"). */
  private readonly busyTold = new Set<string>();
  private localRefs = 0;

  constructor(private readonly options: IrcTransportOptions) {
    const { settings, log } = options;
    this.timers = options.timers ?? systemTimers;
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
    this.channels = new Map(settings.channels.map((channel) => [ircLower(channel), channel]));
    this.bucket = new TokenBucket({ burst: settings.outbox.burst, perSecond: settings.outbox.lines_per_second, timers: this.timers });
    this.echoes = new EchoTracker(this.timers, options.echoTimeoutMs ?? 5000);
    this.outbox = new Outbox<Queued>({
      bucket: this.bucket,
      timers: this.timers,
      maxQueuedLines: settings.outbox.max_queued_lines,
      canSend: (target) => this.canSend(target),
      write: (target, queued) => this.write(target, queued),
      isMoot: (_target, queued) => queued.line.command === 'TAGMSG' && this.connection?.capEnabled('message-tags') !== true,
      onDiscard: (target, lines, reason, messages) => {
        if (reason === 'full') {
          log('warn', `outbox for ${target} is full: dropped ${lines} line(s), least urgent and oldest first`);
          this.tellBusy(target, messages);
        } else log('debug', `outbox for ${target}: ${lines} line(s) ${reason}`);
      },
      onIdle: (target) => this.busyTold.delete(target),
    });
    this.supervisor = new ReconnectSupervisor({
      minMs: settings.reconnect.min_seconds * 1000,
      maxMs: Math.max(settings.reconnect.max_seconds, settings.reconnect.min_seconds) * 1000,
      timers: this.timers,
      log,
      connect: (attempt) => this.connect(attempt),
      ...(options.random === undefined ? {} : { random: options.random }),
    });
  }

  async start(onEvent: (event: InboundEvent) => Promise<void>): Promise<void> {
    this.onEvent = onEvent;
    // Returns at once: a network that is down at startup must not keep the other transports from running.
    this.supervisor.start();
  }

  /**
   * Queues the message (split into lines) by its urgency, and resolves with the msgid of its first
   * line once the server echoes it, or undefined: progress at once (it may be coalesced away, and
   * nobody needs its ref), others when written without echo-message, or ~5 s after writing without
   * an echo. An answer names whom it answers; an answer identical to one still unsent is not
   * queued again: the queued one names one more asker, and both sends get its ref. While offline,
   * messages wait in the outbox; if the transport stops first, the promise rejects
   * (transport.unavailable) so a queued delivery is retried rather than counted as sent.
   */
  async send(message: OutboundMessage): Promise<MessageRef | undefined> {
    if (this.stopped) throw stoppedError();
    const target = this.targetFor(message.channel);
    if (target === undefined) {
      this.options.log('warn', `not sending to ${JSON.stringify(message.channel)}: not a channel or nick`);
      return undefined;
    }
    const urgency = urgencyOf(message);
    const replyTo = message.replyTo?.transport === this.name && ircLower(message.replyTo.channel) === ircLower(target) ? message.replyTo.id : undefined;
    const answering = urgency === 'answer' || urgency === 'help';
    // Only in a channel is there someone to name or to answer apart: a private conversation has one person.
    const asker = answering && replyTo !== undefined && this.channels.has(ircLower(target)) ? this.senders.get(replyTo) : undefined;
    // Help and detail asked for are long and for one person: a NOTICE to the asker keeps them out of the channel (issue 14).
    if (forAskerAlone(message) && asker !== undefined) {
      const lines = splitMessage(message.text, this.options.settings.outbox.max_line_bytes).map((text, index): Queued => ({ line: { command: 'NOTICE', text }, index }));
      this.outbox.enqueue({ target: asker, lines, rank: urgencyRank(urgency), keep: false });
      return undefined;
    }
    if (answering) {
      const same = this.outbox.findUnsent(target, (queued) => queued.lines[0]?.outgoing?.text === message.text && queued.lines[0].outgoing.urgency === urgency);
      const outgoing = same?.lines[0]?.outgoing;
      if (same !== undefined && outgoing !== undefined) {
        if (asker !== undefined && !outgoing.askers.some((known) => ircLower(known) === ircLower(asker))) outgoing.askers.push(asker);
        this.outbox.replaceLines(same, this.linesFor(outgoing));
        return new Promise((resolve, reject) => outgoing.waiters.push({ resolve, reject }));
      }
    }
    const outgoing: Outgoing = { target, text: message.text, urgency, askers: asker === undefined ? [] : [asker], replyTo: replyTo?.startsWith(LOCAL_REF) === true ? undefined : replyTo, waiters: [] };
    const lines = this.linesFor(outgoing);
    if (lines.length === 0) return undefined;
    const rank = urgencyRank(urgency);
    if (message.kind === 'progress') {
      this.outbox.enqueue({ target, lines, rank, keep: false, ...(message.request === undefined ? {} : { coalesceKey: message.request.id }) });
      return undefined;
    }
    // Requests, results, safety alerts and SAL lines are never dropped to make room for answers.
    const keep = rank <= urgencyRank('result') || /^!log\b/.test(message.text.trimStart());
    return new Promise((resolve, reject) => {
      outgoing.waiters.push({ resolve, reject });
      this.outbox.enqueue({
        target,
        lines,
        rank,
        keep,
        onFirstLine: (outcome) => {
          if (outcome === 'written') return;
          // Unsent at shutdown: fail, so a queued delivery is retried by the next process instead of lost.
          for (const waiter of outgoing.waiters.splice(0)) {
            if (this.stopped) waiter.reject(stoppedError());
            else waiter.resolve(undefined);
          }
        },
      });
    });
  }

  /** A +draft/react TAGMSG replying to the message, where the server takes client tags; otherwise nothing. Ordered as mark.ts says. */
  async react(target: MessageRef, emoji: string, urgency: Urgency = 'progress'): Promise<void> {
    if (this.stopped || target.transport !== this.name) return;
    const channel = this.targetFor(target.channel);
    if (channel === undefined) return;
    this.outbox.enqueue(markMessage(channel, target.id, emoji, urgency));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.supervisor.stop();
    this.outbox.clear();
    this.echoes.reset();
    const connection = this.connection;
    this.connection = undefined;
    await connection?.quit('cutover stopping');
    this.resolveFinished();
  }

  health(): TransportHealth {
    const { state } = this.status();
    return { ready: state === 'registered', state };
  }

  status(): IrcStatus {
    const connection = this.connection;
    return {
      state: this.stopped ? 'stopped' : connection === undefined ? 'idle' : connection.registered ? 'registered' : 'connecting',
      nick: connection?.registered === true ? connection.nick : undefined,
      joined: connection?.joinedList() ?? [],
      caps: connection?.caps() ?? [],
      attempts: this.attempts,
      queued: this.outbox.size(),
    };
  }

  private connect(attempt: number): void {
    const { settings, log } = this.options;
    this.attempts = attempt;
    let connect: IrcFramework.ConnectOptions;
    try {
      connect = {
        ...this.options.connectOptions(),
        // Our supervisor reconnects; the library's stops after 3 tries and never retries a first connect.
        auto_reconnect: false,
        sasl_disconnect_on_fail: true,
        enable_echomessage: true,
        // No automatic CTCP VERSION replies: anyone could make us flood ourselves off.
        version: false,
        ping_interval: 30,
        ping_timeout: 120,
      };
    } catch (error) {
      log('error', `cannot prepare IRC connection attempt ${attempt}: ${(error as Error).message}`);
      this.supervisor.lost('connection settings unusable');
      return;
    }
    log('info', `connecting to ${settings.host}:${settings.port}${settings.tls ? ' (TLS)' : ''} as ${settings.nick}, attempt ${attempt}`, {
      network: settings.network,
      sasl: settings.sasl?.mechanism ?? 'none',
    });
    const connection: IrcConnection = new IrcConnection({
      client: this.options.createClient?.() ?? new IrcFramework.Client(),
      connect,
      channels: settings.channels,
      log,
      timers: this.timers,
      registrationTimeoutMs: this.options.registrationTimeoutMs ?? 60_000,
      rejoinDelayMs: this.options.rejoinDelayMs ?? 10_000,
      handlers: {
        registered: () => {
          this.supervisor.registered();
          // Lines to nicks may go now; lines to channels wait for the JOIN.
          this.outbox.pump();
        },
        joined: () => this.outbox.pump(),
        left: () => undefined,
        message: (event, account) => this.onMessage(event, account),
        tagmsg: (event, account) => this.onTagmsg(event, account),
        echo: (target, text, msgid) => this.echoes.echoed(target, text, msgid),
        wroteAround: () => this.bucket.charge(1),
        closed: (reason) => {
          if (this.connection !== connection) return;
          this.connection = undefined;
          // Written but never echoed: those sends get no ref. Queued lines stay queued for the next connection.
          this.echoes.reset();
          this.supervisor.lost(reason);
        },
      },
    });
    this.connection = connection;
    connection.open();
  }

  private canSend(target: string): boolean {
    const connection = this.connection;
    if (connection === undefined || !connection.registered) return false;
    return this.channels.has(ircLower(target)) ? connection.joined(target) : true;
  }

  private write(target: string, queued: Queued): boolean {
    const connection = this.connection;
    if (connection === undefined) return false;
    const raw = formatLine(target, queued.line, connection.capEnabled('message-tags'));
    if (!connection.write(raw)) return false;
    if (queued.line.command === 'PRIVMSG') {
      // Every line is expected, even one nobody waits for, so echoes keep matching in order.
      if (connection.capEnabled('echo-message')) this.echoes.expect(target, queued.line.text, queued.outgoing === undefined ? undefined : (msgid) => this.echoed(queued, msgid));
      else this.echoed(queued, undefined);
    }
    return true;
  }

  /** Every line's echo: the first line's msgid is the message's ref; later lines' msgids lead back to it. */
  private echoed(queued: Queued, msgid: string | undefined): void {
    const outgoing = queued.outgoing;
    if (outgoing === undefined) return;
    if (queued.index > 0) {
      if (msgid !== undefined && outgoing.firstMsgid !== undefined) this.firstLineOf.set(msgid, outgoing.firstMsgid);
      return;
    }
    if (msgid !== undefined) outgoing.firstMsgid = msgid;
    const ref = msgid === undefined ? undefined : { transport: this.name, channel: outgoing.target, id: msgid };
    for (const waiter of outgoing.waiters.splice(0)) waiter.resolve(ref);
  }

  /** The message's lines, its first naming whom it answers (`alice, bob: …`). */
  private linesFor(outgoing: Outgoing): Queued[] {
    const { askers } = outgoing;
    const named = askers.slice(0, MAX_NAMED_ASKERS).join(', ') + (askers.length > MAX_NAMED_ASKERS ? ` and ${askers.length - MAX_NAMED_ASKERS} more` : '');
    const text = named === '' ? outgoing.text : `${named}: ${outgoing.text}`;
    return splitMessage(text, this.options.settings.outbox.max_line_bytes).map((line, index) => ({
      line: { command: 'PRIVMSG', text: line, ...(outgoing.replyTo === undefined ? {} : { replyTo: outgoing.replyTo }) },
      outgoing,
      index,
    }));
  }

  /** Answers were dropped for room: said once per busy spell, naming whom it could not answer. */
  private tellBusy(target: string, dropped: ReadonlyArray<OutboxMessage<Queued>>): void {
    const answers = dropped.map((message) => message.lines[0]?.outgoing).filter((outgoing) => outgoing !== undefined && (outgoing.urgency === 'answer' || outgoing.urgency === 'help'));
    if (answers.length === 0 || this.busyTold.has(target)) return;
    this.busyTold.add(target);
    const askers = [...new Set(answers.flatMap((outgoing) => outgoing?.askers ?? []))];
    const whom = askers.length === 0 ? '' : ` for ${askers.slice(0, MAX_NAMED_ASKERS).join(', ')}${askers.length > MAX_NAMED_ASKERS ? ' and others' : ''}`;
    const text = `⚠ Too busy to answer everyone: dropped ${answers.length === 1 ? 'an answer' : 'answers'}${whom}; ask again once it is quieter.`;
    this.outbox.enqueue({ target, lines: [{ line: { command: 'PRIVMSG', text }, index: 0 }], rank: urgencyRank('progress'), keep: false });
  }

  private onMessage(event: PrivmsgEvent, account: string | null | undefined): void {
    // A private message (to our nick) is answered to the sender's nick; what may run there is the dispatcher's rule.
    const toUs = this.isOwnNick(event.target);
    const channel = toUs ? event.nick : this.channels.get(ircLower(event.target));
    // Channels we were not told to serve (and @#channel status messages) carry no commands.
    if (channel === undefined) return;
    this.localRefs += 1;
    const msgid = event.tags['msgid'] ?? `${LOCAL_REF}${this.localRefs}`;
    this.senders.set(msgid, event.nick);
    this.emit({
      kind: 'message',
      text: event.message,
      caller: { ...this.callerOf(event.nick, account, channel), ...(toUs ? { private: true } : {}) },
      ref: { transport: this.name, channel, id: msgid },
    });
  }

  /** Who sent it, as the network vouched: the person their services account names, and that account. */
  private callerOf(nick: string, account: string | null | undefined, channel: string): Caller {
    const person = this.options.identify({ nick, account });
    return { person, display: nick, transport: this.name, channel, ...(typeof account === 'string' && account !== '' ? { userId: account } : {}) };
  }

  private isOwnNick(target: string): boolean {
    const connection = this.connection;
    return connection !== undefined && ircLower(target, connection.casemapping) === ircLower(connection.nick, connection.casemapping);
  }

  private onTagmsg(event: TagmsgEvent, account: string | null | undefined): void {
    const channel = this.channels.get(ircLower(event.target));
    if (channel === undefined) return;
    const { tags } = event;
    const react = tags['+draft/react'] ?? tags['+react'];
    const unreact = tags['+draft/unreact'] ?? tags['+unreact'];
    const reply = tags['+draft/reply'] ?? tags['+reply'];
    const emoji = react ?? unreact;
    if (reply === undefined || reply === '' || emoji === undefined || emoji === '') return;
    this.emit({
      kind: 'reaction',
      caller: this.callerOf(event.nick, account, channel),
      // A reaction to any line of a message of ours counts as one to the message (its first line's msgid).
      target: { transport: this.name, channel, id: this.firstLineOf.get(reply) ?? reply },
      emoji,
      removed: react === undefined,
    });
  }

  private emit(event: InboundEvent): void {
    const onEvent = this.onEvent;
    if (onEvent === undefined || this.stopped) return;
    onEvent(event).catch((error: unknown) => this.options.log('error', `IRC ${event.kind} event failed`, { error: (error as Error).message }));
  }

  /** A configured channel in its configured spelling, or a nick; undefined for anything that would break the line. */
  private targetFor(name: string): string | undefined {
    const channel = this.channels.get(ircLower(name));
    if (channel !== undefined) return channel;
    // eslint-disable-next-line no-control-regex -- C0 controls, space and comma would split or corrupt the protocol line
    return /^[^\s,\u0000-\u001f:#&][^\s,\u0000-\u001f]{0,63}$/.test(name) ? name : undefined;
  }
}

function stoppedError(): CutoverError {
  return new CutoverError('transport.unavailable', 'The IRC transport is stopped; the message was not sent.');
}
