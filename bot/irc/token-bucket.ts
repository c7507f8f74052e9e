import type { Timers } from './timers.js';

/** Refills are float sums; a token that is due must not read as 0.9999999 and wait another millisecond. */
const EPSILON = 1e-9;

export interface TokenBucketOptions {
  /** Lines that may go out back to back after a quiet spell. */
  burst: number;
  /** Steady rate once the burst is spent. */
  perSecond: number;
  timers: Pick<Timers, 'now'>;
}

/**
 * The line budget of one IRC connection. Servers count commands per connection (InspIRCd's
 * penalty, Solanum's flood counters), so lines written around the outbox (JOIN, WHO, PONG)
 * are charged too, and may push the balance below zero.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(private readonly options: TokenBucketOptions) {
    if (!(options.burst >= 1) || !(options.perSecond > 0)) throw new RangeError(`bad token bucket: burst ${options.burst}, ${options.perSecond}/s`);
    this.tokens = options.burst;
    this.updatedAt = options.timers.now();
  }

  /** Takes one token when there is a whole one. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1 - EPSILON) return false;
    this.tokens = Math.max(this.tokens - 1, 0);
    return true;
  }

  /** Charges lines that were written anyway; the debt is capped at one burst so a storm of PONGs cannot mute us for minutes. */
  charge(lines = 1): void {
    this.refill();
    this.tokens = Math.max(this.tokens - lines, -this.options.burst);
  }

  /** Milliseconds until a whole token is there (0 when one is). */
  msUntilToken(): number {
    this.refill();
    if (this.tokens >= 1 - EPSILON) return 0;
    return Math.ceil(((1 - this.tokens) / this.options.perSecond) * 1000);
  }

  private refill(): void {
    const now = this.options.timers.now();
    const elapsed = Math.max(0, now - this.updatedAt) / 1000;
    this.updatedAt = now;
    this.tokens = Math.min(this.options.burst, this.tokens + elapsed * this.options.perSecond);
  }
}
