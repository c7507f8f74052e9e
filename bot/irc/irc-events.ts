import * as z from 'zod';

/**
 * The irc-framework event payloads cutover reads, as zod schemas: they are what other people's
 * clients and the server sent, so nothing is trusted before it parses. Loose objects, because the
 * library adds fields (ident, time, batch) that do not matter here.
 */
const nick = z.string().min(1).max(64);
const tags = z.record(z.string(), z.string()).default({});
/** irc-framework: the account-tag value, or undefined when the tag is absent. */
const accountTag = z.string().optional();

export const privmsgEvent = z.looseObject({
  nick,
  target: z.string().min(1),
  message: z.string(),
  tags,
  account: accountTag,
});
export type PrivmsgEvent = z.infer<typeof privmsgEvent>;

export const tagmsgEvent = z.looseObject({ nick, target: z.string().min(1), tags, account: accountTag });
export type TagmsgEvent = z.infer<typeof tagmsgEvent>;

/** With extended-join, account is the account name or false (logged out); without it, absent. */
export const joinEvent = z.looseObject({ nick, channel: z.string().min(1), account: z.union([z.string(), z.literal(false)]).optional() });
export const partEvent = z.looseObject({ nick, channel: z.string().min(1) });
export const kickEvent = z.looseObject({ kicked: nick, channel: z.string().min(1), message: z.string().default('') });
export const quitEvent = z.looseObject({ nick });
export const nickEvent = z.looseObject({ nick, new_nick: nick });
/** account-notify (ACCOUNT), and our own 900/901. */
export const accountEvent = z.looseObject({ nick, account: z.union([z.string(), z.literal(false)]) });
export const registeredEvent = z.looseObject({ nick });
export const nickInUseEvent = z.looseObject({ nick: z.string() });
export const whoListEvent = z.looseObject({
  users: z.array(z.looseObject({ nick, account: z.string().optional() })).default([]),
});
export const saslFailedEvent = z.looseObject({ reason: z.string(), message: z.string().optional() });
export const ircErrorEvent = z.looseObject({ error: z.string(), channel: z.string().optional(), reason: z.string().optional() });
