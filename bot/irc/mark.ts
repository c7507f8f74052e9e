import type { Urgency } from '../transport.js';
import { urgencyRank } from '../urgency.js';
import type { IrcLine } from './format-line.js';
import type { OutboxMessage } from './outbox.js';

/** Marks coalesce per message they mark; progress lines coalesce by request id, so the prefix keeps the two apart. */
const MARK_KEY = 'mark:';

/**
 * A reaction (+draft/react TAGMSG) on message `msgid`, as the outbox queues it: with the rank of
 * the line it goes with, so it keeps its place among the lines about the same request (a 👀 set
 * on approval never follows the ✅ line), and keyed by the message it marks, so a newer mark
 * replaces one still unsent (a 👀 still queued when the ✅ comes is not sent at all).
 */
export function markMessage(target: string, msgid: string, emoji: string, urgency: Urgency): OutboxMessage<{ line: IrcLine; index: number }> {
  return {
    target,
    lines: [{ line: { command: 'TAGMSG', tags: { '+draft/react': emoji, '+draft/reply': msgid } }, index: 0 }],
    rank: urgencyRank(urgency),
    keep: false,
    coalesceKey: `${MARK_KEY}${msgid}`,
  };
}
