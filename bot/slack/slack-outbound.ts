import { isSalLine } from '../../jobs/notifier.js';
import { forAskerAlone, type MessageRef, type OutboundMessage, type Urgency } from '../transport.js';
import { urgencyOf } from '../urgency.js';
import { readRequestBlocks, requestBlocks, settledBlocks, settledText, type ButtonValue } from './blocks.js';
import { SLACK } from './inbound.js';
import { ProgressEditor } from './progress-editor.js';
import { slackReactionName } from './reaction-names.js';
import type { Announcement, RequestIndex } from './request-index.js';
import type { SlackApi } from './slack-api.js';
import { slackFormat, type SlackPeople } from './slack-format.js';
import type { SlackLog } from './slack-log.js';
import type { SlackOutbox } from './slack-outbox.js';
import type { Timers } from './timers.js';

/** Who a gateway answer is for, when it answers a slash command or a click: only that person may need to see it. */
/**
 * Who an answer is for: a slash command's or a click's user (answers go to them alone), or the
 * user who typed a `!` line in a channel (only what is for the asker alone goes to them alone).
 */
export type Asker = { kind: 'command'; user: string; typed: string } | { kind: 'click'; user: string; message: MessageRef } | { kind: 'typed'; user: string };

export interface SlackOutboundOptions {
  api: SlackApi;
  outbox: SlackOutbox;
  requests: RequestIndex;
  people: SlackPeople;
  timers: Timers;
  progressIntervalMs: number;
  log: SlackLog;
}

/** Only these need everyone: a refusal, a status or help goes to the asker alone. */
const PRIVATE: ReadonlySet<Urgency> = new Set(['answer', 'help']);

/**
 * What the transport says, as Slack users expect it: every call through the channel's outbox,
 * requests with buttons and their approvers mentioned, answers to a slash command or a click
 * shown to the asker alone, safety alerts in the channel as well as the thread, and the request's
 * own message redrawn as it moves on (approved by, done or failed, buttons gone).
 */
export class SlackOutbound {
  /** Keyed by the very ref object handed to the gateway, which hands it back as replyTo: no id is invented or parsed. */
  readonly askers = new WeakMap<MessageRef, Asker>();
  readonly progress: ProgressEditor;
  /** Messages read back that announce no request of ours (a person's message the gateway anchored on): read once. */
  private readonly notAnnouncements = new Set<string>();

  constructor(private readonly options: SlackOutboundOptions) {
    const { api, outbox, timers, log } = options;
    this.progress = new ProgressEditor({
      post: (place, text) => outbox.run({ channel: place.channel, urgency: 'progress', orderKey: place.orderKey, method: 'chat.postMessage', run: () => api.post({ channel: place.channel, text, threadTs: place.threadTs }) }),
      edit: (ref, text) => outbox.run({ channel: ref.channel, urgency: 'progress', method: 'chat.update', coalesceKey: `progress:${ref.id}`, run: () => api.update(ref, text) }),
      timers,
      minIntervalMs: options.progressIntervalMs,
      log,
    });
  }

  async send(message: OutboundMessage): Promise<MessageRef | undefined> {
    const { api, outbox, requests, people } = this.options;
    const urgency = urgencyOf(message);
    const { request, channel } = message;
    const asker = message.replyTo === undefined ? undefined : this.askers.get(message.replyTo);
    const orderKey = request?.id;
    const byWhom = asker?.kind === 'command' ? `_\`${asker.typed.replaceAll('`', "'")}\` run by <@${asker.user}>_\n` : '';
    if (message.kind === 'request' && request?.state === 'pending' && requests.get(request.id) === undefined) {
      const mrkdwn = slackFormat(message.text, { people, withButtons: true });
      const button: ButtonValue = { requestId: request.id, actionHash: request.actionHash };
      const ref = await outbox.run({ channel, urgency, orderKey, method: 'chat.postMessage', run: () => api.post({ channel, text: `${byWhom}${mrkdwn}`, blocks: requestBlocks(`${byWhom}${mrkdwn}`, message.text, button) }) });
      requests.announced(request.id, ref, `${byWhom}${mrkdwn}`);
      return ref;
    }
    const text = slackFormat(message.text, { people });
    if (asker !== undefined && (asker.kind === 'typed' ? forAskerAlone(message) : message.kind === 'error' || (asker.kind === 'command' && PRIVATE.has(urgency)))) {
      const threadTs = asker.kind === 'click' ? asker.message.id : undefined;
      await outbox.run({ channel, urgency, orderKey, method: 'chat.postEphemeral', run: () => api.postEphemeral({ channel, user: asker.user, text, threadTs }) });
      return undefined;
    }
    const threadTs = this.threadFor(message, asker);
    if (message.kind === 'progress' && request !== undefined && urgency !== 'safety') {
      return this.progress.show(request.id, { channel, threadTs, orderKey }, text);
    }
    // A safety alert is for everyone in the channel: broadcast from the thread, or on its own.
    const broadcast = urgency === 'safety' && threadTs !== undefined;
    const ref = await outbox.run({ channel, urgency, orderKey, method: 'chat.postMessage', run: () => api.post({ channel, text: `${byWhom}${text}`, threadTs, broadcast }) });
    // A wave's `!log` is threaded under its request as the record of its writes; it neither ends the request nor its progress.
    if (request !== undefined && message.kind !== 'reply' && !isSalLine(message.text)) {
      // The editor writes the final state within its interval; stop() waits for it.
      if (message.kind !== 'request') void this.progress.finish(request.id, text);
      const over = message.kind !== 'request' || request.state !== 'pending';
      if (over) await this.settle(request.id, message, urgency, text);
    }
    return ref;
  }

