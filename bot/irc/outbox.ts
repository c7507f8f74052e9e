import type { TimerHandle, Timers } from './timers.js';
import type { TokenBucket } from './token-bucket.js';

export interface OutboxMessage<T> {
  target: string;
  lines: readonly T[];
  /** Progress and reactions: replaced by newer progress with the same key, and dropped first when a queue is full. */
  droppable: boolean;
  /** Among droppable messages to one target, a newer one with this key replaces the unsent lines of an older one. */
  coalesceKey?: string;
  /** Told once what became of the first line: written to the connection, or discarded unsent. */
  onFirstLine?: (outcome: 'written' | 'discarded') => void;
}

export type DiscardReason = 'full' | 'coalesced' | 'moot' | 'cleared';

export interface OutboxOptions<T> {
  bucket: TokenBucket;
  timers: Timers;
  /** Per target: past this, the oldest droppable lines go first, then the oldest of any kind. */
  maxQueuedLines: number;
  /** Whether lines to this target may go out now (connected, registered, channel joined). */
  canSend: (target: string) => boolean;
  /** Writes one line; false means the connection was gone after all, and the line stays first in line. */
  write: (target: string, line: T) => boolean;
  /** A line that no longer means anything on this connection (a reaction where reactions are unsupported). */
  isMoot?: (target: string, line: T) => boolean;
  onDiscard?: (target: string, lines: number, reason: DiscardReason) => void;
}

interface Entry<T> {
  message: OutboxMessage<T>;
  index: number;
  line: T;
}

/**
 * One queue per target, drained through the connection's token bucket in round-robin, so no
 * channel starves another and the connection as a whole never floods. Nothing is lost while
 * offline: lines wait until canSend() says yes and someone calls pump().
 */
export class Outbox<T> {
  private readonly queues = new Map<string, Entry<T>[]>();
  private lastServed: string | undefined;
  private timer: TimerHandle | undefined;

  constructor(private readonly options: OutboxOptions<T>) {}

  enqueue(message: OutboxMessage<T>): void {
    if (message.lines.length === 0) {
      message.onFirstLine?.('discarded');
      return;
    }
    const queue = this.queues.get(message.target) ?? [];
    this.queues.set(message.target, queue);
    if (message.droppable && message.coalesceKey !== undefined) {
      const key = message.coalesceKey;
      this.discardWhere(message.target, queue, (entry) => entry.message.droppable && entry.message.coalesceKey === key, 'coalesced');
    }
    message.lines.forEach((line, index) => queue.push({ message, index, line }));
    this.enforceLimit(message.target, queue);
    this.pump();
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
      const entry = queue[0];
      if (entry === undefined) return;
      if (this.options.isMoot?.(target, entry.line) === true) {
        queue.shift();
        this.settleDiscarded([entry], target, 'moot');
        this.dropIfEmpty(target, queue);
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
      if (!this.options.write(target, entry.line)) return;
      queue.shift();
      this.lastServed = target;
      if (entry.index === 0) entry.message.onFirstLine?.('written');
      this.dropIfEmpty(target, queue);
    }
  }

  /** Lines waiting, for one target or all. */
  size(target?: string): number {
    if (target !== undefined) return this.queues.get(target)?.length ?? 0;
    let total = 0;
    for (const queue of this.queues.values()) total += queue.length;
    return total;
  }

  /** Gives up on everything queued (the transport is stopping). */
  clear(): void {
    if (this.timer !== undefined) this.options.timers.clearTimeout(this.timer);
    this.timer = undefined;
    for (const [target, queue] of this.queues) this.settleDiscarded(queue.splice(0), target, 'cleared');
    this.queues.clear();
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

  private enforceLimit(target: string, queue: Entry<T>[]): void {
    const excess = queue.length - this.options.maxQueuedLines;
    if (excess <= 0) return;
    const dropped: Entry<T>[] = [];
    // Oldest progress first; results, errors and replies only once nothing droppable is left.
    for (let i = 0; i < queue.length && dropped.length < excess; ) {
      const entry = queue[i];
      if (entry?.message.droppable === true) dropped.push(...queue.splice(i, 1));
      else i += 1;
    }
    if (dropped.length < excess) dropped.push(...queue.splice(0, excess - dropped.length));
    this.settleDiscarded(dropped, target, 'full');
  }

  private discardWhere(target: string, queue: Entry<T>[], match: (entry: Entry<T>) => boolean, reason: DiscardReason): void {
    const discarded: Entry<T>[] = [];
    for (let i = 0; i < queue.length; ) {
      const entry = queue[i];
      if (entry !== undefined && match(entry)) discarded.push(...queue.splice(i, 1));
      else i += 1;
    }
    this.settleDiscarded(discarded, target, reason);
  }

  private settleDiscarded(entries: Entry<T>[], target: string, reason: DiscardReason): void {
    if (entries.length === 0) return;
    for (const entry of entries) if (entry.index === 0) entry.message.onFirstLine?.('discarded');
    this.options.onDiscard?.(target, entries.length, reason);
  }

  private dropIfEmpty(target: string, queue: Entry<T>[]): void {
    if (queue.length === 0) this.queues.delete(target);
  }
}
