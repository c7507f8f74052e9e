import type { TimerHandle, Timers } from '../../bot/irc/timers.js';

/** Timers on a clock that moves only when the test says so: advance() runs what falls due, in order. */
export class FakeClock implements Timers {
  private current: number;
  private nextId = 1;
  private readonly pending = new Map<number, { at: number; callback: () => void }>();

  constructor(start = 1_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.pending.set(id, { at: this.current + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    if (typeof handle === 'number') this.pending.delete(handle);
  }

  /** Moves time forward by `ms`, firing each due timer at its own instant (earliest first). */
  advance(ms: number): void {
    const end = this.current + ms;
    for (;;) {
      const due = [...this.pending.entries()].filter(([, timer]) => timer.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (due === undefined) break;
      const [id, timer] = due;
      this.pending.delete(id);
      this.current = Math.max(this.current, timer.at);
      timer.callback();
    }
    this.current = end;
  }

  /** Timers still waiting. */
  get timers(): number {
    return this.pending.size;
  }
}
