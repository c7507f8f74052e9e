const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const encoder = new TextEncoder();

/**
 * Starts every line that continues a wrapped one, and every later line of a message that would
 * otherwise start with `!`: no line the bot sends can then start with a user's words, so a
 * padded command cannot make the bot say `!log …` (a fake SAL entry) on its second line.
 */
export const CONTINUATION = '↳ ';
const CONTINUATION_BYTES = byteLength(CONTINUATION);

function byteLength(text: string): number {
  return encoder.encode(text).length;
}

/** A piece of a line that is cut only when it alone is longer than a line. */
interface Atom {
  text: string;
  /** A shell command: when its line must wrap, it gets a line of its own, for copy-paste. */
  command: boolean;
}

const UNITS = String.raw`%|‰|ms|µs|us|ns|s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?|[KMGT]i?B|[KMG]bps|[kKMG]?rps|req/s|qps|x|×|hosts?|workers?|servers?|nodes?|pods?|requests?|errors?|lines?`;
/** Tried in order at the start of each piece; the first that matches makes the atom. */
const GLUE: ReadonlyArray<{ pattern: RegExp; command: boolean }> = [
  // `a shell command`, with what punctuation sticks to its end.
  { pattern: /`[^`\n]+`\S*/y, command: true },
  // A prompt: everything after `$ ` to the end of the line is the command (its # comment too).
  { pattern: /\$ \S.*$/y, command: true },
  // A short parenthesised aside: `(bare metal 0.05%)` stays whole.
  { pattern: /\([^()\n]{1,60}\)\S*/y, command: false },
  // A verb and what it acts on: `!deny 3hhn`, `!approve 3hhn`.
  { pattern: /![A-Za-z][\w-]*[ \t]+\S+/y, command: false },
  // A number and its unit: `12 ms`, `0.05 %`, `50 hosts`.
  { pattern: new RegExp(String.raw`\S*\d[ \t]+(?:${UNITS})(?=[\s,.;:)\]]|$)\S*`, 'uy'), command: false },
];

/**
 * Cuts a message into IRC lines of at most `maxBytes` UTF-8 bytes, where a person would: one
 * line per input line (blank ones dropped), long lines broken between words, never inside a
 * shell command, a number and its unit, a verb and its request id, a parenthesised aside or a
 * host list. When a line with a shell command must wrap, the command gets a line of its own.
 * A piece longer than a whole line is cut at its spaces, then after a comma outside brackets,
 * then between grapheme clusters (an emoji is never cut in half). Continuations start with
 * CONTINUATION, counted in the byte limit.
 */
export function splitMessage(text: string, maxBytes: number): string[] {
  if (!Number.isInteger(maxBytes) || maxBytes < 8) throw new RangeError(`maxBytes must be an integer >= 8, got ${maxBytes}`);
  const out: string[] = [];
  // NUL cannot travel in an IRC line at all; CR and LF end one.
  for (const line of text.replace(/\0/g, '').split(/\r\n|\r|\n/)) {
    if (line.trim() === '') continue;
    const trimmed = line.trimEnd();
    // A later line of the message starting with `!` could pass for a command of ours: marked.
    const defused = out.length > 0 && /^\s*!/.test(trimmed) ? `${CONTINUATION}${trimmed.trimStart()}` : trimmed;
    out.push(...wrapLine(defused, maxBytes));
  }
  return out;
}

function wrapLine(line: string, maxBytes: number): string[] {
  if (byteLength(line) <= maxBytes) return [line];
  const lines: string[] = [];
  let current = '';
  const budget = (): number => (lines.length === 0 ? maxBytes : maxBytes - CONTINUATION_BYTES);
  const flush = (): void => {
    if (current === '') return;
    lines.push(lines.length === 0 ? current : `${CONTINUATION}${current}`);
    current = '';
  };
  const place = (piece: string): void => {
    const joined = current === '' ? piece : `${current} ${piece}`;
    if (byteLength(joined) <= budget()) {
      current = joined;
      return;
    }
    flush();
    if (byteLength(piece) <= budget()) {
      current = piece;
      return;
    }
    // Longer than a whole line: cut it, and let its last part share a line with what follows.
    const parts = cutLong(piece, budget(), maxBytes - CONTINUATION_BYTES);
    for (const part of parts.slice(0, -1)) {
      current = part;
      flush();
    }
    current = parts.at(-1) ?? '';
  };
  for (const atom of atoms(line)) {
    if (atom.command) {
      // Alone on its line(s), so it can be copied whole.
      flush();
      place(atom.text);
      flush();
    } else {
      place(atom.text);
    }
  }
  flush();
  return lines;
}

/** The line's pieces, with the spaces between them (the only places it may be cut) dropped. */
function atoms(line: string): Atom[] {
  const found: Atom[] = [];
  let at = 0;
  while (at < line.length) {
    const space = /\s+/y;
    space.lastIndex = at;
    if (space.exec(line) !== null) {
      at = space.lastIndex;
      continue;
    }
    let atom: Atom | undefined;
    for (const { pattern, command } of GLUE) {
      pattern.lastIndex = at;
      const match = pattern.exec(line);
      if (match !== null) {
        atom = { text: match[0].trimEnd(), command };
        break;
      }
    }
    atom ??= { text: /\S+/y.exec(line.slice(at))?.[0] ?? line.slice(at), command: false };
    found.push(atom);
    at += Math.max(atom.text.length, 1);
  }
  return found;
}

/**
 * A piece too long for one line, in parts: the first fits `first` bytes, the rest `rest`. Cut
 * at spaces when it has any, else after a comma outside brackets (between two hosts of a list,
 * never inside `maps[1005-1007]`), else between grapheme clusters.
 */
function cutLong(piece: string, first: number, rest: number): string[] {
  const parts: string[] = [];
  let remaining = piece;
  while (byteLength(remaining) > (parts.length === 0 ? first : rest)) {
    const limit = parts.length === 0 ? first : rest;
    const at = cutPoint(remaining, limit);
    parts.push(remaining.slice(0, at).trimEnd());
    remaining = remaining.slice(at).trimStart();
  }
  if (remaining !== '') parts.push(remaining);
  return parts.filter((part) => part !== '');
}

/** Where to cut `text` so that its head fits `limit` bytes: an index > 0. */
function cutPoint(text: string, limit: number): number {
  let bytes = 0;
  let lastSpace = -1;
  let lastComma = -1;
  let depth = 0;
  let end = 0;
  for (const { segment, index } of graphemes.segment(text)) {
    const size = byteLength(segment);
    if (bytes + size > limit) {
      if (lastSpace > 0) return lastSpace;
      if (lastComma > 0) return lastComma;
      if (end > 0) return end;
      // A single cluster bigger than the limit: cut it between code points.
      return codePointCut(text, limit);
    }
    bytes += size;
    end = index + segment.length;
    if (segment === '[') depth += 1;
    else if (segment === ']') depth = Math.max(0, depth - 1);
    else if (/^\s+$/.test(segment) && index > 0) lastSpace = index;
    else if (segment === ',' && depth === 0) lastComma = end;
  }
  return text.length;
}

function codePointCut(text: string, limit: number): number {
  let bytes = 0;
  let at = 0;
  for (const point of text) {
    const size = byteLength(point);
    if (bytes + size > limit) break;
    bytes += size;
    at += point.length;
  }
  return Math.max(at, 1);
}
