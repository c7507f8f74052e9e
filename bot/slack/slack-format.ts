import { MAX_MESSAGE_CHARS, slackEscape } from './slack-text.js';

/** Configured people by name, with their Slack user ids: whom a mention can notify. */
export type SlackPeople = ReadonlyMap<string, string>;

export interface FormatOptions {
  people?: SlackPeople;
  /** A request shown with buttons: the IRC way to decide (`!approve ID or !deny ID`) is noise beside them. */
  withButtons?: boolean;
  max?: number;
}

/**
 * The gateway's plain text as Slack mrkdwn: escaped (nothing echoed becomes a mention or a
 * broadcast), then commands, host names and JSON in code spans (copied exactly, never linked or
 * reflowed), and the approvers a request waits for mentioned, so Slack notifies them.
 */
export function slackFormat(text: string, options: FormatOptions = {}): string {
  let plain = text;
  if (options.withButtons === true) plain = plain.replace(/: !approve (\S+) or !deny \1(?=$| ·)/gm, '');
  let out = outsideCode(slackEscape(plain, options.max ?? MAX_MESSAGE_CHARS), (part) =>
    part
      .replace(JSON_LIKE, (json) => `\`${json}\``)
      .replace(COMMAND, (command) => `\`${command}\``)
  );
  out = outsideCode(out, (part) => part.replace(HOST, (host) => `\`${host}\``));
  return options.people === undefined ? out : mentionApprovers(out, options.people);
}

/** `{"pooled": "yes"}` and the like: an object with a quoted key. */
const JSON_LIKE = /\{\s*"[^{}]*(?:\{[^{}]*\}[^{}]*)*\}/g;
/** `!approve r7k2`, `!kartotherian pool wikikube1001 --reason x`: up to a separator or a joining word. */
const COMMAND = /(?<=^|[\s"'(])![a-z][a-z-]*(?: (?!(?:or|and|then|to)\b)[^\s·;,()`]+(?<![.:]))*/g;
/** maps1005, wikikube-worker1001.eqiad.wmnet: a name with a 3-4 digit number, and its domain. */
const HOST = /(?<![\w.`-])[a-z][a-z-]*\d{3,4}(?:\.[a-z0-9-]+)*(?![\w`-])/g;

/** Applies `change` only to what is not already in a code block (```…```, e.g. a helm diff) or span. */
function outsideCode(text: string, change: (part: string) => string): string {
  return text
    .split(/(```[\s\S]*?```|`[^`\n]*`)/)
    .map((part, index) => (index % 2 === 1 ? part : change(part)))
    .join('');
}

/**
 * Names in "approval from bob or carol" become `<@U…>`: only there, so a reason that names someone
 * pings nobody, and only for configured people with a Slack id (the text is escaped already, so
 * these are the only mentions in it).
 */
function mentionApprovers(text: string, people: SlackPeople): string {
  return text.replace(/(approvals? from )([^·:\n]+)/g, (_match, lead: string, names: string) => {
    const mentioned = names.replace(/[A-Za-z0-9_-]+/g, (word) => {
      const id = people.get(word);
      return id === undefined ? word : `<@${id}>`;
    });
    return `${lead}${mentioned}`;
  });
}

/**
 * plain_text with a per-field limit, cut at a word with an ellipsis (Slack refuses a longer one);
 * `keep` is said whole at the end whatever the cut (the dialog's action hash).
 */
export function plainCut(text: string, max: number, keep = ''): string {
  const whole = text.replace(/\s+/g, ' ').trim();
  const room = max - Array.from(keep).length;
  const chars = Array.from(whole);
  if (chars.length <= room) return `${whole}${keep}`;
  const cut = chars.slice(0, room - 1).join('');
  const atWord = cut.replace(/\s+\S*$/, '');
  return `${(atWord.length > 0 ? atWord : cut).replace(/[\s·,;:]+$/, '')}…${keep}`;
}
