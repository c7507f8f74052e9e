import type { TimerHandle, Timers } from './timers.js';
import type { TokenBucket } from './token-bucket.js';

export interface OutboxMessage<T> {
  target: string;
  lines: readonly T[];
  /** How soon it must go out: 0 first (bot/urgency.ts urgencyRank). Within one rank, first in first out. */
  rank: number;
  /**
   * Never dropped to make room (safety alerts, approvals, results, `!log` lines): a full queue
   * drops only messages without it, least urgent and oldest first.
   */
  keep: boolean;
  /** Among unkept messages to one target, a newer one with this key replaces the unsent lines of an older one (progress). */
  coalesceKey?: string;
  /** Told once what became of the first line: written to the connection, or discarded unsent. */
  onFirstLine?: (outcome: 'written' | 'discarded') => void;
}

export type DiscardReason = 'full' | 'coalesced' | 'moot' | 'cleared';

export interface OutboxOptions<T> {
  bucket: TokenBucket;
  timers: Timers;
  /**
   * Per target: past this, unkept messages are dropped, least urgent and oldest first. Kept
   * messages may exceed it, up to KEPT_CEILING times it, so that memory stays bounded.
   */
  maxQueuedLines: number;
  /** Whether lines to this target may go out now (connected, registered, channel joined). */
  canSend: (target: string) => boolean;
  /** Writes one line; false means the connection was gone after all, and the line stays first in line. */
  write: (target: string, line: T) => boolean;
  /** A line that no longer means anything on this connection (a reaction where reactions are unsupported). */
  isMoot?: (target: string, line: T) => boolean;
  /** Lines given up, with the messages they belonged to. */
  onDiscard?: (target: string, lines: number, reason: DiscardReason, messages: ReadonlyArray<OutboxMessage<T>>) => void;
  /** The target's queue ran empty. */
  onIdle?: (target: string) => void;
}

/** Kept lines may exceed the cap this many times over before even they are dropped (oldest, least urgent first). */
const KEPT_CEILING = 4;

interface Queued<T> {
  message: OutboxMessage<T>;
  seq: number;
  /** Index of the next line to write. */
  next: number;
}

/**
 * One queue per target, drained through the connection's token bucket in round-robin, so no
 * channel starves another and the connection as a whole never floods. Within a target the most
 * urgent message goes first (a rollback alert overtakes ten status answers), first in first out
 * within one urgency. Nothing is lost while offline: lines wait until canSend() says yes and
 * someone calls pump().
 */
export class Outbox<T> {
  private readonly queues = new Map<string, Array<Queued<T>>>();
  private lastServed: string | undefined;
  private timer: TimerHandle | undefined;
  private seq = 0;

  constructor(private readonly options: OutboxOptions<T>) {}

  enqueue(message: OutboxMessage<T>): void {
    if (message.lines.length === 0) {
      message.onFirstLine?.('discarded');
      return;
    }
    const queue = this.queues.get(message.target) ?? [];
    this.queues.set(message.target, queue);
    if (!message.keep && message.coalesceKey !== undefined) {
      const key = message.coalesceKey;
      this.discardWhere(message.target, queue, (entry) => !entry.message.keep && entry.message.coalesceKey === key, 'coalesced');
    }
    this.seq += 1;
    queue.push({ message, seq: this.seq, next: 0 });
    this.enforceLimit(message.target, queue);
    this.pump();
  }

  /** A queued message to `target` none of whose lines went out yet, that `match` accepts (an identical answer to add an asker to). */
  findUnsent(target: string, match: (message: OutboxMessage<T>) => boolean): OutboxMessage<T> | undefined {
    return this.queues.get(target)?.find((entry) => entry.next === 0 && match(entry.message))?.message;
  }

  /** Gives a message none of whose lines went out yet new lines (false when it is no longer waiting unsent). */
  replaceLines(message: OutboxMessage<T>, lines: readonly T[]): boolean {
    const entry = this.queues.get(message.target)?.find((queued) => queued.message === message);
    if (entry === undefined || entry.next !== 0 || lines.length === 0) return false;
    message.lines = lines;
    this.enforceLimit(message.target, this.queues.get(message.target) ?? []);
    return true;
  }

