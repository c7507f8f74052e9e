import * as z from 'zod';

/**
 * The fields of Slack payloads the transport reads, checked at the boundary. Objects stay loose:
 * Slack adds fields all the time, and only these decide anything.
 */
const slackId = z.string().regex(/^[A-Z0-9]{2,32}$/);
const ts = z.string().regex(/^\d{1,12}\.\d{1,9}$/);

/** Events API envelope (HTTP body, or a socket-mode events_api payload): event_id is what Slack repeats on a retry. */
export const eventEnvelopeSchema = z.looseObject({ event_id: z.string().min(1).max(100) });

/** Edits, joins and bot posts arrive as message events too; they carry a subtype or a bot_id. */
export const messageKindSchema = z.looseObject({ subtype: z.string().optional(), bot_id: z.string().optional() });

export const messageEventSchema = z.looseObject({
  type: z.literal('message'),
  user: slackId,
  channel: slackId,
  ts,
  thread_ts: ts.optional(),
  text: z.string().max(40_000),
  /** `im` for a direct message to the bot (its channel id starts with D); channels say `channel` or `group`. */
  channel_type: z.string().max(20).optional(),
});

export const reactionEventSchema = z.looseObject({
  type: z.enum(['reaction_added', 'reaction_removed']),
  user: slackId,
  reaction: z.string().min(1).max(100),
  item: z.looseObject({ type: z.literal('message'), channel: slackId, ts }),
});

export const blockActionsSchema = z.looseObject({
  type: z.literal('block_actions'),
  trigger_id: z.string().min(1).max(200).optional(),
  user: z.looseObject({ id: slackId }),
  channel: z.looseObject({ id: slackId }).optional(),
  container: z.looseObject({ channel_id: slackId.optional(), message_ts: ts.optional() }).optional(),
  actions: z
    .array(z.looseObject({ action_id: z.string(), value: z.string().max(2000).optional(), action_ts: z.string().max(40).optional() }))
    .min(1),
});

export const slashCommandSchema = z.looseObject({
  command: z.string().min(2),
  text: z.string().max(4000),
  user_id: slackId,
  channel_id: slackId,
  trigger_id: z.string().min(1).max(200).optional(),
});
