import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { redactRedisUrl } from '../../bot/redact-url.js';

/** Integration tests run against a real Redis (BullMQ's Lua scripts rule out mocks); npm run test:all starts one when none answers. */
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A key prefix no other test (or concurrent run) shares, e.g. `t-flow-3f9a0c1e`. It also fits the
 * config's slug rule, so it can stand in for `redis.prefix`.
 */
export function uniquePrefix(label: string): string {
  const slug = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    // 63 characters at most: "t-" + label + "-" + 8 random.
    .slice(0, 52)
    .replace(/-+$/, '');
  const random = randomBytes(4).toString('hex');
  return slug === '' ? `t-${random}` : `t-${slug}-${random}`;
}

/** Deletes every key under `prefix:`. SCAN rather than KEYS so a shared Redis is never blocked. */
export async function cleanupPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

/** Fails loudly when Redis is missing: a skipped integration suite looks green and proves nothing. */
export async function requireRedis(): Promise<void> {
  const client = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1500, retryStrategy: () => null, enableOfflineQueue: false });
  let lastError: Error | undefined;
  client.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await client.connect();
    await client.ping();
    await client.quit();
  } catch (error) {
    client.disconnect();
    const reason = (lastError ?? (error as Error)).message;
    throw new Error(
      `Integration tests need a real Redis, and none answers at ${redactRedisUrl(TEST_REDIS_URL)} (${reason}). ` +
        `Start one (redis-server --daemonize yes, or npm run test:all does it for you) or set REDIS_URL.`,
      { cause: error },
    );
  }
}
