import type { Config } from '../config/schema.js';
import { isAllowed, type Caller } from '../core/access.js';
import { CutoverError } from '../core/errors.js';
import type { Inventory } from '../core/inventory.js';
import { printable } from '../core/printable.js';
import { bindArguments } from './bind.js';
import type { CommandDeps } from './ports.js';
import { buildRegistry } from './registry.js';
import type { Reply } from './reply.js';
import type { CommandContext, CommandSpec } from './spec.js';
import { tokenize } from './tokenize.js';

export interface IncomingCommand {
  text: string;
  caller: Caller;
}

export interface DispatcherOptions {
  config: Config;
  inventories: ReadonlyMap<string, Inventory>;
  deps: CommandDeps;
  registry?: ReadonlyMap<string, CommandSpec>;
  /** Unexpected failures (bugs, Redis gone) land here for the log; the channel gets a short message. */
  onUnexpectedError: (error: unknown, message: IncomingCommand) => void;
  /** Told about every command that reached a spec, for the bot's own metrics. */
  onCommand?: (command: string, outcome: 'ok' | 'refused' | 'error') => void;
}

export type Dispatch = (message: IncomingCommand) => Promise<Reply | undefined>;

/**
 * The one pipeline every chat line goes through: parse, validate, authorize, run. It is also
 * the one error boundary: whatever goes wrong becomes a reply, never a crash or silence.
 */
export function createDispatcher(options: DispatcherOptions): Dispatch {
  const { config, inventories, deps, onUnexpectedError } = options;
  const registry = options.registry ?? buildRegistry();

  return async function dispatch(message) {
    const text = message.text.trim();
    if (!text.startsWith('!')) return undefined;
    const where = `${message.caller.transport}:${message.caller.channel}`;
    const who = message.caller.person ?? message.caller.display;
    let commandName: string | undefined;
    try {
      const words = tokenize(text);
      const head = (words[0] ?? '').slice(1).toLowerCase();
      let service: string | undefined;
      let name: string;
      let rest: string[];
      if (Object.hasOwn(config.services, head)) {
        service = head;
        name = (words[1] ?? 'help').toLowerCase();
        rest = words.slice(2);
      } else if (registry.get(head)?.scope === 'request') {
        name = head;
        rest = words.slice(1);
      } else {
        return undefined; // Another bot's command: stay quiet.
      }
      const spec = registry.get(name);
      if (spec === undefined) {
        throw new CutoverError('input.unknown-command', `No command "${printable(name, 30)}"; try !${service ?? ''} help.`);
      }
      if (spec.scope === 'service' && service !== undefined && !isAllowed(config, message.caller, service, spec.access)) {
        await deps.audit.append({ event: 'command.refused', service, who, where, detail: printable(text, 200) });
        throw new CutoverError('auth.forbidden', `${message.caller.display} may not run "${spec.name}" on ${service} (needs the ${spec.access} right).`);
      }
      const context: CommandContext = { config, caller: message.caller, deps, inventories, service };
      commandName = spec.name;
      const reply = await spec.execute(bindArguments(spec, rest), context);
      options.onCommand?.(spec.name, 'ok');
      if (spec.mutates) {
        await deps.audit.append({ event: 'command', service: service ?? '-', who, where, detail: printable(text, 200) });
      }
      return reply;
    } catch (error) {
      if (commandName !== undefined) options.onCommand?.(commandName, error instanceof CutoverError ? 'refused' : 'error');
      if (error instanceof CutoverError) return { text: `✖ ${error.message}` };
      onUnexpectedError(error, message);
      return { text: '✖ Something failed inside cutover; it is in the bot log. Check !status before retrying.' };
    }
  };
}
