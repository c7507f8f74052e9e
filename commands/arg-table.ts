/**
 * What the binder and the error wording need of a command's arguments. Derived from the command's
 * declared args (derive-args.ts), never typed by hand.
 */
export interface ArgTable {
  name: string;
  /** e.g. `pool HOST [--service LVS] [--weight N] [--task T123456] [--dry-run] [reason…]`. */
  usage: string;
  positionals: readonly Positional[];
  /** By the name as typed (`dry-run`), what follows it: a value, or nothing. */
  flags: Readonly<Record<string, 'string' | 'boolean'>>;
}

export interface Positional {
  name: string;
  /** Takes every remaining word, e.g. a free-text reason. */
  rest?: boolean;
}

/** Tokens bound to names: positionals by position, flags by name (`--dry-run` → `dryRun`). */
export type BoundArgs = Record<string, string | boolean>;
