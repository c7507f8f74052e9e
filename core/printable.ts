/**
 * Echoes of user input are cut short and stripped, so a reply can never carry IRC formatting,
 * a bidi override, a newline that forges a second line, or a Slack `<!channel>` ping.
 */
export function printable(text: string, max = 60): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069<>]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
