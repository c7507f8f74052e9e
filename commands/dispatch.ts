import * as z from 'zod';
import type { Config } from '../config/schema.js';
import { isAllowed, rolesWith, type Caller } from '../core/access.js';
import { CutoverError } from '../core/errors.js';
import type { Inventory } from '../core/inventory.js';
import { printable, quoted } from '../core/printable.js';
import { actionHashArg, requestIdArg } from './args.js';
import { bindArguments } from './bind.js';
import { decideRequest, type Decision } from './decide-request.js';
import type { Answer, Outcome } from './outcome.js';
import type { CommandDeps } from './ports.js';
import { buildRegistry } from './registry.js';
import type { CommandContext, CommandSpec } from './spec.js';
import { tokenize } from './tokenize.js';
import { auditIdentity } from '../core/identity.js';

export interface IncomingCommand {
  text: string;
  caller: Caller;
}

/** A reaction or a button on a request's announcement: which request, what was decided, and by whom. */
export interface StructuredDecision {
  decision: Decision['decision'];
  requestId: string;
  /** A button's hash of the action as it was shown; a reaction binds to the request as it is. */
  expectHash?: string;
  caller: Caller;
}

// What a transport hands over is checked as a typed line's words are: only ids and hashes pass.
const structuredDecisionSchema = z.strictObject({
  decision: z.enum(['approve', 'deny', 'withdraw']),
  requestId: requestIdArg,
  expectHash: actionHashArg.optional(),
});

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

/**
 * What a line is, before it runs: the gateway limits and shares by this. `decision` is an
 * `!approve`, `!deny` or `!withdraw`; a command that only reads has a `shareKey`, the same for
 * two askers exactly when their answers would be the same.
 */
export type LineClass =
  | { kind: 'ignored' }
  | { kind: 'decision' }
  /** `safety`: the emergency stop, which like a decision is never held back by a limit. */
  | { kind: 'command'; name: string; shareKey?: string; safety?: true };

const DECISIONS = new Set(['approve', 'deny', 'withdraw']);
const SAFETY = new Set(['emergency-stop']);

/**
 * The one rule of private conversations: only a command that reads may run there. Anything that
 * changes production or decides a request (the emergency stop included) is said in the channel,
 * where the on-call sees it and others can approve it.
 */
function readOnly(spec: Pick<CommandSpec, 'mutates' | 'access'>): boolean {
  return !spec.mutates && spec.access === 'read';
}

/** The refusal of a change asked in private, naming where to say it. */
function notInPrivate(config: Config, caller: Caller, what: string): CutoverError {
  const channels = caller.transport === 'irc' ? (config.transports.irc?.channels ?? []) : [];
  const where = channels.length === 0 ? 'the channel cutover serves' : channels.join(' or ');
  return new CutoverError('auth.forbidden', `${what} is not taken in a private message: say it in ${where}, where others can see and approve it.`);
}

/** Where a line was said, for the audit: `irc:#wikimedia-operations`, or `irc:private:alice` for a private message. */
function whereOf(caller: Caller): string {
  return `${caller.transport}:${caller.private === true ? 'private:' : ''}${caller.channel}`;
}

/** In private, the `!` is optional: everything said to the bot there is for it. */
function lineText(message: IncomingCommand): string {
  const text = message.text.trim();
  return message.caller.private === true && text !== '' && !text.startsWith('!') ? `!${text}` : text;
}

export interface Dispatcher {
  /** What `line` would make of this line, without running anything; absent means "run it to see". */
  classify?(message: IncomingCommand): LineClass;
  /** A chat line: parsed, validated, authorized, run. Undefined for a line that is not for cutover. */
  line(message: IncomingCommand): Promise<Outcome | undefined>;
  /**
   * A reaction or a button: the decision as data, through the same rules, audit and metrics as
   * `!approve`, `!deny` and `!withdraw` (commands/decide-request.ts), with no text in between.
   */
  decide(decision: StructuredDecision): Promise<Outcome>;
}

