// Over 300 lines on purpose: the receivers, the listeners and the click check share the Bolt app and
// the request index; outbound work lives in slack-outbound.ts, the pacing in slack-outbox.ts.
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, SocketModeReceiver, type webApi } from '@slack/bolt';
import { slashCommandOf } from '../../config/cross-service.js';
import type { Config, SlackTransportConfig } from '../../config/schema.js';
import { CutoverError } from '../../core/errors.js';
import type { ChatTransport, InboundEvent, MessageRef, OutboundMessage, Urgency } from '../transport.js';
import { DECISION_ACTION } from './blocks.js';
import { buttonClick, messageEvent, reactionEvent, slashCommand, SLACK, type ButtonClick, type InboundContext } from './inbound.js';
import { RequestIndex } from './request-index.js';
import { SlackApi } from './slack-api.js';
import { boltLogger, redactSecrets, type SlackLog } from './slack-log.js';
import { SlackOutbound } from './slack-outbound.js';
import { SlackOutbox } from './slack-outbox.js';
import { realTimers, type Timers } from './timers.js';

export interface SlackTokens {
  /** xoxb-…: every Web API call. */
  bot: string;
  /** xapp-…: socket mode only. */
  app?: string | undefined;
  /** HTTP mode only: checks that a request really comes from Slack. */
  signingSecret?: string | undefined;
}

export interface SlackTransportOptions {
  settings: SlackTransportConfig;
  config: Config;
  tokens: SlackTokens;
  log: SlackLog;
  /** Merged over the defaults for every WebClient (Bolt's, socket mode's, ours): fetch, retryConfig, timeout. */
  clientOptions?: webApi.WebClientOptions;
  timers?: Timers;
  /** At most one edit of a progress message per this many ms. */
  progressIntervalMs?: number;
  /** Interface the HTTP receiver listens on, over the config's `listen_host`; loopback when neither says. */
  listenHost?: string;
  /** At least this long between two Web API calls in one channel (Slack allows about one a second). */
  callIntervalMs?: number;
  /** An answer or help not delivered within this long is given up; everything else is retried until Slack takes it. */
  answerGiveUpMs?: number;
  /** How long stop() keeps delivering what is queued before it gives up on the rest. */
  drainTimeoutMs?: number;
  /** How long start() waits for socket mode's first connection; the client itself would retry forever. */
  connectTimeoutMs?: number;
}

const DEFAULT_CLIENT_OPTIONS: webApi.WebClientOptions = {
  // The WebClient waits forever by default; a hung call would stall the channel's whole outbox.
  timeout: 10_000,
  // Its default retries for half an hour; the outbox (slack-outbox.ts) retries by urgency itself, so fail soon instead.
  retryConfig: { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 4_000 },
};

/** Slack allows about one call a second per channel; the margin absorbs timer and network jitter, so no two calls land within one second. */
const CALL_INTERVAL_MS = 1_050;

/**
 * Slack through Bolt: socket mode (an outbound WebSocket, no public endpoint) or the HTTP receiver.
 * In, it turns messages, the slash command, reactions and button clicks into gateway events; out,
 * it posts requests with Approve/Deny buttons, threads everything about a request under it, and
 * keeps one progress message per request, edited in place.
 */
export class SlackTransport implements ChatTransport {
  readonly name = SLACK;
  readonly finished: Promise<void>;
  private resolveFinished: () => void = () => undefined;
  private readonly app: App;
  private readonly http: HTTPReceiver | undefined;
  private readonly socket: SocketModeReceiver | undefined;
  private readonly api: SlackApi;
  private readonly outbox: SlackOutbox;
  private readonly out: SlackOutbound;
  private readonly requests = new RequestIndex();
  private readonly inflight = new Set<Promise<void>>();
  private readonly timers: Timers;
  private onEvent: ((event: InboundEvent) => Promise<void>) | undefined;
  private listening = false;
  private stopped = false;
  private port: number | undefined;

