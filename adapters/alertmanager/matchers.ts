import type { AlertMatcher, AlertSelector } from '../../core/ports/alerts.js';

const OPERATORS = { '=': { isEqual: true, isRegex: false }, '!=': { isEqual: false, isRegex: false }, '=~': { isEqual: true, isRegex: true }, '!~': { isEqual: false, isRegex: true } } as const;
type Operator = keyof typeof OPERATORS;
const ONE = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*")\s*(,|$)/y;

/**
 * A selector as people write them in Prometheus rules and Alertmanager's UI, `{job=~"probes/.*",
 * instance=~"kartotherian-ssl:443"}`: the matchers, or why it is not one. Regexes are checked
 * here (JavaScript's syntax, close to RE2's) so a typo is caught when the config loads.
 */
export function parseSelector(text: string): { ok: true; selector: AlertSelector } | { ok: false; error: string } {
  const inner = /^\s*\{(.*)\}\s*$/s.exec(text)?.[1];
  if (inner === undefined) return { ok: false, error: `${JSON.stringify(text)} is not a selector like {alertname="ProbeDown", job=~"probes/.*"}` };
  const matchers: AlertMatcher[] = [];
  ONE.lastIndex = 0;
  while (ONE.lastIndex < inner.length) {
    const at = ONE.lastIndex;
    const match = ONE.exec(inner);
    if (match === null) return { ok: false, error: `cannot read a matcher at ${JSON.stringify(inner.slice(at, at + 30))}` };
    const [, name = '', operator = '=', quoted = '""', comma] = match;
    const value = JSON.parse(quoted) as string;
    const { isEqual, isRegex } = OPERATORS[operator as Operator];
    if (isRegex) {
      try {
        new RegExp(value);
      } catch {
        return { ok: false, error: `${name}${operator}${quoted}: not a regular expression` };
      }
    }
    matchers.push({ name, value, isEqual, isRegex });
    if (comma === '') break;
  }
  if (matchers.length === 0) return { ok: false, error: 'an empty selector would match every alert' };
  return { ok: true, selector: matchers };
}

/** One matcher as Alertmanager's `filter` parameter and people read it: `job=~"probes/.*"`. */
export function renderMatcher(matcher: AlertMatcher): string {
  const operator = matcher.isRegex ? (matcher.isEqual ? '=~' : '!~') : matcher.isEqual ? '=' : '!=';
  return `${matcher.name}${operator}${JSON.stringify(matcher.value)}`;
}
