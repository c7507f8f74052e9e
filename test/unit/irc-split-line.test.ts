import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitMessage } from '../../bot/irc/split-line.js';

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('splitMessage: IRC lines of at most N UTF-8 bytes', () => {
  it('keeps a short line as it is, and splits a multi-line reply on newlines, dropping blank lines', () => {
    expect(splitMessage('hello', 350)).toEqual(['hello']);
    expect(splitMessage('one\n\ntwo\r\nthree\r   \nfour', 350)).toEqual(['one', 'two', 'three', 'four']);
    expect(splitMessage('\n \n', 350)).toEqual([]);
  });

  it('breaks at the last space that fits, never mid-word, and starts no line with the space', () => {
    const words = Array.from({ length: 120 }, (_, i) => `word${i}`).join(' ');
    const lines = splitMessage(words, 350);
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) {
      expect(bytes(line)).toBeLessThanOrEqual(350);
      expect(line).toMatch(/^word\d+( word\d+)*$/);
    }
    expect(lines.join(' ')).toBe(words);
  });

  it('counts bytes, not characters: 900 two-byte letters with spaces make lines of ≤ 350 bytes', () => {
    const text = Array.from({ length: 100 }, () => 'ééééééééé').join(' ');
    const lines = splitMessage(text, 350);
    for (const line of lines) expect(bytes(line)).toBeLessThanOrEqual(350);
    expect(lines.join(' ')).toBe(text);
    expect(lines[0]?.length).toBeLessThan(350);
  });

  it('cuts a word longer than a line between characters, never inside a multi-byte one', () => {
    const long = 'é'.repeat(400); // 800 bytes
    const lines = splitMessage(long, 350);
    expect(lines).toEqual(['é'.repeat(175), 'é'.repeat(175), 'é'.repeat(50)]);
    const euro = '€'.repeat(200); // 3 bytes each: 116 per 350-byte line
    expect(splitMessage(euro, 350).map((line) => line.length)).toEqual([116, 84]);
  });

  it('keeps emoji and combined characters whole (grapheme clusters)', () => {
    const family = '👨‍👩‍👧‍👦'; // 25 bytes, one grapheme
    const lines = splitMessage(family.repeat(30), 100);
    for (const line of lines) {
      expect(bytes(line)).toBeLessThanOrEqual(100);
      expect(line).toBe(family.repeat(line.length / family.length));
    }
    expect(lines.join('')).toBe(family.repeat(30));
    const accented = 'e\u0301'.repeat(60); // e + combining acute, 3 bytes per cluster
    expect(splitMessage(accented, 20).every((line) => line.startsWith('e\u0301') && !line.endsWith('e'))).toBe(true);
  });

  it('falls back to code points for a single cluster bigger than a line', () => {
    const monster = `a${'\u0301'.repeat(20)}`; // 41 bytes, one cluster
    const lines = splitMessage(monster, 10);
    for (const line of lines) expect(bytes(line)).toBeLessThanOrEqual(10);
    expect(lines.join('')).toBe(monster);
  });

  it('wraps a word after a short one onto its own lines, and drops NUL', () => {
    expect(splitMessage(`ok ${'x'.repeat(25)}`, 10)).toEqual(['ok', 'x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
    expect(splitMessage('a\0b', 10)).toEqual(['ab']);
  });

  it('a 100-host status folded into node sets fits in a few lines', () => {
    const status = [
      'eqiad kartotherian-k8s-ssl:6543 — pooled 60, depooled 20, inactive 20',
      `yes w10: maps[1001-1040] wikikube-worker[1001-1020] | no: wikikube-worker[1021-1040] | inactive: ${Array.from({ length: 20 }, (_, i) => `wikikube-worker${1041 + i * 2}`).join(',')}`,
    ].join('\n');
    const lines = splitMessage(status, 350);
    expect(lines.length).toBeLessThanOrEqual(4);
    for (const line of lines) expect(bytes(line)).toBeLessThanOrEqual(350);
  });

  it('property: every line fits, no text is lost but separators, and no character is split', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), fc.integer({ min: 8, max: 120 }), (text, limit) => {
        const lines = splitMessage(text, limit);
        for (const line of lines) {
          expect(bytes(line)).toBeLessThanOrEqual(limit);
          expect(line.trim()).not.toBe('');
          expect(line).not.toMatch(/[\r\n\0]/);
          // A lone surrogate would mean a code point was cut in half.
          expect(line).not.toMatch(LONE_SURROGATE);
        }
        const squash = (value: string): string => value.replace(/[\s\0]+/g, '');
        expect(squash(lines.join(''))).toBe(squash(text));
      }),
      { numRuns: 300 },
    );
  });
});
