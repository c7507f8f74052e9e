import { CutoverError } from '../core/errors.js';

/** IRC lines carry at most ~450 bytes of text; nothing longer is a command anyone typed. */
export const MAX_LINE_LENGTH = 450;
export const MAX_TOKENS = 40;

/** Control and invisible format characters (IRC colours, CTCP, bidi overrides, zero-width joiners); tab is whitespace. */
const CONTROL = /(?!\t)[\p{Cc}\p{Cf}\u2028\u2029]/u;

/**
 * Splits a chat line into words, honouring "double" and 'single' quotes for reasons with
 * spaces. No escapes, no expansion: nothing here is ever handed to a shell.
 */
export function tokenize(line: string): string[] {
  if (line.length > MAX_LINE_LENGTH) {
    throw new CutoverError('input.invalid', `That line is ${line.length} characters; commands are at most ${MAX_LINE_LENGTH}.`);
  }
  if (CONTROL.test(line)) {
    throw new CutoverError('input.invalid', 'That line contains control or formatting characters; type the command as plain text.');
  }
  const tokens: string[] = [];
  let current = '';
  let quote: '"' | "'" | undefined;
  let inToken = false;
  for (const char of line.replaceAll('\t', ' ')) {
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else current += char;
    } else if ((char === '"' || char === "'") && !inToken) {
      // Only a quote that opens a word quotes, so a reason like `it's broken` needs no escaping.
      quote = char;
      inToken = true;
    } else if (char === ' ') {
      if (inToken) tokens.push(current);
      current = '';
      inToken = false;
    } else {
      current += char;
      inToken = true;
    }
  }
  if (quote !== undefined) {
    throw new CutoverError('input.invalid', `Unclosed ${quote} quote.`);
  }
  if (inToken) tokens.push(current);
  if (tokens.length > MAX_TOKENS) {
    throw new CutoverError('input.invalid', `Too many words (${tokens.length}); commands take at most ${MAX_TOKENS}.`);
  }
  return tokens;
}
