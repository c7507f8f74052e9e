import type { Queue } from 'bullmq';

export interface ChannelMessage {
  channel: string;
  text: string;
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

  async send(destination: Destination, text: string, dedupeKey: string): Promise<void> {
    const queue = this.queueFor(destination.transport);
    if (queue === undefined) return;
    await queue.add('say', { channel: destination.channel, text }, { jobId: dedupeKey, removeOnComplete: 1000, removeOnFail: 1000, attempts: 50, backoff: { type: 'exponential', delay: 500 } });
  }
}
