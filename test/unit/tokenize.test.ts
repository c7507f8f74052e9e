import { describe, expect, it } from 'vitest';
import { MAX_LINE_LENGTH, MAX_TOKENS, tokenize } from '../../commands/tokenize.js';
import { cutoverErrorFrom } from '../helpers/fakes.js';

describe('tokenize', () => {
  it('splits on spaces, collapsing runs and tabs', () => {
    expect(tokenize('!kartotherian  pool\twikikube1001   ')).toEqual(['!kartotherian', 'pool', 'wikikube1001']);
  });

  it('returns no words for an empty line', () => {
    expect(tokenize('')).toEqual([]);
    expect(tokenize('   ')).toEqual([]);
  });

  it('keeps a "double-quoted" reason as one word, without the quotes', () => {
    expect(tokenize('pool maps1005 "planned maintenance, T378944"')).toEqual(['pool', 'maps1005', 'planned maintenance, T378944']);
  });

  it("keeps a 'single-quoted' reason as one word", () => {
    expect(tokenize("depool maps1005 'disk  failing'")).toEqual(['depool', 'maps1005', 'disk  failing']);
  });

  it('lets the other kind of quote sit inside a quoted word', () => {
    expect(tokenize(`deny k7qm "it's not ready"`)).toEqual(['deny', 'k7qm', "it's not ready"]);
    expect(tokenize(`deny k7qm 'say "later"'`)).toEqual(['deny', 'k7qm', 'say "later"']);
  });

  it("treats an apostrophe inside a word as a letter: it's broken", () => {
    expect(tokenize("depool maps1005 it's broken")).toEqual(['depool', 'maps1005', "it's", 'broken']);
    expect(tokenize("depool maps1005 the hosts' disks")).toEqual(['depool', 'maps1005', "the", "hosts'", 'disks']);
  });

  it('keeps an empty quoted word', () => {
    expect(tokenize('pool maps1005 --reason ""')).toEqual(['pool', 'maps1005', '--reason', '']);
  });

  it('joins a quoted part to the word it opens: --service="kartotherian-ssl"', () => {
    expect(tokenize('pool maps1005 --service="kartotherian ssl"')).toEqual(['pool', 'maps1005', '--service="kartotherian', 'ssl"']);
  });

  it.each([
    ['pool maps1005 "oops', '"'],
    ["pool maps1005 'oops", "'"],
  ])('refuses an unclosed quote: %s', (line, quote) => {
    const error = cutoverErrorFrom(() => tokenize(line));
    expect(error.code).toBe('input.invalid');
    expect(error.message).toBe(`Unclosed ${quote} quote.`);
  });

  it(`accepts a line of exactly ${MAX_LINE_LENGTH} characters and refuses ${MAX_LINE_LENGTH + 1}`, () => {
    const prefix = '!kartotherian pool maps1005 ';
    expect(tokenize(prefix + 'x'.repeat(MAX_LINE_LENGTH - prefix.length))).toHaveLength(4);
    const error = cutoverErrorFrom(() => tokenize(prefix + 'x'.repeat(MAX_LINE_LENGTH + 1 - prefix.length)));
    expect(error.code).toBe('input.invalid');
    expect(error.message).toBe('That line is 451 characters; commands are at most 450.');
  });

  it('refuses a 10 kB line without echoing it', () => {
    const error = cutoverErrorFrom(() => tokenize('!kartotherian pool ' + 'maps1005 '.repeat(1200)));
    expect(error.code).toBe('input.invalid');
    expect(error.message.length).toBeLessThan(100);
  });

  it.each([
    ['NUL', '\u0000'],
    ['IRC bold', '\u0002'],
    ['IRC colour', '\u0003'],
    ['CTCP', '\u0001'],
    ['bell', '\u0007'],
    ['line feed', '\n'],
    ['carriage return', '\r'],
    ['escape', '\u001b'],
    ['delete', '\u007f'],
    ['C1 control', '\u0085'],
    ['zero-width space', '\u200b'],
    ['right-to-left mark', '\u200f'],
    ['right-to-left override', '\u202e'],
    ['left-to-right embedding', '\u202a'],
    ['first-strong isolate', '\u2068'],
    ['line separator', '\u2028'],
  ])('refuses a line containing %s', (_name, char) => {
    const error = cutoverErrorFrom(() => tokenize(`!kartotherian pool maps1005 because${char}reasons`));
    expect(error.code).toBe('input.invalid');
    expect(error.message).toBe('That line contains control or formatting characters; type the command as plain text.');
  });

  // Regression: a hand-written character list missed U+061C ARABIC LETTER MARK, a Bidi_Control
  // character (one of the Trojan Source set), and other invisible format characters (\p{Cf}).
  it.each([
    ['arabic letter mark', '\u061c'],
    ['word joiner', '\u2060'],
    ['zero-width no-break space', '\ufeff'],
  ])('refuses a line containing the invisible format character %s', (_name, char) => {
    expect(cutoverErrorFrom(() => tokenize(`!kartotherian pool maps1005 because${char}reasons`)).code).toBe('input.invalid');
  });

  it(`accepts ${MAX_TOKENS} words and refuses ${MAX_TOKENS + 1}`, () => {
    expect(tokenize(Array.from({ length: MAX_TOKENS }, () => 'w').join(' '))).toHaveLength(MAX_TOKENS);
    const error = cutoverErrorFrom(() => tokenize(Array.from({ length: MAX_TOKENS + 1 }, () => 'w').join(' ')));
    expect(error.code).toBe('input.invalid');
    expect(error.message).toBe(`Too many words (${MAX_TOKENS + 1}); commands take at most ${MAX_TOKENS}.`);
  });

  it('does not expand or interpret shell syntax', () => {
    expect(tokenize('pool $(whoami) `id` ~ * ; && |')).toEqual(['pool', '$(whoami)', '`id`', '~', '*', ';', '&&', '|']);
    expect(tokenize('pool a\\ b')).toEqual(['pool', 'a\\', 'b']);
  });
});
