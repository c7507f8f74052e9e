import * as z from 'zod';
import { CutoverError } from '../../core/errors.js';
import { quoted } from '../../core/printable.js';
import { arg } from '../arg.js';
import { defineCommand, type CommandSpec } from '../spec.js';

/** Help is generated from the specs themselves, so it cannot drift from what the parser accepts. */
export function createHelpCommand(specs: readonly CommandSpec[]): CommandSpec {
  const help: CommandSpec = defineCommand({
    name: 'help',
    summary: 'this list, or one command in detail',
    args: { command: arg.word(z.string().max(30).optional()) },
    access: 'read',
    scope: 'service',
    mutates: false,
    async run(args, context) {
      const prefix = `!${context.service ?? ''}`;
      const all = [...specs, help];
      if (args.command !== undefined) {
        const spec = all.find((candidate) => candidate.name === args.command);
        if (spec === undefined) throw new CutoverError('input.unknown-command', `No command ${quoted(args.command, 30)}; try ${prefix} help.`);
        return `${prefix} ${spec.usage} — ${spec.summary}${spec.mutates ? ' (changes production: approval, lock, audit)' : ''}`;
      }
      const lines = all.map((spec) => `${spec.scope === 'request' ? '!' : `${prefix} `}${spec.usage} — ${spec.summary}`);
      return [`${prefix} commands (HOST may be short: wikikube1001, maps1005):`, ...lines].join('\n');
    },
  });
  return help;
}
