import type { MessageRef } from '../transport.js';
import type { Timers } from './timers.js';

/** Where a progress message goes: a channel, and the thread under the request when there is one. */
export interface ProgressPlace {
  channel: string;
  threadTs?: string | undefined;
  /** Keeps the post in line with the other calls about its request (slack-outbox.ts). */
  orderKey?: string | undefined;
}

export interface ProgressEditorOptions {
  post(place: ProgressPlace, text: string): Promise<MessageRef>;
  edit(ref: MessageRef, text: string): Promise<void>;
  timers: Timers;
  /** Slack allows about one edit per message every couple of seconds (chat.update is rate limited). */
  minIntervalMs: number;
  log: (message: string, error?: unknown) => void;
  /** Requests tracked at once; the oldest idle ones are forgotten beyond this. */
  maxTracked?: number;
}

interface Entry {
  key: string;
  ref?: MessageRef;
  /** When the message was last posted or edited: the next edit waits for the interval from here. */
  lastWriteAt: number;
  /** The newest text not yet written; older ones are simply replaced (coalesced). */
  pending?: string;
  timer?: unknown;
  writing: boolean;
  finishing: boolean;
  idle: (() => void)[];
}

const RETIRED_MEMORY = 1000;

/**
 * One progress message per request, edited in place. The first update posts it; later ones are
 * coalesced into at most one chat.update per interval, and the newest text always lands, so a
 * burst of 100 host updates costs a handful of API calls and the channel never scrolls.
 */
export class ProgressEditor {
  private readonly entries = new Map<string, Entry>();
  /** Requests whose final state was written: progress arriving late (a retried delivery) is dropped. */
  private readonly retired = new Set<string>();
  private stopping = false;

  constructor(private readonly options: ProgressEditorOptions) {}

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Shows `text` as the progress of `key`; resolves with the message once it exists (posted now or before). */
  async show(key: string, place: ProgressPlace, text: string): Promise<MessageRef | undefined> {
    if (this.retired.has(key)) return undefined;
    const existing = this.entries.get(key);
    if (existing !== undefined) {
      if (!existing.finishing) {
        existing.pending = text;
        this.schedule(existing);
      }
      return existing.ref;
    }
    const entry: Entry = { key, lastWriteAt: this.options.timers.now(), writing: true, finishing: false, idle: [] };
    this.entries.set(key, entry);
    this.forgetIdle();
    try {
      entry.ref = await this.options.post(place, text);
    } catch (error) {
      // Nothing was shown: the caller's retry starts over with a fresh post.
      this.entries.delete(key);
      this.wake(entry);
      throw error;
    }
    entry.writing = false;
    entry.lastWriteAt = this.options.timers.now();
    this.schedule(entry);
    return entry.ref;
  }

  /**
   * The request ended: `text` replaces the progress message's content (after the interval, like any
   * edit). Resolves true once written, or false at once when the request had no progress message.
   */
  finish(key: string, text: string): Promise<boolean> {
    const entry = this.entries.get(key);
    if (entry === undefined) return Promise.resolve(false);
    entry.finishing = true;
    entry.pending = text;
    const written = new Promise<boolean>((resolve) => entry.idle.push(() => resolve(true)));
    this.schedule(entry);
    return written;
  }

  /** Writes everything pending without waiting for the interval (the transport is stopping), then resolves. */
  async flush(): Promise<void> {
    this.stopping = true;
    const waits: Promise<void>[] = [];
    for (const entry of this.entries.values()) {
      if (entry.timer !== undefined) {
        this.options.timers.clearTimeout(entry.timer);
        entry.timer = undefined;
      }
      waits.push(new Promise((resolve) => entry.idle.push(resolve)));
      this.schedule(entry);
    }
    await Promise.all(waits);
  }

  private schedule(entry: Entry): void {
    if (entry.timer !== undefined || entry.writing || entry.ref === undefined) return;
    if (entry.pending === undefined) {
      this.wake(entry);
      return;
    }
    const { timers, minIntervalMs } = this.options;
    const delay = this.stopping ? 0 : Math.max(0, entry.lastWriteAt + minIntervalMs - timers.now());
    entry.timer = timers.setTimeout(() => {
      entry.timer = undefined;
      void this.write(entry);
    }, delay);
  }

  private async write(entry: Entry): Promise<void> {
    const { pending, ref } = entry;
    if (pending === undefined || ref === undefined) return;
    entry.pending = undefined;
    entry.writing = true;
    try {
      await this.options.edit(ref, pending);
    } catch (error) {
      // Progress is advisory and the next update carries the newest text anyway; the result is posted separately.
      this.options.log(`could not update the progress message of ${entry.key}`, error);
    }
    entry.writing = false;
    entry.lastWriteAt = this.options.timers.now();
    this.schedule(entry);
  }

  /** Nothing left to write for this entry: release whoever waits, and retire it if the request ended. */
  private wake(entry: Entry): void {
    if (entry.finishing && this.entries.get(entry.key) === entry) {
      this.entries.delete(entry.key);
      this.retired.add(entry.key);
      if (this.retired.size > RETIRED_MEMORY) this.retired.delete(this.retired.values().next().value ?? '');
    }
    for (const resolve of entry.idle.splice(0)) resolve();
  }

  private forgetIdle(): void {
    const max = this.options.maxTracked ?? 500;
    for (const entry of this.entries.values()) {
      if (this.entries.size <= max) return;
      if (entry.timer === undefined && !entry.writing && entry.pending === undefined) this.entries.delete(entry.key);
    }
  }
}