  constructor(private readonly options: SlackTransportOptions) {
    const { settings, tokens } = options;
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
    this.timers = options.timers ?? realTimers;
    const timers = this.timers;
    const logger = boltLogger(options.log);
    const log: SlackLog = (message, error) => options.log(`slack: ${message}`, error);
    const clientOptions = (): webApi.WebClientOptions => ({
      ...DEFAULT_CLIENT_OPTIONS,
      ...(settings.api_url === undefined ? {} : { slackApiUrl: settings.api_url }),
      ...options.clientOptions,
    });
    if (settings.mode === 'http') {
      if (tokens.signingSecret === undefined) throw new CutoverError('config.invalid', 'Slack HTTP mode needs SLACK_SIGNING_SECRET');
      // processBeforeResponse: Slack gets its 200 once a listener has handed the event on (they never wait for the work).
      this.http = new HTTPReceiver({ signingSecret: tokens.signingSecret, processBeforeResponse: true, logger, port: settings.port });
    } else {
      if (tokens.app === undefined) throw new CutoverError('config.invalid', 'Slack socket mode needs SLACK_APP_TOKEN');
      // Each client gets its own copy: the socket-mode client writes defaults into the object it is given.
      this.socket = new SocketModeReceiver({ appToken: tokens.app, logger, installerOptions: { clientOptions: clientOptions() } });
    }
    const receiver = this.http ?? this.socket;
    // deferInitialization: auth.test runs in start(), where a refused token is an error we can report.
    this.app = new App({ token: tokens.bot, receiver, logger, clientOptions: clientOptions(), deferInitialization: true, convoStore: false });
    this.app.error(async (error) => log('a listener failed', error));
    this.api = new SlackApi({ token: tokens.bot, clientOptions: { ...clientOptions(), logger } });
    this.outbox = new SlackOutbox({ timers, minIntervalMs: options.callIntervalMs ?? CALL_INTERVAL_MS, answerGiveUpMs: options.answerGiveUpMs ?? 120_000, log });
    const people = new Map(Object.entries(options.config.people).flatMap(([name, person]) => (person.slack === undefined ? [] : [[name, person.slack] as const])));
    this.out = new SlackOutbound({ api: this.api, outbox: this.outbox, requests: this.requests, people, timers, progressIntervalMs: options.progressIntervalMs ?? 2_000, log });
  }

  /** The HTTP receiver's port once started (useful with port 0). */
  get httpPort(): number | undefined {
    return this.port;
  }

  async start(onEvent: (event: InboundEvent) => Promise<void>): Promise<void> {
    this.onEvent = onEvent;
    this.listen();
    try {
      await this.app.init();
    } catch (error) {
      throw startFailure('Slack did not accept SLACK_BOT_TOKEN (auth.test)', error);
    }
    try {
      if (this.http !== undefined) {
        const { port, listen_host: configured } = this.options.settings;
        const server = await this.http.start({ port, host: this.options.listenHost ?? configured ?? '127.0.0.1' });
        this.port = (server.address() as AddressInfo).port;
      } else if (this.socket !== undefined) {
        await this.connect(this.socket);
      }
      this.listening = true;
    } catch (error) {
      throw startFailure(this.http === undefined ? 'Slack socket mode could not connect' : 'the Slack HTTP receiver could not listen', error);
    }
  }

  send(message: OutboundMessage): Promise<MessageRef | undefined> {
    return this.out.send(message);
  }

  react(target: MessageRef, emoji: string, urgency?: Urgency): Promise<void> {
    return this.out.react(target, emoji, urgency);
  }

  /** Web API calls waiting in the channels' outboxes (for /readyz and tests). */
  queued(channel?: string): number {
    return this.outbox.size(channel);
  }

