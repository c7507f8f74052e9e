import type { Caller } from '../core/access.js';

/** A token bucket: `burst` commands at once, then one more every `everyMs`. */
export interface BucketSpec {
  burst: number;
  everyMs: number;
}

/**
 * Per caller: enough for a person working (status, a pool, a look at jobs) without waiting, and
 * one every 3 s after that. A stranger spamming `help` gets 5 answers, then one per 3 s.
 */
export const PER_CALLER: BucketSpec = { burst: 5, everyMs: 3000 };
/** Per channel, whoever asks: many nicks cannot do together what one may not. */
export const PER_CHANNEL: BucketSpec = { burst: 15, everyMs: 1000 };

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
 * name for them) and per channel, in the gateway, so every transport is limited the same way.
 */
export class CommandLimiter {
  private readonly callers = new Map<string, Bucket>();
  private readonly channels = new Map<string, Bucket>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly perCaller: BucketSpec = PER_CALLER,
    private readonly perChannel: BucketSpec = PER_CHANNEL,
  ) {}

  take(caller: Caller): LimitVerdict {
    const now = this.now();
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

  private bucket(map: Map<string, Bucket>, key: string, spec: BucketSpec, now: number): Bucket {
    if (map.size > PRUNE_ABOVE) {
      for (const [other, bucket] of map) if (bucket.tokens + (now - bucket.at) / spec.everyMs >= spec.burst) map.delete(other);
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