  /** Sends what the budget allows now and schedules the rest; call it whenever canSend() may have changed. */
  pump(): void {
    if (this.timer !== undefined) {
      this.options.timers.clearTimeout(this.timer);
      this.timer = undefined;
    }
    for (;;) {
      const target = this.nextTarget();
      if (target === undefined) return;
      const queue = this.queues.get(target) ?? [];
      const entry = mostUrgent(queue);
      const line = entry?.message.lines[entry.next];
      if (entry === undefined || line === undefined) return;
      if (this.options.isMoot?.(target, line) === true) {
        this.advance(target, queue, entry, 'moot');
        continue;
      }
      const wait = this.options.bucket.msUntilToken();
      if (wait > 0 || !this.options.bucket.tryTake()) {
        this.timer = this.options.timers.setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, Math.max(wait, 1));
        return;
      }
      if (!this.options.write(target, line)) return;
      this.lastServed = target;
      this.advance(target, queue, entry, undefined);
    }
  }

  /** Lines waiting, for one target or all. */
  size(target?: string): number {
    const count = (queue: Array<Queued<T>>): number => queue.reduce((sum, entry) => sum + entry.message.lines.length - entry.next, 0);
    if (target !== undefined) return count(this.queues.get(target) ?? []);
    let total = 0;
    for (const queue of this.queues.values()) total += count(queue);
    return total;
  }

  /** Gives up on everything queued (the transport is stopping). */
  clear(): void {
    if (this.timer !== undefined) this.options.timers.clearTimeout(this.timer);
    this.timer = undefined;
    for (const [target, queue] of this.queues) this.settleDiscarded(queue.splice(0), target, 'cleared');
    this.queues.clear();
  }

  /** The line at entry.next was written (or skipped as moot): move on, and forget the message once it is all out. */
  private advance(target: string, queue: Array<Queued<T>>, entry: Queued<T>, skipped: DiscardReason | undefined): void {
    if (entry.next === 0) entry.message.onFirstLine?.(skipped === undefined ? 'written' : 'discarded');
    entry.next += 1;
    if (skipped !== undefined) this.options.onDiscard?.(target, 1, skipped, [entry.message]);
    if (entry.next >= entry.message.lines.length) queue.splice(queue.indexOf(entry), 1);
    this.dropIfEmpty(target, queue);
  }

  /** Round-robin: the first target after the last one served that has a line it may send. */
  private nextTarget(): string | undefined {
    const targets = [...this.queues.keys()];
    const start = this.lastServed === undefined ? 0 : targets.indexOf(this.lastServed) + 1;
    for (let offset = 0; offset < targets.length; offset += 1) {
      const target = targets[(start + offset) % targets.length];
      if (target !== undefined && (this.queues.get(target)?.length ?? 0) > 0 && this.options.canSend(target)) return target;
    }
    return undefined;
  }

  /** Over the cap: unkept messages go, least urgent first, oldest first within an urgency; kept ones only past the ceiling. */
  private enforceLimit(target: string, queue: Array<Queued<T>>): void {
    const { maxQueuedLines } = this.options;
    const victims = (kept: boolean): Array<Queued<T>> =>
      queue.filter((entry) => entry.message.keep === kept).sort((a, b) => b.message.rank - a.message.rank || a.seq - b.seq);
    const dropped: Array<Queued<T>> = [];
    for (const [kept, limit] of [
      [false, maxQueuedLines],
      [true, maxQueuedLines * KEPT_CEILING],
    ] as const) {
      for (const entry of victims(kept)) {
        if (this.size(target) <= limit) break;
        queue.splice(queue.indexOf(entry), 1);
        dropped.push(entry);
      }
    }
    this.settleDiscarded(dropped, target, 'full');
    this.dropIfEmpty(target, queue);
  }

  private discardWhere(target: string, queue: Array<Queued<T>>, match: (entry: Queued<T>) => boolean, reason: DiscardReason): void {
    const discarded: Array<Queued<T>> = [];
    for (let i = 0; i < queue.length; ) {
      const entry = queue[i];
      if (entry !== undefined && match(entry)) discarded.push(...queue.splice(i, 1));
      else i += 1;
    }
    this.settleDiscarded(discarded, target, reason);
  }

  private settleDiscarded(entries: Array<Queued<T>>, target: string, reason: DiscardReason): void {
    if (entries.length === 0) return;
    let lines = 0;
    for (const entry of entries) {
      if (entry.next === 0) entry.message.onFirstLine?.('discarded');
      lines += entry.message.lines.length - entry.next;
    }
    this.options.onDiscard?.(
      target,
      lines,
      reason,
      entries.map((entry) => entry.message),
    );
  }

  private dropIfEmpty(target: string, queue: Array<Queued<T>>): void {
    if (queue.length > 0 || !this.queues.has(target)) return;
    this.queues.delete(target);
    this.options.onIdle?.(target);
  }
}

/** Lowest rank first; the oldest among equals (a started message resumes before a newer one of its rank). */
function mostUrgent<T>(queue: Array<Queued<T>>): Queued<T> | undefined {
  let best: Queued<T> | undefined;
  for (const entry of queue) if (best === undefined || entry.message.rank < best.message.rank || (entry.message.rank === best.message.rank && entry.seq < best.seq)) best = entry;
  return best;
}
