/**
 * Echoes of user input are cut short and stripped, so a reply can never carry IRC formatting,
 * a bidi override, a newline that forges a second line, or a Slack `<!channel>` ping.
 */
export function printable(text: string, max = 60): string {
  const clean = text
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, '?')
    .replaceAll('<', '‹')
    .replaceAll('>', '›');
  // Cut by code points, not UTF-16 units, so an emoji at the edge is not split into garbage.
  const chars = Array.from(clean);
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : clean;
}

/**
 * User text echoed in a reply: printable, and between “ ” (any curly quote inside turned
 * straight, so the echo cannot close its own quote). Quoted, a user's words never start a line the
 * bot sends, however the transport wraps it, and read as someone else's words, not the bot's.
 */
export function quoted(text: string, max = 60): string {
  return `“${printable(text.replace(/[“”]/g, '"'), max)}”`;
}
