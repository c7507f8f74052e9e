import * as z from 'zod';

/** One Redis Sentinel: where the bot asks which server is the primary now. */
export const sentinelAddressSchema = z.strictObject({
  host: z.string().min(1).max(255),
  port: z.int().min(1).max(65535),
});
export type SentinelAddress = z.infer<typeof sentinelAddressSchema>;

/** The name the sentinels monitor the primary under (`sentinel monitor <name> …`). */
export const sentinelNameSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'must be the name the sentinels monitor (letters, digits, ".", "_" and "-")' });

/**
 * The `redis` block's failover settings, spread into the block in config/schema.ts beside prefix and
 * autostart. Sentinels are optional: a single Redis (or the private autostarted one) needs none.
 */
export const redisFailoverShape = {
  /** Redis Sentinel: every connection asks these which server is the primary and follows a failover. */
  sentinels: z.array(sentinelAddressSchema).min(1, { error: 'list at least one sentinel (three in production)' }).max(16).optional(),
  sentinel_name: sentinelNameSchema.optional(),
  /**
   * Replicas that must have an approval, a service lock or an audit entry before the bot goes on
   * (`WAIT`). 0 for a single Redis; 1 with Sentinel, so a failover does not lose them.
   */
  wait_replicas: z.int().min(0).max(16).default(0),
  /** How long a write waits for its replicas before the bot goes on without them (logged and counted). */
  wait_timeout_ms: z.int().min(10).max(60_000).default(500),
};

/** Sentinels without the name they monitor (or the reverse) is half a setting: refuse it rather than guess. */
export function checkSentinelPair(redis: { sentinels?: unknown; sentinel_name?: unknown }, ctx: z.RefinementCtx): void {
  if ((redis.sentinels === undefined) !== (redis.sentinel_name === undefined)) {
    ctx.addIssue({ code: 'custom', path: [redis.sentinels === undefined ? 'sentinels' : 'sentinel_name'], message: 'redis.sentinels and redis.sentinel_name go together: set both or neither' });
  }
}

/**
 * REDIS_SENTINELS as the environment gives it: "host:port,host:port" ("[::1]:26379" for IPv6).
 * Returns the addresses, or the reason the list is unusable.
 */
export function parseSentinelList(text: string): { ok: true; sentinels: SentinelAddress[] } | { ok: false; reason: string } {
  const sentinels: SentinelAddress[] = [];
  for (const item of text.split(',').map((part) => part.trim())) {
    const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(item);
    const parsed = sentinelAddressSchema.safeParse({ host: match?.[1] ?? match?.[2], port: Number(match?.[3]) });
    if (match === null || !parsed.success) return { ok: false, reason: `"${item}" is not host:port (e.g. "10.0.0.1:26379,10.0.0.2:26379")` };
    sentinels.push(parsed.data);
  }
  return { ok: true, sentinels };
}
