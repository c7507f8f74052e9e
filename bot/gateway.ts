import type { Dispatcher } from '../commands/dispatch.js';
import type { Outcome } from '../commands/outcome.js';
import type { Caller } from '../core/access.js';
import type { DeliveryGuard } from '../jobs/delivery-guard.js';
import type { ChannelMessage } from '../jobs/notifier.js';
import type { RequestMessages } from '../jobs/request-messages.js';
import { reactionDecision } from './reaction-decision.js';
import { renderOutcome } from './render-outcome.js';
import type { ChatTransport, InboundEvent, MessageRef } from './transport.js';

export interface GatewayOptions {
  transport: ChatTransport;
  dispatcher: Dispatcher;
  messages: RequestMessages;
  deliveries: DeliveryGuard;
  log: (message: string, error?: unknown) => void;
}

const STATE_MARKS: Record<string, string> = { approved: '👀', denied: '👎' };

/**
 * Joins one transport to the command pipeline: a text becomes a command line, and a reaction or
 * a button a structured decision, both through the one dispatcher, so approval rules live in one
 * place whatever the chat. What comes back is data, rendered once (render-outcome.ts).
 */
export class Gateway {
  constructor(private readonly options: GatewayOptions) {}

  get transportName(): string {
    return this.options.transport.name;
  }

  async start(): Promise<void> {
    await this.options.transport.start((event) => this.onEvent(event));
  }

  async onEvent(event: InboundEvent): Promise<void> {
    const { transport, deliveries, dispatcher } = this.options;
    try {
      if (event.deliveryId !== undefined && !(await deliveries.firstTime(transport.name, event.deliveryId))) return;
      switch (event.kind) {
        case 'message':
          await this.answer(await dispatcher.line({ text: event.text, caller: event.caller }), event.caller, event.ref);
          return;
        case 'reaction': {
          const decision = reactionDecision(event.emoji);
          if (decision === undefined) return;
          const requestId = await this.options.messages.requestFor(event.target);
          if (requestId === undefined) return;
          // Taking back a 👍 takes back the approval; taking back a 👎 undoes nothing.
          if (event.removed && decision !== 'approve') return;
          await this.answer(await dispatcher.decide({ decision: event.removed ? 'withdraw' : decision, requestId, caller: event.caller }), event.caller, event.target);
          return;
        }
        case 'button':
          // Only an approval binds to what was shown; a deny of a changed request is still a deny.
          await this.answer(
            await dispatcher.decide({ decision: event.decision, requestId: event.requestId, ...(event.decision === 'approve' ? { expectHash: event.actionHash } : {}), caller: event.caller }),
            event.caller,
            event.ref,
          );
          return;
        default:
          event satisfies never;
      }
    } catch (error) {
      this.options.log(`gateway ${transport.name} could not handle a ${event.kind} event`, error);
    }
  }

  /** A worker's message for this transport: threaded under the request it is about, and marked on it. */
  async deliver(message: ChannelMessage): Promise<void> {
    const { transport, messages } = this.options;
    const original = message.requestId === undefined ? undefined : await messages.messageFor(message.requestId, transport.name);
    await transport.send({
      channel: message.channel,
      text: message.text,
      kind: message.kind,
      ...(original === undefined ? {} : { replyTo: original }),
      ...(message.requestId === undefined ? {} : { request: { id: message.requestId, actionHash: '', state: message.kind } }),
    });
    if (original !== undefined && message.mark !== undefined) await transport.react(original, message.mark);
  }

  /** Says the outcome where the caller spoke; a request's announcement is remembered, and marked once decided. */
  private async answer(outcome: Outcome | undefined, caller: Caller, replyTo: MessageRef | undefined): Promise<void> {
    if (outcome === undefined) return;
    const { transport, messages } = this.options;
    const { text, kind, request } = renderOutcome(outcome);
    const original = request === undefined ? undefined : await messages.messageFor(request.id, transport.name);
    const sent = await transport.send({
      channel: caller.channel,
      text,
      kind,
      ...(replyTo === undefined ? {} : { replyTo }),
      ...(request === undefined ? {} : { request }),
    });
    if (request === undefined) return;
    if (original === undefined && sent !== undefined) await messages.remember(request.id, sent);
    const mark = STATE_MARKS[request.state];
    const target = original ?? (request.state === 'pending' ? undefined : sent);
    if (mark !== undefined && target !== undefined) await transport.react(target, mark);
  }
}
