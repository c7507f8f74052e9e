/** One line the outbox carries: a message line, or a reaction (TAGMSG). */
export type IrcLine =
  | { command: 'PRIVMSG'; text: string; /** msgid this line answers (IRCv3 +draft/reply) */ replyTo?: string }
  | { command: 'TAGMSG'; tags: Record<string, string> }
  /** A private answer to one person (help), which IRC clients show apart from the channel. */
  | { command: 'NOTICE'; text: string };

/** IRCv3 message-tags value escaping: ; space \ CR LF. */
function escapeTagValue(value: string): string {
  return value.replace(/[\\; \r\n]/g, (char) => ({ '\\': '\\\\', ';': '\\:', ' ': '\\s', '\r': '\\r', '\n': '\\n' })[char] ?? '');
}

/**
 * The raw protocol line for `line` to `target`. Tags are kept only when the server takes
 * client tags (message-tags); the trailing parameter always gets its ':' so a text that
 * starts with one, or has spaces, arrives whole.
 */
export function formatLine(target: string, line: IrcLine, clientTags: boolean): string {
  if (line.command === 'NOTICE') return `NOTICE ${target} :${line.text}`;
  const tags = line.command === 'TAGMSG' ? line.tags : line.replyTo === undefined ? {} : { '+draft/reply': line.replyTo };
  const tagText = clientTags ? Object.entries(tags).map(([key, value]) => (value === '' ? key : `${key}=${escapeTagValue(value)}`)).join(';') : '';
  const prefix = tagText === '' ? '' : `@${tagText} `;
  return line.command === 'TAGMSG' ? `${prefix}TAGMSG ${target}` : `${prefix}PRIVMSG ${target} :${line.text}`;
}
