import type { Dispatcher, LineClass } from '../commands/dispatch.js';
import type { Outcome } from '../commands/outcome.js';
import type { Caller } from '../core/access.js';
import type { DeliveryGuard } from '../jobs/delivery-guard.js';
import type { ChannelMessage } from '../jobs/notifier.js';
import type { RequestMessages } from '../jobs/request-messages.js';
import { printable } from '../core/printable.js';
import { CommandLimiter } from './command-limiter.js';
import { reactionDecision } from './reaction-decision.js';
import { renderOutcome } from './render-outcome.js';
import type { ChatTransport, InboundEvent, MessageRef, Urgency } from './transport.js';
import { urgencyOf } from './urgency.js';

export interface GatewayOptions {
  transport: ChatTransport;
  dispatcher: Dispatcher;
  messages: RequestMessages;
  deliveries: DeliveryGuard;
  log: (message: string, error?: unknown) => void;
  /**
   * Shared by every gateway of a process, so a person is one caller whatever the chat. Absent: a
   * limiter of this gateway's own. The console is the operator's own terminal and is not limited.
   */
  limiter?: CommandLimiter;
  /**
   * Whether this process may answer now (it holds the leader lease, by its own clock): a leader
   * waking from a stall must not answer lines its successor answers too. Absent: always.
   */
  admitting?: () => boolean;
}

/** How a line's answer is sent: a decision's as an approval, help as help; a refusal always as an answer. */
type Say = 'approval' | 'help' | undefined;

const STATE_MARKS: Record<string, string> = { approved: '👀', denied: '👎' };
/** The limiter's channel for strangers' private messages, all of them together. */
const PRIVATE_BUCKET = '(private messages)';

/**
 * Joins one transport to the command pipeline: a text becomes a command line, and a reaction or
 * a button a structured decision, both through the one dispatcher, so approval rules live in one
 * place whatever the chat. What comes back is data, rendered once (render-outcome.ts).
 */
export class Gateway {
  private readonly limiter: CommandLimiter | undefined;
  /** Read-only queries in flight, by channel and words: identical ones share one answer. */
  private readonly inFlight = new Map<string, Promise<Outcome | undefined>>();

  constructor(private readonly options: GatewayOptions) {
    this.limiter = options.transport.name === 'console' ? undefined : (options.limiter ?? new CommandLimiter());
  }

  get transportName(): string {
    return this.options.transport.name;
  }

  async start(): Promise<void> {
    await this.options.transport.start((event) => this.onEvent(event));
  }

  async onEvent(event: InboundEvent): Promise<void> {
    const { transport, deliveries, dispatcher } = this.options;
    if (this.options.admitting?.() === false) return;
    try {
      if (event.deliveryId !== undefined && !(await deliveries.firstTime(transport.name, event.deliveryId))) return;
      switch (event.kind) {
        case 'message':
          await this.onLine(event.text, event.caller, event.ref);
          return;
        case 'reaction': {
          const decision = reactionDecision(event.emoji);
          if (decision === undefined) return;
          const requestId = await this.options.messages.requestFor(event.target);
          if (requestId === undefined) return;
          // Taking back a 👍 takes back the approval; taking back a 👎 undoes nothing.
          if (event.removed && decision !== 'approve') return;
          if (!(await this.admit({ kind: 'decision' }, event.caller, event.target))) return;
          await this.answer(await dispatcher.decide({ decision: event.removed ? 'withdraw' : decision, requestId, caller: event.caller }), event.caller, event.target, 'approval');
          return;
        }
        case 'button':
          if (!(await this.admit({ kind: 'decision' }, event.caller, event.ref))) return;
          // Only an approval binds to what was shown; a deny of a changed request is still a deny.
          await this.answer(
            await dispatcher.decide({ decision: event.decision, requestId: event.requestId, ...(event.decision === 'approve' ? { expectHash: event.actionHash } : {}), caller: event.caller }),
            event.caller,
            event.ref,
            'approval',
          );
          return;
        default:
          event satisfies never;
      }
    } catch (error) {
      this.options.log(`gateway ${transport.name} could not handle a ${event.kind} event`, error);
    }
  }

