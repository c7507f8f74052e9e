import type { ChatTransport, InboundEvent, MessageRef, OutboundMessage, Urgency } from '../../bot/transport.js';

/**
 * A transport under another name: a second console on the same bot, as a second chat would be
 * (two people in two chats at once, through the one leader), with an outbox of its own.
 */
export class NamedTransport implements ChatTransport {
  readonly finished: Promise<void>;

  constructor(
    readonly name: string,
    private readonly inner: ChatTransport,
  ) {
    this.finished = inner.finished;
  }

  start(onEvent: (event: InboundEvent) => Promise<void>): Promise<void> {
    return this.inner.start((event) => onEvent({ ...event, caller: { ...event.caller, transport: this.name } }));
  }

  send(message: OutboundMessage): Promise<MessageRef | undefined> {
    return this.inner.send(message);
  }

  react(target: MessageRef, emoji: string, urgency?: Urgency): Promise<void> {
    return this.inner.react(target, emoji, urgency);
  }

  stop(): Promise<void> {
    return this.inner.stop();
  }
}
