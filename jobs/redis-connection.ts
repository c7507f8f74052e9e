import { Redis, type RedisOptions } from 'ioredis';
import type { EnvSettings } from '../config/load.js';
import type { SentinelAddress } from '../config/redis-settings.js';
import { CutoverError } from '../core/errors.js';

/** Where the bot's Redis is: one server at a URL, or whichever server a group of sentinels names primary. */
export type RedisTarget =
  | { kind: 'server'; url: string }
  | {
      kind: 'sentinel';
      sentinels: SentinelAddress[];
      name: string;
      username?: string | undefined;
      password?: string | undefined;
      sentinelPassword?: string | undefined;
      db: number;
    };

/**
 * The target from the `redis` block and the environment. Sentinels come from the YAML or from
 * REDIS_SENTINELS, never both (two sources means someone believes the other one is in force); the
 * password from REDIS_PASSWORD (or its secret file) or from REDIS_URL, whose host is then unused.
 */
export function resolveRedisTarget(settings: { sentinels?: SentinelAddress[] | undefined; sentinel_name?: string | undefined }, env: EnvSettings): RedisTarget {
  if (settings.sentinels !== undefined && env.redisSentinels !== undefined) {
    throw new CutoverError('config.invalid', 'redis.sentinels and REDIS_SENTINELS are both set; keep one.');
  }
  const url = new URL(env.redisUrl);
  const urlPassword = decodeURIComponent(url.password);
  if (env.redisPassword !== undefined && urlPassword !== '') {
    throw new CutoverError('config.invalid', 'REDIS_URL carries a password and REDIS_PASSWORD (or secrets.redis_password_file) is set too; keep one.');
  }
  const sentinels = env.redisSentinels ?? settings.sentinels;
  if (sentinels === undefined) {
    if (env.redisSentinelName !== undefined) throw new CutoverError('config.invalid', 'REDIS_SENTINEL_NAME is set without any sentinels: set REDIS_SENTINELS (or redis.sentinels) too.');
    if (env.redisPassword !== undefined) url.password = encodeURIComponent(env.redisPassword);
    return { kind: 'server', url: url.toString() };
  }
  // Sentinel connections here speak plain TCP: dropping the TLS a rediss:// URL asked for would be silent.
  if (url.protocol === 'rediss:') throw new CutoverError('config.invalid', 'REDIS_URL asks for TLS (rediss://), which cutover does not yet speak through Redis Sentinel: use redis:// with sentinels on a trusted network, or a single server over rediss://.');
  const name = env.redisSentinelName ?? settings.sentinel_name;
  if (name === undefined) throw new CutoverError('config.invalid', 'REDIS_SENTINELS needs REDIS_SENTINEL_NAME (or redis.sentinel_name): the name the sentinels monitor the primary under.');
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new CutoverError('config.invalid', `REDIS_URL's database "${url.pathname.slice(1)}" is not a number.`);
  return {
    kind: 'sentinel',
    sentinels,
    name,
    username: url.username === '' ? undefined : decodeURIComponent(url.username),
    password: env.redisPassword ?? (urlPassword === '' ? undefined : urlPassword),
    sentinelPassword: env.redisSentinelPassword,
    db,
  };
}

/** For logs and errors: never the password. */
export function describeRedisTarget(target: RedisTarget, redact: (url: string) => string): string {
  if (target.kind === 'server') return redact(target.url);
  return `the primary "${target.name}" of sentinels ${target.sentinels.map((sentinel) => `${sentinel.host}:${sentinel.port}`).join(', ')}`;
}

/**
 * How long a command waits out a Redis that is away. A plain server: give up quickly and say so.
 * Behind sentinels a failover is expected and takes seconds (down-after-milliseconds plus the
 * election), so commands wait for the new primary instead of failing a person's approval:
 * 30 tries at most 500 ms apart cover about 14 s.
 */
const CLIENT_RETRIES = { server: 2, sentinel: 30 } as const;

/**
 * BullMQ workers block on Redis and must wait out an outage (maxRetriesPerRequest: null);
 * everything a person is waiting on gives up once a failover should have ended, and says so.
 */
export function createRedisConnection(target: RedisTarget, purpose: 'worker' | 'client', onError: (error: Error) => void): Redis {
  const common: RedisOptions = {
    maxRetriesPerRequest: purpose === 'worker' ? null : CLIENT_RETRIES[target.kind],
    connectTimeout: 3000,
  };
  const redis =
    target.kind === 'server'
      ? new Redis(target.url, { ...common, retryStrategy: (attempt) => Math.min(attempt * 200, 5000) })
      : new Redis({ ...common, ...sentinelOptions(target) });
  redis.on('error', onError);
  // ioredis 6 closes a quit() connection without its failover detector: the detector's
  // subscriptions to every sentinel stay open, and reconnect to them forever. disconnect() is what
  // tears them down (SentinelConnector.disconnect), so a connection closed for good gets one.
  if (target.kind === 'sentinel') redis.once('end', () => redis.disconnect());
  return redis;
}

/** ioredis settings that follow the primary through a failover (ioredis 6 `SentinelConnector`). */
export function sentinelOptions(target: Extract<RedisTarget, { kind: 'sentinel' }>): RedisOptions {
  return {
    sentinels: target.sentinels,
    name: target.name,
    role: 'master',
    db: target.db,
    ...(target.username === undefined ? {} : { username: target.username }),
    ...(target.password === undefined ? {} : { password: target.password }),
    ...(target.sentinelPassword === undefined ? {} : { sentinelPassword: target.sentinelPassword }),
    // Subscribes to +switch-master on the sentinels and reconnects at once, rather than writing
    // to a demoted primary until its connection happens to drop.
    failoverDetector: true,
    // Learns sentinels added since start from the ones it was given.
    updateSentinels: true,
    // A write that reached the old primary after it was demoted is refused (READONLY), so nothing
    // was done: reconnect (the sentinels now name the new primary) and send it again (2).
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
    // Workers queue commands while no primary is known; the offline queue is what lets them wait.
    enableOfflineQueue: true,
    retryStrategy: (attempt) => Math.min(attempt * 100, 500),
    // All sentinels away is a longer outage than a failover: keep asking, more slowly.
    sentinelRetryStrategy: (attempt) => Math.min(attempt * 250, 2000),
  };
}

/**
 * Runs `then` each time `redis` is ready again after its first connection: a reconnect, which
 * behind sentinels is usually a failover. One run at a time; a failure goes to `onError`.
 */
export function afterReconnect(redis: Redis, then: () => Promise<unknown>, onError: (error: Error) => void): void {
  let connected = redis.status === 'ready';
  let running = false;
  redis.on('ready', () => {
    if (!connected) {
      connected = true;
      return;
    }
    if (running) return;
    running = true;
    then()
      .catch((error: unknown) => onError(error as Error))
      .finally(() => {
        running = false;
      });
  });
}
