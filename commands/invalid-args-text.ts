import type * as z from 'zod';
import { own } from '../core/own.js';
import type { ArgTable } from './arg-table.js';
import { flagCase } from './flag-case.js';

/**
 * zod's own prettifyError starts every issue with "✖", and the dispatcher prefixes every refusal
 * with "✖" too, so chat saw "✖ ✖ …". This says each issue once, named as the person typed it.
 */
export function invalidArgsText(error: z.ZodError, spec: Pick<ArgTable, 'positionals' | 'flags'>): string {
  return error.issues
    .map((issue) => {
      const key = issue.path[0];
      return typeof key === 'string' ? `${argumentLabel(key, spec)}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

function argumentLabel(key: string, spec: Pick<ArgTable, 'positionals' | 'flags'>): string {
  if (spec.positionals.some((positional) => positional.name === key)) return key;
  const flag = flagCase.toFlag(key);
  return own(spec.flags, flag) === undefined ? key : `--${flag}`;
}
