import type { ChatTransport, InboundEvent, MessageRef, OutboundMessage, TransportHealth, Urgency } from './transport.js';

/**
 * A transport that lives as long as the process (the console), under the leader's gateway while
 * this instance leads: start() and stop() attach and detach a term's gateway, open() and close()
 * run the transport itself. While standing by, what people type is answered with `standby()`.
 */
export class ResidentTransport implements ChatTransport {
  readonly name: string;
  readonly finished: Promise<void>;
  private handler: ((event: InboundEvent) => Promise<void>) | undefined;
  /** Notices from before open(): said after the transport's own greeting. */
  private pending: string[] | undefined = [];

  constructor(
    private readonly inner: ChatTransport,
    private readonly channel: string,
    private readonly standby: () => Promise<string>,
  ) {
    this.name = inner.name;
    this.finished = inner.finished;
  }

  async open(): Promise<void> {
    await this.inner.start((event) => this.onEvent(event));
    const pending = this.pending ?? [];
    this.pending = undefined;
    for (const text of pending) await this.notice(text);
  }

  /** Says a line of this instance's own (standing by, taking over) where its people read. */
  async notice(text: string): Promise<void> {
    if (this.pending !== undefined) this.pending.push(text);
    else await this.inner.send({ channel: this.channel, text, kind: 'reply' });
  }

  async start(onEvent: (event: InboundEvent) => Promise<void>): Promise<void> {
    this.handler = onEvent;
  }

  async stop(): Promise<void> {
    this.handler = undefined;
  }

  async close(): Promise<void> {
    this.handler = undefined;
    await this.inner.stop();
  }

  send(message: OutboundMessage): Promise<MessageRef | undefined> {
    return this.inner.send(message);
  }

  react(target: MessageRef, emoji: string, urgency?: Urgency): Promise<void> {
    return this.inner.react(target, emoji, urgency);
  }

  health(): TransportHealth {
    return this.inner.health?.() ?? { ready: true, state: 'ok' };
  }

  private async onEvent(event: InboundEvent): Promise<void> {
    if (this.handler !== undefined) {
      await this.handler(event);
      return;
    }
    if (event.kind === 'message') await this.notice(await this.standby());
  }
}
