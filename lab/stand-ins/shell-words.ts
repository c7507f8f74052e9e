/**
 * What a POSIX shell on a target host makes of the command string cumin sends it, for the plain
 * commands the bot sends: words separated by blanks, with '…' and "…" quoting and backslash
 * escapes. Anything that would make the shell do more than run one program (unquoted $ ` ; | &
 * < > ( ) or a glob) is refused rather than guessed at: the lab runs no shell.
 */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] ?? '';
    if (char === ' ' || char === '\t' || char === '\n') {
      if (word !== undefined) words.push(word);
      word = undefined;
      continue;
    }
    if (char === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) throw new Error('unexpected EOF while looking for matching `\'\'');
      word = (word ?? '') + text.slice(i + 1, end);
      i = end;
      continue;
    }
    if (char === '"') {
      let value = '';
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j += 1) {
        if (text[j] === '$' || text[j] === '`') throw new Error(`the lab's shell does no expansion: ${text}`);
        if (text[j] === '\\' && j + 1 < text.length && '$`"\\\n'.includes(text[j + 1] ?? '')) j += 1;
        value += text[j] ?? '';
      }
      if (j >= text.length) throw new Error('unexpected EOF while looking for matching `"\'');
      word = (word ?? '') + value;
      i = j;
      continue;
    }
    if (char === '\\') {
      i += 1;
      word = (word ?? '') + (text[i] ?? '');
      continue;
    }
    if ('$`;|&<>()*?[]{}~#'.includes(char) && !(char === '#' && word !== undefined)) throw new Error(`the lab's shell runs one plain command; refusing ${JSON.stringify(char)} in: ${text}`);
    word = (word ?? '') + char;
  }
  if (word !== undefined) words.push(word);
  return words;
}