  /** A typed line: limited, shared with identical read-only queries in flight, run, answered. */
  private async onLine(text: string, caller: Caller, ref: MessageRef | undefined): Promise<void> {
    const { dispatcher, transport } = this.options;
    const line = { text, caller };
    const kind = dispatcher.classify?.(line) ?? (text.trim().startsWith('!') ? { kind: 'command', name: '?' } : { kind: 'ignored' });
    if (kind.kind === 'ignored') return; // Other bots' commands and chatter cost nobody anything.
    if (!(await this.admit(kind, caller, ref))) return;
    const say: Say = kind.kind === 'decision' ? 'approval' : kind.name === 'help' ? 'help' : undefined;
    if (kind.kind !== 'command' || kind.shareKey === undefined) {
      await this.answer(await dispatcher.line(line), caller, ref, say);
      return;
    }
    const key = `${transport.name}\u0000${caller.channel}\u0000${kind.shareKey}`;
    let shared = this.inFlight.get(key);
    if (shared === undefined) {
      shared = dispatcher.line(line).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, shared);
    }
    await this.answer(await shared, caller, ref, say);
  }

  /**
   * Whether a line or click may run now. Decisions by configured people are never limited: an
   * approval or a denial is the safety path, and a flood of others' commands must not hold it
   * back. Everyone else is told once when over a limit, then not answered until it refills.
   */
  private async admit(kind: LineClass, caller: Caller, ref: MessageRef | undefined): Promise<boolean> {
    const safetyPath = kind.kind === 'decision' || (kind.kind === 'command' && kind.safety === true);
    if (this.limiter === undefined || (safetyPath && caller.person !== undefined)) return true;
    // Strangers' private messages share one bucket, as a channel's strangers do: many nicks, each in
    // a conversation of its own, cannot do together what one may not.
    const verdict = this.limiter.take(caller.private === true ? { ...caller, channel: PRIVATE_BUCKET } : caller);
    if (verdict.ok) return true;
    if (verdict.say) {
      const seconds = Math.max(1, Math.ceil(verdict.waitMs / 1000));
      const budget = this.limiter.budgetFor(caller, verdict.over);
      const text =
        verdict.over === 'caller'
          ? `⏳ ${printable(caller.display, 32)}, slow down: ${budget.burst} commands at once, then one every ${budget.everyMs / 1000} s; I answer you again in ${seconds} s.`
          : `⏳ Too many commands from people I do not know ${caller.private === true ? 'in private messages' : 'in this channel'}: ${budget.burst} at once, then one every ${budget.everyMs / 1000} s; I answer them again in ${seconds} s.`;
      await this.options.transport.send({ channel: caller.channel, text, kind: 'error', urgency: 'answer', ...(ref === undefined ? {} : { replyTo: ref }) });
    }
    return false;
  }

  /** A worker's message for this transport: threaded under the request it is about, and marked on it. */
  async deliver(message: ChannelMessage): Promise<void> {
    const { transport, messages } = this.options;
    const original = message.requestId === undefined ? undefined : await messages.messageFor(message.requestId, transport.name);
    const outbound = {
      channel: message.channel,
      text: message.text,
      kind: message.kind,
      ...(message.urgency === undefined ? {} : { urgency: message.urgency }),
      ...(original === undefined ? {} : { replyTo: original }),
      ...(message.requestId === undefined ? {} : { request: { id: message.requestId, actionHash: '', state: message.kind } }),
    };
    await transport.send(outbound);
    if (original !== undefined && message.mark !== undefined) await transport.react(original, message.mark, urgencyOf(outbound));
  }

  /** Says the outcome where the caller spoke; a request's announcement is remembered, and marked once decided. */
  private async answer(outcome: Outcome | undefined, caller: Caller, replyTo: MessageRef | undefined, say?: Say): Promise<void> {
    if (outcome === undefined) return;
    const { transport, messages } = this.options;
    const { text, kind, request, audience } = renderOutcome(outcome);
    const original = request === undefined ? undefined : await messages.messageFor(request.id, transport.name);
    // A refusal is never more urgent than an answer, whatever was asked: anyone can cause refusals,
    // and they must not crowd out requests, results or alerts (bot/urgency.ts).
    const urgency: Urgency | undefined = kind === 'error' ? 'answer' : say;
    const sent = await transport.send({
      channel: caller.channel,
      text,
      kind,
      ...(urgency === undefined ? {} : { urgency }),
      ...(replyTo === undefined ? {} : { replyTo }),
      ...(request === undefined ? {} : { request }),
      // In a private conversation everything is for the asker already.
      ...(audience === undefined || caller.private === true ? {} : { audience }),
    });
    if (request === undefined) return;
    if (original === undefined && sent !== undefined) await messages.remember(request.id, sent);
    const mark = STATE_MARKS[request.state];
    const target = original ?? (request.state === 'pending' ? undefined : sent);
    if (mark !== undefined && target !== undefined) await transport.react(target, mark, urgencyOf({ kind, ...(urgency === undefined ? {} : { urgency }) }));
  }
}