/**
 * The one pipeline every chat line and every click goes through. It is also the one error
 * boundary: whatever goes wrong becomes an outcome, never a crash or silence.
 */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { config, inventories, deps, onUnexpectedError } = options;
  const registry = options.registry ?? buildRegistry();

  /** What every command shares once it reached its handler: the metrics, and the audit line of a change. */
  async function run(command: Pick<CommandSpec, 'name' | 'mutates'>, message: IncomingCommand, service: string | undefined, execute: (context: CommandContext) => Promise<Answer>): Promise<Answer> {
    const { caller } = message;
    try {
      const answer = await execute({ config, caller, deps, inventories, service });
      options.onCommand?.(command.name, 'ok');
      if (command.mutates) {
        await deps.audit.append({ event: 'command', service: service ?? '-', ...auditIdentity(config, caller), where: whereOf(caller), detail: printable(message.text, 200) });
      }
      return answer;
    } catch (error) {
      options.onCommand?.(command.name, error instanceof CutoverError ? 'refused' : 'error');
      throw error;
    }
  }

  /** The one error boundary: a refusal keeps its code and words; anything else goes to the log, and the channel hears it failed. */
  async function boundary<T extends Outcome | undefined>(message: IncomingCommand, work: () => Promise<T>): Promise<T | Outcome> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof CutoverError) return { kind: 'refused', code: error.code, text: error.message };
      onUnexpectedError(error, message);
      return { kind: 'error', code: 'internal', text: 'Something failed inside cutover; it is in the bot log. Check !status before retrying.' };
    }
  }

  /** The head of a line: a service's command (`!kartotherian pool …`) or a request's (`!approve …`). */
  function parseLine(text: string): { service: string | undefined; name: string; rest: string[]; words: string[] } | undefined {
    if (!text.startsWith('!')) return undefined;
    const words = tokenize(text);
    const head = (words[0] ?? '').slice(1).toLowerCase();
    if (Object.hasOwn(config.services, head)) return { service: head, name: (words[1] ?? 'help').toLowerCase(), rest: words.slice(2), words };
    if (registry.get(head)?.scope === 'request') return { service: undefined, name: head, rest: words.slice(1), words };
    return undefined;
  }

  return {
    classify(message) {
      let parsed;
      try {
        parsed = parseLine(lineText(message));
      } catch {
        return { kind: 'command', name: '?' }; // A line that does not tokenize is refused by line(), once.
      }
      if (parsed === undefined) return { kind: 'ignored' };
      const spec = registry.get(parsed.name);
      if (spec === undefined) return { kind: 'command', name: parsed.name };
      if (spec.scope === 'request' && DECISIONS.has(spec.name) && message.caller.private !== true) return { kind: 'decision' };
      if (SAFETY.has(spec.name) && message.caller.private !== true) return { kind: 'command', name: spec.name, safety: true };
      if (!readOnly(spec) || parsed.service === undefined) return { kind: 'command', name: spec.name };
      // The answer depends on the words and on whether the caller may read; a refusal names the caller.
      const allowed = isAllowed(config, message.caller, parsed.service, spec.access);
      return { kind: 'command', name: spec.name, shareKey: [parsed.service, spec.name, ...parsed.words.slice(2), allowed ? '' : `refused:${message.caller.display}`].join('\u0000') };
    },

    async line(message) {
      const text = lineText(message);
      if (!text.startsWith('!')) return undefined;
      return boundary(message, async () => {
        const parsed = parseLine(text);
        if (parsed === undefined) return undefined; // Another bot's command: stay quiet.
        const { service, name, rest } = parsed;
        const spec = registry.get(name);
        if (spec === undefined) {
          throw new CutoverError('input.unknown-command', `No command ${quoted(name, 30)}; try !${service ?? ''} help.`);
        }
        if (message.caller.private === true && !readOnly(spec)) {
          const { caller } = message;
          await deps.audit.append({ event: 'command.refused', service: service ?? '-', ...auditIdentity(config, caller), where: whereOf(caller), detail: printable(text, 200) });
          throw notInPrivate(config, caller, `"${spec.name}"`);
        }
        if (spec.scope === 'service' && service !== undefined && !isAllowed(config, message.caller, service, spec.access)) {
          const { caller } = message;
          await deps.audit.append({ event: 'command.refused', service, ...auditIdentity(config, caller), where: whereOf(caller), detail: printable(text, 200) });
          throw new CutoverError('auth.forbidden', `${caller.display} may not run "${spec.name}" on ${service} (${spec.access === 'read' ? `needs a role on ${service}` : `needs the ${rolesWith(spec.access)} role`}).`);
        }
        return run(spec, { text, caller: message.caller }, service, (context) => spec.execute(bindArguments(spec, rest), context));
      });
    },

    async decide(input) {
      const { decision, requestId, expectHash, caller } = input;
      // The audit trail and the log name a click as the line it stands for, as they always have.
      const message = { text: `!${decision} ${requestId}${expectHash === undefined ? '' : ` --expect ${expectHash}`}`, caller };
      return boundary(message, async () => {
        if (caller.private === true) throw notInPrivate(config, caller, `A ${decision}`);
        const parsed = structuredDecisionSchema.safeParse({ decision, requestId, expectHash });
        if (!parsed.success) {
          throw new CutoverError('input.invalid', `Not a decision on a request: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}.`);
        }
        // As `!approve ID`: request-scoped, so its rules are checked against the request's service.
        return run({ name: decision, mutates: true }, message, undefined, (context) => decideRequest(parsed.data, context));
      });
    },
  };
}
