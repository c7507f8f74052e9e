/**
 * The rfc1459 casemapping most networks (Libera's Solanum, InspIRCd) announce: besides ASCII
 * letters, []\~ are the upper case of {}|^. Nicks and channels compare equal under it.
 */
export function ircLower(name: string): string {
  return name.replace(/[A-Z[\]\\~]/g, (char) => FOLD[char] ?? char.toLowerCase());
}

const FOLD: Record<string, string> = { '[': '{', ']': '}', '\\': '|', '~': '^' };
