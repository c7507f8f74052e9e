import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, SocketModeReceiver, type webApi } from '@slack/bolt';
import { slashCommandOf } from '../../config/cross-service.js';
import type { Config, SlackTransportConfig } from '../../config/schema.js';
import { CutoverError } from '../../core/errors.js';
import type { ChatTransport, InboundEvent, MessageRef, OutboundMessage } from '../transport.js';
import { DECISION_ACTION, requestBlocks, settledBlocks } from './blocks.js';
import { buttonClick, messageEvent, reactionEvent, slashCommand, SLACK, type InboundContext } from './inbound.js';
import { ProgressEditor } from './progress-editor.js';
import { slackReactionName } from './reaction-names.js';
import { RequestIndex } from './request-index.js';
import { SlackApi } from './slack-api.js';
import { boltLogger, redactSecrets, type SlackLog } from './slack-log.js';
import { slackEscape } from './slack-text.js';
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
  /** Interface the HTTP receiver listens on; all of them when absent. */
  listenHost?: string;
  /** How long start() waits for socket mode's first connection; the client itself would retry forever. */
  connectTimeoutMs?: number;
}

const DEFAULT_CLIENT_OPTIONS: webApi.WebClientOptions = {
  // The WebClient waits forever by default; a hung call would stall the channel's whole outbox.
  timeout: 10_000,
  // Its default retries for half an hour; the outbox retries deliveries itself, so fail soon instead.
  retryConfig: { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 4_000 },
};

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
  private readonly progress: ProgressEditor;
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
    this.api = new SlackApi({ token: tokens.bot, clientOptions: { ...clientOptions(), logger }, timers, log });
    this.progress = new ProgressEditor({
      post: (place, text) => this.api.post({ channel: place.channel, text, threadTs: place.threadTs }),
      edit: (ref, text) => this.api.update(ref, text),
      timers,
      minIntervalMs: options.progressIntervalMs ?? 2_000,
      log,
    });
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
        const { port } = this.options.settings;
        const server = await this.http.start(this.options.listenHost === undefined ? { port } : { port, host: this.options.listenHost });
        this.port = (server.address() as AddressInfo).port;
      } else if (this.socket !== undefined) {
        await this.connect(this.socket);
      }
      this.listening = true;
    } catch (error) {
      throw startFailure(this.http === undefined ? 'Slack socket mode could not connect' : 'the Slack HTTP receiver could not listen', error);
    }
  }

  async send(message: OutboundMessage): Promise<MessageRef | undefined> {
    const { request } = message;
    if (message.kind === 'request' && request?.state === 'pending') {
      const ref = await this.api.post({ channel: message.channel, text: slackEscape(message.text), blocks: requestBlocks(message.text, { requestId: request.id, actionHash: request.actionHash }) });
      this.requests.announced(request.id, ref, message.text);
      return ref;
    }
    const threadTs = this.threadFor(message);
    if (message.kind === 'progress' && request !== undefined) {
      return this.progress.show(request.id, { channel: message.channel, threadTs }, slackEscape(message.text));
    }
    const ref = await this.api.post({ channel: message.channel, text: slackEscape(message.text), threadTs });
    if (request !== undefined && message.kind !== 'reply') {
      // The editor writes the final state within its interval; stop() waits for it.
      if (message.kind !== 'request') void this.progress.finish(request.id, slackEscape(message.text));
      await this.settle(request.id, message.text);
    }
    return ref;
  }

  async react(target: MessageRef, emoji: string): Promise<void> {
    const name = slackReactionName(emoji);
    if (target.transport !== SLACK || name === undefined) return;
    try {
      await this.api.react(target, name);
    } catch (error) {
      // A missing mark is cosmetic; failing here would make the outbox post the result again.
      this.options.log(`slack: could not mark ${target.channel}/${target.id} with :${name}:`, error);
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return this.finished;
    this.stopped = true;
    try {
      if (this.listening) await this.app.stop();
    } catch (error) {
      this.options.log('slack: stopping the receiver failed', error);
    }
    await Promise.allSettled([...this.inflight]);
    await this.progress.flush();
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
    this.app.event('message', async ({ body, event }) => this.handOff('message', () => messageEvent(body, event, context)));
    // Bolt's ignoreSelf drops the bot's own reactions (its ✅ marks), which would otherwise read as approvals.
    this.app.event('reaction_added', async ({ body, event }) => this.handOff('reaction', () => reactionEvent(body, event, context)));
    this.app.event('reaction_removed', async ({ body, event }) => this.handOff('reaction', () => reactionEvent(body, event, context)));
    this.app.action(DECISION_ACTION, async ({ ack, body }) => {
      await ack();
      this.handOff('button', () => {
        const click = buttonClick(body, context);
        if (click?.message !== undefined) this.requests.clicked(click.event.requestId, click.message);
        return click?.event;
      });
    });
    // One slash command per service, so /thumbor and /kartotherian each reach their own service.
    for (const service of Object.keys(this.options.config.services)) this.listenForSlashCommand(service, context);
  }

  private listenForSlashCommand(service: string, context: InboundContext): void {
    this.app.command(slashCommandOf(this.options.settings.slash_commands, service), async ({ ack, body }) => {
      let event: InboundEvent | undefined;
      try {
        event = slashCommand(body, context, service);
      } catch (error) {
        await ack();
        this.options.log(`slack: ignored slash command: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
      if (event === undefined) {
        // Only the person who typed it sees this; otherwise the command would vanish without a word.
        await ack({ response_type: 'ephemeral', text: 'cutover does not take commands in this channel.' });
        return;
      }
      // Slack shows an error unless the command is acknowledged within 3 s, so that comes before any work.
      await ack();
      const accepted = event;
      this.handOff('slash command', () => accepted);
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
    const work = onEvent(event)
      .catch((error: unknown) => this.options.log(`slack: handling a ${what} failed`, error))
      .finally(() => this.inflight.delete(work));
    this.inflight.add(work);
  }

  /**
   * Where a message threads: under its request's announcement when this process knows it, else
   * under what it replies to; never under a message of another channel, which Slack would refuse.
   */
  private threadFor(message: OutboundMessage): string | undefined {
    const announced = message.request === undefined ? undefined : this.requests.messageOf(message.request.id);
    for (const ref of [announced, message.replyTo]) {
      if (ref !== undefined && ref.transport === SLACK && ref.channel === message.channel) return ref.id;
    }
    return undefined;
  }

  /** Once a request is decided or over, its buttons go, and the announcement says what became of it. */
  private async settle(requestId: string, note: string): Promise<void> {
    const announcement = this.requests.settle(requestId);
    if (announcement === undefined) return;
    try {
      await this.api.update(announcement.ref, slackEscape(announcement.text), settledBlocks(announcement.text, note));
    } catch (error) {
      this.options.log(`slack: could not remove the buttons of ${requestId}`, error);
    }
  }
}

function startFailure(what: string, error: unknown): CutoverError {
  const reason = redactSecrets(error instanceof Error ? error.message : String(error));
  const refused = /invalid_auth|not_authed|account_inactive|token_revoked|token_expired|invalid_token/.test(reason);
  return new CutoverError(refused ? 'config.invalid' : 'transport.unavailable', `${what}: ${reason}`, { cause: error });
}
