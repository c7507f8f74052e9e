import type { Queue } from 'bullmq';
import type { FenceScope } from './fence-scope.js';

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

/**
 * Every configured channel of every enabled transport, for what everyone must hear at once (a
 * rollback, a guard's depool, an emergency stop) wherever it was started. `also` adds a channel
 * the config does not list (where a plan was started by private message); `besides` leaves out
 * the one that already heard it in its own words.
 */
export interface Everywhere {
  everywhere: true;
  also?: Destination | undefined;
  besides?: Destination | undefined;
}

export function everywhere(options: Omit<Everywhere, 'everywhere'> = {}): Everywhere {
  return { everywhere: true, ...options };
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
    private readonly options: {
      /** The config's `dry_run`: SAL is a write too (stashbot logs every `!log`), so none is said. */
      dryRun?: boolean;
      /** What `everywhere` means: each channel of each enabled transport (bot/default-destination.ts). */
      everywhere?: readonly Destination[];
      /** Work that was taken over by another process says nothing more: its successor says it. */
      fences?: Pick<FenceScope, 'check'>;
    } = {},
  ) {}

  async send(target: Destination | Everywhere, message: Omit<ChannelMessage, 'channel'>, dedupeKey: string): Promise<void> {
    await this.options.fences?.check();
    if (!('everywhere' in target)) {
      await this.sendOne(target, message, dedupeKey);
      return;
    }
    // A SAL line is logged once, where it was said: stashbot would log a copy per channel.
    if (isSalLine(message.text)) throw new Error('a !log line is never sent everywhere');
    const { requestId: _thread, mark: _mark, ...unthreaded } = message;
    for (const destination of fanOut(target, this.options.everywhere ?? [])) {
      // A request's thread and its mark live where it was asked; elsewhere the line stands on its own.
      const here = target.also !== undefined && sameDestination(destination, target.also) ? message : unthreaded;
      // Two channels of one transport share its outbox: each gets its own key, and a replay still says it once in each.
      await this.sendOne(destination, here, `${dedupeKey}@${destination.transport}/${destination.channel}`.replaceAll(':', '_'));
    }
  }

  private async sendOne(destination: Destination, message: Omit<ChannelMessage, 'channel'>, dedupeKey: string): Promise<void> {
    const queue = this.queueFor(destination.transport);
    if (queue === undefined) return;
    // Every change has its SAL line (a pool change, each write of a plan step, the guard's), so each one also says DRY RUN.
    const text = this.options.dryRun === true && isSalLine(message.text) ? `${DRY_RUN_SAL} ${message.text.slice('!log '.length)}` : message.text;
    await queue.add('say', { ...message, text, channel: destination.channel }, { jobId: dedupeKey, removeOnComplete: 1000, removeOnFail: 1000, attempts: 50, backoff: { type: 'exponential', delay: 500 } });
  }
}

/** The channels `target` names, each once, `also` first (where it happened), `besides` left out. */
function fanOut(target: Everywhere, configured: readonly Destination[]): Destination[] {
  const all = [...(target.also === undefined ? [] : [target.also]), ...configured];
  return all.filter((destination, index) => !(target.besides !== undefined && sameDestination(destination, target.besides)) && all.findIndex((other) => sameDestination(other, destination)) === index);
}

function sameDestination(a: Destination, b: Destination): boolean {
  return a.transport === b.transport && a.channel === b.channel;
}
