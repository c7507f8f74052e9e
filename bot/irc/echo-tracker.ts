import { ircLower } from './casefold.js';
import type { TimerHandle, Timers } from './timers.js';

/** Lines remembered per target; past this the oldest are given up (an echo that never comes). */
const MAX_PENDING = 200;

interface Pending {
  text: string;
  settle: ((msgid: string | undefined) => void) | undefined;
  timer: TimerHandle | undefined;
}

/**
 * Learns the msgid of the bot's own lines from their echo (IRCv3 echo-message): the server
 * echoes each line to its sender, in order, per target. Lines are matched first in, first out,
 * and by text, so a line the server refused (and never echoed) cannot shift every later match.
 */
export class EchoTracker {
  private readonly pending = new Map<string, Pending[]>();

  constructor(
    private readonly timers: Timers,
    private readonly timeoutMs: number,
  ) {}

  /**
   * A line was written. `settle` (if any) gets its msgid, or undefined after the timeout; a
   * late echo still takes its place in the queue, it just no longer answers anyone.
   */
  expect(target: string, text: string, settle?: (msgid: string | undefined) => void): void {
    const entry: Pending = { text, settle, timer: undefined };
    if (settle !== undefined) entry.timer = this.timers.setTimeout(() => this.answer(entry, undefined), this.timeoutMs);
    const queue = this.pending.get(ircLower(target)) ?? [];
    queue.push(entry);
    for (const stale of queue.splice(0, Math.max(0, queue.length - MAX_PENDING))) this.answer(stale, undefined);
    this.pending.set(ircLower(target), queue);
  }

  /** The server echoed one of our lines. */
  echoed(target: string, text: string, msgid: string | undefined): void {
    const queue = this.pending.get(ircLower(target));
    if (queue === undefined) return;
    const at = queue.findIndex((entry) => entry.text === text);
    if (at === -1) return;
    // Lines before it were not echoed and never will be (refused, or altered by the server).
    for (const skipped of queue.splice(0, at)) this.answer(skipped, undefined);
    const [entry] = queue.splice(0, 1);
    if (queue.length === 0) this.pending.delete(ircLower(target));
    if (entry !== undefined) this.answer(entry, msgid);
  }

  /** The connection is gone: nothing written on it will be echoed now. */
  reset(): void {
    for (const queue of this.pending.values()) for (const entry of queue) this.answer(entry, undefined);
    this.pending.clear();
  }

  private answer(entry: Pending, msgid: string | undefined): void {
    if (entry.timer !== undefined) this.timers.clearTimeout(entry.timer);
    entry.timer = undefined;
    const settle = entry.settle;
    entry.settle = undefined;
    settle?.(msgid);
  }
}
