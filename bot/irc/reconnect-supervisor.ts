import type { IrcLog } from './irc-log.js';
import type { TimerHandle, Timers } from './timers.js';

export interface ReconnectSupervisorOptions {
  minMs: number;
  maxMs: number;
  timers: Timers;
  /** Opens one connection attempt; the transport reports back with registered() and lost(). */
  connect: (attempt: number) => void;
  log: IrcLog;
  /** In [0, 1); spreads reconnects of many bots after a server restart. */
  random?: () => number;
  /** A connection that stayed registered this long was healthy: the backoff starts over. */
  stableMs?: number;
}

/** The first retry after a loss: a server restart is usually over within a second or two. */
export const FIRST_RETRY_MAX_MS = 1000;
/**
 * No wait is longer than this, whatever the config says: after a long outage the bot is back at
 * most this long after the server (a wait of minutes left channels without the bot long after
 * the server had returned).
 */
export const BACKOFF_CEILING_MS = 30_000;

/**
 * Keeps one IRC connection alive for as long as the transport runs. irc-framework's own
 * auto_reconnect gives up after 3 tries and never retries a failed first connect; this never
 * gives up, retries fast once (at most FIRST_RETRY_MAX_MS), then doubles the wait up to the
 * configured max and never past BACKOFF_CEILING_MS, with jitter, and logs every attempt.
 */
export class ReconnectSupervisor {
  private failures = 0;
  private attempts = 0;
  private registeredAt: number | undefined;
  private timer: TimerHandle | undefined;
  private stopped = true;

  constructor(private readonly options: ReconnectSupervisorOptions) {}

  start(): void {
    this.stopped = false;
    this.attempt();
  }

  registered(): void {
    this.registeredAt = this.options.timers.now();
  }

  /** The connection closed (or never opened); schedules the next attempt. */
  lost(reason: string): void {
    if (this.stopped || this.timer !== undefined) return;
    const { timers, stableMs = 30_000 } = this.options;
    const wasStable = this.registeredAt !== undefined && timers.now() - this.registeredAt >= stableMs;
    this.registeredAt = undefined;
    this.failures = wasStable ? 1 : this.failures + 1;
    const delay = this.delayFor(this.failures);
    this.options.log(this.failures > 3 ? 'error' : 'warn', `IRC connection lost (${reason}); reconnecting in ${(delay / 1000).toFixed(1)} s`, {
      failures: this.failures,
      delayMs: delay,
    });
    this.timer = timers.setTimeout(() => {
      this.timer = undefined;
      this.attempt();
    }, delay);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.options.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Exponential from a fast first retry, capped, with up to 25 % taken off at random so a fleet does not reconnect in step. */
  delayFor(failures: number): number {
    const { minMs, maxMs, random = Math.random } = this.options;
    const first = Math.min(minMs, FIRST_RETRY_MAX_MS);
    const cap = Math.max(first, Math.min(maxMs, BACKOFF_CEILING_MS));
    const base = Math.min(cap, first * 2 ** Math.min(Math.max(failures - 1, 0), 30));
    return Math.round(base * (1 - 0.25 * random()));
  }

  private attempt(): void {
    if (this.stopped) return;
    this.attempts += 1;
    this.options.connect(this.attempts);
  }
}
