import type { Queue } from 'bullmq';

export interface ChannelMessage {
  channel: string;
  text: string;
  /** progress may be coalesced or edited in place; result and error never are. */
  kind: 'progress' | 'result' | 'error';
  requestId?: string;
  /** A safety alert (rollback, guard depool, emergency stop): every outbox sends it before anything else. */
  urgency?: 'safety';
  /** A reaction for the message that announced the request (✅ done, ❌ failed), where supported. */
  mark?: string;
}

export interface Destination {
  transport: string;
  channel: string;
}

/** What a `!log` line becomes in dry-run mode: said in the channel, where no SAL bot records it. */
export const DRY_RUN_SAL = 'DRY RUN, not logged:';

/** A `!log` line: stashbot records it in SAL from IRC; elsewhere it is a record of a write, never a state of its request. */
export function isSalLine(text: string): boolean {
  return text.startsWith('!log ');
}

/**
 * Workers tell the channel through a queue per transport, not by calling the transport, so a
 * worker in another process (or a gateway that was reconnecting) still gets every message out.
 */
export class Notifier {
  constructor(
    private readonly queueFor: (transport: string) => Queue<ChannelMessage> | undefined,
    /** The config's `dry_run`: SAL is a write too (stashbot logs every `!log`), so none is said. */
    private readonly options: { dryRun?: boolean } = {},
  ) {}

  async send(destination: Destination, message: Omit<ChannelMessage, 'channel'>, dedupeKey: string): Promise<void> {
    const queue = this.queueFor(destination.transport);
    if (queue === undefined) return;
    // Every change has its SAL line (a pool change, each write of a plan step, the guard's), so each one also says DRY RUN.
    const text = this.options.dryRun === true && isSalLine(message.text) ? `${DRY_RUN_SAL} ${message.text.slice('!log '.length)}` : message.text;
    await queue.add('say', { ...message, text, channel: destination.channel }, { jobId: dedupeKey, removeOnComplete: 1000, removeOnFail: 1000, attempts: 50, backoff: { type: 'exponential', delay: 500 } });
  }
}
