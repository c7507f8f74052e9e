import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import * as z from 'zod';
import type { DeliveryReport, Enqueued } from '../../core/ports/delivery.js';
import { parseJson } from '../../core/parse-json.js';
import type { OutboxSettings } from './settings.js';

/** What one delivery attempt came to; `permanent` failures (a bad token, a refused payload) are not retried. */
export type DeliveryAttempt = { ok: true; detail?: string } | { ok: false; error: string; permanent?: boolean };

export interface RedisOutboxOptions<Payload, Context> {
  redis: Redis;
  /** e.g. `cutover:outbox:phabricator`; the outbox keeps `<key>:items` (a hash) and `<key>:due` (a sorted set). */
  key: string;
  payload: z.ZodType<Payload>;
  context: z.ZodType<Context>;
  deliver: (payload: Payload) => Promise<DeliveryAttempt>;
  /** Each failed attempt, each delivery, each giving up; a throwing listener does not stop the outbox. */
  onReport: (report: DeliveryReport<Context>) => void;
  settings: OutboxSettings;
  /** Epoch milliseconds. */
  now?: () => number;
}

/**
 * Claims the first due message by pushing its due time out by the lease, atomically, so of several
 * processes sharing the Redis one delivers it, and a process that dies mid-delivery leaves it due
 * again when the lease ends (at-least-once: a comment may be posted twice, never lost).
 */
const CLAIM = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 1)
if #ids == 0 then return nil end
redis.call('ZADD', KEYS[1], ARGV[2], ids[1])
return {ids[1], redis.call('HGET', KEYS[2], ids[1]) or ''}
`;

/**
 * A small retrying outbox in Redis for messages to services that must never block a change
 * (Phabricator comments, Grafana annotations): enqueue returns at once, delivery happens in the
 * background with exponential backoff, and what is queued survives a restart.
 */
export class RedisOutbox<Payload, Context> {
  private readonly now: () => number;
  private readonly stored: z.ZodType<{ payload: Payload; context: Context; attempts: number }>;
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<number> | undefined;

  constructor(private readonly options: RedisOutboxOptions<Payload, Context>) {
    this.now = options.now ?? Date.now;
    this.stored = z.object({ payload: options.payload, context: options.context, attempts: z.int().nonnegative() });
  }

  private get items(): string {
    return `${this.options.key}:items`;
  }
  private get due(): string {
    return `${this.options.key}:due`;
  }
  /** The last delivery's error while deliveries fail, for status; gone with the next delivery. */
  private get lastError(): string {
    return `${this.options.key}:last-error`;
  }

  async enqueue(payload: Payload, context: Context): Promise<Enqueued> {
    try {
      const queued = await this.options.redis.zcard(this.due);
      if (queued >= this.options.settings.max_queued) return { queued: false, reason: `${queued} messages are already waiting (max_queued)` };
      const id = randomUUID();
      await this.options.redis.multi().hset(this.items, id, JSON.stringify({ payload, context, attempts: 0 })).zadd(this.due, this.now(), id).exec();
      return { queued: true, id };
    } catch (error) {
      return { queued: false, reason: `Redis: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  /** Delivers every message due now, one at a time; the number attempted. */
  async drainOnce(): Promise<number> {
    let attempted = 0;
    for (;;) {
      const now = this.now();
      const claimed = (await this.options.redis.eval(CLAIM, 2, this.due, this.items, now, now + this.options.settings.lease_seconds * 1000)) as [string, string] | null;
      if (claimed === null) return attempted;
      attempted += 1;
      await this.attempt(claimed[0], claimed[1]);
    }
  }

  /** Polls every poll_seconds until stop(); a Redis outage is waited out, not thrown. */
  start(): void {
    if (this.timer !== undefined) return;
    const tick = (): void => {
      this.draining = this.drainOnce().catch(() => 0);
      void this.draining.finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.options.settings.poll_seconds * 1000);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.draining;
  }

  async pending(): Promise<number> {
    return this.options.redis.zcard(this.due);
  }

  /** What waits, and the last attempt's error if it failed: shared by every process delivering from this outbox. */
  async backlog(): Promise<{ waiting: number; lastError?: string }> {
    const results = await this.options.redis.multi().zcard(this.due).get(this.lastError).exec();
    const lastError = results?.[1]?.[1];
    return { waiting: Number(results?.[0]?.[1] ?? 0), ...(typeof lastError === 'string' ? { lastError } : {}) };
  }

  private async attempt(id: string, raw: string): Promise<void> {
    const parsed = this.stored.safeParse(parseJson(raw));
    if (!parsed.success) {
      // Written by another version or damaged: nothing to deliver and no context to report to.
      await this.forget(id);
      return;
    }
    const { payload, context } = parsed.data;
    const attempts = parsed.data.attempts + 1;
    let outcome: DeliveryAttempt;
    try {
      outcome = await this.options.deliver(payload);
    } catch (error) {
      outcome = { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    if (outcome.ok) {
      await this.options.redis.multi().zrem(this.due, id).hdel(this.items, id).del(this.lastError).exec();
      this.report({ status: 'delivered', id, attempts, context, ...(outcome.detail === undefined ? {} : { detail: outcome.detail }) });
      return;
    }
    await this.options.redis.set(this.lastError, outcome.error);
    if (outcome.permanent === true || attempts >= this.options.settings.max_attempts) {
      await this.forget(id);
      this.report({ status: 'failed', id, attempts, context, error: outcome.error });
      return;
    }
    const { base_delay_seconds: base, max_delay_seconds: max } = this.options.settings;
    const nextAttemptAt = this.now() + Math.min(max, base * 2 ** (attempts - 1)) * 1000;
    await this.options.redis.multi().hset(this.items, id, JSON.stringify({ payload, context, attempts })).zadd(this.due, nextAttemptAt, id).exec();
    this.report({ status: 'retrying', id, attempts, context, error: outcome.error, nextAttemptAt });
  }

  private async forget(id: string): Promise<void> {
    await this.options.redis.multi().zrem(this.due, id).hdel(this.items, id).exec();
  }

  private report(report: DeliveryReport<Context>): void {
    try {
      this.options.onReport(report);
    } catch {
      // The report is for people; failing to say it must not lose or repeat the message.
    }
  }
}