  /** A mark waits with the urgency of the line it goes with, so a 👀 never lands after the ✅ (bot/irc/mark.ts on IRC). */
  async react(target: MessageRef, emoji: string, urgency: Urgency = 'progress'): Promise<void> {
    const name = slackReactionName(emoji);
    if (target.transport !== SLACK || name === undefined) return;
    const { api, outbox, log } = this.options;
    try {
      await outbox.run({ channel: target.channel, urgency, method: 'reactions.add', run: () => api.react(target, name) });
    } catch (error) {
      // A missing mark is cosmetic; failing here would make the outbox post the result again.
      log(`could not mark ${target.channel}/${target.id} with :${name}:`, error);
    }
  }

  /** The announcement of `requestId`: known in memory, or read back from Slack at `at` (a restart forgot it). */
  async announcement(requestId: string, at: MessageRef | undefined, urgency: Urgency): Promise<Announcement | undefined> {
    const { api, outbox, requests } = this.options;
    const known = requests.get(requestId);
    const key = `${at?.channel ?? ''}/${at?.id ?? ''}/${requestId}`;
    if (known !== undefined || at === undefined || at.transport !== SLACK || this.notAnnouncements.has(key)) return known;
    const stored = await outbox.run({ channel: at.channel, urgency, method: 'conversations.history', run: () => api.messageAt(at) });
    const read = stored?.botId === undefined ? undefined : readRequestBlocks(stored.blocks);
    if (read?.requestId !== requestId) {
      this.notAnnouncements.add(key);
      if (this.notAnnouncements.size > 1000) this.notAnnouncements.delete(this.notAnnouncements.values().next().value ?? '');
      return undefined;
    }
    return requests.learned(requestId, at, read.section, read.notes, read.buttons);
  }

  /** Once a request is decided or over: its buttons go, the gate and expiry go, and a line says what became of it. */
  private async settle(requestId: string, message: OutboundMessage, urgency: Urgency, text: string): Promise<void> {
    const { api, outbox, log } = this.options;
    try {
      const entry = await this.announcement(requestId, message.replyTo, urgency);
      if (entry?.mrkdwn === undefined) return;
      const note = text.split('\n')[0] ?? text;
      if (entry.notes.at(-1) === note) return;
      entry.notes.push(note);
      entry.open = false;
      const section = settledText(entry.mrkdwn);
      const blocks = settledBlocks(requestId, section, entry.notes);
      // A newer state replaces an edit not yet made: the message shows the end, in one call.
      await outbox.run({ channel: entry.ref.channel, urgency, orderKey: requestId, coalesceKey: `settle:${requestId}`, method: 'chat.update', run: () => api.update(entry.ref, section, blocks) });
    } catch (error) {
      log(`could not redraw the request message of ${requestId}`, error);
    }
  }

  /**
   * Where a message threads: under its request's announcement when this process knows it, else
   * under what it replies to; never under a message of another channel, which Slack would refuse.
   */
  private threadFor(message: OutboundMessage, asker: Asker | undefined): string | undefined {
    if (asker?.kind === 'command') return undefined;
    const announced = message.request === undefined ? undefined : this.options.requests.messageOf(message.request.id);
    for (const ref of [announced, message.replyTo]) {
      if (ref !== undefined && ref.transport === SLACK && ref.channel === message.channel) return ref.id;
    }
    return undefined;
  }
}
