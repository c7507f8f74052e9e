import type { Caller } from '../core/access.js';

/** A token bucket: `burst` commands at once, then one more every `everyMs`. */
export interface BucketSpec {
  burst: number;
  everyMs: number;
}

/**
 * Per caller the config does not know (by the transport's name for them): a stranger spamming
 * `help` gets 5 answers, then one per 3 s.
 */
export const PER_CALLER: BucketSpec = { burst: 5, everyMs: 3000 };
/**
 * Per configured person, whatever the chat: an operator in an incident (status, jobs, several
 * pools in a row) never waits; a runaway script of theirs does.
 */
export const PER_PERSON: BucketSpec = { burst: 20, everyMs: 1000 };
/**
 * Per channel, for all its strangers together: many nicks cannot do together what one may not.
 * Configured people are not counted against it, so a flood by strangers never silences them.
 */
export const PER_CHANNEL: BucketSpec = { burst: 10, everyMs: 2000 };

/** The config's `access.command_limits` (seconds) as buckets (milliseconds). */
export function limitsFromConfig(limits: Readonly<Record<'stranger' | 'channel_strangers' | 'person', { burst: number; every_seconds: number }>>): {
  perCaller: BucketSpec;
  perChannel: BucketSpec;
  perPerson: BucketSpec;
} {
  const bucket = ({ burst, every_seconds }: { burst: number; every_seconds: number }): BucketSpec => ({ burst, everyMs: every_seconds * 1000 });
  return { perCaller: bucket(limits.stranger), perChannel: bucket(limits.channel_strangers), perPerson: bucket(limits.person) };
}

/** Above this many remembered buckets, full ones (nobody over a limit) are forgotten. */
const PRUNE_ABOVE = 1000;

export type LimitVerdict =
  | { ok: true }
  /** `say` is true once per spell over the limit: after that, quiet until the bucket has a token again. */
  | { ok: false; over: 'caller' | 'channel'; say: boolean; waitMs: number };

interface Bucket {
  tokens: number;
  at: number;
  warned: boolean;
}

/**
 * Commands limited per caller (the configured person, whatever the transport; else the transport's
 * name for them) and, for strangers, per channel: in the gateway, so every transport is limited
 * the same way. Bucket sizes are in the constants above.
 */
export class CommandLimiter {
  private readonly callers = new Map<string, Bucket>();
  private readonly channels = new Map<string, Bucket>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly perCaller: BucketSpec = PER_CALLER,
    private readonly perChannel: BucketSpec = PER_CHANNEL,
    private readonly perPerson: BucketSpec = PER_PERSON,
  ) {}

  take(caller: Caller): LimitVerdict {
    const now = this.now();
    if (caller.person !== undefined) {
      const mine = this.bucket(this.callers, callerKey(caller), this.perPerson, now);
      if (mine.tokens < 1) return refuse('caller', mine, this.perPerson);
      mine.tokens -= 1;
      mine.warned = false;
      return { ok: true };
    }
    const mine = this.bucket(this.callers, callerKey(caller), this.perCaller, now);
    const channel = this.bucket(this.channels, `${caller.transport}:${caller.channel}`, this.perChannel, now);
    if (mine.tokens < 1) return refuse('caller', mine, this.perCaller);
    if (channel.tokens < 1) return refuse('channel', channel, this.perChannel);
    mine.tokens -= 1;
    channel.tokens -= 1;
    mine.warned = false;
    channel.warned = false;
    return { ok: true };
  }

  /** What a caller is allowed, for the words that tell them to slow down. */
  budgetFor(caller: Caller, over: 'caller' | 'channel' = 'caller'): BucketSpec {
    if (over === 'channel') return this.perChannel;
    return caller.person === undefined ? this.perCaller : this.perPerson;
  }

  private bucket(map: Map<string, Bucket>, key: string, spec: BucketSpec, now: number): Bucket {
    if (map.size > PRUNE_ABOVE) {
      // A bucket idle for a whole refill of the largest burst is full, whoever it belongs to.
      const idle = Math.max(this.perCaller.burst * this.perCaller.everyMs, this.perPerson.burst * this.perPerson.everyMs, this.perChannel.burst * this.perChannel.everyMs);
      for (const [other, bucket] of map) if (now - bucket.at >= idle) map.delete(other);
    }
    let bucket = map.get(key);
    if (bucket === undefined) {
      bucket = { tokens: spec.burst, at: now, warned: false };
      map.set(key, bucket);
    }
    bucket.tokens = Math.min(spec.burst, bucket.tokens + (now - bucket.at) / spec.everyMs);
    bucket.at = now;
    return bucket;
  }
}

function refuse(over: 'caller' | 'channel', bucket: Bucket, spec: BucketSpec): LimitVerdict {
  const say = !bucket.warned;
  bucket.warned = true;
  return { ok: false, over, say, waitMs: Math.ceil((1 - bucket.tokens) * spec.everyMs) };
}

/** The configured person across transports; else the name the transport knows them by. */
export function callerKey(caller: Caller): string {
  return caller.person === undefined ? `${caller.transport}:${caller.display.toLowerCase()}` : `person:${caller.person}`;
}
