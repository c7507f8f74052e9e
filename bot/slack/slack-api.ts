import { webApi, type types } from '@slack/bolt';
import { CutoverError } from '../../core/errors.js';
import type { MessageRef } from '../transport.js';
import { SlackRateLimited } from './slack-outbox.js';

export interface SlackApiOptions {
  /** Bot token (xoxb-…); sent as a bearer header by the WebClient, never logged. */
  token: string;
  /** WebClient options: slackApiUrl, fetch, retryConfig, timeout, logger. */
  clientOptions: webApi.WebClientOptions;
}

export interface PostArgs {
  channel: string;
  /** Already escaped for Slack. */
  text: string;
  threadTs?: string | undefined;
  blocks?: types.KnownBlock[] | undefined;
  /** In a thread, shown in the channel too (a safety alert). */
  broadcast?: boolean | undefined;
}

/** A message as conversations.history gives it: enough to redraw it, or to check what its buttons name. */
export interface StoredMessage {
  text: string;
  blocks: types.KnownBlock[];
  /** Set when a bot posted it. */
  botId: string | undefined;
}

/**
 * The few Web API calls the transport makes, each made once: a 429 comes back as SlackRateLimited
 * (the WebClient's own handling waits and then fails, and pauses every method at once), and the
 * outbox (slack-outbox.ts) decides when to try again and what goes first meanwhile.
 */
export class SlackApi {
  private readonly client: webApi.WebClient;

  constructor(options: SlackApiOptions) {
    this.client = new webApi.WebClient(options.token, { ...options.clientOptions, rejectRateLimitedCalls: true });
  }

  async post(args: PostArgs): Promise<MessageRef> {
    // Our messages quote host names and task ids; previews of them are noise.
    const common = { channel: args.channel, text: args.text, unfurl_links: false, unfurl_media: false };
    const thread = args.threadTs === undefined ? {} : args.broadcast === true ? { thread_ts: args.threadTs, reply_broadcast: true as const } : { thread_ts: args.threadTs };
    const response = await call('chat.postMessage', () => this.client.chat.postMessage(args.blocks === undefined ? { ...common, ...thread } : { ...common, ...thread, blocks: args.blocks }));
    if (typeof response?.ts !== 'string') throw new CutoverError('transport.refused', `Slack accepted a message for ${args.channel} but gave no ts`);
    return { transport: 'slack', channel: typeof response.channel === 'string' ? response.channel : args.channel, id: response.ts };
  }

  /** Shown to `user` alone, in the channel or a thread of it; Slack keeps no message to edit later. */
  async postEphemeral(args: PostArgs & { user: string }): Promise<void> {
    await call('chat.postEphemeral', () =>
      this.client.chat.postEphemeral({ channel: args.channel, user: args.user, text: args.text, ...(args.threadTs === undefined ? {} : { thread_ts: args.threadTs }) }),
    );
  }

  async update(ref: MessageRef, text: string, blocks?: types.KnownBlock[]): Promise<void> {
    // Without blocks, chat.update keeps the old ones: an empty list is how buttons are removed.
    await call('chat.update', () => this.client.chat.update({ channel: ref.channel, ts: ref.id, text, blocks: blocks ?? [] }));
  }

  /** Adds a reaction; one that is there already counts as done. */
  async react(ref: MessageRef, name: string): Promise<void> {
    await call('reactions.add', () => this.client.reactions.add({ channel: ref.channel, timestamp: ref.id, name }), 'already_reacted');
  }

  /** The message at `ref` as Slack has it (a top-level message: announcements are never threaded), or undefined when it is gone. */
  async messageAt(ref: MessageRef): Promise<StoredMessage | undefined> {
    const response = await call('conversations.history', () => this.client.conversations.history({ channel: ref.channel, latest: ref.id, oldest: ref.id, inclusive: true, limit: 1 }));
    const found = response?.messages?.find((message) => message.ts === ref.id);
    if (found === undefined) return undefined;
    return { text: found.text ?? '', blocks: (found.blocks ?? []) as types.KnownBlock[], botId: found.bot_id };
  }
}

/** Makes the call once; `fine` is an error answer that means the work is done already. */
async function call<T>(method: string, request: () => Promise<T>, fine?: string): Promise<T | undefined> {
  try {
    return await request();
  } catch (error) {
    if (error instanceof webApi.WebAPIRateLimitedError) throw new SlackRateLimited(method, error.retryAfter);
    if (fine !== undefined && platformError(error) === fine) return undefined;
    throw describe(method, error);
  }
}

function platformError(error: unknown): string | undefined {
  return error instanceof webApi.WebAPIPlatformError ? String(error.data.error) : undefined;
}

/** Answers that say Slack had trouble, not that it refuses: the outbox asks again. */
const TRANSIENT: ReadonlySet<string> = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/** A coded error for the caller; the message names the method and Slack's answer, never the token. */
function describe(method: string, error: unknown): CutoverError {
  const answer = platformError(error);
  if (answer !== undefined && !TRANSIENT.has(answer)) {
    return new CutoverError('transport.refused', `Slack refused ${method}: ${answer}`, { cause: error });
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new CutoverError('transport.unavailable', `Slack ${method} failed: ${reason}`, { cause: error });
}
