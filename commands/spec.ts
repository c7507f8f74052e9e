import type * as z from 'zod';
import type { Config } from '../config/schema.js';
import type { Caller, Capability } from '../core/access.js';
import { CutoverError } from '../core/errors.js';
import type { Inventory } from '../core/inventory.js';
import type { ArgTable, BoundArgs } from './arg-table.js';
import { deriveArgs, type ArgsSchema, type DeclaredArgs } from './derive-args.js';
import { invalidArgsText } from './invalid-args-text.js';
import type { CommandDeps } from './ports.js';
import type { Answer } from './outcome.js';

export interface CommandContext {
  config: Config;
  caller: Caller;
  deps: CommandDeps;
  inventories: ReadonlyMap<string, Inventory>;
  /** The service named after the `!`; undefined for the request-scoped `!approve ID` and `!deny ID`. */
  service: string | undefined;
}

/**
 * A command as data, after Hubot's CommandBus: what it takes, who may run it, whether it
 * changes anything. Its usage and argument table are derived from its declared args, and help
 * is generated from these.
 */
export interface CommandSpec extends ArgTable {
  summary: string;
  /** Checked before the handler runs; `request`-scoped commands check against the request's service. */
  access: Capability;
  scope: 'service' | 'request';
  mutates: boolean;
  execute(args: BoundArgs, context: CommandContext): Promise<Answer>;
}

export interface CommandDefinition<Args extends DeclaredArgs> extends Omit<CommandSpec, 'execute' | keyof Omit<ArgTable, 'name'>> {
  /** Each argument once, in the order usage reads (commands/arg.ts). */
  args: Args;
  run: (args: z.output<ArgsSchema<Args>>, context: CommandContext) => Promise<string | Answer>;
}

export function defineCommand<Args extends DeclaredArgs>(definition: CommandDefinition<Args>): CommandSpec {
  const { args, run, ...rest } = definition;
  const { schema, ...table } = deriveArgs(rest.name, args);
  const spec = { ...rest, ...table };
  return {
    ...spec,
    async execute(bound, context) {
      const parsed = schema.safeParse(bound);
      if (!parsed.success) {
        throw new CutoverError('input.invalid', `${invalidArgsText(parsed.error, spec)} · usage: ${spec.usage}`);
      }
      const answer = await run(parsed.data, context);
      return typeof answer === 'string' ? { kind: 'ok', text: answer } : answer;
    },
  };
}
