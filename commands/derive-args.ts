import * as z from 'zod';
import type { Arg } from './arg.js';
import type { ArgTable, Positional } from './arg-table.js';
import { flagCase } from './flag-case.js';

export type DeclaredArgs = Readonly<Record<string, Arg>>;

/** The zod object a command's declared args validate as; its output is what `run` receives. */
export type ArgsSchema<Args extends DeclaredArgs> = z.ZodObject<{ -readonly [Key in keyof Args]: Args[Key]['schema'] }, z.core.$strict>;

/**
 * Everything the parser, the validator and help need, from one declaration per argument:
 * the binder's positionals and flags, the zod object, and the usage line. Usage lists the
 * arguments in the order declared, with a rest last (it takes every remaining word), and in
 * brackets whatever its schema lets be left out.
 *
 * A declaration the binder could not honour (a word after the rest, two rests, a key that does
 * not survive the trip to `--kebab-case` and back) throws at start-up, not at the first user.
 */
export function deriveArgs<Args extends DeclaredArgs>(command: string, args: Args): Omit<ArgTable, 'name'> & { schema: ArgsSchema<Args> } {
  const positionals: Positional[] = [];
  const flags: Record<string, 'string' | 'boolean'> = {};
  const shown: string[] = [];
  let restShown: string | undefined;
  for (const [key, declared] of Object.entries(args)) {
    const flag = flagCase.toFlag(key);
    if (flagCase.toKey(flag) !== key) throw new Error(`${command}: argument "${key}" would be typed --${flag} and bound as ${flagCase.toKey(flag)}; name it in camelCase`);
    if (positionals.some((positional) => positional.rest === true) && (declared.kind === 'word' || declared.kind === 'rest')) {
      throw new Error(`${command}: "${key}" comes after a rest argument, which takes every remaining word`);
    }
    const optional = declared.schema.safeParse(undefined).success;
    const bracket = (text: string) => (optional ? `[${text}]` : text);
    switch (declared.kind) {
      case 'word':
        positionals.push({ name: key });
        shown.push(bracket(declared.label ?? key.toUpperCase()));
        break;
      case 'rest':
        positionals.push({ name: key, rest: true });
        if (declared.alsoFlag) flags[flag] = 'string';
        if (declared.inUsage) restShown = bracket(`${declared.label ?? key}…`);
        break;
      case 'flag':
        flags[flag] = 'string';
        shown.push(bracket(`--${flag} ${declared.label ?? key.toUpperCase()}`));
        break;
      case 'switch':
        flags[flag] = 'boolean';
        shown.push(bracket(`--${flag}`));
        break;
      default:
        return declared.kind satisfies never;
    }
  }
  const shape = Object.fromEntries(Object.entries(args).map(([key, declared]) => [key, declared.schema]));
  return {
    usage: [command, ...shown, ...(restShown === undefined ? [] : [restShown])].join(' '),
    positionals,
    flags,
    schema: z.strictObject(shape) as ArgsSchema<Args>,
  };
}
