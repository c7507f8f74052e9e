import { describe, expect, it } from 'vitest';
import { printable } from '../../core/printable.js';

describe('printable', () => {
  it('leaves plain text alone', () => {
    expect(printable('maps1005.eqiad.wmnet')).toBe('maps1005.eqiad.wmnet');
    expect(printable('Kartotherian — map tiles ✓ 🗺️')).toBe('Kartotherian — map tiles ✓ 🗺️');
  });

  it.each([
    ['NUL', '\u0000'],
    ['IRC colour', '\u0003'],
    ['CTCP', '\u0001'],
    ['line feed', '\n'],
    ['carriage return', '\r'],
    ['C1 control', '\u009b'],
    ['zero-width space', '\u200b'],
    ['right-to-left override', '\u202e'],
    ['pop directional isolate', '\u2069'],
    ['arabic letter mark', '\u061c'],
    ['line separator', '\u2028'],
    ['paragraph separator', '\u2029'],
  ])('replaces %s with ?', (_name, char) => {
    expect(printable(`a${char}b`)).toBe('a?b');
  });

  it('turns angle brackets into look-alike quotes, keeping "latency > 200ms" readable', () => {
    expect(printable('latency > 200ms, <x>')).toBe('latency › 200ms, ‹x›');
  });

  it('defuses Slack broadcasts and mentions', () => {
    expect(printable('<!channel> <!here> <@U01BOB000>')).toBe('‹!channel› ‹!here› ‹@U01BOB000›');
  });

  it('cuts long text at max characters with an ellipsis', () => {
    expect(printable('x'.repeat(61))).toBe(`${'x'.repeat(60)}…`);
    expect(printable('x'.repeat(60))).toBe('x'.repeat(60));
    expect(printable('abcdef', 3)).toBe('abc…');
  });

  // Bug: core/printable.ts cuts with String#slice, which counts UTF-16 code units, so a
  // character outside the BMP (an emoji) at the cut is split and the reply carries a lone
  // surrogate, which a transport encodes as U+FFFD.
  it('never cuts a character in half', () => {
    const cut = printable(`${'a'.repeat(59)}🗺️ more`);
    expect(cut).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  });
});
