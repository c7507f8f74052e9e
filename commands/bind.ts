import { CutoverError } from '../core/errors.js';
import { own } from '../core/own.js';
import { quoted } from '../core/printable.js';
import type { ArgTable, BoundArgs } from './arg-table.js';
import { flagCase } from './flag-case.js';

/** Binds words to a spec's positionals and flags; zod validates the values afterwards. */
export function bindArguments(spec: ArgTable, words: readonly string[]): BoundArgs {
  const bound: BoundArgs = {};
  const positionals: string[] = [];
  for (let index = 0; index < words.length; index += 1) {
    const word = words[index] ?? '';
    // A lone `--` is shell habit, not part of a reason (`· -- reason T378944 ·`). Options after it
    // still count: `-- --dry-run` must stay a dry run, never file a real request.
    if (word === '--') continue;
    if (!word.startsWith('--')) {
      positionals.push(word);
      continue;
    }
    const [rawName = '', inlineValue] = splitOnce(word.slice(2), '=');
    const type = own(spec.flags, rawName);
    if (type === undefined) {
      const known = Object.keys(spec.flags).map((flag) => `--${flag}`);
      throw new CutoverError(
        'input.invalid',
        `${spec.name} has no option ${quoted(`--${rawName}`, 32)}${known.length > 0 ? ` (options: ${known.join(', ')})` : ''} · usage: ${spec.usage}`,
      );
    }
    const key = flagCase.toKey(rawName);
    if (Object.hasOwn(bound, key)) throw new CutoverError('input.invalid', `--${rawName} given twice.`);
    if (type === 'boolean') {
      if (inlineValue !== undefined) throw new CutoverError('input.invalid', `--${rawName} takes no value.`);
      bound[key] = true;
      continue;
    }
    const value = inlineValue ?? words[index + 1];
    if (value === undefined || (inlineValue === undefined && value.startsWith('--'))) {
      throw new CutoverError('input.invalid', `--${rawName} needs a value · usage: ${spec.usage}`);
    }
    if (inlineValue === undefined) index += 1;
    bound[key] = value;
  }

  let next = 0;
  for (const positional of spec.positionals) {
    if (next >= positionals.length) break;
    if (Object.hasOwn(bound, positional.name)) {
      throw new CutoverError('input.invalid', `${positional.name} given twice (as --${positional.name} and as words) · usage: ${spec.usage}`);
    }
    if (positional.rest === true) {
      bound[positional.name] = positionals.slice(next).join(' ');
      next = positionals.length;
    } else {
      bound[positional.name] = positionals[next] ?? '';
      next += 1;
    }
  }
  if (next < positionals.length) {
    throw new CutoverError(
      'input.invalid',
      `Unexpected ${quoted(positionals.slice(next).join(' '), 40)} · usage: ${spec.usage}`,
    );
  }
  return bound;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}
