import * as z from 'zod';
import { CutoverError } from '../../core/errors.js';

/** Probe targets come from config and chat: a bad one is refused before any socket opens. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new CutoverError('input.invalid', `Invalid ${what}: ${z.prettifyError(parsed.error)}`, { cause: parsed.error });
  return parsed.data;
}
