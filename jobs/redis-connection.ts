import { Redis } from 'ioredis';

/**
 * BullMQ workers block on Redis and must wait out an outage (maxRetriesPerRequest: null);
 * everything a person is waiting on gives up quickly and says so.
 */
export function createRedisConnection(url: string, purpose: 'worker' | 'client', onError: (error: Error) => void): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: purpose === 'worker' ? null : 2,
    connectTimeout: 3000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5000),
  });
  redis.on('error', onError);
  return redis;
}
