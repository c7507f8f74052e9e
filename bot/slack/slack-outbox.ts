import { isCutoverError } from '../../core/errors.js';
import type { Urgency } from '../transport.js';
import { urgencyRank } from '../urgency.js';
import type { Timers } from './timers.js';

/** Slack said 429: the call was not made, and Slack named how long to wait. */
export class SlackRateLimited extends Error {
  constructor(
    readonly method: string,
    readonly retryAfterSeconds: number,
  ) {
    super(`Slack rate limited ${method} (Retry-After ${retryAfterSeconds}s)`);
  }
}

export interface SlackCallJob<T> {
  channel: string;
  urgency: Urgency;
  /** For log lines: `chat.postMessage`, `reactions.add`. */
  method: string;
  /**
   * Calls about one request keep their order (▶ started before ✅ done); only safety alerts and
   * approval decisions may overtake earlier calls about their request.
   */
  orderKey?: string | undefined;
  /** A newer call with this key replaces one still waiting (a newer edit of the same message): one call, both callers answered. */
  coalesceKey?: string | undefined;
  run: () => Promise<T>;
}

export interface SlackOutboxOptions {
  timers: Timers;
  /** Slack allows about one message per second per channel; every call in a channel is spaced by this. */
  minIntervalMs: number;
  /** Answers to queries and help are worth nothing after this long; everything else is retried until it lands. */
  answerGiveUpMs: number;
  log: (message: string, error?: unknown) => void;
  /** Every call made, for metrics and tests: which channel, when, and whether Slack took it. */
  onCall?: (channel: string, method: string, at: number, outcome: 'ok' | 'rate-limited' | 'failed') => void;
}

interface Queued {
  job: SlackCallJob<unknown>;
  rank: number;
  seq: number;
  enqueuedAt: number;
  failures: number;
  inFlight: boolean;
  waiters: Array<{ resolve: (value: unknown) => void; reject: (error: unknown) => void }>;
}

interface Lane {
  queue: Queued[];
  /** Earliest time the next call may go: the pace, or a Retry-After. */
  nextAt: number;
  busy: boolean;
  timer: unknown;
}

/** Retry-After is whole seconds; a little margin keeps the next try from landing a hair early. */
const RETRY_MARGIN_MS = 50;
const MAX_BACKOFF_MS = 30_000;
/** Answers and help may be given up on; the ranks above them (safety … progress) never are. */
const BOUNDED_RANK = urgencyRank('answer');
const JUMP_RANK = urgencyRank('approval');

/**
 * Every Slack Web API call of the transport, one lane per channel: calls go one at a time, spaced
 * by minIntervalMs, most urgent first (bot/urgency.ts), first in first out within an urgency. A 429
 * leaves the call where it was in line and pauses the lane for Retry-After; the next try picks the
 * most urgent call again, so an approval request queued during a rate-limit storm goes before the
 * answers queued ahead of it. Nothing a person needs is given up on; answers are, after a while.
 */
export class SlackOutbox {
  private readonly lanes = new Map<string, Lane>();
  private readonly drained = new Set<() => void>();
  private seq = 0;

  constructor(private readonly options: SlackOutboxOptions) {}