  async stop(): Promise<void> {
    if (this.stopped) return this.finished;
    this.stopped = true;
    try {
      if (this.listening) await this.app.stop();
    } catch (error) {
      this.options.log('slack: stopping the receiver failed', error);
    }
    // What is queued keeps going out at the channel's pace for a while; what is left after that is
    // given up (a worker's message stays in its queue, and is delivered after the restart).
    const drainMs = this.options.drainTimeoutMs ?? 15_000;
    const started = this.timers.now();
    let timer: unknown;
    const deadline = new Promise<void>((resolve) => (timer = this.timers.setTimeout(resolve, drainMs)));
    await Promise.race([Promise.allSettled([...this.inflight]).then(() => this.out.progress.flush()), deadline]);
    this.timers.clearTimeout(timer);
    const abandoned = await this.outbox.drain(Math.max(0, drainMs - (this.timers.now() - started)));
    if (abandoned > 0) this.options.log(`slack: stopped with ${abandoned} Web API call(s) undelivered`);
    this.resolveFinished();
  }

  /** The first socket-mode connection, bounded: a refused token fails at once, an unreachable Slack after the timeout. */
  private async connect(socket: SocketModeReceiver): Promise<void> {
    const timeoutMs = this.options.connectTimeoutMs ?? 30_000;
    let timer: unknown;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = this.timers.setTimeout(() => reject(new Error(`no connection within ${timeoutMs / 1000}s`)), timeoutMs);
    });
    try {
      await Promise.race([socket.start(), timeout]);
    } catch (error) {
      // Stop its reconnect loop, or it would keep trying behind a transport that reported failure.
      await socket.stop().catch(() => undefined);
      throw error;
    } finally {
      this.timers.clearTimeout(timer);
    }
  }

  private listen(): void {
    const context: InboundContext = { config: this.options.config, channels: this.options.settings.channels };
    this.app.event('message', async ({ body, event }) => this.handOff('message', () => this.typedAsker(messageEvent(body, event, context))));
    // Bolt's ignoreSelf drops the bot's own reactions (its ✅ marks), which would otherwise read as approvals.
    this.app.event('reaction_added', async ({ body, event }) => this.handOff('reaction', () => reactionEvent(body, event, context)));
    this.app.event('reaction_removed', async ({ body, event }) => this.handOff('reaction', () => reactionEvent(body, event, context)));
    this.app.action(DECISION_ACTION, async ({ ack, body }) => {
      await ack();
      let click: ButtonClick | undefined;
      try {
        click = buttonClick(body, context);
      } catch (error) {
        this.options.log(`slack: ignored button: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
      if (click === undefined) return;
      const accepted = click;
      this.track(this.checkClick(accepted).then((ok) => (ok ? this.handOff('button', () => this.withAsker(accepted)) : undefined)));
    });
    // One slash command per service, so /thumbor and /kartotherian each reach their own service.
    for (const service of Object.keys(this.options.config.services)) this.listenForSlashCommand(service, context);
  }

  /**
   * A `!` line typed in a channel: what is for the asker alone (help, `status --full`) goes to them
   * ephemerally, the rest to the channel. In a DM everything is theirs already.
   */
  private typedAsker(event: InboundEvent | undefined): InboundEvent | undefined {
    if (event?.kind !== 'message' || event.ref === undefined || event.caller.private === true || event.caller.userId === undefined) return event;
    const ref: MessageRef = { ...event.ref };
    this.out.askers.set(ref, { kind: 'typed', user: event.caller.userId });
    return { ...event, ref };
  }

  /** The click's event, with a ref the gateway hands back as replyTo: a refusal then goes to the clicker alone. */
  private withAsker(click: ButtonClick): InboundEvent {
    const { event, message } = click;
    if (message === undefined) return event;
    const ref: MessageRef = { ...message };
    this.out.askers.set(ref, { kind: 'click', user: click.user, message });
    return { ...event, ref };
  }

  /**
   * A click counts only on the message that announced its request: a value naming request B on
   * A's message (forged, or a copy of B's buttons) is refused. What this process announced it
   * knows; after a restart the message is read back from Slack, whose blocks name their request.
   * A message already settled keeps no live buttons, so a stale click is answered, not applied.
   */
  private async checkClick(click: ButtonClick): Promise<boolean> {
    const { event, message, user } = click;
    const refuse = async (why: string): Promise<false> => {
      this.options.log(`slack: refused a click by ${user} on ${message?.channel ?? '?'}/${message?.id ?? '?'}: ${why}`);
      const channel = message?.channel ?? event.caller.channel;
      await this.out.send({ channel, text: `✖ ${why}`, kind: 'error', ...(message === undefined ? {} : { replyTo: this.withAskerRef(message, user) }) }).catch((error: unknown) => this.options.log('slack: could not answer a refused click', error));
      return false;
    };
    if (message === undefined) return refuse('That button came without the message it sits on.');
    const onMessage = this.requests.requestAt(message);
    const announced = this.requests.messageOf(event.requestId);
    if ((onMessage !== undefined && onMessage !== event.requestId) || (announced !== undefined && (announced.channel !== message.channel || announced.id !== message.id))) {
      return refuse(`That button does not belong to this message; ${event.requestId} was not touched.`);
    }
    let entry;
    try {
      entry = await this.out.announcement(event.requestId, message, 'approval');
    } catch (error) {
      this.options.log(`slack: could not read back the message of a click on ${event.requestId}`, error);
      return refuse(`Slack did not let me check that button just now; nothing was done. Try again, or type \`!approve ${event.requestId}\`.`);
    }
    if (entry === undefined) return refuse(`That button does not belong to this message; ${event.requestId} was not touched.`);
    if (!entry.open) return refuse(`${event.requestId} is no longer waiting for a decision${entry.notes.length > 0 ? ` (${entry.notes.at(-1) ?? ''})` : ''}; this button is stale and did nothing.`);
    return true;
  }

  private withAskerRef(message: MessageRef, user: string): MessageRef {
    const ref: MessageRef = { ...message };
    this.out.askers.set(ref, { kind: 'click', user, message });
    return ref;
  }

  private listenForSlashCommand(service: string, context: InboundContext): void {
    this.app.command(slashCommandOf(this.options.settings.slash_commands, service), async ({ ack, body }) => {
      let command: ReturnType<typeof slashCommand>;
      try {
        command = slashCommand(body, context, service);
      } catch (error) {
        await ack();
        this.options.log(`slack: ignored slash command: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
      if (command === undefined) {
        // Only the person who typed it sees this; otherwise the command would vanish without a word.
        await ack({ response_type: 'ephemeral', text: 'cutover does not take commands in this channel.' });
        return;
      }
      // Slack shows an error unless the command is acknowledged within 3 s, so that comes before any work.
      await ack();
      // No message to reply to: a ref of our own, which the gateway hands back as replyTo, says who asked.
      const ref: MessageRef = { transport: SLACK, channel: command.event.caller.channel, id: `command:${command.event.deliveryId ?? 'unknown'}` };
      this.out.askers.set(ref, { kind: 'command', user: command.user, typed: command.typed });
      const event = { ...command.event, ref };
      this.handOff('slash command', () => event);
    });
  }

  /**
   * Translates now and hands the event to the gateway without waiting for it: Slack wants its answer
   * within 3 s, and a redelivery of something slow is caught by the gateway's delivery guard anyway.
   */
  private handOff(what: string, translate: () => InboundEvent | undefined): void {
    let event: InboundEvent | undefined;
    try {
      event = translate();
    } catch (error) {
      this.options.log(`slack: ignored ${what}: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const onEvent = this.onEvent;
    if (event === undefined || onEvent === undefined || this.stopped) return;
    this.track(onEvent(event).catch((error: unknown) => this.options.log(`slack: handling a ${what} failed`, error)));
  }

  /** Work stop() waits for. */
  private track(promise: Promise<unknown>): void {
    const work: Promise<void> = promise.then(
      () => undefined,
      (error: unknown) => this.options.log('slack: background work failed', error),
    );
    this.inflight.add(work);
    void work.finally(() => this.inflight.delete(work));
  }
}

function startFailure(what: string, error: unknown): CutoverError {
  const reason = redactSecrets(error instanceof Error ? error.message : String(error));
  const refused = /invalid_auth|not_authed|account_inactive|token_revoked|token_expired|invalid_token/.test(reason);
  return new CutoverError(refused ? 'config.invalid' : 'transport.unavailable', `${what}: ${reason}`, { cause: error });
}
