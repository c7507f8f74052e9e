import { webApi, type types } from '@slack/bolt';
import { CutoverError } from '../../core/errors.js';
import type { MessageRef } from '../transport.js';
import { sleep, type Timers } from './timers.js';

export interface SlackApiOptions {
  /** Bot token (xoxb-…); sent as a bearer header by the WebClient, never logged. */
  token: string;
  /** WebClient options: slackApiUrl, fetch, retryConfig, timeout, logger. */
  clientOptions: webApi.WebClientOptions;
  timers: Timers;
  log: (message: string, error?: unknown) => void;
  /** How many 429s in a row one call sits out before giving up. */
  maxRateLimitWaits?: number;
}

export interface PostArgs {
  channel: string;
  /** Already escaped for Slack. */
  text: string;
  threadTs?: string | undefined;
  blocks?: types.KnownBlock[] | undefined;
}

const RETRY_MARGIN_MS = 50;

/**
 * The few Web API calls the transport makes, with Slack's rate limits honoured here rather than in
 * the WebClient: its own 429 handling waits and then fails whenever retries are off, and it pauses
 * every method at once. Here a 429 pauses only its method, for the Retry-After Slack gave, and the
 * call is made again.
 */
export class SlackApi {
  private readonly client: webApi.WebClient;
  private readonly pausedUntil = new Map<string, number>();

  constructor(private readonly options: SlackApiOptions) {
    this.client = new webApi.WebClient(options.token, { ...options.clientOptions, rejectRateLimitedCalls: true });
  }

  async post(args: PostArgs): Promise<MessageRef> {
    const response = await this.call('chat.postMessage', () =>
      this.client.chat.postMessage({
        channel: args.channel,
        text: args.text,
        ...(args.blocks === undefined ? {} : { blocks: args.blocks }),
        ...(args.threadTs === undefined ? {} : { thread_ts: args.threadTs }),
        // Our messages quote host names and task ids; previews of them are noise.
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
    if (typeof response?.ts !== 'string') throw new CutoverError('transport.refused', `Slack accepted a message for ${args.channel} but gave no ts`);
    return { transport: 'slack', channel: typeof response.channel === 'string' ? response.channel : args.channel, id: response.ts };
  }

  async update(ref: MessageRef, text: string, blocks?: types.KnownBlock[]): Promise<void> {
    // Without blocks, chat.update keeps the old ones: an empty list is how buttons are removed.
    await this.call('chat.update', () => this.client.chat.update({ channel: ref.channel, ts: ref.id, text, blocks: blocks ?? [] }));
  }

  /** Adds a reaction; one that is there already counts as done. */
  async react(ref: MessageRef, name: string): Promise<void> {
    await this.call('reactions.add', () => this.client.reactions.add({ channel: ref.channel, timestamp: ref.id, name }), 'already_reacted');
  }

  /** Makes the call, sitting out 429s; `fine` is an error answer that means the work is done already. */
  private async call<T>(method: string, request: () => Promise<T>, fine?: string): Promise<T | undefined> {
    const { timers } = this.options;
    const maxWaits = this.options.maxRateLimitWaits ?? 5;
    for (let waits = 0; ; waits += 1) {
      const wait = (this.pausedUntil.get(method) ?? 0) - timers.now();
      if (wait > 0) await sleep(timers, wait);
      try {
        return await request();
      } catch (error) {
        if (error instanceof webApi.WebAPIRateLimitedError && waits < maxWaits) {
          // Retry-After is whole seconds; a little margin keeps the next try from landing a hair early.
          const until = timers.now() + Math.max(1, error.retryAfter) * 1000 + RETRY_MARGIN_MS;
          this.pausedUntil.set(method, Math.max(until, this.pausedUntil.get(method) ?? 0));
          this.options.log(`${method} rate limited; waiting ${error.retryAfter}s as Slack asked`);
          continue;
        }
        if (fine !== undefined && platformError(error) === fine) return undefined;
        throw describe(method, error);
      }
    }
  }
}

function platformError(error: unknown): string | undefined {
  return error instanceof webApi.WebAPIPlatformError ? String(error.data.error) : undefined;
}

/** A coded error for the caller; the message names the method and Slack's answer, never the token. */
function describe(method: string, error: unknown): CutoverError {
  const answer = platformError(error);
  if (answer !== undefined) {
    return new CutoverError('transport.refused', `Slack refused ${method}: ${answer}`, { cause: error });
  }
  if (error instanceof webApi.WebAPIRateLimitedError) {
    return new CutoverError('transport.unavailable', `Slack kept rate limiting ${method}`, { cause: error });
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new CutoverError('transport.unavailable', `Slack ${method} failed: ${reason}`, { cause: error });
}
