import type * as z from 'zod';
import type { Config } from '../config/schema.js';
import type { Caller, Capability } from '../core/access.js';
import { CutoverError } from '../core/errors.js';
import type { Inventory } from '../core/inventory.js';
import { invalidArgsText } from './invalid-args-text.js';
import type { CommandDeps } from './ports.js';

export interface CommandContext {
  config: Config;
  caller: Caller;
  deps: CommandDeps;
  inventories: ReadonlyMap<string, Inventory>;
  /** The service named after the `!`; undefined for the request-scoped `!approve ID` and `!deny ID`. */
  service: string | undefined;
}

/**
 * What a command says back. `request` marks the announcement of a new or decided request, so a
 * transport can attach approve/deny buttons to it and later find it again for reactions.
 */
export interface Reply {
  text: string;
  request?: { id: string; actionHash: string; state: 'pending' | 'approved' | 'denied' };
}

/** Tokens bound to names: positionals by position, flags by name (`--dry-run` → `dryRun`). */
export type BoundArgs = Record<string, string | boolean>;

export interface Positional {
  name: string;
  /** Takes every remaining word, e.g. a free-text reason. */
  rest?: boolean;
}

/**
 * A command as data, after Hubot's CommandBus: what it takes, who may run it, whether it
 * changes anything. Help text is generated from these.
 */
export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  positionals: readonly Positional[];
  flags: Readonly<Record<string, 'string' | 'boolean'>>;
  /** Checked before the handler runs; `request`-scoped commands check against the request's service. */
  access: Capability;
  scope: 'service' | 'request';
  mutates: boolean;
  execute(args: BoundArgs, context: CommandContext): Promise<Reply>;
}

export interface CommandDefinition<Schema extends z.ZodType> extends Omit<CommandSpec, 'execute'> {
  args: Schema;
  run: (args: z.output<Schema>, context: CommandContext) => Promise<string | Reply>;
}

export function defineCommand<Schema extends z.ZodType>(definition: CommandDefinition<Schema>): CommandSpec {
  const { args: schema, run, ...spec } = definition;
  return {
    ...spec,
    async execute(args, context) {
      const parsed = schema.safeParse(args);
      if (!parsed.success) {
        throw new CutoverError('input.invalid', `${invalidArgsText(parsed.error, spec)} · usage: ${spec.usage}`);
      }
      const reply = await run(parsed.data, context);
      return typeof reply === 'string' ? { text: reply } : reply;
    },
  };
}
