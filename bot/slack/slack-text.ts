/** Slack cuts message text above 40,000 characters; stay clear of it with room for the ellipsis. */
export const MAX_MESSAGE_CHARS = 39_000;
/** A section block's text holds at most 3,000 characters. */
export const MAX_SECTION_CHARS = 3_000;

/**
 * Text for Slack's own markup. `&`, `<` and `>` are its control characters (`<!channel>`,
 * `<@U123>`, links), so escaping exactly these three keeps whatever we echo from becoming a
 * mention or a broadcast. The result is cut to `max` characters without splitting an entity.
 */
export function slackEscape(text: string, max: number = MAX_MESSAGE_CHARS): string {
  const escaped = text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  const chars = Array.from(escaped);
  if (chars.length <= max) return escaped;
  // A cut inside "&amp;" would leave a bare "&am" that Slack shows as garbage.
  return `${chars
    .slice(0, max - 1)
    .join('')
    .replace(/&[a-z]{0,3}$/, '')}…`;
}

/**
 * What a person typed, from the text Slack sends: mentions and links arrive as `<@U123>`,
 * `<#C123|ops>` or `<http://maps1005.eqiad.wmnet|maps1005.eqiad.wmnet>` (Slack links anything that
 * looks like a host name), and `&`, `<`, `>` arrive escaped. Smart punctuation that some clients
 * substitute is turned back, so `--task` and quoted reasons still parse.
 */
export function slackToPlain(text: string): string {
  return text
    .replace(/<([^<>|]*)(?:\|([^<>]*))?>/g, (_match, target: string, label: string | undefined) => {
      if (target.startsWith('!')) return `@${(label ?? target.slice(1).split('^')[0] ?? '').replace(/^@/, '')}`;
      if (target.startsWith('@') || target.startsWith('#')) return label === undefined ? target : `${target[0]}${label}`;
      return label ?? target;
    })
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&')
    .replace(/[“”]/g, '"')
    .replace(/[‘’]/g, "'")
    .replace(/(^|\s)[—–](?=\S)/g, '$1--');
}
