import type { Queue } from 'bullmq';

export interface ChannelMessage {
  channel: string;
  text: string;
  /** progress may be coalesced or edited in place; result and error never are. */
  kind: 'progress' | 'result' | 'error';
  requestId?: string;
  /** A reaction for the message that announced the request (✅ done, ❌ failed), where supported. */
  mark?: string;
}

export interface Destination {
  transport: string;
  channel: string;
}

/**
 * Workers tell the channel through a queue per transport, not by calling the transport, so a
 * worker in another process (or a gateway that was reconnecting) still gets every message out.
 */
export class Notifier {
  constructor(private readonly queueFor: (transport: string) => Queue<ChannelMessage> | undefined) {}

  async send(destination: Destination, message: Omit<ChannelMessage, 'channel'>, dedupeKey: string): Promise<void> {
    const queue = this.queueFor(destination.transport);
    if (queue === undefined) return;
    await queue.add('say', { ...message, channel: destination.channel }, { jobId: dedupeKey, removeOnComplete: 1000, removeOnFail: 1000, attempts: 50, backoff: { type: 'exponential', delay: 500 } });
  }
}