  run<T>(job: SlackCallJob<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const lane = this.laneOf(job.channel);
      const waiter = { resolve: resolve as (value: unknown) => void, reject };
      const rank = urgencyRank(job.urgency);
      const older = job.coalesceKey === undefined ? undefined : lane.queue.find((entry) => !entry.inFlight && entry.job.coalesceKey === job.coalesceKey);
      if (older !== undefined) {
        // Keeps its place in line, or moves up if the newer call is more urgent.
        older.job = job;
        older.rank = Math.min(older.rank, rank);
        older.waiters.push(waiter);
        return;
      }
      this.seq += 1;
      lane.queue.push({ job: job, rank, seq: this.seq, enqueuedAt: this.options.timers.now(), failures: 0, inFlight: false, waiters: [waiter] });
      this.pump(job.channel, lane);
    });
  }

  /** Calls waiting or in flight, in one channel or all. */
  size(channel?: string): number {
    if (channel !== undefined) return this.lanes.get(channel)?.queue.length ?? 0;
    let total = 0;
    for (const lane of this.lanes.values()) total += lane.queue.length;
    return total;
  }

  /** Resolves once every lane is empty, or after `timeoutMs`; what is still queued then is given up and returned as a count. */
  async drain(timeoutMs: number): Promise<number> {
    if (this.size() > 0) {
      let timer: unknown;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.drained.delete(done);
          resolve();
        };
        this.drained.add(done);
        timer = this.options.timers.setTimeout(done, timeoutMs);
      });
      this.options.timers.clearTimeout(timer);
    }
    let abandoned = 0;
    for (const [channel, lane] of this.lanes) {
      this.options.timers.clearTimeout(lane.timer);
      lane.timer = undefined;
      for (const entry of lane.queue.splice(0)) {
        abandoned += 1;
        const error = new Error(`stopped before Slack took ${entry.job.method} for ${channel}`);
        for (const waiter of entry.waiters) waiter.reject(error);
      }
    }
    return abandoned;
  }

  private laneOf(channel: string): Lane {
    let lane = this.lanes.get(channel);
    if (lane === undefined) {
      lane = { queue: [], nextAt: 0, busy: false, timer: undefined };
      this.lanes.set(channel, lane);
    }
    return lane;
  }

  private pump(channel: string, lane: Lane): void {
    if (lane.busy || lane.timer !== undefined) return;
    const entry = next(lane.queue);
    if (entry === undefined) {
      // The lane stays (one per channel the bot talks in): its pace holds for the next call too.
      if (this.size() === 0) for (const done of [...this.drained]) done();
      return;
    }
    const { timers } = this.options;
    const wait = lane.nextAt - timers.now();
    if (wait > 0) {
      // The pick is made again when the wait is over: whatever more urgent came meanwhile goes first.
      lane.timer = timers.setTimeout(() => {
        lane.timer = undefined;
        this.pump(channel, lane);
      }, wait);
      return;
    }
    lane.busy = true;
    lane.nextAt = timers.now() + this.options.minIntervalMs;
    void this.attempt(channel, lane, entry).finally(() => {
      lane.busy = false;
      this.pump(channel, lane);
    });
  }

  private async attempt(channel: string, lane: Lane, entry: Queued): Promise<void> {
    const { timers, log, onCall } = this.options;
    const { job } = entry;
    const startedAt = timers.now();
    entry.inFlight = true;
    try {
      const value = await job.run();
      onCall?.(channel, job.method, startedAt, 'ok');
      remove(lane.queue, entry);
      for (const waiter of entry.waiters) waiter.resolve(value);
      return;
    } catch (error) {
      entry.inFlight = false;
      const limited = error instanceof SlackRateLimited;
      onCall?.(channel, job.method, startedAt, limited ? 'rate-limited' : 'failed');
      // A refusal (not_in_channel, invalid_blocks) will not change by asking again.
      const retryable = limited || isCutoverError(error, 'transport.unavailable');
      const expired = entry.rank >= BOUNDED_RANK && timers.now() - entry.enqueuedAt >= this.options.answerGiveUpMs;
      if (!retryable || expired) {
        remove(lane.queue, entry);
        if (expired) log(`gave up on ${job.method} in ${channel} after ${Math.round((timers.now() - entry.enqueuedAt) / 1000)}s: an ${job.urgency} that late is no use`);
        for (const waiter of entry.waiters) waiter.reject(error);
        return;
      }
      entry.failures += 1;
      if (limited) {
        lane.nextAt = Math.max(lane.nextAt, timers.now() + Math.max(1, error.retryAfterSeconds) * 1000 + RETRY_MARGIN_MS);
        log(`${job.method} rate limited; waiting ${error.retryAfterSeconds}s as Slack asked`);
      } else {
        const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(entry.failures - 1, 5));
        lane.nextAt = Math.max(lane.nextAt, timers.now() + backoff);
        log(`${job.method} failed; trying again in ${backoff / 1000}s`, error);
      }
    }
  }
}

/**
 * The call to make next: the most urgent, oldest first among equals, except that a call about a
 * request never overtakes an earlier one about the same request unless it is a safety alert or a
 * decision (so `✅ done` never lands before `▶ started`, while `👍 approved` may pass it).
 */
function next(queue: readonly Queued[]): Queued | undefined {
  let best: Queued | undefined;
  for (const entry of queue) {
    const key = entry.job.orderKey;
    if (key !== undefined && entry.rank > JUMP_RANK && queue.some((other) => other.seq < entry.seq && other.job.orderKey === key)) continue;
    if (best === undefined || entry.rank < best.rank || (entry.rank === best.rank && entry.seq < best.seq)) best = entry;
  }
  return best;
}

function remove(queue: Queued[], entry: Queued): void {
  const index = queue.indexOf(entry);
  if (index >= 0) queue.splice(index, 1);
}
