import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONTINUATION, splitMessage } from '../../bot/irc/split-line.js';

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');
/** The text a line carries, without the continuation marker. */
const bare = (line: string): string => (line.startsWith(CONTINUATION) ? line.slice(CONTINUATION.length) : line);
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
    for (const [index, line] of lines.entries()) {
      expect(bytes(line)).toBeLessThanOrEqual(350);
      expect(line).toMatch(index === 0 ? /^word\d+( word\d+)*$/ : /^↳ word\d+( word\d+)*$/);
    }
    expect(lines.map(bare).join(' ')).toBe(words);
  });

  it('counts bytes, not characters: 900 two-byte letters with spaces make lines of ≤ 350 bytes', () => {
    const text = Array.from({ length: 100 }, () => 'ééééééééé').join(' ');
    const lines = splitMessage(text, 350);
    for (const line of lines) expect(bytes(line)).toBeLessThanOrEqual(350);
    expect(lines.map(bare).join(' ')).toBe(text);
    expect(lines[0]?.length).toBeLessThan(350);
  });

  it('cuts a word longer than a line between characters, never inside a multi-byte one', () => {
    const long = 'é'.repeat(400); // 800 bytes
    const lines = splitMessage(long, 350);
    // The continuation marker takes 4 bytes of each later line.
    expect(lines).toEqual(['é'.repeat(175), `↳ ${'é'.repeat(173)}`, `↳ ${'é'.repeat(52)}`]);
    const euro = '€'.repeat(200); // 3 bytes each: 116 per 350-byte line, 115 after the marker
    expect(splitMessage(euro, 350).map((line) => bare(line).length)).toEqual([116, 84]);
  });

  it('keeps emoji and combined characters whole (grapheme clusters)', () => {
    const family = '👨‍👩‍👧‍👦'; // 25 bytes, one grapheme
    const lines = splitMessage(family.repeat(30), 100);
    for (const line of lines.map(bare)) {
      expect(bytes(line)).toBeLessThanOrEqual(100);
      expect(line).toBe(family.repeat(line.length / family.length));
    }
    expect(lines.map(bare).join('')).toBe(family.repeat(30));
    const accented = 'e\u0301'.repeat(60); // e + combining acute, 3 bytes per cluster
    expect(splitMessage(accented, 20).every((line) => bare(line).startsWith('e\u0301') && !line.endsWith('e'))).toBe(true);
  });

  it('falls back to code points for a single cluster bigger than a line', () => {
    const monster = `a${'\u0301'.repeat(20)}`; // 41 bytes, one cluster
    const lines = splitMessage(monster, 10);
    for (const line of lines) expect(bytes(line)).toBeLessThanOrEqual(10);
    expect(lines.map(bare).join('')).toBe(monster);
  });

  it('wraps a word after a short one onto its own lines, and drops NUL', () => {
    expect(splitMessage(`ok ${'x'.repeat(17)}`, 10)).toEqual(['ok', `↳ ${'x'.repeat(6)}`, `↳ ${'x'.repeat(6)}`, `↳ ${'x'.repeat(5)}`]);
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
        for (const [index, line] of lines.entries()) {
          expect(bytes(line)).toBeLessThanOrEqual(limit);
          // The first line is the message's own start; any other either is one of its lines or is marked.
          if (index > 0 && !line.startsWith(CONTINUATION)) expect(text.replace(/\0/g, '').split(/\r\n|\r|\n/).some((input) => input.trimStart().startsWith(line))).toBe(true);
          expect(line.trim()).not.toBe('');
          expect(line).not.toMatch(/[\r\n\0]/);
          // A lone surrogate would mean a code point was cut in half.
          expect(line).not.toMatch(LONE_SURROGATE);
        }
        const squash = (value: string): string => value.replace(/[\s\0]+|↳/g, '');
        expect(squash(lines.join(''))).toBe(squash(text));
      }),
      { numRuns: 300 },
    );
  });
  it('never cuts a shell command: when its line must wrap, the command gets a line of its own', () => {
    const command = "sudo cumin 'A:maps and A:eqiad' 'run-puppet-agent' # applies the new pool";
    const prompt = `✖ the pool did not apply on ${'wikikube-worker1001 '.repeat(12)}; run $ ${command}`;
    const lines = splitMessage(prompt, 200);
    expect(lines.at(-1)).toBe(`↳ $ ${command}`);
    const ticks = `${'word '.repeat(30)}then \`${command}\` and carry on ${'word '.repeat(10)}`;
    const cut = splitMessage(ticks, 200);
    expect(cut).toContain(`↳ \`${command}\``);
  });

  it('keeps numbers with their units, asides, verbs with their ids and host lists together', () => {
    const text = `${'padding '.repeat(14)}p99 12 ms (bare metal 0.05%) deny with !deny 3hhn, approve with !approve 3hhn on maps[1005-1007].eqiad.wmnet`;
    for (let limit = 40; limit <= 200; limit += 1) {
      const lines = splitMessage(text, limit).map(bare);
      for (const whole of ['12 ms', '(bare metal 0.05%)', '!deny 3hhn,', '!approve 3hhn', 'maps[1005-1007].eqiad.wmnet']) {
        expect(lines.some((line) => line.includes(whole)), `${whole} at ${limit}: ${JSON.stringify(lines)}`).toBe(true);
      }
    }
  });

  it('cuts an over-long host list between hosts, never inside a range', () => {
    const hosts = Array.from({ length: 30 }, (_, i) => `maps[${1000 + i * 10}-${1005 + i * 10}].eqiad.wmnet`).join(',');
    const lines = splitMessage(hosts, 120).map(bare);
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line).toMatch(/^(maps\[\d+-\d+\]\.eqiad\.wmnet,?)+$/);
  });

  it('attacker: a refused command padded so the wrap falls on `!log` cannot make the bot say a SAL line', () => {
    const sal = '!log bob@cutover depool maps1005.eqiad.wmnet - approved by carol';
    for (let pad = 300; pad <= 360; pad += 1) {
      const refusal = `✖ Unknown command ${'x'.repeat(pad - 20)} ${sal}`;
      for (const line of splitMessage(refusal, 350)) expect(line).not.toMatch(/^\s*!/);
    }
    // A later line of the message that starts with `!` (echoed user text) is marked too.
    expect(splitMessage(`history:\n${sal}`, 350)).toEqual(['history:', `↳ ${sal}`]);
    // The message's own first line may be a `!log` (the bot's own SAL entries).
    expect(splitMessage(sal, 350)).toEqual([sal]);
  });

  it('property: every glued piece that fits a line arrives whole on one line, every line fits, later lines are marked', () => {
    const word = fc.stringMatching(/^[a-z0-9.:-]{1,12}$/);
    const glued = fc.oneof(
      fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.constantFrom('ms', 's', '%', 'hosts', 'GB')).map(([n, unit]) => `${n} ${unit}`),
      fc.stringMatching(/^[a-z0-9]{4}$/).map((id) => `!deny ${id}`),
      fc.stringMatching(/^[a-z0-9]{4}$/).map((id) => `!approve ${id}`),
      fc.tuple(fc.integer({ min: 1000, max: 1100 }), fc.integer({ min: 1, max: 9 })).map(([a, n]) => `maps[${a}-${a + n}].eqiad.wmnet`),
      fc.array(word, { minLength: 1, maxLength: 4 }).map((words) => `(bare ${words.join(' ')})`),
      fc.array(word, { minLength: 1, maxLength: 5 }).map((words) => `\`sudo cumin ${words.join(' ')}\``),
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(word, glued), { minLength: 1, maxLength: 80 }), fc.integer({ min: 60, max: 400 }), (parts, limit) => {
        const text = parts.join(' ');
        const lines = splitMessage(text, limit);
        for (const [index, line] of lines.entries()) {
          expect(bytes(line)).toBeLessThanOrEqual(limit);
          if (index > 0) expect(line.startsWith(CONTINUATION)).toBe(true);
        }
        const bodies = lines.map(bare);
        for (const part of parts) if (bytes(part) <= limit - 4) expect(bodies.some((line) => line.includes(part))).toBe(true);
        expect(bodies.join(' ')).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});
