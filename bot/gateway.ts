import type { Dispatch } from '../commands/dispatch.js';
import type { Caller } from '../core/access.js';
import type { DeliveryGuard } from '../jobs/delivery-guard.js';
import type { ChannelMessage } from '../jobs/notifier.js';
import type { RequestMessages } from '../jobs/request-messages.js';
import { reactionDecision } from './reaction-decision.js';
import type { ChatTransport, InboundEvent, MessageRef, OutboundKind } from './transport.js';

export interface GatewayOptions {
  transport: ChatTransport;
  dispatch: Dispatch;
  messages: RequestMessages;
  deliveries: DeliveryGuard;
  log: (message: string, error?: unknown) => void;
}

const STATE_MARKS: Record<string, string> = { approved: '👀', denied: '👎' };

/**
 * Joins one transport to the command pipeline: every text, reaction and button becomes a
 * command line for the dispatcher, so approval rules live in one place whatever the chat.
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
    const { transport, deliveries } = this.options;
    try {
      if (event.deliveryId !== undefined && !(await deliveries.firstTime(transport.name, event.deliveryId))) return;
      switch (event.kind) {
        case 'message':
          await this.command(event.text, event.caller, event.ref);
          return;
        case 'reaction': {
          const decision = reactionDecision(event.emoji);
          if (decision === undefined) return;
          const requestId = await this.options.messages.requestFor(event.target);
          if (requestId === undefined) return;
          if (event.removed) {
            if (decision === 'approve') await this.command(`!withdraw ${requestId}`, event.caller, event.target);
            return;
          }
          await this.command(`!${decision} ${requestId}`, event.caller, event.target);
          return;
        }
        case 'button':
          // Only an approval binds to what was shown; a deny of a changed request is still a deny.
          await this.command(event.decision === 'approve' ? `!approve ${event.requestId} --expect ${event.actionHash}` : `!deny ${event.requestId}`, event.caller, event.ref);
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

  private async command(text: string, caller: Caller, replyTo: MessageRef | undefined): Promise<void> {
    const { transport, dispatch, messages } = this.options;
    const reply = await dispatch({ text, caller });
    if (reply === undefined) return;
    const kind: OutboundKind = reply.request !== undefined ? 'request' : reply.text.startsWith('✖') ? 'error' : 'reply';
    const request = reply.request;
    const original = request === undefined ? undefined : await messages.messageFor(request.id, transport.name);
    const sent = await transport.send({
      channel: caller.channel,
      text: reply.text,
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
