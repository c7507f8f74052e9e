import type * as z from 'zod';
import type { Config } from '../../config/schema.js';
import type { Caller } from '../../core/access.js';
import { CutoverError } from '../../core/errors.js';
import { personBySlackId } from '../../core/identity.js';
import type { InboundEvent, MessageRef } from '../transport.js';
import { APPROVE_ACTION, decodeButtonValue, DENY_ACTION } from './blocks.js';
import { blockActionsSchema, eventEnvelopeSchema, messageEventSchema, messageKindSchema, reactionEventSchema, slashCommandSchema } from './payloads.js';
import { slackToPlain } from './slack-text.js';

export const SLACK = 'slack';

export interface InboundContext {
  config: Config;
  /** Channel ids the bot answers in; empty means wherever it is. */
  channels: readonly string[];
}

/** A button click, with the message the buttons sit on (a reply threads under it) and who clicked. */
export interface ButtonClick {
  event: Extract<InboundEvent, { kind: 'button' }>;
  message: MessageRef | undefined;
  user: string;
}

/** A slash command accepted: the event for the gateway, and who typed what (an answer names them when it is public). */
export interface SlashCommand {
  event: Extract<InboundEvent, { kind: 'message' }>;
  user: string;
  typed: string;
}

/**
 * Slack payloads to gateway events. Each function returns undefined for what is not for us (chatter,
 * edits, bot posts, other channels) and throws 'input.invalid' for a payload that is malformed.
 * Identity is the Slack user id, which Slack vouches for; display names decide nothing.
 */
export function messageEvent(envelope: unknown, payload: unknown, context: InboundContext): InboundEvent | undefined {
  const kind = messageKindSchema.safeParse(payload);
  // Only what a person typed: edits (message_changed), joins and every bot's posts are skipped.
  if (!kind.success || kind.data.bot_id !== undefined || (kind.data.subtype !== undefined && kind.data.subtype !== 'thread_broadcast')) return undefined;
  const message = parse(messageEventSchema, payload, 'message event');
  // A DM to the bot is a private conversation: read-only commands are answered there (commands/dispatch.ts).
  const direct = message.channel_type === 'im' && message.channel.startsWith('D');
  if (!direct && !allowed(context, message.channel)) return undefined;
  const text = slackToPlain(message.text).trim();
  // Chatter never reaches the gateway, so it costs no Redis round trip for the delivery guard; in a DM everything is for us.
  if (!direct && !text.startsWith('!')) return undefined;
  if (text === '') return undefined;
  const from = caller(context, message.user, message.channel);
  return {
    kind: 'message',
    text,
    caller: direct ? { ...from, private: true } : from,
    // Replies attach to a thread's first message, so a command inside a thread names that thread.
    // A DM is answered in the conversation itself, not in a thread under each question.
    ...(direct && message.thread_ts === undefined ? {} : { ref: { transport: SLACK, channel: message.channel, id: message.thread_ts ?? message.ts } }),
    ...deliveryOf(envelope),
  };
}

export function reactionEvent(envelope: unknown, payload: unknown, context: InboundContext): InboundEvent | undefined {
  const reaction = parse(reactionEventSchema, payload, 'reaction event');
  if (!allowed(context, reaction.item.channel)) return undefined;
  return {
    kind: 'reaction',
    caller: caller(context, reaction.user, reaction.item.channel),
    target: { transport: SLACK, channel: reaction.item.channel, id: reaction.item.ts },
    emoji: reaction.reaction,
    removed: reaction.type === 'reaction_removed',
    ...deliveryOf(envelope),
  };
}

export function buttonClick(body: unknown, context: InboundContext): ButtonClick | undefined {
  const actions = parse(blockActionsSchema, body, 'block_actions payload');
  const action = actions.actions[0];
  const decision = action?.action_id === APPROVE_ACTION ? 'approve' : action?.action_id === DENY_ACTION ? 'deny' : undefined;
  if (action === undefined || decision === undefined) return undefined;
  const value = decodeButtonValue(action.value);
  if (value === undefined) throw new CutoverError('input.invalid', `a ${action.action_id} button carried an unreadable value`);
  const channel = actions.channel?.id ?? actions.container?.channel_id;
  if (channel === undefined) throw new CutoverError('input.invalid', 'a button click came without its channel');
  if (!allowed(context, channel)) return undefined;
  const messageTs = actions.container?.message_ts;
  // Interactivity is not retried the way events are, but a trigger_id is unique per click.
  const deliveryId = actions.trigger_id ?? (action.action_ts === undefined ? undefined : `${actions.user.id}:${action.action_ts}`);
  const message: MessageRef | undefined = messageTs === undefined ? undefined : { transport: SLACK, channel, id: messageTs };
  return {
    event: {
      kind: 'button',
      caller: caller(context, actions.user.id, channel),
      decision,
      requestId: value.requestId,
      actionHash: value.actionHash,
      ...(deliveryId === undefined ? {} : { deliveryId: `action:${deliveryId}` }),
      // The answer threads under the message clicked (a refusal included), not at the channel's foot.
      ...(message === undefined ? {} : { ref: message }),
    },
    message,
    user: actions.user.id,
  };
}

/**
 * `/<command> status` is `!<service> status` typed in the channel, where `service` is whose
 * command it is: the command's name may differ from the service's (`slash_commands`).
 */
export function slashCommand(body: unknown, context: InboundContext, service: string): SlashCommand | undefined {
  const command = parse(slashCommandSchema, body, 'slash command');
  // Anyone may type a slash command in any channel or DM of the workspace, the bot invited or not:
  // only the configured channels take them, even where messages are read wherever the bot is.
  if (!context.channels.includes(command.channel_id)) return undefined;
  const args = slackToPlain(command.text).trim();
  return {
    event: {
      kind: 'message',
      text: `!${service} ${args}`.trim(),
      caller: caller(context, command.user_id, command.channel_id),
      ...(command.trigger_id === undefined ? {} : { deliveryId: `command:${command.trigger_id}` }),
    },
    user: command.user_id,
    typed: `${command.command} ${args}`.trim(),
  };
}

function allowed(context: InboundContext, channel: string): boolean {
  return context.channels.length === 0 || context.channels.includes(channel);
}

function caller(context: InboundContext, user: string, channel: string): Caller {
  const person = personBySlackId(context.config, user);
  // Configured people read as themselves; anyone else by user id, which no one can take.
  return { person, display: person ?? user, transport: SLACK, channel, userId: user };
}

function deliveryOf(envelope: unknown): { deliveryId?: string } {
  const parsed = eventEnvelopeSchema.safeParse(envelope);
  return parsed.success ? { deliveryId: parsed.data.event_id } : {};
}

function parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const where = parsed.error.issues.map((issue) => issue.path.join('.') || '(top)').join(', ');
    throw new CutoverError('input.invalid', `a malformed ${what} (${where})`);
  }
  return parsed.data;
}
