import * as z from 'zod';

/**
 * One argument of a command, declared once. Its kind says how it is typed, its schema what the
 * value must look like (and, by accepting undefined, that it may be left out: `[ID]` rather than
 * `ID`), its label what the usage line calls it. The binder's table, the zod object and the usage
 * line are all derived from these (derive-args.ts), so they cannot disagree.
 */
export interface Arg<Schema extends z.ZodType = z.ZodType> {
  readonly kind: 'word' | 'rest' | 'flag' | 'switch';
  readonly schema: Schema;
  /** What usage calls it; undefined takes it from the key: HOST, `--dc DC`, `reason…`. */
  readonly label: string | undefined;
  /** A rest that may also be typed as `--name TEXT`; see `arg.rest`. */
  readonly alsoFlag: boolean;
  /** False leaves it out of the usage line; see `arg.rest`. */
  readonly inUsage: boolean;
}

export interface RestOptions {
  label?: string;
  /**
   * Also take it as `--reason TEXT`, the way Wikimedia's cookbooks spell it. Usage shows only the
   * trailing words, the one way people are taught; giving both is refused by the binder.
   */
  alsoFlag?: boolean;
  /**
   * False where another argument's label already says what these words are: simulate's words
   * depend on its sub-command, so its usage spells them out there.
   */
  inUsage?: boolean;
}

function declare<Schema extends z.ZodType>(kind: Arg['kind'], schema: Schema, label: string | undefined, rest: RestOptions = {}): Arg<Schema> {
  return { kind, schema, label, alsoFlag: rest.alsoFlag ?? false, inUsage: rest.inUsage ?? true };
}

/**
 * The four ways an argument is typed. A command lists them in the order its usage reads, e.g.
 * `{ host: arg.word(hostArg), service: arg.flag(lvsServiceArg.optional(), 'LVS'), dryRun: arg.switch() }`.
 */
export const arg = {
  /** One word in its place, e.g. HOST. */
  word: <Schema extends z.ZodType>(schema: Schema, label?: string): Arg<Schema> => declare('word', schema, label),
  /** Every word left over, joined by spaces: a free-text reason. Usage shows it last, as it is typed. */
  rest: <Schema extends z.ZodType>(schema: Schema, options: RestOptions = {}): Arg<Schema> => declare('rest', schema, options.label, options),
  /** `--name VALUE` or `--name=VALUE`, anywhere on the line. */
  flag: <Schema extends z.ZodType>(schema: Schema, label?: string): Arg<Schema> => declare('flag', schema, label),
  /** A bare `--name`, true when given; never required. */
  switch: (): Arg<z.ZodOptional<z.ZodBoolean>> => declare('switch', z.boolean().optional(), undefined),
};
