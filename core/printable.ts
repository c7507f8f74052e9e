/**
 * Echoes of user input are cut short and stripped, so a reply can never carry IRC formatting,
 * a bidi override, a newline that forges a second line, or a Slack `<!channel>` ping.
 */
export function printable(text: string, max = 60): string {
  const clean = text.replace(/[\p{Cc}\p{Cf}\u2028\u2029<>]/gu, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
