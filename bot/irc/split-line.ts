const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const encoder = new TextEncoder();

function byteLength(text: string): number {
  return encoder.encode(text).length;
}

/**
 * Cuts a message into IRC lines of at most `maxBytes` UTF-8 bytes: one line per input line
 * (blank ones dropped), long lines broken at the last space that fits. A word longer than a
 * whole line is broken between grapheme clusters, so an emoji or an accented letter is never
 * cut in half (a cluster that alone exceeds the limit is cut between code points).
 */
export function splitMessage(text: string, maxBytes: number): string[] {
  if (!Number.isInteger(maxBytes) || maxBytes < 4) throw new RangeError(`maxBytes must be an integer >= 4, got ${maxBytes}`);
  const out: string[] = [];
  // NUL cannot travel in an IRC line at all; CR and LF end one.
  for (const line of text.replace(/\0/g, '').split(/\r\n|\r|\n/)) {
    if (line.trim() === '') continue;
    out.push(...wrapLine(line.trimEnd(), maxBytes));
  }
  return out;
}

function wrapLine(line: string, maxBytes: number): string[] {
  if (byteLength(line) <= maxBytes) return [line];
  const chunks: string[] = [];
  let current = '';
  let currentBytes = 0;
  const flush = (): void => {
    const chunk = current.trimEnd();
    if (chunk !== '') chunks.push(chunk);
    current = '';
    currentBytes = 0;
  };
  for (const piece of pieces(line, maxBytes)) {
    const bytes = byteLength(piece);
    const space = /^\s+$/.test(piece);
    if (currentBytes + bytes > maxBytes) {
      if (space) {
        // The break falls on a space: it is the word boundary, and no line starts with it.
        flush();
        continue;
      }
      const lastSpace = current.search(/\s\S*$/);
      if (lastSpace > 0 && current.slice(0, lastSpace).trim() !== '') {
        const tail = current.slice(lastSpace).trimStart();
        current = current.slice(0, lastSpace);
        flush();
        current = tail;
        currentBytes = byteLength(tail);
      }
      // Still no room: the word alone fills a line, so it is broken here.
      if (currentBytes + bytes > maxBytes) flush();
    }
    if (current === '' && space && chunks.length > 0) continue;
    current += piece;
    currentBytes += bytes;
  }
  flush();
  return chunks;
}

/** Grapheme clusters, except that one too big for a line is handed out as its code points. */
function* pieces(line: string, maxBytes: number): Generator<string> {
  for (const { segment } of graphemes.segment(line)) {
    if (byteLength(segment) <= maxBytes) yield segment;
    else yield* segment;
  }
}
